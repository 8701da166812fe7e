/**
 * Thin series as slabs: the detector was trained on slices of about 5 mm, and thin slices (0.625 mm)
 * are noisier and cut vertex and skull-base bone at angles it has not seen. A thin series is therefore
 * analysed as consecutive non-overlapping slabs of the trained thickness (mean HU of their slices),
 * and each thin slice is shown the score and CAM of its slab.
 */

import type { InstanceHeader } from '../../domain/instance.js';

/** Below this slice spacing and thickness a series is analysed as slabs. */
export const THIN_SPACING_MM = 2.5;
/** Slab thickness when the model card does not say what the model was trained on. */
export const DEFAULT_SLAB_THICKNESS_MM = 5;

export interface SlabPlan {
  /** Per slab, the indices (into the ordered slices) it averages, in order. */
  slabs: number[][];
  /** Per slice, the index of its slab. */
  slabOfSlice: number[];
}

/**
 * Groups ordered slice positions (mm along the normal, increasing) into slabs of `thicknessMm`, or
 * returns null when the series is not thin or has one slice. A series is thin when its median
 * spacing is under THIN_SPACING_MM and so is the slice thickness its headers state (null: not
 * stated). The thickness says how much tissue one slice averages: a 2.5 mm series through a tilted
 * gantry has planes 2.5 mm x cos(tilt) apart but is no thinner than the same series untilted, and
 * overlapping 5 mm slices at 2.5 mm are not thin at all. It also matches isThinSlice, so a slice
 * whose CNN run waited for its series is one the plan scores as a slab.
 * A slab holds the slices whose offset from the first slice falls into the same thickness interval;
 * a trailing slab thinner than half the thickness joins the one before it.
 */
export function planSlabs(
  positionsMm: readonly number[],
  sliceThicknessMm: number | null,
  thicknessMm = DEFAULT_SLAB_THICKNESS_MM,
): SlabPlan | null {
  if (positionsMm.length < 2) return null;
  const steps = positionsMm.slice(1).map((z, i) => z - positionsMm[i]!);
  if (steps.some((step) => !(step > 0))) throw new RangeError('slice positions must be strictly increasing');
  if (median(steps) >= THIN_SPACING_MM || (sliceThicknessMm !== null && sliceThicknessMm >= THIN_SPACING_MM)) return null;
  const first = positionsMm[0]!;
  const slabs: number[][] = [];
  let current = -1;
  positionsMm.forEach((z, i) => {
    // The small tolerance keeps a slice exactly one thickness away (up to rounding) in the next slab.
    const interval = Math.floor((z - first) / thicknessMm + 1e-6);
    if (interval !== current) {
      slabs.push([]);
      current = interval;
    }
    slabs[slabs.length - 1]!.push(i);
  });
  const last = slabs[slabs.length - 1]!;
  if (slabs.length > 1 && positionsMm[last[last.length - 1]!]! - positionsMm[last[0]!]! < thicknessMm / 2 - median(steps) / 2) {
    slabs[slabs.length - 2]!.push(...slabs.pop()!);
  }
  const slabOfSlice = new Array<number>(positionsMm.length);
  slabs.forEach((members, s) => members.forEach((i) => (slabOfSlice[i] = s)));
  return { slabs, slabOfSlice };
}

/**
 * What one slice's header says before its series is complete: a slice reconstructed thinner than
 * THIN_SPACING_MM most likely belongs to a series that planSlabs will score as slabs. Only a hint
 * (the plan, from the positions too, decides), so a slice without SliceThickness is not thin here.
 */
export function isThinSlice(header: Pick<InstanceHeader, 'SliceThickness'>): boolean {
  const thickness = statedThickness(header);
  return thickness !== null && thickness < THIN_SPACING_MM;
}

/** The slice thickness a series' headers state (their median), or null when none states one. */
export function seriesSliceThickness(headers: readonly Pick<InstanceHeader, 'SliceThickness'>[]): number | null {
  const stated = headers.flatMap((h) => statedThickness(h) ?? []);
  return stated.length > 0 ? median(stated) : null;
}

/** A header's SliceThickness when it states one (absent or 0: not stated). */
function statedThickness(header: Pick<InstanceHeader, 'SliceThickness'>): number | null {
  return header.SliceThickness !== null && header.SliceThickness > 0 ? header.SliceThickness : null;
}

/** Pixel-wise mean of equally sized HU slices. */
export function meanSlice(slices: readonly ArrayLike<number>[]): Float32Array {
  if (slices.length === 0) throw new RangeError('a slab needs at least one slice');
  const length = slices[0]!.length;
  const sum = new Float64Array(length);
  for (const slice of slices) {
    if (slice.length !== length) throw new RangeError(`slices of a slab differ in size (${slice.length} and ${length} pixels)`);
    for (let i = 0; i < length; i++) sum[i]! += slice[i]!;
  }
  const mean = new Float32Array(length);
  for (let i = 0; i < length; i++) mean[i] = sum[i]! / slices.length;
  return mean;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
