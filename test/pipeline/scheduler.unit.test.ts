import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, beforeEach, describe, it } from 'node:test';
import { setLogLevel } from '../../src-main/log.js';
import { DEFAULT_PIPELINE_OPTIONS, TriagePipeline, type PipelineOptions } from '../../src-main/pipeline/compose.js';
import { TriageStore } from '../../src-main/store/triage-store.js';
import { FakeInference, fakeCard, okSlice } from '../helpers/fake-inference.js';

setLogLevel('silent');

/** The settle and retry rules of the pipeline, through a fake worker and an in-memory store. */
describe('pipeline scheduling', () => {
  let dir: string;
  let store: TriageStore;
  let inference: FakeInference;
  const pipelines: TriagePipeline[] = [];

  const pipeline = (options: Partial<PipelineOptions>) => {
    const p = new TriagePipeline(store, inference, fakeCard(), { ...DEFAULT_PIPELINE_OPTIONS, ...options });
    pipelines.push(p);
    return p;
  };
  const triageCounts = () => store.series.unfinished().length === 0 && store.studies.list().map((s) => store.series.ofStudy(s.id)[0]!.triageCount);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-scheduler-'));
    store = new TriageStore(':memory:');
    inference = new FakeInference(dir);
  });

  after(async () => {
    for (const p of pipelines) await p.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('triages a series once when its slices arrive within the settle time, with all of them', async () => {
    const p = pipeline({ settleMs: 300, batchSize: 2 });
    await p.offer([await inference.slice('a1', { series: '9.1', z: 0 }), await inference.slice('a2', { series: '9.1', z: 5 })]);
    await sleep(100);
    await p.offer([await inference.slice('a3', { series: '9.1', z: 10 })]);
    await p.whenIdle();
    assert.deepEqual(triageCounts(), [1]);
    assert.deepEqual(inference.scans, [3]);
  });

  it('triages again when a slice arrives after the series settled', async () => {
    const p = pipeline({ settleMs: 50 });
    await p.offer([await inference.slice('b1', { series: '9.2', z: 0 })]);
    await p.whenIdle();
    await p.offer([await inference.slice('b2', { series: '9.2', z: 5 })]);
    await p.whenIdle();
    assert.deepEqual(triageCounts(), [2]);
    assert.deepEqual(inference.scans, [1, 2]);
  });

  it('stores a slice thin by its header unanalysed, and runs the CNN on it at triage when its series is not thin', async () => {
    const p = pipeline({ settleMs: 20, batchSize: 4 });
    const files = [
      await inference.slice('t1', { series: '9.5', z: 0, any: 0.2, thicknessMm: 1 }),
      await inference.slice('t2', { series: '9.5', z: 5, any: 0.7, thicknessMm: 1 }),
    ];
    await p.offer(files);
    await p.whenIdle();
    // Once at arrival (checked, CNN deferred), once at triage for both: 1 mm slices 5 mm apart are no thin series.
    assert.deepEqual(inference.batches.flat(), ['t1', 't2', 't1', 't2']);
    assert.deepEqual(inference.batches.at(-1), ['t1', 't2']);
    const [series] = store.series.ofStudy(store.studies.list()[0]!.id);
    const slices = store.instances.ofSeries(series!.id, { withEmbedding: true });
    assert.deepEqual(slices.map((s) => [s.cnnScores?.any, s.embedding?.length, s.scores?.any]), [[0.2, 4, 0.2], [0.7, 4, 0.7]].map(([c, e, f]) => [Math.fround(c!), e, Math.fround(f!)]));
    assert.equal(series!.scores!.any, Math.fround(0.7));
    // A later slice triages the series again; the slices analysed at the last triage are not analysed again.
    const before = inference.batches.flat().length;
    await p.offer([await inference.slice('t3', { series: '9.5', z: 10, thicknessMm: 1 })]);
    await p.whenIdle();
    assert.deepEqual(inference.batches.flat().slice(before), ['t3', 't3']);
  });

  it('does not settle a series while files queued before its settle time are still being analysed', async () => {
    const p = pipeline({ settleMs: 20, batchSize: 1 });
    inference.hold();
    const first = p.offer([await inference.slice('c1', { series: '9.3', z: 0 }), await inference.slice('c2', { series: '9.3', z: 5 })]);
    await first;
    await sleep(150); // far past the settle time, but c2 is still waiting behind the held batch
    assert.deepEqual(inference.scans, []);
    inference.release();
    await p.whenIdle();
    assert.deepEqual(inference.scans, [2]);
  });

  it('retries a truncated file that may still be arriving, and stores it once it is whole', async () => {
    const p = pipeline({ settleMs: 0, truncatedRetryMs: 30, truncatedRetries: 3 });
    const file = await inference.rejected('d1', (attempt) =>
      attempt < 3 ? { ok: false, path: path.join(dir, 'd1'), code: 'TRUNCATED', reason: 'file ends early' } : okSlice(path.join(dir, 'd1'), '9.4', 0, 0.2),
    );
    await p.offer([file]);
    await p.whenIdle();
    assert.equal(inference.batches.filter((b) => b.includes('d1')).length, 3);
    assert.deepEqual(store.rejections.list(), []);
    assert.deepEqual(store.files.outcomes(), { instance: 1, duplicate: 0, rejected: 0 });
  });

  it('rejects a truncated file once its retries are used up, and records it as handled', async () => {
    const p = pipeline({ settleMs: 0, truncatedRetryMs: 10, truncatedRetries: 2 });
    const file = await inference.rejected('e1', () => ({ ok: false, path: path.join(dir, 'e1'), code: 'TRUNCATED', reason: 'file ends early' }));
    await p.offer([file]);
    await p.whenIdle();
    assert.equal(inference.batches.length, 3);
    assert.deepEqual(store.rejections.list().map((r) => r.code), ['TRUNCATED']);
    // Offered again unchanged: handled, not analysed again.
    await p.offer([file]);
    await p.whenIdle();
    assert.equal(inference.batches.length, 3);
  });
});
