import type { PngWindow } from './png.js';

/** The bone window of CT-ICH's JPEGs (the dataset's Read_me): the default for a bone_filename column. */
export const DEFAULT_BONE_WINDOW: PngWindow = { center: 700, width: 3200 };

/**
 * Brain-window grey levels trusted as unsaturated; JPEG ringing spreads a saturated edge by a few
 * levels, so values this close to 0 or 255 come from the bone window instead. Must equal
 * BRAIN_GREY_RANGE in models/training/ichtrain/data/ct_ich.py (the training's reconstruction).
 */
export const BRAIN_GREY_RANGE = [3, 252] as const;

/**
 * Two windowed renderings of one slice -> pseudo-HU: the narrow (brain) window where its grey level
 * is inside BRAIN_GREY_RANGE, the wide (bone) window elsewhere. Both are grey 0..255 of equal size.
 */
export function combineWindows(brain: ArrayLike<number>, bone: ArrayLike<number>, brainWindow: PngWindow, boneWindow: PngWindow): Float32Array {
  if (brain.length !== bone.length) throw new RangeError(`the two windows differ in size (${brain.length} and ${bone.length} pixels)`);
  const brainLo = brainWindow.center - brainWindow.width / 2;
  const boneLo = boneWindow.center - boneWindow.width / 2;
  const hu = new Float32Array(brain.length);
  for (let i = 0; i < brain.length; i++) {
    const level = brain[i]!;
    hu[i] =
      level >= BRAIN_GREY_RANGE[0] && level <= BRAIN_GREY_RANGE[1]
        ? brainLo + (level * brainWindow.width) / 255
        : boneLo + (bone[i]! * boneWindow.width) / 255;
  }
  return hu;
}
