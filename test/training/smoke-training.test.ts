import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { main } from '../../src-main/cli/main.js';
import type { EvaluationReport } from '../../src-main/evaluate/evaluate.js';
import { loadModelCard } from '../../src-main/pipeline/infer/load-model-card.js';
import { REPO_ROOT, SHARED_DATA } from '../helpers/paths.js';

const run = promisify(execFile);

/**
 * The documented training command end to end: `npm run train -- --config .../smoke.json` trains the
 * three stages on a few phantoms, exports the model folder, and the engine's own evaluate runs it.
 */
describe('npm run train (smoke config)', () => {
  it('trains, exports a model the engine accepts, and evaluates it on real PNGs', { timeout: 900_000 }, async () => {
    const modelDir = path.join(REPO_ROOT, '.cache', 'smoke-model');
    await rm(modelDir, { recursive: true, force: true });
    await run('npm', ['run', '--silent', 'train', '--', '--config', 'models/training/configs/smoke.json'], {
      cwd: REPO_ROOT,
      maxBuffer: 64 << 20,
    });
    const card = await loadModelCard(modelDir);
    assert.equal(card.name, 'ich-smoke');
    assert.ok((card.metrics as Record<string, unknown>)['synthetic-test'], 'the card carries the synthetic test metrics');

    let stdout = '';
    const code = await main(
      ['evaluate', '--labels', path.join(SHARED_DATA, 'kaggle-head-ct', 'labels.csv'), '--model', modelDir, '--json', '--quiet'],
      { stdout: (t) => (stdout += t), stderr: () => {} },
    );
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as EvaluationReport;
    assert.equal(report.model.name, 'ich-smoke');
    assert.equal(report.images.evaluated, 100);
    const any = report.slice.classes.find((c) => c.cls === 'any')!;
    assert.equal(any.n, 100);
    // A smoke model's AUC says nothing of quality: it is computed, over both labels, by the product's code.
    assert.equal(typeof any.auc, 'number');
    assert.deepEqual([any.positives, any.n - any.positives], [50, 50]);
  });
});
