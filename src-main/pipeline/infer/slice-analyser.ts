import type { CodedWarning, RejectionCode } from '../../contract/warnings.js';
import type { InstanceHeader } from '../../domain/instance.js';
import { checkAxialSlice } from '../assemble/index.js';
import { decodeDicom } from '../decode/index.js';
import { readInboxFile } from '../inbox/read-inbox-file.js';
import { isThinSlice, meanSlice } from '../preprocess/slabs.js';
import type { Detector } from './detector.js';
import { SliceBatch, type SliceOutput } from './slice-batch.js';

/** What the slice CNN gives for one input (a slice, or a slab of a thin series). */
export interface CnnOutputs {
  /** 6 CNN probabilities. */
  probs: Float32Array;
  embedding: Float32Array;
  /** 6*h*w, each class map scaled so its maximum is 255 (negative evidence clipped to 0). */
  cam: Uint8Array;
}

export type SliceAnalysis =
  | {
      ok: true;
      path: string;
      header: InstanceHeader;
      warnings: CodedWarning[];
      /** null: a thin slice checked and left for its series' triage (see deferThinSlices). */
      cnn: CnnOutputs | null;
    }
  | { ok: false; path: string; code: RejectionCode; reason: string };

export interface AnalyseOptions {
  /** Largest file read, in bytes. */
  maxFileBytes?: number;
  /**
   * Read, decode and check a slice whose header says it is thin, but leave the CNN to its series'
   * triage: a thin series is scored as slabs, so the CNN's outputs on its slices alone would be
   * discarded (planSlabs decides, from the positions, once the series is complete).
   */
  deferThinSlices?: boolean;
}

interface PreparedSlice {
  index: number;
  header: InstanceHeader;
  warnings: CodedWarning[];
}

type Prepared = ({ ok: true; deferred: boolean } & Omit<PreparedSlice, 'index'>) | { ok: false; code: RejectionCode; reason: string };

/**
 * File -> decoded HU -> network input -> CNN outputs, for a batch of files. Runs inside the
 * inference worker; the pixels never leave it, only the small per-slice results do.
 * Whatever one file does (malformed bytes, a size or type the inbox refuses, an input the network
 * fails on), it becomes that file's rejection: the files beside it are analysed as usual.
 */
export async function analyseFiles(detector: Detector, paths: string[], options: AnalyseOptions = {}): Promise<SliceAnalysis[]> {
  const results: SliceAnalysis[] = new Array(paths.length);
  const prepared: PreparedSlice[] = [];
  const batch = new SliceBatch(detector, paths.length);
  for (const [index, path] of paths.entries()) {
    try {
      const outcome = await prepareSlice(batch, path, options);
      if (!outcome.ok) results[index] = { ok: false, path, code: outcome.code, reason: outcome.reason };
      else if (outcome.deferred) results[index] = { ok: true, path, header: outcome.header, warnings: outcome.warnings, cnn: null };
      else prepared.push({ index, header: outcome.header, warnings: outcome.warnings });
    } catch (error) {
      results[index] = { ok: false, path, code: 'ANALYSIS_FAILED', reason: `preprocessing failed (${messageOf(error)})` };
    }
  }
  if (prepared.length === 0) return results;
  try {
    const outputs = await batch.run();
    prepared.forEach((slice, slot) => (results[slice.index] = sliceResult(detector, paths[slice.index]!, slice, outputs[slot]!)));
  } catch (batchError) {
    // One input broke the batch: run each alone so only that file is rejected.
    for (const [slot, slice] of prepared.entries()) {
      results[slice.index] = await analyseAlone(detector, batch, slot, paths[slice.index]!, slice, batchError);
    }
  }
  return results;
}

/** Reads, decodes and checks one file, and preprocesses it into the batch's next slot unless it is deferred. */
async function prepareSlice(batch: SliceBatch, path: string, options: AnalyseOptions): Promise<Prepared> {
  const read = await readInboxFile(path, options.maxFileBytes);
  if (!read.ok) return read;
  const decoded = decodeDicom(read.bytes, path);
  if (!decoded.ok) return decoded;
  const { header, hu, warnings } = decoded.instance;
  const ineligible = checkAxialSlice(header);
  if (ineligible) return { ok: false, ...ineligible };
  if (options.deferThinSlices && isThinSlice(header)) return { ok: true, deferred: true, header, warnings };
  batch.add(hu, header.Rows, header.Columns);
  return { ok: true, deferred: false, header, warnings };
}

async function analyseAlone(detector: Detector, batch: SliceBatch, slot: number, path: string, slice: PreparedSlice, batchError: unknown): Promise<SliceAnalysis> {
  try {
    return sliceResult(detector, path, slice, await batch.runAlone(slot));
  } catch (error) {
    // If the network fails on a plain input too, the model is broken, not this file: let the
    // caller keep every file for later instead of rejecting good ones.
    if (!(await detector.canRunSlices())) throw batchError;
    return { ok: false, path, code: 'ANALYSIS_FAILED', reason: `the slice network failed on this file (${messageOf(error)})` };
  }
}

function sliceResult(detector: Detector, path: string, slice: PreparedSlice, output: SliceOutput): SliceAnalysis {
  return {
    ok: true,
    path,
    header: slice.header,
    warnings: slice.warnings,
    cnn: cnnOutputs(output),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function cnnOutputs(output: SliceOutput): CnnOutputs {
  return { probs: output.probs, embedding: output.embedding, cam: quantiseCam(output.cam, 6) };
}

/** Slabs per CNN run: as many as the engine's file batches, so a long thin series never runs at once. */
const SLABS_PER_RUN = 16;

/**
 * Each slab (indices into `paths`) -> the mean HU of its slices -> network input -> CNN outputs, a
 * few slabs per run so memory stays that of one batch however long the series. The files were
 * decoded once already when they arrived, so a file that fails now is an error.
 */
export async function analyseSlabs(detector: Detector, paths: string[], slabs: number[][], maxFileBytes?: number): Promise<CnnOutputs[]> {
  const batch = new SliceBatch(detector, Math.min(SLABS_PER_RUN, slabs.length));
  const results: CnnOutputs[] = [];
  for (const [s, members] of slabs.entries()) {
    let rows = 0;
    let columns = 0;
    const hus: ArrayLike<number>[] = [];
    for (const i of members) {
      const read = await readInboxFile(paths[i]!, maxFileBytes);
      if (!read.ok) throw new Error(`slab ${s + 1}: ${paths[i]} can no longer be read (${read.reason})`);
      const decoded = decodeDicom(read.bytes, paths[i]!);
      if (!decoded.ok) throw new Error(`slab ${s + 1}: ${paths[i]} no longer decodes (${decoded.reason})`);
      ({ Rows: rows, Columns: columns } = decoded.instance.header);
      hus.push(decoded.instance.hu);
    }
    batch.add(meanSlice(hus), rows, columns);
    if (batch.size === batch.capacity || s === slabs.length - 1) {
      for (const output of await batch.run()) results.push(cnnOutputs(output));
      batch.clear();
    }
  }
  return results;
}

/** Keeps the positive evidence of each class map, scaled to 0..255 of its own maximum. */
export function quantiseCam(cam: Float32Array, classes: number): Uint8Array {
  const plane = cam.length / classes;
  const out = new Uint8Array(cam.length);
  for (let k = 0; k < classes; k++) {
    let max = 0;
    for (let i = k * plane; i < (k + 1) * plane; i++) max = Math.max(max, cam[i]!);
    if (max <= 0) continue;
    for (let i = k * plane; i < (k + 1) * plane; i++) out[i] = Math.round((Math.max(cam[i]!, 0) / max) * 255);
  }
  return out;
}
