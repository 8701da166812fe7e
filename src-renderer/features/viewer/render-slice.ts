/**
 * Pixel maths for the study view, pure so it can be unit-tested: HU -> grey through a window, and a
 * CAM (0..1) -> colour with transparency where the map is cold.
 */
export interface WindowPreset {
  key: string;
  name: string;
  center: number;
  width: number;
}

export const WINDOW_PRESETS: readonly WindowPreset[] = [
  { key: '1', name: 'Brain', center: 40, width: 80 },
  { key: '2', name: 'Subdural', center: 80, width: 200 },
  { key: '3', name: 'Stroke', center: 40, width: 40 },
  { key: '4', name: 'Bone', center: 600, width: 2800 },
];

/** Writes opaque grey RGBA: HU <= center - width/2 is black, >= center + width/2 is white. */
export function windowToRgba(hu: Int16Array, center: number, width: number, out: Uint8ClampedArray): void {
  const low = center - width / 2;
  const scale = 255 / Math.max(1, width);
  for (let i = 0, o = 0; i < hu.length; i++, o += 4) {
    const grey = (hu[i]! - low) * scale; // Uint8ClampedArray clamps and rounds
    out[o] = grey;
    out[o + 1] = grey;
    out[o + 2] = grey;
    out[o + 3] = 255;
  }
}

/** Turbo-like ramp: blue -> cyan -> green -> yellow -> red. */
const RAMP: [number, number, number][] = [
  [48, 18, 200],
  [40, 160, 240],
  [60, 220, 110],
  [250, 220, 40],
  [240, 40, 30],
];

/** Below this the CAM is left transparent, so only the regions that drove the score are tinted. */
export const CAM_FLOOR = 0.3;

/**
 * Above the floor, colour runs over the whole ramp and opacity grows as t^1.5, so the faint
 * upsampled fringe of an 8x8 map does not veil the slice and the hot core stands out.
 */
export function camToRgba(values: Float32Array, out: Uint8ClampedArray): void {
  for (let i = 0, o = 0; i < values.length; i++, o += 4) {
    const v = Math.min(1, Math.max(0, values[i]!));
    const t = v <= CAM_FLOOR ? 0 : (v - CAM_FLOOR) / (1 - CAM_FLOOR);
    const position = t * (RAMP.length - 1);
    const lower = Math.min(RAMP.length - 2, Math.floor(position));
    const f = position - lower;
    const a = RAMP[lower]!;
    const b = RAMP[lower + 1]!;
    out[o] = a[0] + (b[0] - a[0]) * f;
    out[o + 1] = a[1] + (b[1] - a[1]) * f;
    out[o + 2] = a[2] + (b[2] - a[2]) * f;
    out[o + 3] = t ** 1.5 * 255;
  }
}

/** Dragging right widens the window, dragging down raises the centre (as most PACS viewers). */
export function dragWindow(start: { center: number; width: number }, dx: number, dy: number): { center: number; width: number } {
  return { center: Math.round(start.center + dy * 2), width: Math.round(Math.max(1, start.width + dx * 4)) };
}
