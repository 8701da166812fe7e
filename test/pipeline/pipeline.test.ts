import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setLogLevel } from '../../src-main/log.js';
import { DEFAULT_PIPELINE_OPTIONS, TriagePipeline } from '../../src-main/pipeline/compose.js';
import { listFiles } from '../../src-main/pipeline/inbox/index.js';
import { defaultModelDir } from '../../src-main/pipeline/infer/detector.js';
import { InferenceClient, type SliceInference } from '../../src-main/pipeline/infer/inference-client.js';
import type { ModelCard } from '../../src-main/domain/model-card.js';
import { TriageStore } from '../../src-main/store/triage-store.js';
import { SHARED_DATA } from '../helpers/paths.js';

setLogLevel('error');

const CQ500 = path.join(SHARED_DATA, 'cq500', 'CQ500-CT-0');
const RSNA = path.join(SHARED_DATA, 'rsna-slices', 'dicom');

async function digest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listFiles([dir])) hash.update(file).update(await readFile(file));
  return hash.digest('hex');
}

describe('pipeline: real DICOM in, ranked rows out', () => {
  let work: string;
  let store: TriageStore;
  let inference: InferenceClient;
  let card: ModelCard;
  /** Inputs the slice CNN ran on: single slices and slabs. */
  const cnnRuns = { slices: 0, slabs: 0 };
  let inbox: string;
  let inboxDigest: string;
  const progress: [number, number][] = [];

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-pipeline-'));
    inbox = path.join(work, 'inbox');
    await mkdir(path.join(inbox, 'nested', 'deeper'), { recursive: true });
    for (const file of await readdir(RSNA)) await copyFile(path.join(RSNA, file), path.join(inbox, 'nested', file));
    const garbage = path.join(inbox, 'nested', 'deeper', 'garbage.dcm');
    await writeFile(garbage, Buffer.from('this is not a DICOM file at all, just text that arrived in the inbox'));
    inboxDigest = await digest(inbox);
    store = new TriageStore(path.join(work, 'db.sqlite'));
    ({ client: inference, card } = await InferenceClient.start({ modelDir: defaultModelDir(), providers: [] }));
    const counting: SliceInference = {
      analyse: async (paths, options) => {
        const results = await inference.analyse(paths, options);
        cnnRuns.slices += results.filter((r) => r.ok && r.cnn).length;
        return results;
      },
      analyseSlabs: async (paths, slabs) => {
        cnnRuns.slabs += slabs.length;
        return inference.analyseSlabs(paths, slabs);
      },
      scan: (embedding, sliceProbs, count) => inference.scan(embedding, sliceProbs, count),
      restart: () => inference.restart(),
      close: () => inference.close(),
    };
    const pipeline = new TriagePipeline(store, counting, card, {
      ...DEFAULT_PIPELINE_OPTIONS,
      settleMs: 0,
      quarantineDir: path.join(work, 'quarantine'),
    });
    pipeline.on('progress', (done, total) => progress.push([done, total]));
    await pipeline.offer(await listFiles([CQ500, inbox]));
    await pipeline.whenIdle();
  });

  after(async () => {
    await inference.close();
    store.close();
  });

  it('triages the whole CQ500 scan as one series of 238 slices, in position order', () => {
    const study = store.studies.list().find((s) => s.patient.PatientID === 'CQ500-CT-0')!;
    assert.equal(study.state, 'done');
    assert.equal(study.sliceCount, 238);
    const [series] = store.series.ofStudy(study.id);
    const slices = store.instances.ofSeries(series!.id);
    assert.deepEqual(slices.map((s) => s.sliceIndex), [...Array(238).keys()]);
    for (let i = 1; i < slices.length; i++) assert.ok(slices[i]!.z! > slices[i - 1]!.z!);
    assert.ok(slices.every((s) => s.scores && s.scores.any >= 0 && s.scores.any <= 1));
    assert.equal(series!.mostSuspiciousSlice, slices.reduce((best, s) => (s.scores!.any > slices[best]!.scores!.any ? s.sliceIndex! : best), 0));
  });

  it('scores the thin (0.625 mm) CQ500 scan as 5 mm slabs: runs of slices share their slab\'s scores and CAM', () => {
    const study = store.studies.list().find((s) => s.patient.PatientID === 'CQ500-CT-0')!;
    const [series] = store.series.ofStudy(study.id);
    const slices = store.instances.ofSeries(series!.id);
    const runs: number[] = [];
    slices.forEach((s, i) => {
      if (i > 0 && JSON.stringify(s.scores) === JSON.stringify(slices[i - 1]!.scores)) runs[runs.length - 1]!++;
      else runs.push(1);
    });
    // 238 slices over about 149 mm (one 1.25 mm gap) -> 29 slabs of about 8 slices.
    assert.equal(runs.length, 29, runs.join(','));
    assert.ok(runs.every((n) => n >= 4 && n <= 12), runs.join(','));
    // The CAM shown on each thin slice is its slab's: equal inside a run, different between runs.
    const camOf = (index: number) => Buffer.from(store.instances.at(series!.id, index)!.cam).toString('hex');
    let first = 0;
    const slabCams = runs.map((n) => {
      const cams = new Set(Array.from({ length: n }, (_, k) => camOf(first + k)));
      first += n;
      assert.equal(cams.size, 1, `slices ${first - n}..${first - 1} should share their slab's CAM`);
      return [...cams][0];
    });
    assert.ok(new Set(slabCams).size > 1);
    // The CNN ran on the 29 slabs, never on the 238 thin slices alone (their headers say 0.625 mm);
    // each thin slice is shown with its slab's CNN scores and keeps no embedding of its own.
    assert.deepEqual(cnnRuns, { slices: 5, slabs: 29 });
    const withEmbedding = store.instances.ofSeries(series!.id, { withEmbedding: true });
    assert.ok(withEmbedding.every((s) => s.embedding === null && s.cnnScores !== null));
    let start = 0;
    for (const n of runs) {
      assert.equal(new Set(withEmbedding.slice(start, start + n).map((s) => JSON.stringify(s.cnnScores))).size, 1);
      start += n;
    }
  });

  it('reports the missing slice and the gantry tilt of CQ500-CT-0', () => {
    const study = store.studies.list().find((s) => s.patient.PatientID === 'CQ500-CT-0')!;
    const [series] = store.series.ofStudy(study.id);
    const codes = series!.warnings.map((w) => w.code);
    assert.ok(codes.includes('MISSING_SLICES'), codes.join());
    assert.ok(codes.includes('GANTRY_TILT'), codes.join());
    // The files' own GantryDetectorTilt (0018,1120) is 8.5°, and so is the angle of their orientation.
    assert.ok(Math.abs(series!.tiltDegrees! - 8.5) < 0.1, `tilt ${series!.tiltDegrees}`);
  });

  it('triages each RSNA slice as its own study, with the non-conforming UID warning', () => {
    const rsna = store.studies.list().filter((s) => s.studyInstanceUid.startsWith('ID_'));
    assert.equal(rsna.length, 5);
    for (const study of rsna) {
      assert.equal(study.state, 'done');
      const codes = store.series.ofStudy(study.id).flatMap((s) => s.warnings.map((w) => w.code));
      assert.ok(codes.includes('NON_CONFORMING_UID') && codes.includes('SINGLE_SLICE'), codes.join());
    }
  });

  it('ranks studies by their any score', () => {
    const scores = store.studies.list().map((s) => s.scores!.any);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
  });

  it('quarantines the garbage file with its reason and leaves the inbox untouched', async () => {
    const rejections = store.rejections.list();
    assert.equal(rejections.length, 1);
    assert.equal(rejections[0]!.code, 'NOT_DICOM');
    const quarantined = rejections[0]!.quarantinedPath!;
    assert.match(await readFile(`${quarantined}.reason.json`, 'utf8'), /NOT_DICOM/);
    assert.equal(await digest(inbox), inboxDigest);
  });

  it('reports progress as files analysed out of files offered, ending complete', () => {
    const files = 238 + 5 + 1;
    assert.deepEqual(progress[progress.length - 1], [files, files]);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]![0] >= progress[i - 1]![0], 'done never goes back');
    assert.ok(progress.some(([done, total]) => done > 0 && done < total), 'intermediate progress was reported');
  });

  it('does not analyse the same files twice', async () => {
    const pipeline = new TriagePipeline(store, inference, card, { ...DEFAULT_PIPELINE_OPTIONS, settleMs: 0 });
    await pipeline.offer(await listFiles([CQ500, inbox]));
    assert.equal(pipeline.pendingFiles, 0);
    await pipeline.whenIdle();
    assert.ok(store.audit.list({ action: 'series-triaged' }).length === store.studies.list().length);
  });
});
