import { readFile } from 'node:fs/promises';
import { hasPngSignature } from 'fast-png';
import { decodeDicom } from '../pipeline/decode/index.js';
import { dot, sliceNormal } from '../pipeline/assemble/index.js';
import { PngError, pngToPseudoHu, type PngWindow } from './png.js';

/** Where a DICOM slice sits, for grouping into series and ordering within one. */
export interface DicomPlacement {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** Position along the slice normal (mm), or null without position/orientation. */
  position: number | null;
  instanceNumber: number | null;
}

export type LoadedSlice =
  | {
      ok: true;
      rows: number;
      columns: number;
      hu: ArrayLike<number>;
      /** Null for PNG input. */
      dicom: DicomPlacement | null;
      warning: string | null;
    }
  | { ok: false; reason: string };

/** Reads one image (PNG by its signature, anything else as DICOM) into HU or pseudo-HU. */
export async function loadSlice(path: string, pngWindow: PngWindow): Promise<LoadedSlice> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    return { ok: false, reason: `cannot read file (${(error as NodeJS.ErrnoException).code ?? 'read error'})` };
  }
  if (hasPngSignature(bytes)) {
    try {
      const slice = pngToPseudoHu(bytes, pngWindow);
      return { ok: true, rows: slice.rows, columns: slice.columns, hu: slice.hu, dicom: null, warning: slice.warning };
    } catch (error) {
      if (error instanceof PngError) return { ok: false, reason: error.message };
      throw error;
    }
  }
  const outcome = decodeDicom(bytes, path);
  if (!outcome.ok) return { ok: false, reason: `${outcome.code}: ${outcome.reason}` };
  const { header, hu, warnings } = outcome.instance;
  const position =
    header.ImagePositionPatient && header.ImageOrientationPatient
      ? dot(header.ImagePositionPatient, sliceNormal(header.ImageOrientationPatient))
      : null;
  return {
    ok: true,
    rows: header.Rows,
    columns: header.Columns,
    hu,
    dicom: {
      studyInstanceUid: header.StudyInstanceUID,
      seriesInstanceUid: header.SeriesInstanceUID,
      position,
      instanceNumber: header.InstanceNumber,
    },
    warning: warnings.length ? warnings.map((w) => `${w.code}: ${w.message}`).join('; ') : null,
  };
}
