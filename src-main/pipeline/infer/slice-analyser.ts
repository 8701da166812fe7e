import { readFile } from 'node:fs/promises';
import type { CodedWarning, RejectionCode } from '../../contract/warnings.js';
import type { InstanceHeader } from '../../domain/instance.js';
import { checkAxialSlice } from '../assemble/index.js';
import { decodeDicom } from '../decode/index.js';
import { preprocessHu } from '../preprocess/index.js';
import { meanSlice } from '../preprocess/slabs.js';
import type { Detector } from './detector.js';

export type SliceAnalysis =
  | {
      ok: true;
      path: string;
      header: InstanceHeader;
      warnings: CodedWarning[];
      /** 6 CNN probabilities. */
      probs: Float32Array;
      embedding: Float32Array;
      /** 6*h*w, each class map scaled so its maximum is 255 (negative evidence clipped to 0). */
      cam: Uint8Array;
    }
  | { ok: false; path: string; code: RejectionCode; reason: string };

/**
 * File -> decoded HU -> network input -> CNN outputs, for a batch of files. Runs inside the
 * inference worker; the pixels never leave it, only the small per-slice results do.
 */
export async function analyseFiles(detector: Detector, paths: string[]): Promise<SliceAnalysis[]> {
  const results: SliceAnalysis[] = new Array(paths.length);
  const accepted: { index: number; header: InstanceHeader; warnings: CodedWarning[] }[] = [];
  const inputLength = detector.inputLength;
  const batch = new Float32Array(paths.length * inputLength);
  for (const [index, path] of paths.entries()) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      results[index] = { ok: false, path, code: 'NOT_DICOM', reason: `cannot read file: ${(error as Error).message}` };
      continue;
    }
    const decoded = decodeDicom(bytes, path);
    if (!decoded.ok) {
      results[index] = { ok: false, path, code: decoded.code, reason: decoded.reason };
      continue;
    }
    const { header, hu, warnings } = decoded.instance;
    const ineligible = checkAxialSlice(header);
    if (ineligible) {
      results[index] = { ok: false, path, ...ineligible };
      continue;
    }
    preprocessHu(hu, header.Rows, header.Columns, detector.card.input, batch.subarray(accepted.length * inputLength, (accepted.length + 1) * inputLength));
    accepted.push({ index, header, warnings });
  }
  if (accepted.length > 0) {
    const outputs = await detector.runSlices(batch.subarray(0, accepted.length * inputLength), accepted.length);
    const e = detector.card.embeddingSize;
    const camLength = 6 * detector.card.camSize[0] * detector.card.camSize[1];
    accepted.forEach(({ index, header, warnings }, n) => {
      results[index] = {
        ok: true,
        path: paths[index]!,
        header,
        warnings,
        probs: outputs.probs.slice(n * 6, n * 6 + 6),
        embedding: outputs.embedding.slice(n * e, n * e + e),
        cam: quantiseCam(outputs.cam.subarray(n * camLength, (n + 1) * camLength), 6),
      };
    });
  }
  return results;
}

/** CNN outputs of one slab of a thin series (see preprocess/slabs.ts). */
export interface SlabAnalysis {
  probs: Float32Array;
  embedding: Float32Array;
  cam: Uint8Array;
}

/**
 * Each slab (indices into `paths`) -> the mean HU of its slices -> network input -> CNN outputs. The
 * files were decoded once already when they arrived, so a file that fails now is an error.
 */
export async function analyseSlabs(detector: Detector, paths: string[], slabs: number[][]): Promise<SlabAnalysis[]> {
  const inputLength = detector.inputLength;
  const batch = new Float32Array(slabs.length * inputLength);
  for (const [s, members] of slabs.entries()) {
    let rows = 0;
    let columns = 0;
    const hus: ArrayLike<number>[] = [];
    for (const i of members) {
      const decoded = decodeDicom(await readFile(paths[i]!), paths[i]!);
      if (!decoded.ok) throw new Error(`slab ${s + 1}: ${paths[i]} no longer decodes (${decoded.reason})`);
      ({ Rows: rows, Columns: columns } = decoded.instance.header);
      hus.push(decoded.instance.hu);
    }
    preprocessHu(meanSlice(hus), rows, columns, detector.card.input, batch.subarray(s * inputLength, (s + 1) * inputLength));
  }
  const outputs = await detector.runSlices(batch, slabs.length);
  const e = detector.card.embeddingSize;
  const camLength = 6 * detector.card.camSize[0] * detector.card.camSize[1];
  return slabs.map((_, n) => ({
    probs: outputs.probs.slice(n * 6, n * 6 + 6),
    embedding: outputs.embedding.slice(n * e, n * e + e),
    cam: quantiseCam(outputs.cam.subarray(n * camLength, (n + 1) * camLength), 6),
  }));
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
