import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CnnOutputs, SliceAnalysis } from '../../src-main/pipeline/infer/slice-analyser.js';
import { sequenceProbabilities, type SeriesSlice, type SequenceRunner } from '../../src-main/pipeline/infer/thin-series.js';
import { ctHeader } from '../helpers/headers.js';

/**
 * A runner whose slab k has every probability k/10, whose slice analysis gives file sN every
 * probability N/100 (or rejects the files named in `gone`), and whose sequence model is the identity.
 */
function fakeRunner(gone: string[] = []): SequenceRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async analyse(paths): Promise<SliceAnalysis[]> {
      calls.push(`analyse ${paths.join(',')}`);
      return paths.map((path) => {
        if (gone.includes(path)) return { ok: false, path, code: 'UNREADABLE', reason: 'ENOENT' };
        const n = Number(path.slice(1, -4));
        return { ok: true, path, header: ctHeader(), warnings: [], cnn: { probs: new Float32Array(6).fill(n / 100), embedding: new Float32Array(4).fill(n), cam: new Uint8Array(6) } };
      });
    },
    async analyseSlabs(paths, slabs): Promise<CnnOutputs[]> {
      calls.push(`slabs ${slabs.map((s) => s.length).join('+')} of ${paths.length}`);
      return slabs.map((_, k) => ({ probs: new Float32Array(6).fill(k / 10), embedding: new Float32Array(4).fill(k), cam: new Uint8Array(6).fill(k + 1) }));
    },
    async scan(_embedding, sliceProbs, sliceCount) {
      calls.push(`scan ${sliceCount}`);
      return sliceProbs.slice();
    },
  };
}

/** n slices with their own CNN outputs (probabilities from `cnn`, zeros by default), except those in `deferred`. */
const slices = (n: number, cnn = new Float32Array(n * 6), deferred: number[] = []): SeriesSlice[] =>
  Array.from({ length: n }, (_, i) => ({
    path: `s${i}.dcm`,
    own: deferred.includes(i) ? null : { embedding: new Float32Array(4), cnnProbs: cnn.subarray(i * 6, (i + 1) * 6) },
  }));

describe('sequenceProbabilities', () => {
  it('scores a 0.625 mm series as 5 mm slabs and gives each thin slice its slab\'s probabilities and CNN outputs, deferred or not', async () => {
    const runner = fakeRunner();
    const z = Array.from({ length: 16 }, (_, i) => i * 0.625);
    const result = await sequenceProbabilities(runner, slices(16, undefined, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), z, 0.625, 4);
    assert.equal(result.kind, 'slabs');
    if (result.kind !== 'slabs') return;
    assert.deepEqual(result.slabOfSlice.map((cnn) => cnn.cam[0]), [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
    assert.deepEqual(result.slabOfSlice.map((cnn) => Math.round(cnn.probs[0]! * 10)), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    // No slice is run through the CNN alone: only the two slabs and the sequence model.
    assert.deepEqual(runner.calls, ['slabs 8+8 of 16', 'scan 2']);
    assert.equal(result.probs.length, 16 * 6);
    assert.deepEqual(Array.from({ length: 16 }, (_, i) => Math.round(result.probs[i * 6]! * 10)), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('runs the sequence model on the slices themselves when the series is thick or has no positions', async () => {
    const cnn = new Float32Array(3 * 6).map((_, i) => i / 100);
    for (const positions of [[0, 5, 10], null]) {
      const runner = fakeRunner();
      const result = await sequenceProbabilities(runner, slices(3, cnn), positions, 5, 4);
      assert.deepEqual(runner.calls, ['scan 3']);
      assert.equal(result.kind, 'slices');
      assert.equal(result.kind === 'slices' && result.analysedNow.size, 0);
      assert.deepEqual(Array.from(result.probs), Array.from(cnn));
    }
  });

  it('scores a 2.5 mm series through a tilted gantry, its planes 2.46 mm apart, slice by slice as when untilted', async () => {
    const runner = fakeRunner();
    const z = Array.from({ length: 8 }, (_, i) => i * 2.5 * Math.cos((10 * Math.PI) / 180));
    const result = await sequenceProbabilities(runner, slices(8), z, 2.5, 4);
    assert.equal(result.kind, 'slices');
    assert.deepEqual(runner.calls, ['scan 8']);
    // Without a stated thickness the spacing alone decides.
    const unstated = fakeRunner();
    assert.equal((await sequenceProbabilities(unstated, slices(8), z, null, 4)).kind, 'slabs');
  });

  it('analyses alone, in one run, the slices deferred at arrival when their series turns out not to be thin', async () => {
    const runner = fakeRunner();
    const result = await sequenceProbabilities(runner, slices(4, undefined, [1, 3]), [0, 5, 10, 15], 1, 4);
    assert.deepEqual(runner.calls, ['analyse s1.dcm,s3.dcm', 'scan 4']);
    assert.equal(result.kind, 'slices');
    if (result.kind !== 'slices') return;
    assert.deepEqual([...result.analysedNow.keys()], [1, 3]);
    // The sequence model sees each slice's own probabilities: the stored zeros, and the fresh 0.01 / 0.03.
    assert.deepEqual(Array.from({ length: 4 }, (_, i) => result.probs[i * 6]), [0, Math.fround(0.01), 0, Math.fround(0.03)]);
  });

  it('fails the series, naming the file, when a deferred slice can no longer be analysed', async () => {
    const runner = fakeRunner(['s2.dcm']);
    await assert.rejects(sequenceProbabilities(runner, slices(3, undefined, [2]), [0, 5, 10], 1, 4), /s2\.dcm can no longer be analysed \(ENOENT\)/);
    assert.deepEqual(runner.calls, ['analyse s2.dcm']);
  });
});
