import { Worker } from 'node:worker_threads';
import type { ModelCard } from '../../domain/model-card.js';
import type { CnnOutputs, SliceAnalysis } from './slice-analyser.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker-protocol.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What the pipeline needs from inference (the worker here, a fake in unit tests). */
export interface SliceInference {
  /** Each file read, decoded, checked and, unless deferThinSlices holds it back, run through the slice CNN. */
  analyse(paths: string[], options?: { deferThinSlices?: boolean }): Promise<SliceAnalysis[]>;
  /** CNN outputs of slabs of a thin series: each slab the mean of these files' slices. */
  analyseSlabs(paths: string[], slabs: number[][]): Promise<CnnOutputs[]>;
  scan(embedding: Float32Array, sliceProbs: Float32Array, sliceCount: number): Promise<Float32Array>;
  /** Replaces a worker that died (e.g. on a file that crashed native code) with a fresh one. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The main thread's handle on the inference worker: one request at a time per call, replies by id. */
export class InferenceClient implements SliceInference {
  private worker!: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  private failure: Error | null = null;

  private constructor(private readonly setup: WorkerSetup) {
    this.spawn();
  }

  private spawn(): void {
    const worker = new Worker(new URL('./inference-worker-entry.mjs', import.meta.url), { workerData: this.setup });
    this.worker = worker;
    this.failure = null;
    worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    // A replaced worker's late exit must not fail its successor's requests.
    worker.on('error', (error: Error) => worker === this.worker && this.failAll(error));
    worker.on('exit', (code) => worker === this.worker && this.failAll(new Error(`inference worker exited with code ${code}`)));
  }

  /** Starts the worker and waits until the model is loaded (or fails to load). */
  static async start(setup: WorkerSetup): Promise<{ client: InferenceClient; card: ModelCard; provider: string; providerFallback: string | null }> {
    const client = new InferenceClient(setup);
    try {
      const info = await client.info();
      return { client, ...info };
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  private async info(): Promise<{ card: ModelCard; provider: string; providerFallback: string | null }> {
    const info = await this.request({ type: 'info' });
    if (info.type !== 'info') throw new Error('unexpected reply');
    return { card: info.card, provider: info.provider, providerFallback: info.providerFallback };
  }

  async restart(): Promise<void> {
    const old = this.worker;
    this.failAll(new Error('inference worker restarted'));
    this.spawn();
    await old.terminate();
    await this.info();
  }

  async analyse(paths: string[], options: { deferThinSlices?: boolean } = {}): Promise<SliceAnalysis[]> {
    const reply = await this.request({ type: 'analyse', paths, deferThinSlices: options.deferThinSlices ?? false });
    if (reply.type !== 'analyse') throw new Error('unexpected reply');
    return reply.results;
  }

  async analyseSlabs(paths: string[], slabs: number[][]): Promise<CnnOutputs[]> {
    const reply = await this.request({ type: 'analyseSlabs', paths, slabs });
    if (reply.type !== 'analyseSlabs') throw new Error('unexpected reply');
    return reply.results;
  }

  async scan(embedding: Float32Array, sliceProbs: Float32Array, sliceCount: number): Promise<Float32Array> {
    const reply = await this.request({ type: 'scan', embedding, sliceProbs, sliceCount });
    if (reply.type !== 'scan') throw new Error('unexpected reply');
    return reply.probs;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private request(message: DistributiveOmit<WorkerRequest, 'id'>): Promise<Extract<WorkerReply, { ok: true }>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (reply) => (reply.ok ? resolve(reply) : reject(new Error(reply.error))),
        reject,
      });
      this.worker.postMessage({ ...message, id } as WorkerRequest);
    });
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
