import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEngine, type Engine } from '../../src-main/app/engine.js';
import { ICH_CLASSES } from '../../src-main/contract/classes.js';
import type { StudySummary } from '../../src-main/contract/dto.js';
import { setLogLevel } from '../../src-main/log.js';
import { KEY_IMAGE_CAPTION, SECONDARY_CAPTURE_IMAGE_STORAGE } from '../../src-main/network/results/key-image.js';
import { COMPREHENSIVE_3D_SR, FINDING_CODES } from '../../src-main/network/results/measurement-report.js';
import { readNatural } from '../../src-main/network/results/result-context.js';
import { dcmtk, freePort, startOrthanc, type Orthanc } from '../helpers/dicom-peers.js';
import { SHARED_DATA } from '../helpers/paths.js';
import { until } from '../helpers/until.js';

setLogLevel('error');

/** A real positive slice (any, intraparenchymal, subarachnoid) with conforming UIDs. */
const CQ500_POSITIVE = path.join(SHARED_DATA, 'cq500', 'CQ500-CT-1_single_slice');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dcmjs naturalised datasets are untyped JSON trees
type Natural = Record<string, any>;


/** Every content item of an SR tree, depth first. */
function contentItems(node: Natural): Natural[] {
  const children = (node.ContentSequence ?? []) as Natural[];
  return children.flatMap((child) => [child, ...contentItems(child)]);
}

const conceptMeaning = (item: Natural) => item.ConceptNameCodeSequence?.[0]?.CodeMeaning ?? item.ConceptNameCodeSequence?.CodeMeaning;

describe('results back to PACS: TID 1500 SR and key images by C-STORE', () => {
  let work: string;
  let engine: Engine;
  let orthanc: Orthanc;
  let study: StudySummary;
  let deadPort: number;

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-results-'));
    orthanc = await startOrthanc(path.join(work, 'orthanc'), {});
    deadPort = await freePort();
    await mkdir(path.join(work, 'inbox'));
    engine = await startEngine({
      dbPath: path.join(work, 'db.sqlite'),
      providers: [],
      settleMs: 0,
      network: {
        aeTitle: 'ICHTRIAGE',
        destinations: [
          { name: 'PACS', aeTitle: orthanc.aeTitle, host: '127.0.0.1', port: orthanc.dicomPort },
          { name: 'LATER', aeTitle: 'STORESCP', host: '127.0.0.1', port: deadPort },
        ],
      },
    });
    await engine.ingestPaths([CQ500_POSITIVE]);
    await engine.whenIdle();
    study = (await engine.api.listStudies({}))[0]!;
  });

  after(async () => {
    await orthanc?.stop();
    await engine?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('sends an SR and key images that Orthanc stores in the same study, with new UIDs', async () => {
    const status = await engine.api.sendResults(study.studyId, 'PACS');
    assert.equal(status.state, 'sent', status.lastError ?? '');
    assert.equal(status.attempts, 1);
    const instances = await orthanc.rest<{ ID: string; MainDicomTags: { SOPInstanceUID: string } }[]>('GET', '/instances?expand');
    assert.equal(instances.length, status.objectCount);
    assert.ok(status.objectCount >= 2, 'one SR and at least one key image');
    const studies = await orthanc.rest<{ MainDicomTags: { StudyInstanceUID: string } }[]>('GET', '/studies?expand');
    assert.deepEqual(studies.map((s) => s.MainDicomTags.StudyInstanceUID), [study.studyInstanceUid]);
    const source = await engine.api.getStudy(study.studyId);
    const sourceUids = new Set(source.series.flatMap((s) => s.slices.map((slice) => slice.sopInstanceUid)));
    for (const instance of instances) assert.ok(!sourceUids.has(instance.MainDicomTags.SOPInstanceUID), 'new SOP Instance UIDs');
    const network = await engine.api.getNetworkStatus();
    assert.deepEqual(network.sends.map((s) => [s.studyId, s.destination, s.state]), [[study.studyId, 'PACS', 'sent']]);
  });

  it('the SR read back from Orthanc is a valid TID 1500 report (dsrdump) whose tree holds every class score, the flags, the key slices and the model', async () => {
    const srIds = await orthanc.rest<string[]>('POST', '/tools/find', { Level: 'Instance', Query: { Modality: 'SR' } });
    assert.equal(srIds.length, 1);
    const bytes = await orthanc.restBytes(`/instances/${srIds[0]}/file`);
    const file = path.join(work, 'sr.dcm');
    await writeFile(file, bytes);
    const dump = await dcmtk('dsrdump', ['-Ee', '-Ec', file]);
    assert.equal(dump.code, 0, dump.stderr);
    assert.doesNotMatch(dump.stderr, /error/i);
    assert.match(dump.stdout, /Comprehensive 3D SR/);
    assert.match(dump.stdout, /Imaging Measurement Report/);

    const sr = readNatural(bytes) as Natural;
    assert.equal(sr.SOPClassUID, COMPREHENSIVE_3D_SR);
    assert.equal(sr.StudyInstanceUID, study.studyInstanceUid);
    const items = contentItems(sr);
    const groups = items.filter((item) => conceptMeaning(item) === 'Measurement Group');
    assert.equal(groups.length, ICH_CLASSES.length);
    const detail = await engine.api.getStudy(study.studyId);
    const slices = detail.series[0]!.slices;
    for (const cls of ICH_CLASSES) {
      const group = groups.find((g) => contentItems(g).some((item) => item.ConceptCodeSequence?.[0]?.CodeValue === FINDING_CODES[cls].value && conceptMeaning(item) === 'Finding'))!;
      assert.ok(group, `a group for ${cls}`);
      const groupItems = contentItems(group);
      const finding = groupItems.find((item) => conceptMeaning(item) === 'Finding')!.ConceptCodeSequence[0];
      assert.equal(finding.CodingSchemeDesignator, cls === 'any' ? 'SCT' : '99ICHT', `${cls} coding scheme`);
      const probability = groupItems.find((item) => conceptMeaning(item) === 'Probability')!;
      assert.ok(Math.abs(Number(probability.MeasuredValueSequence[0].NumericValue) - study.scores![cls]) < 1e-5, `${cls} probability`);
      const keySlice = groupItems.find((item) => item.ValueType === 'IMAGE')!.ReferencedSOPSequence[0].ReferencedSOPInstanceUID;
      const best = slices.reduce((a, b) => (b.scores[cls] > a.scores[cls] ? b : a));
      assert.equal(keySlice, best.sopInstanceUid, `${cls} key slice`);
      const flag = groupItems.find((item) => conceptMeaning(item) === FINDING_CODES[cls].meaning)!;
      assert.equal(flag.ConceptCodeSequence[0].CodeMeaning, study.flaggedClasses.includes(cls) ? 'Yes' : 'No');
      const algorithm = groupItems.filter((item) => /Algorithm/.test(conceptMeaning(item)));
      assert.deepEqual(algorithm.map((item) => item.TextValue).slice(0, 2), [engine.card.name, engine.card.version]);
      assert.match(algorithm[2]!.TextValue, new RegExp(`sha256:${engine.card.files.sliceCnn.sha256}`));
    }
  });

  it('the key images are Secondary Captures (dcmdump) of the source slices with the overlay and caption burned in', async () => {
    const ids = await orthanc.rest<string[]>('POST', '/tools/find', { Level: 'Instance', Query: { Modality: 'OT' } });
    assert.ok(ids.length >= 1);
    for (const id of ids) {
      const bytes = await orthanc.restBytes(`/instances/${id}/file`);
      const file = path.join(work, `${id}.dcm`);
      await writeFile(file, bytes);
      const dump = await dcmtk('dcmdump', ['-q', '+E', file]);
      assert.equal(dump.code, 0, dump.stderr);
      const sc = readNatural(bytes) as Natural;
      assert.equal(sc.SOPClassUID, SECONDARY_CAPTURE_IMAGE_STORAGE);
      assert.equal(sc.BurnedInAnnotation, 'YES');
      assert.equal(sc.StudyInstanceUID, study.studyInstanceUid);
      assert.match(sc.DerivationDescription, /not for diagnosis/);
      const pixels = new Uint8Array(sc.PixelData[0]);
      assert.equal(pixels.length, sc.Rows * sc.Columns * 3);
      // The caption band under the image holds white text: the caption was drawn.
      const band = pixels.subarray((sc.Rows - 40) * sc.Columns * 3);
      assert.ok(band.some((v) => v > 200), `"${KEY_IMAGE_CAPTION}" drawn in the band`);
      // Orthanc decodes and renders it: a valid image, not just a stored blob.
      const png = await orthanc.restBytes(`/instances/${id}/preview`);
      assert.equal(png.subarray(1, 4).toString(), 'PNG');
    }
  });

  it('retries with backoff while the destination is down, and delivers once it is up', async () => {
    let latest: string | undefined;
    const unsubscribe = engine.api.subscribe((event) => {
      if (event.type === 'result-send' && event.status.destination === 'LATER') latest = event.status.state;
    });
    const first = await engine.api.sendResults(study.studyId, 'LATER');
    assert.equal(first.state, 'retrying');
    assert.equal(first.attempts, 1);
    assert.ok(first.nextAttemptAt && Date.parse(first.nextAttemptAt) > Date.now());
    const received = path.join(work, 'storescp');
    await mkdir(received);
    const storescp = spawn('storescp', ['-aet', 'STORESCP', '+xa', '-od', received, String(deadPort)], { stdio: 'ignore', env: { ...process.env, TCP_NODELAY: '1' } });
    try {
      await until('the retry delivered', () => latest === 'sent', 30_000);
      assert.equal((await readdir(received)).length, first.objectCount);
      const sends = (await engine.api.getNetworkStatus()).sends.filter((s) => s.destination === 'LATER');
      assert.deepEqual(sends.map((s) => [s.state, s.attempts]), [['sent', 2]]);
    } finally {
      unsubscribe();
      process.kill(storescp.pid!, 'SIGTERM');
    }
  });

  it('sends a flagged study automatically, once, when a destination is set for flagged studies', async () => {
    const received = path.join(work, 'auto-received');
    await mkdir(received);
    const port = await freePort();
    const storescp = spawn('storescp', ['-aet', 'AUTO', '+xa', '-od', received, String(port)], { stdio: 'ignore', env: { ...process.env, TCP_NODELAY: '1' } });
    const auto = await startEngine({
      dbPath: path.join(work, 'auto.sqlite'),
      providers: [],
      settleMs: 0,
      network: { destinations: [{ name: 'AUTO', aeTitle: 'AUTO', host: '127.0.0.1', port }], autoSendFlaggedTo: 'AUTO' },
    });
    const states: string[] = [];
    auto.api.subscribe((event) => {
      if (event.type === 'result-send') states.push(`${event.status.trigger}:${event.status.state}`);
    });
    try {
      await auto.ingestPaths([CQ500_POSITIVE]);
      await auto.whenIdle();
      const [flagged] = await auto.api.listStudies({});
      assert.ok(flagged!.flagged, 'the positive slice is flagged');
      await until('the automatic send finished', () => states.includes('flagged:sent'), 30_000);
      assert.deepEqual(states, ['flagged:sending', 'flagged:sent'], 'sent once, however many updates the study had');
      const sends = (await auto.api.getNetworkStatus()).sends;
      assert.deepEqual(sends.map((s) => [s.destination, s.trigger, s.state, s.attempts]), [['AUTO', 'flagged', 'sent', 1]]);
      assert.equal((await readdir(received)).length, sends[0]!.objectCount);
    } finally {
      await auto.close();
      process.kill(storescp.pid!, 'SIGTERM');
    }
  });

  it('refuses an unknown destination and a study that is not triaged', async () => {
    await assert.rejects(engine.api.sendResults(study.studyId, 'NOWHERE'), { code: 'NOT_FOUND' });
    await assert.rejects(engine.api.sendResults(999, 'PACS'), { code: 'NOT_FOUND' });
  });
});
