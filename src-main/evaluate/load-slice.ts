import { readFile } from 'node:fs/promises';
import { hasPngSignature } from 'fast-png';
import { decodeDicom } from '../pipeline/decode/index.js';
import { dot, sliceNormal } from '../pipeline/assemble/index.js';
import { decodeJpegGrey, hasJpegSignature, JpegError } from './jpeg.js';
import { greyToPseudoHu, PngError, pngGrey, type GreyLevels, type PngWindow } from './png.js';
import { combineWindows } from './two-windows.js';

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

/** A second rendering of the same slice in a wide window, combined with the first (see combineWindows). */
export interface BoneWindowImage {
  path: string;
  window: PngWindow;
}

/**
 * Reads one image (PNG or JPEG by its signature: a windowed rendering; anything else as DICOM) into
 * HU or pseudo-HU. With `bone`, the image and the bone-window image are two windows of one slice.
 */
export async function loadSlice(path: string, pngWindow: PngWindow, bone: BoneWindowImage | null = null): Promise<LoadedSlice> {
  const bytes = await readBytes(path);
  if (typeof bytes === 'string') return { ok: false, reason: bytes };
  if (hasPngSignature(bytes) || hasJpegSignature(bytes)) {
    const image = windowedGrey(bytes);
    if (typeof image === 'string') return { ok: false, reason: image };
    if (!bone) return { ok: true, rows: image.rows, columns: image.columns, hu: greyToPseudoHu(image.grey, pngWindow), dicom: null, warning: image.warning };
    const boneBytes = await readBytes(bone.path);
    if (typeof boneBytes === 'string') return { ok: false, reason: `bone window: ${boneBytes}` };
    const boneImage = hasPngSignature(boneBytes) || hasJpegSignature(boneBytes) ? windowedGrey(boneBytes) : 'not a PNG or JPEG';
    if (typeof boneImage === 'string') return { ok: false, reason: `bone window: ${boneImage}` };
    if (boneImage.rows !== image.rows || boneImage.columns !== image.columns) {
      return { ok: false, reason: `bone window is ${boneImage.columns}x${boneImage.rows}, the image ${image.columns}x${image.rows}` };
    }
    const warning = [image.warning, boneImage.warning && `bone window: ${boneImage.warning}`].filter(Boolean).join('; ') || null;
    const hu = combineWindows(image.grey, boneImage.grey, pngWindow, bone.window);
    return { ok: true, rows: image.rows, columns: image.columns, hu, dicom: null, warning };
  }
  if (bone) return { ok: false, reason: 'a bone-window image goes with a windowed PNG or JPEG, not with DICOM (which has HU)' };
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

async function readBytes(path: string): Promise<Uint8Array | string> {
  try {
    return await readFile(path);
  } catch (error) {
    return `cannot read file (${(error as NodeJS.ErrnoException).code ?? 'read error'})`;
  }
}

/** Grey levels of a PNG or JPEG, or the reason it cannot be read. */
function windowedGrey(bytes: Uint8Array): GreyLevels | string {
  try {
    if (hasPngSignature(bytes)) return pngGrey(bytes);
    const jpeg = decodeJpegGrey(bytes);
    return { rows: jpeg.rows, columns: jpeg.columns, grey: Float64Array.from(jpeg.grey), warning: null };
  } catch (error) {
    if (error instanceof PngError || error instanceof JpegError) return error.message;
    throw error;
  }
}
