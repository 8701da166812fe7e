import { convertIndexedToRgb, decode, type DecodedPng } from 'fast-png';

export interface PngWindow {
  center: number;
  width: number;
  /** HU a grey of 255 (at or above the window's top) is read as; absent: the top itself. */
  saturatedHu?: number;
}

export interface PseudoHuSlice {
  rows: number;
  columns: number;
  /** center - width/2 + p/255 * width per pixel, row-major. */
  hu: Float32Array;
  /** Set when the image was not plain grey (e.g. a tinted RGB rendering converted to luma). */
  warning: string | null;
}

export class PngError extends Error {
  override name = 'PngError';
}

/** ITU-R BT.601 luma, as PIL's convert('L') uses. */
const LUMA = [0.299, 0.587, 0.114] as const;

export interface GreyLevels {
  rows: number;
  columns: number;
  /** Grey level 0..255 per pixel, row-major (fractional for luma and 16-bit input). */
  grey: Float64Array;
  /** Set when the image was not plain grey (e.g. a tinted RGB rendering converted to luma). */
  warning: string | null;
}

/**
 * An already-windowed PNG slice -> pseudo-HU with the window it was rendered with (see pngGrey).
 */
export function pngToPseudoHu(bytes: Uint8Array, window: PngWindow): PseudoHuSlice {
  const { rows, columns, grey, warning } = pngGrey(bytes);
  return { rows, columns, hu: greyToPseudoHu(grey, window), warning };
}

/**
 * Grey levels 0..255 of a windowed rendering -> pseudo-HU center - width/2 + p/255 * width, or the
 * window's saturatedHu for p = 255 where it has one (a model that reads saturated grey as bone).
 */
export function greyToPseudoHu(grey: ArrayLike<number>, window: PngWindow): Float32Array {
  const huPerLevel = window.width / 255;
  const lo = window.center - window.width / 2;
  const saturated = window.saturatedHu;
  const hu = new Float32Array(grey.length);
  for (let i = 0; i < grey.length; i++) hu[i] = saturated !== undefined && grey[i]! >= 255 ? saturated : lo + grey[i]! * huPerLevel;
  return hu;
}

/**
 * A PNG -> grey levels. Grey and
 * grey+alpha use the grey channel; RGB(A) whose channels are equal (grey stored as colour) uses R;
 * RGB(A) whose channels differ (tinted scans of film, compression noise) is converted to luma with a
 * warning that says by how much the channels differ. Alpha is ignored. 16-bit values are scaled to
 * 0..255; palette images are expanded through their palette.
 */
export function pngGrey(bytes: Uint8Array): GreyLevels {
  let png: DecodedPng;
  try {
    png = decode(bytes);
  } catch (error) {
    throw new PngError(`not a readable PNG (${(error as Error).message})`);
  }
  const { width, height } = png;
  let data: ArrayLike<number> = png.data;
  let channels = png.channels;
  let depth: number = png.depth;
  if (png.palette) {
    data = convertIndexedToRgb(png);
    channels = png.palette[0]?.length ?? 3;
    depth = 8;
  } else if (depth !== 8 && depth !== 16) {
    throw new PngError(`${depth}-bit grey PNG: a windowed CT slice has 8 or 16 bits`);
  }
  const pixels = width * height;
  if (width === 0 || height === 0 || data.length < pixels * channels) throw new PngError(`PNG pixel data does not fill ${width}x${height}`);
  const scale = depth === 16 ? 255 / 65535 : 1;
  const grey = new Float64Array(pixels);
  let maxChannelDifference = 0;
  for (let i = 0; i < pixels; i++) {
    const o = i * channels;
    let level = data[o]!;
    if (channels >= 3) {
      const r = level;
      const g = data[o + 1]!;
      const b = data[o + 2]!;
      const difference = Math.max(Math.abs(r - g), Math.abs(r - b), Math.abs(g - b));
      if (difference > maxChannelDifference) maxChannelDifference = difference;
      if (difference > 0) level = LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
    }
    grey[i] = level * scale;
  }
  const warning =
    maxChannelDifference > 0
      ? `colour PNG: R, G and B differ by up to ${Math.round(maxChannelDifference * scale)} of 255; converted to grey with BT.601 luma`
      : null;
  return { rows: height, columns: width, grey, warning };
}
