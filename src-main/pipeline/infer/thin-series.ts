import { ICH_CLASSES } from '../../contract/classes.js';
import { planSlabs } from '../preprocess/slabs.js';
import type { SlabAnalysis } from './slice-analyser.js';

const CLASS_COUNT = ICH_CLASSES.length;

/** What the sequence step needs from the inference worker. */
export interface SequenceRunner {
  analyseSlabs(paths: string[], slabs: number[][]): Promise<SlabAnalysis[]>;
  scan(embedding: Float32Array, sliceProbs: Float32Array, sliceCount: number): Promise<Float32Array>;
}

/**
 * Per-slice probabilities [S*6] of an ordered series from the sequence model. A thin series
 * (positions known, spacing under THIN_SPACING_MM) is scored as slabs of the trained thickness and
 * each slice gets its slab's probabilities; otherwise the slices' own CNN outputs are used.
 */
export async function sequenceProbabilities(
  runner: SequenceRunner,
  paths: string[],
  positionsMm: number[] | null,
  embedding: Float32Array,
  cnnProbs: Float32Array,
): Promise<Float32Array> {
  const plan = positionsMm ? planSlabs(positionsMm) : null;
  if (!plan) return runner.scan(embedding, cnnProbs, paths.length);
  const slabs = await runner.analyseSlabs(paths, plan.slabs);
  const e = slabs[0]!.embedding.length;
  const slabEmbedding = new Float32Array(slabs.length * e);
  const slabProbs = new Float32Array(slabs.length * CLASS_COUNT);
  slabs.forEach((slab, s) => {
    slabEmbedding.set(slab.embedding, s * e);
    slabProbs.set(slab.probs, s * CLASS_COUNT);
  });
  const refined = await runner.scan(slabEmbedding, slabProbs, slabs.length);
  const perSlice = new Float32Array(paths.length * CLASS_COUNT);
  plan.slabOfSlice.forEach((s, i) => perSlice.set(refined.subarray(s * CLASS_COUNT, (s + 1) * CLASS_COUNT), i * CLASS_COUNT));
  return perSlice;
}
