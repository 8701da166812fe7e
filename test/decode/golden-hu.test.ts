import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeDicom } from '../../src-main/pipeline/decode/index.js';
import { readStoredValues } from './stored-values.js';
import { GOLDEN_DIR, dataPath } from './data-paths.js';

/** Written by tools/golden-hu/generate.py from DCMTK/GDCM-decompressed pixels and independent HU rules. */
interface Golden {
  file: string;
  kind: 'hu' | 'stored';
  lossy: boolean;
  referenceDecoder: string;
  rows: number;
  cols: number;
  min: number;
  max: number;
  mean: number;
  sum: number;
  samples: [number, number, number][];
}

/**
 * Lossy JPEG 2000 (and JPEG baseline/extended) leaves the inverse wavelet/DCT rounding to the
 * decoder: OpenJPEG in GDCM and in dcmjs-codecs may be different versions, so a pixel may differ
 * by a unit or two while the image is the same. Lossless syntaxes must match exactly.
 */
const LOSSY_PIXEL_TOLERANCE = 2;
const LOSSY_MEAN_TOLERANCE = 0.05;

const goldens: Golden[] = readdirSync(GOLDEN_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => JSON.parse(readFileSync(join(GOLDEN_DIR, name), 'utf8')) as Golden);

function valuesOf(golden: Golden): ArrayLike<number> {
  const bytes = readFileSync(dataPath(golden.file));
  if (golden.kind === 'stored') return readStoredValues(bytes);
  const outcome = decodeDicom(bytes, golden.file);
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.code}: ${outcome.reason}`);
  assert.equal(outcome.instance.header.Rows, golden.rows);
  assert.equal(outcome.instance.header.Columns, golden.cols);
  return outcome.instance.hu;
}

describe('decoded pixels match independently computed goldens', () => {
  it('has goldens for every kind of data', () => {
    for (const prefix of ['cq500/', 'rsna-slices/', 'ct-ich/', 'dicom-samples/']) {
      assert.ok(goldens.some((golden) => golden.file.startsWith(prefix)), prefix);
    }
  });

  for (const golden of goldens) {
    it(`${golden.kind} ${golden.file} (reference: ${golden.referenceDecoder})`, () => {
      const values = valuesOf(golden);
      assert.equal(values.length, golden.rows * golden.cols);
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      for (let i = 0; i < values.length; i++) {
        const value = values[i]!;
        if (value < min) min = value;
        if (value > max) max = value;
        sum += value;
      }
      const mean = sum / values.length;
      const tolerance = golden.lossy ? LOSSY_PIXEL_TOLERANCE : 0;
      for (const [row, col, expected] of golden.samples) {
        const actual = values[row * golden.cols + col]!;
        assert.ok(Math.abs(actual - expected) <= tolerance, `pixel (${row}, ${col}): ${actual}, golden ${expected}`);
      }
      assert.ok(Math.abs(min - golden.min) <= tolerance, `min ${min}, golden ${golden.min}`);
      assert.ok(Math.abs(max - golden.max) <= tolerance, `max ${max}, golden ${golden.max}`);
      if (golden.lossy) {
        assert.ok(Math.abs(mean - golden.mean) <= LOSSY_MEAN_TOLERANCE, `mean ${mean}, golden ${golden.mean}`);
      } else {
        assert.equal(sum, golden.sum);
        assert.ok(Math.abs(mean - golden.mean) < 1e-3, `mean ${mean}, golden ${golden.mean}`);
      }
    });
  }
});
