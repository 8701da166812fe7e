import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { quarantineFile } from '../../src-main/pipeline/inbox/quarantine.js';
import { mountTmpfs } from '../helpers/tmpfs.js';

const record = { code: 'NOT_DICOM' as const, reason: 'no DICM prefix', copyMaxBytes: 1 << 20 };

describe('quarantine', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-quarantine-'));
    await mkdir(path.join(work, 'inbox'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('fits a 255-byte file name (the file-system limit) and strips control characters', async () => {
    const name = `${'é'.repeat(100)}\n${'x'.repeat(50)}.dcm`; // 255 bytes in UTF-8
    assert.equal(Buffer.byteLength(name), 255);
    const source = path.join(work, 'inbox', name);
    await writeFile(source, 'garbage');
    const copy = await quarantineFile(source, path.join(work, 'q1'), { ...record, displayPath: name });
    assert.ok(Buffer.byteLength(path.basename(copy)) + '.reason.json'.length <= 255);
    assert.ok(!path.basename(copy).includes('\n'));
    assert.equal(await readFile(copy, 'utf8'), 'garbage');
    const reason = JSON.parse(await readFile(`${copy}.reason.json`, 'utf8'));
    assert.equal(reason.source, name);
  });

  it('keeps only a reference above the copy limit', async () => {
    const source = path.join(work, 'inbox', 'big.dcm');
    await writeFile(source, Buffer.alloc(2 << 20));
    const reasonPath = await quarantineFile(source, path.join(work, 'q2'), { ...record, displayPath: 'big.dcm' });
    assert.deepEqual(await readdir(path.join(work, 'q2')), [path.basename(reasonPath)]);
    const reason = JSON.parse(await readFile(reasonPath, 'utf8'));
    assert.deepEqual([reason.copied, reason.size], [false, 2 << 20]);
  });

  it('leaves no empty or partial file behind on a full disk', async (t) => {
    const tmpfs = await mountTmpfs(256 << 10);
    if (!tmpfs) {
      t.skip('no permission to mount a small tmpfs here');
      return;
    }
    try {
      const quarantineDir = path.join(tmpfs.dir, 'quarantine');
      const filler = await open(path.join(tmpfs.dir, 'filler'), 'w');
      await filler.write(Buffer.alloc((256 << 10) - 8192)).catch(() => {});
      await filler.close();
      const source = path.join(work, 'inbox', 'medium.dcm');
      await writeFile(source, Buffer.alloc(100 << 10, 7));
      await assert.rejects(quarantineFile(source, quarantineDir, { ...record, displayPath: 'medium.dcm' }), /ENOSPC/);
      assert.deepEqual(await readdir(quarantineDir), []);
    } finally {
      await tmpfs.unmount();
    }
  });
});
