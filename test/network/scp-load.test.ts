import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import dicomParser from 'dicom-parser';
import { setLogLevel } from '../../src-main/log.js';
import { StorageScp } from '../../src-main/network/scp/storage-scp.js';
import { DEFAULT_NETWORK_SETTINGS } from '../../src-main/contract/network-settings.js';
import { dcmtk } from '../helpers/dicom-peers.js';
import { SHARED_DATA } from '../helpers/paths.js';

setLogLevel('error');

/** A real CT slice (pydicom's CT_small, 128², explicit little endian): small, so 4,000 copies fit in a temp folder. */
const SOURCE = path.join(SHARED_DATA, 'dicom-samples', 'pydicom', 'CT_small.dcm');
const ASSOCIATIONS = 20;
const PER_ASSOCIATION = 200;

/**
 * The slice with a new SOP Instance UID of the same length, written over the old one in File Meta
 * and dataset (so nothing else moves): distinct instances from one real image, quickly.
 */
function withSopInstanceUid(original: Buffer, uid: string): Buffer {
  const copy = Buffer.from(original);
  const parsed = dicomParser.parseDicom(copy);
  for (const tag of ['x00020003', 'x00080018']) {
    const element = parsed.elements[tag]!;
    assert.equal(uid.length, element.length, 'same length, so no offset changes');
    copy.write(uid, element.dataOffset, 'latin1');
  }
  return copy;
}

describe('C-STORE SCP under load', () => {
  let work: string;
  const expected = new Set<string>();

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-scp-load-'));
    const original = await readFile(SOURCE);
    const element = dicomParser.parseDicom(original).elements['x00080018']!;
    const length = element.length; // 48, even: the stored value
    for (let a = 0; a < ASSOCIATIONS; a++) {
      await mkdir(path.join(work, 'send', String(a)), { recursive: true });
      for (let i = 0; i < PER_ASSOCIATION; i++) {
        const suffix = `.${a + 1}.${i + 1}`;
        const uid = `2.25.${'1'.repeat(length - 5 - suffix.length)}${suffix}`;
        expected.add(uid);
        await writeFile(path.join(work, 'send', String(a), `${i}.dcm`), withSopInstanceUid(original, uid));
      }
    }
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it(`${ASSOCIATIONS} concurrent associations × ${PER_ASSOCIATION} instances: every instance stored exactly once, memory bounded`, async (t) => {
    const intakeDir = path.join(work, 'intake');
    const offered: string[] = [];
    const scp = new StorageScp({
      settings: { ...DEFAULT_NETWORK_SETTINGS, port: 0 },
      intakeDir,
      onInstance: async (filePath) => void offered.push(filePath),
      onSeriesMayBeComplete: () => {},
      intakeAvailable: () => true,
    });
    const port = await scp.start();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = Date.now();
    try {
      const runs = await Promise.all(
        Array.from({ length: ASSOCIATIONS }, (_, a) => dcmtk('storescu', ['-aet', `LOAD${a}`, '-aec', 'ICHTRIAGE', '+sd', '127.0.0.1', String(port), path.join(work, 'send', String(a))], 300_000)),
      );
      const seconds = (Date.now() - started) / 1000;
      for (const [a, run] of runs.entries()) assert.equal(run.code, 0, `association ${a}: ${run.stderr.slice(0, 500)}`);
      const stored = await readdir(intakeDir);
      assert.equal(stored.length, expected.size, 'one file per instance, no temporary file left');
      assert.deepEqual(new Set(stored.map((name) => name.replace(/\.dcm$/, ''))), expected);
      assert.equal(offered.length, expected.size);
      assert.equal(new Set(offered).size, expected.size, 'each queued once');
      const peakMb = (peak - baseline) / 1024 / 1024;
      t.diagnostic(`${expected.size} instances in ${seconds.toFixed(1)} s (${(expected.size / seconds).toFixed(0)}/s), peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB (+${peakMb.toFixed(0)} MB over the idle SCP)`);
      // Each association holds at most one PDU and one instance's first 256 KB: far below this.
      assert.ok(peakMb < 256, `peak RSS grew by ${peakMb.toFixed(0)} MB`);
    } finally {
      clearInterval(sampler);
      await scp.close();
    }
  });
});
