import { ICH_CLASSES } from '../../contract/classes.js';

const CLASS_COUNT = ICH_CLASSES.length;

export type RunScan = (embedding: Float32Array, sliceProbs: Float32Array, sliceCount: number) => Promise<Float32Array>;

/**
 * The sequence model over one ordered scan: each slice's CNN embedding and probabilities, in slice
 * order, packed as the model contract wants ([1,S,E] and [1,S,6]) -> refined probabilities (S*6).
 * The engine (through its worker) and `ichtriage evaluate` (in process) both score scans here.
 */
export async function runScanSequence(runScan: RunScan, slices: { embedding: Float32Array; cnnProbs: ArrayLike<number> }[], embeddingSize: number): Promise<Float32Array> {
  const s = slices.length;
  const embedding = new Float32Array(s * embeddingSize);
  const sliceProbs = new Float32Array(s * CLASS_COUNT);
  slices.forEach((slice, i) => {
    embedding.set(slice.embedding, i * embeddingSize);
    sliceProbs.set(slice.cnnProbs, i * CLASS_COUNT);
  });
  return runScan(embedding, sliceProbs, s);
}
