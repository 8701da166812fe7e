import { Worker } from 'node:worker_threads';
import type { ModelCard } from './model-card.js';
import type { SlabAnalysis, SliceAnalysis } from './slice-analyser.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker-protocol.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The main thread's handle on the inference worker: one request at a time per call, replies by id. */
export class InferenceClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  private failure: Error | null = null;

  private constructor(setup: WorkerSetup) {
    this.worker = new Worker(new URL('./inference-worker-entry.mjs', import.meta.url), { workerData: setup });
    this.worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    this.worker.on('error', (error: Error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`inference worker exited with code ${code}`)));
  }

  /** Starts the worker and waits until the model is loaded (or fails to load). */
  static async start(setup: WorkerSetup): Promise<{ client: InferenceClient; card: ModelCard; provider: string }> {
    const client = new InferenceClient(setup);
    try {
      const info = await client.request({ type: 'info' });
      if (info.type !== 'info') throw new Error('unexpected reply');
      return { client, card: info.card, provider: info.provider };
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  async analyse(paths: string[]): Promise<SliceAnalysis[]> {
    const reply = await this.request({ type: 'analyse', paths });
    if (reply.type !== 'analyse') throw new Error('unexpected reply');
    return reply.results;
  }

  async analyseSlabs(paths: string[], slabs: number[][]): Promise<SlabAnalysis[]> {
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
