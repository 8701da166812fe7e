import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Detector, defaultModelDir } from '../../src-main/pipeline/infer/detector.js';
import { loadModelCard } from '../../src-main/pipeline/infer/load-model-card.js';
import { setLogLevel } from '../../src-main/log.js';
import { copyFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';

setLogLevel('error');

interface Reference {
  sliceCnn: { logits: number[][]; embeddingFirst16: number[][]; camShape: number[]; camFirst16: number[][] };
  scanLstm: { inputs: { embedding: { data: number[] }; slice_probs: { data: number[] } }; probs: number[] };
  scanLengths: { formula: string; cases: { slices: number; probs: number[] }[] };
  tolerance: number;
}

/** The reference images of reference_outputs.json: image[n][c][y][x] = float32(sin(0.05x + 0.07y + c + n)). */
function referenceImages(n: number, size: number): Float32Array {
  const images = new Float32Array(n * 3 * size * size);
  let i = 0;
  for (let b = 0; b < n; b++)
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) images[i++] = Math.sin(0.05 * x + 0.07 * y + c + b);
  return images;
}

/** The reference scans of reference_outputs.json's scanLengths, by its formula. */
function referenceScan(slices: number, embeddingSize: number): { embedding: Float32Array; sliceProbs: Float32Array } {
  const embedding = new Float32Array(slices * embeddingSize);
  const sliceProbs = new Float32Array(slices * 6);
  for (let s = 0; s < slices; s++) {
    for (let e = 0; e < embeddingSize; e++) embedding[s * embeddingSize + e] = Math.sin(0.013 * e + 0.31 * s);
    for (let c = 0; c < 6; c++) sliceProbs[s * 6 + c] = 0.5 + 0.45 * Math.sin(0.7 * s + 1.3 * c);
  }
  return { embedding, sliceProbs };
}

const modelDir = defaultModelDir();
const reference = JSON.parse(readFileSync(path.join(modelDir, 'reference_outputs.json'), 'utf8')) as Reference;

function maxDiff(actual: ArrayLike<number>, expected: number[]): number {
  let worst = 0;
  expected.forEach((v, i) => (worst = Math.max(worst, Math.abs(actual[i]! - v))));
  return worst;
}

describe(`Detector on ${path.basename(modelDir)}: onnxruntime-node agrees with torch`, () => {
  let detector: Detector;
  before(async () => {
    detector = await Detector.load(modelDir, { providers: [] });
  });
  after(() => detector.close());

  it('slice CNN logits, embeddings and CAMs match torch within 1e-4', async () => {
    const size = detector.card.input.size;
    const out = await detector.runSlices(referenceImages(2, size), 2);
    const e = detector.card.embeddingSize;
    const camPlane = out.cam.length / 2;
    assert.deepEqual(reference.sliceCnn.camShape.slice(1), [6, ...detector.card.camSize]);
    for (let n = 0; n < 2; n++) {
      const probs = reference.sliceCnn.logits[n]!.map((l) => 1 / (1 + Math.exp(-l)));
      assert.ok(maxDiff(out.probs.subarray(n * 6, n * 6 + 6), probs) < 1e-4, 'probs');
      assert.ok(maxDiff(out.embedding.subarray(n * e, n * e + 16), reference.sliceCnn.embeddingFirst16[n]!) < 1e-4, 'embedding');
      assert.ok(maxDiff(out.cam.subarray(n * camPlane, n * camPlane + 16), reference.sliceCnn.camFirst16[n]!) < 1e-4, 'cam');
    }
  });

  it('scan model probabilities match torch within 1e-4', async () => {
    const { embedding, slice_probs } = reference.scanLstm.inputs;
    const probs = await detector.runScan(Float32Array.from(embedding.data), Float32Array.from(slice_probs.data), 2);
    assert.ok(maxDiff(probs, reference.scanLstm.probs) < 1e-4);
  });

  it('scan model probabilities match torch on scans of 1, 5 and 40 slices', async () => {
    const { formula, cases } = reference.scanLengths;
    assert.match(formula, /sin\(0\.013\*e \+ 0\.31\*s\).*0\.5 \+ 0\.45\*sin\(0\.7\*s \+ 1\.3\*c\)/);
    assert.deepEqual(cases.map((c) => c.slices), [1, 5, 40]);
    for (const { slices, probs: expected } of cases) {
      const { embedding, sliceProbs } = referenceScan(slices, detector.card.embeddingSize);
      const probs = await detector.runScan(embedding, sliceProbs, slices);
      assert.equal(probs.length, slices * 6, `${slices} slices`);
      assert.ok(maxDiff(probs, expected) < reference.tolerance, `${slices} slices: ${maxDiff(probs, expected)}`);
    }
  });

  it('falls back to cpu when the requested providers cannot start', async () => {
    const fallback = await Detector.load(modelDir, { providers: ['cuda', 'webgpu'] });
    assert.equal(fallback.provider, 'cpu');
    await fallback.close();
  });
});

describe('model card checks', () => {
  it('refuses a model whose ONNX file does not match the card', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-card-'));
    for (const file of await readdir(modelDir)) await copyFile(path.join(modelDir, file), path.join(dir, file));
    const card = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    card.files.sliceCnn.sha256 = '0'.repeat(64);
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(card));
    await assert.rejects(loadModelCard(dir), /does not match its card/);
  });

  it('refuses a card with other classes', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-card-'));
    const card = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
    card.classes = ['any', 'subdural'];
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(card));
    await assert.rejects(loadModelCard(dir), /classes must be any, epidural/);
  });

  it('refuses a card whose saturated grey HU is not a number', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-card-'));
    const card = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
    card.pngWindow.saturatedHu = 'bone';
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(card));
    await assert.rejects(loadModelCard(dir), /pngWindow.saturatedHu must be a number of HU/);
  });
});
