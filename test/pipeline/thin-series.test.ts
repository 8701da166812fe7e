import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SlabAnalysis } from '../../src-main/pipeline/infer/slice-analyser.js';
import { sequenceProbabilities, type SequenceRunner } from '../../src-main/pipeline/infer/thin-series.js';

/** A runner whose slab k has every probability k/10 and whose sequence model is the identity. */
function fakeRunner(): SequenceRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async analyseSlabs(paths, slabs): Promise<SlabAnalysis[]> {
      calls.push(`slabs ${slabs.map((s) => s.length).join('+')} of ${paths.length}`);
      return slabs.map((_, k) => ({ probs: new Float32Array(6).fill(k / 10), embedding: new Float32Array(4).fill(k), cam: new Uint8Array(6).fill(k + 1) }));
    },
    async scan(_embedding, sliceProbs, sliceCount) {
      calls.push(`scan ${sliceCount}`);
      return sliceProbs.slice();
    },
  };
}

/** n slices with 4-float embeddings and the given CNN probabilities (zeros by default). */
const slices = (n: number, cnn = new Float32Array(n * 6)) =>
  Array.from({ length: n }, (_, i) => ({ path: `s${i}.dcm`, embedding: new Float32Array(4), cnnProbs: cnn.subarray(i * 6, (i + 1) * 6) }));

describe('sequenceProbabilities', () => {
  it('scores a 0.625 mm series as 5 mm slabs and gives each thin slice its slab\'s probabilities and CAM', async () => {
    const runner = fakeRunner();
    const z = Array.from({ length: 16 }, (_, i) => i * 0.625);
    const { probs, slabCams } = await sequenceProbabilities(runner, slices(16), z, 4);
    assert.deepEqual(slabCams?.map((cam) => cam[0]), [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
    assert.deepEqual(runner.calls, ['slabs 8+8 of 16', 'scan 2']);
    assert.equal(probs.length, 16 * 6);
    assert.deepEqual(Array.from({ length: 16 }, (_, i) => Math.round(probs[i * 6]! * 10)), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('runs the sequence model on the slices themselves when the series is thick or has no positions', async () => {
    const cnn = new Float32Array(3 * 6).map((_, i) => i / 100);
    for (const positions of [[0, 5, 10], null]) {
      const runner = fakeRunner();
      const { probs, slabCams } = await sequenceProbabilities(runner, slices(3, cnn), positions, 4);
      assert.deepEqual(runner.calls, ['scan 3']);
      assert.equal(slabCams, null);
      assert.deepEqual(Array.from(probs), Array.from(cnn));
    }
  });
});
