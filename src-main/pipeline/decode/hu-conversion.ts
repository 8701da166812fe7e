import { AIR_HU } from '../../domain/instance.js';
import type { PixelModule } from './header.js';

/** Everything that maps one stored bit pattern to HU. Identical plans give identical tables. */
export interface HuPlan {
  bitsAllocated: 8 | 16;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  monochrome1: boolean;
  slope: number;
  intercept: number;
  /** Inclusive range of stored values that mean "no data" (PixelPaddingValue [.. RangeLimit]). */
  padding: [number, number] | null;
  /** RSNA 2019 12-bit quirk: stored values are shifted by +1000 and wrapped at 4096. */
  rsna12BitFix: boolean;
}

const RSNA_FIXED_INTERCEPT = -1000;

/**
 * The RSNA 2019 data has unsigned 12-bit slices whose intercept is near 0 although the values were
 * written as if it were -1000; the accepted repair (from the RSNA challenge) shifts them back.
 */
export function needsRsna12BitFix(pixel: PixelModule): boolean {
  return pixel.bitsStored === 12 && pixel.pixelRepresentation === 0 && (pixel.rescaleIntercept ?? 0) > -100 && pixel.rescaleIntercept !== null;
}

export function planHuConversion(pixel: PixelModule, bitsAllocated: 8 | 16): HuPlan {
  const rsna12BitFix = needsRsna12BitFix(pixel);
  let padding: [number, number] | null = null;
  if (pixel.pixelPaddingValue !== null) {
    const limit = pixel.pixelPaddingRangeLimit ?? pixel.pixelPaddingValue;
    padding = [Math.min(pixel.pixelPaddingValue, limit), Math.max(pixel.pixelPaddingValue, limit)];
  }
  return {
    bitsAllocated,
    bitsStored: Math.min(pixel.bitsStored, bitsAllocated),
    highBit: Math.min(pixel.highBit, bitsAllocated - 1),
    signed: pixel.pixelRepresentation === 1,
    monochrome1: pixel.photometricInterpretation === 'MONOCHROME1',
    slope: pixel.rescaleSlope ?? 1,
    intercept: rsna12BitFix ? RSNA_FIXED_INTERCEPT : (pixel.rescaleIntercept ?? 0),
    padding,
    rsna12BitFix,
  };
}

/** Stored value (BitsStored wide, after sign extension) of one container bit pattern. */
export function storedValue(pattern: number, plan: HuPlan): number {
  const shift = plan.highBit + 1 - plan.bitsStored;
  const mask = plan.bitsStored >= 32 ? 0xffffffff : (1 << plan.bitsStored) - 1;
  let value = (pattern >>> Math.max(0, shift)) & mask;
  if (plan.signed && value >= 1 << (plan.bitsStored - 1)) value -= 1 << plan.bitsStored;
  return value;
}

/** HU of one stored value: padding -> air, RSNA fix, MONOCHROME1 inversion, rescale, round, clamp. */
export function huOfStoredValue(value: number, plan: HuPlan): number {
  if (plan.padding && value >= plan.padding[0] && value <= plan.padding[1]) return AIR_HU;
  let v = value;
  if (plan.rsna12BitFix) v = (v + 1000) % 4096;
  if (plan.monochrome1) v = plan.signed ? -1 - v : (1 << plan.bitsStored) - 1 - v;
  const hu = Math.round(v * plan.slope + plan.intercept);
  // Nothing in a patient is below air: lower values are outside-FOV fill (e.g. RSNA -2000 -> -3024).
  return Math.min(32767, Math.max(AIR_HU, hu));
}

let cachedKey = '';
let cachedTable: Int16Array = new Int16Array(0);

/**
 * One HU per possible container bit pattern (256 or 65536 entries), so converting a slice is a
 * single table lookup per pixel. Consecutive slices of a series share the table.
 */
export function huLookupTable(plan: HuPlan): Int16Array {
  const key = JSON.stringify(plan);
  if (key === cachedKey) return cachedTable;
  const size = 1 << plan.bitsAllocated;
  const table = new Int16Array(size);
  for (let pattern = 0; pattern < size; pattern++) table[pattern] = huOfStoredValue(storedValue(pattern, plan), plan);
  cachedKey = key;
  cachedTable = table;
  return table;
}

/** Converts little-endian samples (one per pixel) to HU. */
export function samplesToHu(samples: Uint8Array, plan: HuPlan, pixelCount: number): Int16Array {
  const table = huLookupTable(plan);
  const hu = new Int16Array(pixelCount);
  if (plan.bitsAllocated === 8) {
    for (let i = 0; i < pixelCount; i++) hu[i] = table[samples[i]!]!;
    return hu;
  }
  const patterns = uint16View(samples, pixelCount);
  for (let i = 0; i < pixelCount; i++) hu[i] = table[patterns[i]!]!;
  return hu;
}

/** Uint16 view of little-endian bytes; copies only when the offset is odd. (Hosts are little-endian.) */
export function uint16View(samples: Uint8Array, count: number): Uint16Array {
  if (samples.byteOffset % 2 === 0) return new Uint16Array(samples.buffer, samples.byteOffset, count);
  return new Uint16Array(samples.slice(0, count * 2).buffer);
}
