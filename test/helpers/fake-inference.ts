import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelCard } from '../../src-main/domain/model-card.js';
import type { SliceInference } from '../../src-main/pipeline/infer/inference-client.js';
import type { SliceAnalysis } from '../../src-main/pipeline/infer/slice-analyser.js';
import { isThinSlice } from '../../src-main/pipeline/preprocess/slabs.js';
import { ctHeader } from './headers.js';

/** A small model card for fakes: 4-float embeddings, 2x2 CAMs. */
export function fakeCard(overrides: Partial<ModelCard> = {}): ModelCard {
  return {
    name: 'fake',
    version: '1',
    classes: ['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'],
    input: { size: 8, resize: 'bilinear-half-pixel', windows: [], mean: [], std: [] },
    pngWindow: { center: 40, width: 130 },
    embeddingSize: 4,
    camSize: [2, 2],
    thresholds: { any: 0.5, epidural: 0.5, intraparenchymal: 0.5, intraventricular: 0.5, subarachnoid: 0.5, subdural: 0.5 },
    scanAggregation: 'max',
    files: { sliceCnn: { path: 'a.onnx', sha256: 'a' }, scanLstm: { path: 'b.onnx', sha256: 'b' } },
    training: {},
    metrics: {},
    intendedUse: 'test',
    limitations: [],
    ...overrides,
  };
}

/**
 * Stands in for the inference worker: each file's analysis is looked up by its path (a slice of a
 * series at a z, its `any` probability, or a rejection); the sequence model is the identity.
 * Records every batch, and can hold batches until released (to test what waits on what).
 */
export class FakeInference implements SliceInference {
  readonly batches: string[][] = [];
  readonly scans: number[] = [];
  private readonly plans = new Map<string, (attempt: number) => SliceAnalysis>();
  private readonly attempts = new Map<string, number>();
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  constructor(readonly dir: string) {}

  /** Writes a (content-free) file and says what its analysis returns. */
  async slice(name: string, slice: { series: string; z: number; any?: number; thicknessMm?: number }): Promise<string> {
    const file = await this.touch(name);
    this.plans.set(file, () => okSlice(file, slice.series, slice.z, slice.any ?? 0.1, slice.thicknessMm));
    return file;
  }

  async rejected(name: string, outcome: (attempt: number) => SliceAnalysis): Promise<string> {
    const file = await this.touch(name);
    this.plans.set(file, outcome);
    return file;
  }

  /** Batches wait until release() is called. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }

  async analyse(paths: string[], options: { deferThinSlices?: boolean } = {}): Promise<SliceAnalysis[]> {
    this.batches.push(paths.map((p) => path.basename(p)));
    if (this.gate) await this.gate;
    return paths.map((p) => {
      const attempt = (this.attempts.get(p) ?? 0) + 1;
      this.attempts.set(p, attempt);
      const result = this.plans.get(p)!(attempt);
      // As the worker does: a slice thin by its header waits for its series' triage.
      return result.ok && options.deferThinSlices && isThinSlice(result.header) ? { ...result, cnn: null } : result;
    });
  }

  async scan(_embedding: Float32Array, sliceProbs: Float32Array, sliceCount: number): Promise<Float32Array> {
    this.scans.push(sliceCount);
    return sliceProbs;
  }

  async analyseSlabs(): Promise<never> {
    throw new Error('the fake series are 5 mm apart: no slabs');
  }

  async restart(): Promise<void> {}
  async close(): Promise<void> {}

  private async touch(name: string): Promise<string> {
    const file = path.join(this.dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, name);
    return file;
  }
}

export function okSlice(file: string, series: string, z: number, any: number, thicknessMm = 5): SliceAnalysis {
  return {
    ok: true,
    path: file,
    header: ctHeader({
      SOPInstanceUID: `${series}.${z}`,
      SeriesInstanceUID: series,
      StudyInstanceUID: `${series}.study`,
      ImagePositionPatient: [-125, -125, z],
      SliceThickness: thicknessMm,
    }),
    warnings: [],
    cnn: { probs: Float32Array.from([any, 0, 0, 0, 0, 0]), embedding: new Float32Array(4), cam: new Uint8Array(24) },
  };
}
