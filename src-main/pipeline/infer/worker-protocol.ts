import type { ModelCard } from '../../domain/model-card.js';
import type { CnnOutputs, SliceAnalysis } from './slice-analyser.js';

export interface WorkerSetup {
  modelDir: string;
  providers?: string[];
  threads?: number;
  /** Largest file read, in bytes (default: DEFAULT_MAX_FILE_BYTES). */
  maxFileBytes?: number;
}

export type WorkerRequest =
  | { id: number; type: 'info' }
  | { id: number; type: 'analyse'; paths: string[]; deferThinSlices: boolean }
  | { id: number; type: 'analyseSlabs'; paths: string[]; slabs: number[][] }
  | { id: number; type: 'scan'; embedding: Float32Array; sliceProbs: Float32Array; sliceCount: number };

export type WorkerReply =
  | { id: number; ok: true; type: 'info'; card: ModelCard; provider: string; providerFallback: string | null }
  | { id: number; ok: true; type: 'analyse'; results: SliceAnalysis[] }
  | { id: number; ok: true; type: 'analyseSlabs'; results: CnnOutputs[] }
  | { id: number; ok: true; type: 'scan'; probs: Float32Array }
  | { id: number; ok: false; error: string };
