import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { preprocessHu, type PreprocessParams } from '../../src-main/pipeline/preprocess/index.js';
import { FIXTURES } from '../helpers/paths.js';

interface GoldenCase {
  name: string;
  input: { rows: number; columns: number; hu: number[] };
  params: Omit<PreprocessParams, 'resize'>;
  output: { shape: number[]; data: number[] };
}

const goldenDir = path.join(FIXTURES, 'golden-preprocess');
const cases = readdirSync(goldenDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(goldenDir, f), 'utf8')) as GoldenCase);

describe('preprocessHu matches the Python training pipeline (golden vectors)', () => {
  it('has golden cases to compare against', () => assert.ok(cases.length >= 3, `${cases.length} cases`));
  for (const golden of cases) {
    it(golden.name, () => {
      const out = preprocessHu(Int16Array.from(golden.input.hu), golden.input.rows, golden.input.columns, {
        ...golden.params,
        resize: 'bilinear-half-pixel',
      });
      assert.deepEqual([3, golden.params.size, golden.params.size], golden.output.shape);
      assert.equal(out.length, golden.output.data.length);
      let worst = 0;
      for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i]! - golden.output.data[i]!));
      assert.ok(worst < 1e-5, `max abs diff ${worst}`);
    });
  }
});

describe('preprocessHu', () => {
  const params: PreprocessParams = {
    size: 2,
    resize: 'bilinear-half-pixel',
    windows: [
      { name: 'brain', center: 40, width: 80 },
      { name: 'subdural', center: 80, width: 200 },
      { name: 'soft', center: 40, width: 380 },
    ],
    mean: [0, 0, 0],
    std: [1, 1, 1],
  };

  it('halving is a 2x2 mean of the windowed values', () => {
    // brain window 0..80 HU: 0 -> 0, 80 -> 1, 40 -> 0.5, 1000 -> 1 (clipped)
    const hu = Int16Array.from([0, 80, 0, 0, 40, 1000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const out = preprocessHu(hu, 4, 4, params);
    assert.ok(Math.abs(out[0]! - (0 + 1 + 0.5 + 1) / 4) < 1e-6);
  });

  it('gives the same result for integer HU and the same values as floats', () => {
    const hu = Int16Array.from({ length: 64 }, (_, i) => i * 37 - 1100);
    const params8 = { ...params, size: 3 };
    assert.deepEqual(preprocessHu(hu, 8, 8, params8), preprocessHu(Float32Array.from(hu), 8, 8, params8));
  });

  it('takes the 2x2 shortcut for exact halving with the same result as the general resize', () => {
    const hu = Int16Array.from({ length: 16 * 16 }, (_, i) => ((i * 7919) % 3000) - 1100);
    const halved = preprocessHu(hu, 16, 16, { ...params, size: 8 });
    const general = preprocessHu(Float32Array.from(hu), 16, 16, { ...params, size: 8 });
    let worst = 0;
    halved.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - general[i]!))));
    assert.ok(worst < 1e-6, `max abs diff ${worst}`);
  });

  it('reads HU below huFloor as the floor on every path (integer table, floats, 2x2 shortcut)', () => {
    const hu = Int16Array.from({ length: 16 * 16 }, (_, i) => ((i * 7919) % 3000) - 1100);
    const floored = Int16Array.from(hu, (v) => Math.max(v, -10));
    const withFloor = { ...params, size: 8, huFloor: -10 };
    for (const size of [8, 5]) {
      const expected = preprocessHu(floored, 16, 16, { ...params, size });
      assert.deepEqual(preprocessHu(hu, 16, 16, { ...withFloor, size }), expected);
      const fromFloats = preprocessHu(Float32Array.from(hu), 16, 16, { ...withFloor, size });
      fromFloats.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6));
      assert.notDeepEqual(preprocessHu(hu, 16, 16, { ...params, size }), expected);
    }
  });

  it('refuses an HU array of the wrong size', () => {
    assert.throws(() => preprocessHu(new Int16Array(15), 4, 4, params), /15 values, expected 4x4/);
  });
});
