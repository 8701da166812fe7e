import { ICH_CLASSES } from '../../contract/classes.js';
import { planSlabs } from '../preprocess/slabs.js';
import { runScanSequence, type RunScan } from './scan-sequence.js';
import type { SlabAnalysis } from './slice-analyser.js';

const CLASS_COUNT = ICH_CLASSES.length;

/** What the sequence step needs from the inference worker. */
export interface SequenceRunner {
  analyseSlabs(paths: string[], slabs: number[][]): Promise<SlabAnalysis[]>;
  scan(embedding: Float32Array, sliceProbs: Float32Array, sliceCount: number): Promise<Float32Array>;
}

/** The sequence model's per-slice probabilities [S*6]; for a thin series also each slice's slab CAM. */
export interface SequenceResult {
  probs: Float32Array;
  /** Per slice, the quantised CAM of its slab (thin series only; null: each slice keeps its own). */
  slabCams: Uint8Array[] | null;
}

/**
 * Per-slice probabilities of an ordered series from the sequence model. A thin series (positions
 * known, spacing under THIN_SPACING_MM) is scored as slabs of the trained thickness and each slice
 * gets its slab's probabilities and CAM; otherwise the slices' own CNN outputs are used.
 */
export async function sequenceProbabilities(
  runner: SequenceRunner,
  slices: { path: string; embedding: Float32Array; cnnProbs: ArrayLike<number> }[],
  positionsMm: number[] | null,
  embeddingSize: number,
): Promise<SequenceResult> {
  const scan: RunScan = (embedding, sliceProbs, count) => runner.scan(embedding, sliceProbs, count);
  const plan = positionsMm ? planSlabs(positionsMm) : null;
  if (!plan) return { probs: await runScanSequence(scan, slices, embeddingSize), slabCams: null };
  const slabs = await runner.analyseSlabs(
    slices.map((slice) => slice.path),
    plan.slabs,
  );
  const refined = await runScanSequence(scan, slabs.map((slab) => ({ embedding: slab.embedding, cnnProbs: slab.probs })), embeddingSize);
  const perSlice = new Float32Array(slices.length * CLASS_COUNT);
  plan.slabOfSlice.forEach((s, i) => perSlice.set(refined.subarray(s * CLASS_COUNT, (s + 1) * CLASS_COUNT), i * CLASS_COUNT));
  return { probs: perSlice, slabCams: plan.slabOfSlice.map((s) => slabs[s]!.cam) };
}
