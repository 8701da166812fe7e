import { ICH_CLASSES } from '../../contract/classes.js';
import { preprocessHu } from '../preprocess/index.js';
import type { Detector } from './detector.js';

const CLASS_COUNT = ICH_CLASSES.length;

/** One slice's CNN outputs. */
export interface SliceOutput {
  /** The 6 class probabilities. */
  probs: Float32Array;
  embedding: Float32Array;
  /** 6*h*w raw class activation maps. */
  cam: Float32Array;
}

/**
 * HU slices -> network inputs (preprocessed as the model card says) -> one slice-CNN run for the
 * lot. The engine's worker and `ichtriage evaluate` both analyse slices through this.
 */
export class SliceBatch {
  private readonly inputs: Float32Array;
  private count = 0;

  constructor(
    private readonly detector: Detector,
    readonly capacity: number,
  ) {
    this.inputs = new Float32Array(capacity * detector.inputLength);
  }

  get size(): number {
    return this.count;
  }

  /** Preprocesses one slice into the next slot; returns the slot. */
  add(hu: ArrayLike<number>, rows: number, columns: number): number {
    if (this.count === this.capacity) throw new Error(`SliceBatch holds ${this.capacity} slices`);
    const length = this.detector.inputLength;
    preprocessHu(hu, rows, columns, this.detector.card.input, this.inputs.subarray(this.count * length, (this.count + 1) * length));
    return this.count++;
  }

  /** Runs the slice CNN on every slot, in slot order. */
  async run(): Promise<SliceOutput[]> {
    const length = this.detector.inputLength;
    return split(await this.detector.runSlices(this.inputs.subarray(0, this.count * length), this.count), this.count, this.detector);
  }

  /** Runs one slot alone (to find which input broke a batch). */
  async runAlone(slot: number): Promise<SliceOutput> {
    const length = this.detector.inputLength;
    return split(await this.detector.runSlices(this.inputs.slice(slot * length, (slot + 1) * length), 1), 1, this.detector)[0]!;
  }

  clear(): void {
    this.count = 0;
  }
}

function split(outputs: { probs: Float32Array; embedding: Float32Array; cam: Float32Array }, n: number, detector: Detector): SliceOutput[] {
  const e = detector.card.embeddingSize;
  const camLength = CLASS_COUNT * detector.card.camSize[0] * detector.card.camSize[1];
  return Array.from({ length: n }, (_, k) => ({
    probs: outputs.probs.slice(k * CLASS_COUNT, (k + 1) * CLASS_COUNT),
    embedding: outputs.embedding.slice(k * e, (k + 1) * e),
    cam: outputs.cam.slice(k * camLength, (k + 1) * camLength),
  }));
}
