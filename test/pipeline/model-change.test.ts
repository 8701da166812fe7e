import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startEngine, type Engine } from '../../src-main/app/engine.js';
import type { EngineEvent } from '../../src-main/contract/dto.js';
import { setLogLevel } from '../../src-main/log.js';
import { REPO_ROOT, SHARED_DATA } from '../helpers/paths.js';

setLogLevel('error');
const run = promisify(execFile);
const STUDIES = [path.join(SHARED_DATA, 'rsna-slices', 'dicom'), path.join(SHARED_DATA, 'cq500', 'CQ500-CT-1_single_slice')];

/** Every stored result names one model; a series never mixes two models' embeddings. */
function modelsInUse(engine: Engine): { studies: string[]; series: number[]; instances: number[] } {
  const db = engine.store.db;
  const names = db.prepare(`SELECT DISTINCT m.name || ' ' || m.version AS model FROM studies s JOIN models m ON m.id = s.model_id`).all() as { model: string }[];
  const perSeries = db.prepare(`SELECT COUNT(DISTINCT COALESCE(model_id, -1)) AS n FROM instances GROUP BY series_id`).all() as { n: number }[];
  const instanceModels = db.prepare(`SELECT DISTINCT COALESCE(model_id, -1) AS id FROM instances`).all() as { id: number }[];
  return { studies: names.map((n) => n.model), series: perSeries.map((s) => s.n), instances: instanceModels.map((i) => i.id) };
}

describe('changing the model under a running engine', () => {
  let work: string;
  let otherModel: string;
  let engine: Engine;
  const events: EngineEvent[] = [];

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-model-change-'));
    otherModel = path.join(work, 'other-model');
    // A genuinely different network (random weights, its own card and hashes).
    await run('/usr/bin/python3', ['-m', 'ichtrain.export', '--random', '--out', otherModel], { cwd: path.join(REPO_ROOT, 'models', 'training') });
    engine = await startEngine({ dbPath: path.join(work, 'db.sqlite'), settleMs: 0, providers: [] });
    await engine.ingestPaths(STUDIES);
    await engine.whenIdle();
    engine.api.subscribe((event) => events.push(event));
  });

  after(async () => {
    await engine.close();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses a folder that is not a valid model, with the reason, and keeps the running one', async () => {
    const before = engine.card.name;
    await assert.rejects(engine.useModel(path.join(work, 'no-such-model')), /model\.json|ENOENT/);
    assert.equal(engine.card.name, before);
  });

  it('re-scores every study with the new model, with no mix of embeddings, and says how far it is', { timeout: 120_000 }, async () => {
    const bundled = `${engine.card.name} ${engine.card.version}`;
    assert.deepEqual(modelsInUse(engine).studies, [bundled]);
    const beforeScores = new Map((await engine.api.listStudies({})).map((s) => [s.studyInstanceUid, s.scores!.any]));
    assert.equal(beforeScores.size, 6);

    await engine.useModel(otherModel);
    await engine.whenIdle();

    const other = `${engine.card.name} ${engine.card.version}`;
    assert.notEqual(other, bundled);
    const inUse = modelsInUse(engine);
    assert.deepEqual(inUse.studies, [other]);
    assert.ok(inUse.series.every((n) => n === 1), 'a series holds embeddings of two models');
    assert.equal(inUse.instances.length, 1);
    const studies = await engine.api.listStudies({});
    assert.ok(studies.every((s) => s.model?.name === engine.card.name && s.state === 'done'));
    // Flags follow the new model's thresholds.
    for (const s of studies) assert.equal(s.flagged, s.scores!.any >= engine.card.thresholds.any);
    assert.ok(studies.some((s) => Math.abs(s.scores!.any - beforeScores.get(s.studyInstanceUid)!) > 1e-3), 'scores did not change');
    const progress = events.flatMap((e) => (e.type === 'progress' && e.message.startsWith('re-scoring') ? [[e.done, e.total]] : []));
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6].map((done) => [done, 6]));
  });

  it('re-scores again at the next start with another --model, and adopts nothing it did not make', { timeout: 120_000 }, async () => {
    const dbPath = path.join(work, 'db.sqlite');
    await engine.close();
    engine = await startEngine({ dbPath, settleMs: 0, providers: [] });
    await engine.whenIdle();
    const inUse = modelsInUse(engine);
    assert.deepEqual(inUse.studies, [`${engine.card.name} ${engine.card.version}`]);
    assert.equal(inUse.instances.length, 1);
    const triaged = engine.store.audit.list({ action: 'series-triaged' }).length;
    assert.equal(triaged, 18, 'six series, triaged once per model: bundled, other, bundled again');
  });
});
