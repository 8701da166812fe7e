import { ICH_CLASSES } from '../../contract/classes.js';
import { planSlabs } from '../preprocess/slabs.js';
import { runScanSequence, type RunScan } from './scan-sequence.js';
import type { CnnOutputs, SliceAnalysis } from './slice-analyser.js';

const CLASS_COUNT = ICH_CLASSES.length;

/** What the sequence step needs from the inference worker. */
export interface SequenceRunner {
  /** Every file through the slice CNN (none deferred). */
  analyse(paths: string[]): Promise<SliceAnalysis[]>;
  analyseSlabs(paths: string[], slabs: number[][]): Promise<CnnOutputs[]>;
  scan(embedding: Float32Array, sliceProbs: Float32Array, sliceCount: number): Promise<Float32Array>;
}

/** One slice of an ordered series as stored: its own CNN outputs, or null when the CNN has not run on it alone. */
export interface SeriesSlice {
  path: string;
  own: { embedding: Float32Array; cnnProbs: ArrayLike<number> } | null;
}

/** The sequence model's per-slice probabilities [S*6], and the CNN outputs this triage produced. */
export type SequenceResult =
  | {
      kind: 'slices';
      probs: Float32Array;
      /** Slices without outputs of their own, analysed alone now, by slice index. */
      analysedNow: Map<number, CnnOutputs>;
    }
  | {
      kind: 'slabs';
      probs: Float32Array;
      /** Per slice, the CNN outputs of its slab (scores and CAM it is shown with). */
      slabOfSlice: CnnOutputs[];
    };

/**
 * Per-slice probabilities of an ordered series from the sequence model. A thin series (positions
 * known, spacing and stated slice thickness under THIN_SPACING_MM: planSlabs) is scored as slabs of
 * the trained thickness and each slice gets its slab's probabilities and CNN outputs; otherwise the
 * slices' own CNN outputs are used, after running the CNN on those that were deferred at arrival
 * (thin by their header, yet not in a thin series) or were last shown with a slab's outputs.
 */
export async function sequenceProbabilities(
  runner: SequenceRunner,
  slices: SeriesSlice[],
  positionsMm: number[] | null,
  sliceThicknessMm: number | null,
  embeddingSize: number,
): Promise<SequenceResult> {
  const scan: RunScan = (embedding, sliceProbs, count) => runner.scan(embedding, sliceProbs, count);
  const paths = slices.map((slice) => slice.path);
  const plan = positionsMm ? planSlabs(positionsMm, sliceThicknessMm) : null;
  if (plan) {
    const slabs = await runner.analyseSlabs(paths, plan.slabs);
    const refined = await runScanSequence(scan, slabs.map((slab) => ({ embedding: slab.embedding, cnnProbs: slab.probs })), embeddingSize);
    const perSlice = new Float32Array(slices.length * CLASS_COUNT);
    plan.slabOfSlice.forEach((s, i) => perSlice.set(refined.subarray(s * CLASS_COUNT, (s + 1) * CLASS_COUNT), i * CLASS_COUNT));
    return { kind: 'slabs', probs: perSlice, slabOfSlice: plan.slabOfSlice.map((s) => slabs[s]!) };
  }
  const missing = slices.flatMap((slice, i) => (slice.own ? [] : [i]));
  const analysedNow = new Map<number, CnnOutputs>();
  if (missing.length > 0) {
    const results = await runner.analyse(missing.map((i) => paths[i]!));
    results.forEach((result, k) => {
      // The file was read and checked when it arrived: failing now means it changed or went away.
      if (!result.ok) throw new Error(`${result.path} can no longer be analysed (${result.reason})`);
      if (!result.cnn) throw new Error(`${result.path} was not run through the slice CNN`);
      analysedNow.set(missing[k]!, result.cnn);
    });
  }
  const inputs = slices.map((slice, i) => {
    const now = analysedNow.get(i);
    return now ? { embedding: now.embedding, cnnProbs: now.probs } : slice.own!;
  });
  return { kind: 'slices', probs: await runScanSequence(scan, inputs, embeddingSize), analysedNow };
}
