import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { ICH_CLASSES } from '../../contract/classes.js';
import { log } from '../../log.js';
import { loadModelCard } from './load-model-card.js';
import type { ModelCard } from '../../domain/model-card.js';

/** Execution providers tried in this order by default; cpu is always the last resort. */
export const DEFAULT_PROVIDERS = ['cuda', 'dml', 'webgpu', 'coreml'] as const;

const PROVIDER_PLATFORMS: Record<string, NodeJS.Platform[]> = {
  cuda: ['linux', 'win32'],
  dml: ['win32'],
  webgpu: ['linux', 'win32', 'darwin'],
  coreml: ['darwin'],
  cpu: ['linux', 'win32', 'darwin'],
};

const CLASS_COUNT = ICH_CLASSES.length;

// onnxruntime's own messages (e.g. a missing CUDA library) would repeat what we log on fallback.
ort.env.logLevel = 'fatal';

export interface SliceOutputs {
  /** N*6 sigmoid probabilities of the slice CNN. */
  probs: Float32Array;
  /** N*E embeddings (input of the sequence model). */
  embedding: Float32Array;
  /** N*6*h*w class activation maps (raw, unnormalised). */
  cam: Float32Array;
}

export interface DetectorOptions {
  /** Execution providers to try before cpu, in order. */
  providers?: readonly string[];
  /** Threads for each session's intra-op pool (default: onnxruntime's choice). */
  threads?: number;
}

/**
 * The model to use when none is named: $ICHTRIAGE_MODEL, else the one folder under models/ that
 * holds a model.json (the bundled model).
 */
export function defaultModelDir(): string {
  if (process.env.ICHTRIAGE_MODEL) return process.env.ICHTRIAGE_MODEL;
  return findBundledModel(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models'));
}

/** The one folder under `modelsDir` that holds a model.json (a packaged app passes its resources folder). */
export function findBundledModel(modelsDir: string): string {
  const bundled = readdirSync(modelsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(modelsDir, entry.name, 'model.json')))
    .map((entry) => path.join(modelsDir, entry.name));
  if (bundled.length !== 1) {
    throw new Error(`Expected one bundled model under ${modelsDir}, found ${bundled.length}: name one with --model or ICHTRIAGE_MODEL`);
  }
  return bundled[0]!;
}

/**
 * The CNN + BiLSTM detector of the model contract: slice_cnn.onnx runs per batch of slices,
 * scan_lstm.onnx per series. Sessions are created once; a provider that fails to start is logged
 * and the next one tried, ending with cpu.
 */
export class Detector {
  private constructor(
    readonly card: ModelCard,
    readonly provider: string,
    /** Why the providers tried before this one failed (one line each), or null when none failed. */
    readonly providerFallback: string | null,
    private readonly sliceCnn: ort.InferenceSession,
    private readonly scanLstm: ort.InferenceSession,
  ) {}

  static async load(modelDir: string, options: DetectorOptions = {}): Promise<Detector> {
    const card = await loadModelCard(modelDir);
    const candidates = [...(options.providers ?? DEFAULT_PROVIDERS).filter((p) => p !== 'cpu'), 'cpu'];
    let lastError: unknown;
    const failures: string[] = [];
    for (const provider of candidates) {
      if (!PROVIDER_PLATFORMS[provider]?.includes(process.platform)) {
        log.info(`execution provider ${provider}: not available on ${process.platform}, skipped`);
        continue;
      }
      try {
        const sessionOptions: ort.InferenceSession.SessionOptions = {
          executionProviders: [provider],
          graphOptimizationLevel: 'all',
          logSeverityLevel: 4,
          ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
        };
        const sliceCnn = await ort.InferenceSession.create(path.join(modelDir, card.files.sliceCnn.path), sessionOptions);
        const scanLstm = await ort.InferenceSession.create(path.join(modelDir, card.files.scanLstm.path), sessionOptions);
        checkSessionNames(sliceCnn, ['image'], ['logits', 'embedding', 'cam'], card.files.sliceCnn.path);
        checkSessionNames(scanLstm, ['embedding', 'slice_probs'], ['probs'], card.files.scanLstm.path);
        log.info(`model ${card.name} ${card.version} running on ${provider}`);
        return new Detector(card, provider, failures.length ? failures.join('; ') : null, sliceCnn, scanLstm);
      } catch (error) {
        if (error instanceof ModelContractError) throw error;
        lastError = error;
        failures.push(`${provider}: ${firstLine(error)}`);
        log.warn(`execution provider ${provider} failed, trying the next: ${firstLine(error)}`);
      }
    }
    throw new Error(`No execution provider could run the model: ${firstLine(lastError)}`);
  }

  get inputLength(): number {
    return 3 * this.card.input.size * this.card.input.size;
  }

  async runSlices(images: Float32Array, n: number): Promise<SliceOutputs> {
    const size = this.card.input.size;
    if (images.length !== n * this.inputLength) {
      throw new Error(`runSlices: expected ${n * this.inputLength} floats for ${n} slices, got ${images.length}`);
    }
    const result = await this.sliceCnn.run({ image: new ort.Tensor('float32', images, [n, 3, size, size]) });
    const logits = result.logits!.data as Float32Array;
    const probs = new Float32Array(logits.length);
    for (let i = 0; i < logits.length; i++) probs[i] = sigmoid(logits[i]!);
    return { probs, embedding: result.embedding!.data as Float32Array, cam: result.cam!.data as Float32Array };
  }

  /** Whether the slice network runs on a blank (zero) input: tells a broken model from a bad file. */
  async canRunSlices(): Promise<boolean> {
    try {
      await this.runSlices(new Float32Array(this.inputLength), 1);
      return true;
    } catch {
      return false;
    }
  }

  async runScan(embedding: Float32Array, sliceProbs: Float32Array, s: number): Promise<Float32Array> {
    const e = this.card.embeddingSize;
    if (embedding.length !== s * e || sliceProbs.length !== s * CLASS_COUNT) {
      throw new Error(`runScan: sizes do not match ${s} slices of embedding ${e}`);
    }
    const result = await this.scanLstm.run({
      embedding: new ort.Tensor('float32', embedding, [1, s, e]),
      slice_probs: new ort.Tensor('float32', sliceProbs, [1, s, CLASS_COUNT]),
    });
    return Float32Array.from(result.probs!.data as Float32Array);
  }

  async close(): Promise<void> {
    await this.sliceCnn.release();
    await this.scanLstm.release();
  }
}

class ModelContractError extends Error {
  override name = 'ModelContractError';
}

function checkSessionNames(session: ort.InferenceSession, inputs: string[], outputs: string[], file: string): void {
  const missing = [
    ...inputs.filter((n) => !session.inputNames.includes(n)).map((n) => `input ${n}`),
    ...outputs.filter((n) => !session.outputNames.includes(n)).map((n) => `output ${n}`),
  ];
  if (missing.length) throw new ModelContractError(`${file} does not follow the model contract: no ${missing.join(', ')}`);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0]!;
}
