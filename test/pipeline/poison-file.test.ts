import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEngine } from '../../src-main/app/engine.js';
import type { TriageReport } from '../../src-main/cli/triage-command.js';
import { setLogLevel } from '../../src-main/log.js';
import { DEFAULT_PIPELINE_OPTIONS, TriagePipeline } from '../../src-main/pipeline/compose.js';
import { defaultModelDir } from '../../src-main/pipeline/infer/detector.js';
import { InferenceClient, type SliceInference } from '../../src-main/pipeline/infer/inference-client.js';
import { TriageStore } from '../../src-main/store/triage-store.js';
import { SHARED_DATA } from '../helpers/paths.js';
import { cli } from '../helpers/run-cli.js';

setLogLevel('error');
const RSNA = path.join(SHARED_DATA, 'rsna-slices', 'dicom');

/** A file cut inside its File Meta header (185 bytes) made decode throw and stalled all triage before. */
describe('a poison file next to good ones', () => {
  let work: string;
  let folder: string;
  let good: string[];
  let cut: string;

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-poison-'));
    folder = path.join(work, 'files');
    await (await import('node:fs/promises')).mkdir(folder);
    good = [];
    for (const name of (await readdir(RSNA)).sort()) {
      good.push(path.join(folder, name));
      await copyFile(path.join(RSNA, name), path.join(folder, name));
    }
    cut = path.join(folder, 'cut-in-meta.dcm');
    await writeFile(cut, (await readFile(good[0]!)).subarray(0, 185));
  });

  after(() => rm(work, { recursive: true, force: true }));

  it('is rejected alone, recorded as handled, and not replayed after a restart', { timeout: 120_000 }, async () => {
    const dbPath = path.join(work, 'db.sqlite');
    const first = await startEngine({ dbPath, settleMs: 0, providers: [] });
    await first.ingestPaths([folder]);
    await first.whenIdle();
    assert.equal(first.store.studies.list().filter((s) => s.state === 'done').length, 5);
    assert.deepEqual(first.store.rejections.list().map((r) => [path.basename(r.path), r.code]), [['cut-in-meta.dcm', 'TRUNCATED']]);
    await first.close();

    const second = await startEngine({ dbPath, settleMs: 0, providers: [] });
    try {
      await second.ingestPaths([folder]);
      await second.whenIdle();
      assert.equal(second.store.rejections.list().length, 1, 'the poison file was replayed');
      assert.equal(second.store.studies.list().filter((s) => s.state === 'done').length, 5);
    } finally {
      await second.close();
    }
  });

  it('ichtriage triage reports the good slices and lists the bad file under rejected', { timeout: 120_000 }, async () => {
    const { code, stdout } = await cli(['triage', folder, '--json']);
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as TriageReport;
    assert.equal(report.studies.length, 5);
    assert.ok(report.studies.every((s) => s.scores !== null));
    assert.deepEqual(report.rejected.map((r) => [path.basename(r.path), r.reason.split(':')[0]]), [['cut-in-meta.dcm', 'TRUNCATED']]);
  });

  it('ichtriage info says what is wrong in one line, with exit code 1', async () => {
    const { code, stdout, stderr } = await cli(['info', cut]);
    assert.equal(code, 1);
    assert.equal(stderr, '');
    assert.match(stdout, /^.*cut-in-meta\.dcm: not usable: TRUNCATED: file ends before its declared data.*\n$/);
  });
});

/** Stands in for a worker that dies (native crash, out of memory) whenever it is given one file. */
class CrashingOn implements SliceInference {
  restarts = 0;
  constructor(
    private readonly inner: SliceInference,
    private readonly poison: string,
  ) {}
  async analyse(paths: string[], options?: { deferThinSlices?: boolean }) {
    if (paths.includes(this.poison)) throw new Error('inference worker exited with code 134');
    return this.inner.analyse(paths, options);
  }
  scan(embedding: Float32Array, sliceProbs: Float32Array, sliceCount: number) {
    return this.inner.scan(embedding, sliceProbs, sliceCount);
  }
  analyseSlabs(paths: string[], slabs: number[][]) {
    return this.inner.analyseSlabs(paths, slabs);
  }
  async restart() {
    this.restarts++;
    await this.inner.restart();
  }
  close() {
    return this.inner.close();
  }
}

describe('a file that kills the inference worker', () => {
  it('is isolated by analysing its batch file by file; only it is rejected', { timeout: 120_000 }, async () => {
    const { client, card } = await InferenceClient.start({ modelDir: defaultModelDir(), providers: [] });
    const store = new TriageStore(':memory:');
    const files = (await readdir(RSNA)).sort().map((name) => path.join(RSNA, name));
    const poison = files[2]!;
    const crashing = new CrashingOn(client, poison);
    const pipeline = new TriagePipeline(store, crashing, card, { ...DEFAULT_PIPELINE_OPTIONS, settleMs: 0 });
    try {
      await pipeline.offer(files);
      await pipeline.whenIdle();
      // Once for the batch, once when the poison file failed alone.
      assert.equal(crashing.restarts, 2);
      assert.deepEqual(store.rejections.list().map((r) => [r.path, r.code]), [[poison, 'ANALYSIS_FAILED']]);
      assert.equal(store.studies.list().filter((s) => s.state === 'done').length, 4);
      const outcomes = store.db.prepare(`SELECT outcome, COUNT(*) AS n FROM files GROUP BY outcome ORDER BY outcome`).all();
      assert.deepEqual(outcomes.map((o) => ({ ...(o as object) })), [{ outcome: 'instance', n: 4 }, { outcome: 'rejected', n: 1 }]);
    } finally {
      await pipeline.close();
      await client.close();
      store.close();
    }
  });

  it('keeps every file for the next start when the worker cannot be restarted, and nothing waits forever', { timeout: 60_000 }, async () => {
    const { client, card } = await InferenceClient.start({ modelDir: defaultModelDir(), providers: [] });
    const store = new TriageStore(':memory:');
    const broken: SliceInference = {
      analyse: async () => Promise.reject(new Error('inference worker exited with code 134')),
      scan: (e, p, n) => client.scan(e, p, n),
      analyseSlabs: (paths, slabs) => client.analyseSlabs(paths, slabs),
      restart: async () => Promise.reject(new Error('model file missing')),
      close: async () => {},
    };
    const pipeline = new TriagePipeline(store, broken, card, { ...DEFAULT_PIPELINE_OPTIONS, settleMs: 0 });
    try {
      await pipeline.offer((await readdir(RSNA)).map((name) => path.join(RSNA, name)));
      await assert.rejects(pipeline.whenIdle(), /could not restart \(model file missing\); 5 files left for the next start/);
      assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM files').get() as { n: number }).n, 0, 'no file may be recorded as handled');
      assert.equal(store.rejections.list().length, 0);
      assert.equal(pipeline.pendingFiles, 0);
    } finally {
      await pipeline.close();
      await client.close();
      store.close();
    }
  });
});
