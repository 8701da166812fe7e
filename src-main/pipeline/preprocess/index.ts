import type { ModelCard } from '../../domain/model-card.js';

export type PreprocessParams = ModelCard['input'];

/**
 * HU slice -> the network's input tensor [3, size, size], exactly as models/training/ichtrain/preprocess.py
 * does it (golden vectors in test/fixtures/golden-preprocess prove the two agree): HU below the
 * card's huFloor read as it, one channel per window scaled to [0, 1], bilinear resize with
 * half-pixel centres (torch interpolate, align_corners=False, no antialias), then per-channel
 * (x - mean) / std.
 */
export function preprocessHu(
  hu: Int16Array | ArrayLike<number>,
  rows: number,
  columns: number,
  params: PreprocessParams,
  out: Float32Array = new Float32Array(params.windows.length * params.size * params.size),
): Float32Array {
  if (hu.length !== rows * columns) {
    throw new Error(`HU array has ${hu.length} values, expected ${rows}x${columns}`);
  }
  const size = params.size;
  const plane = size * size;
  if (hu instanceof Int16Array && rows === 2 * size && columns === 2 * size) {
    halveWindowed(hu, params, out);
    return out;
  }
  const xTaps = bilinearTaps(columns, size);
  const yTaps = bilinearTaps(rows, size);
  const windowed = new Float32Array(rows * columns);
  const floor = params.huFloor ?? -Infinity;
  params.windows.forEach((window, channel) => {
    if (hu instanceof Int16Array) {
      const table = windowTable(window.center, window.width, floor);
      for (let i = 0; i < windowed.length; i++) windowed[i] = table[hu[i]! + INT16_OFFSET]!;
    } else {
      // Fractional pseudo-HU (from windowed PNGs, slab means) cannot use the integer table.
      for (let i = 0; i < windowed.length; i++) windowed[i] = applyWindow(Math.max(hu[i]!, floor), window.center, window.width);
    }
    const mean = params.mean[channel]!;
    const invStd = 1 / params.std[channel]!;
    resizeInto(windowed, columns, xTaps, yTaps, out, channel * plane, size);
    for (let i = channel * plane; i < (channel + 1) * plane; i++) {
      out[i] = (out[i]! - mean) * invStd;
    }
  });
  return out;
}

/**
 * The common case (512 -> 256): half-pixel bilinear at exactly half size weighs each 2x2 block
 * 1/4, so window and average in one pass without a full-size intermediate.
 */
function halveWindowed(hu: Int16Array, params: PreprocessParams, out: Float32Array): void {
  const size = params.size;
  const columns = 2 * size;
  params.windows.forEach((window, channel) => {
    const table = windowTable(window.center, window.width, params.huFloor ?? -Infinity);
    const mean = params.mean[channel]!;
    const invStd = 1 / params.std[channel]!;
    let o = channel * size * size;
    for (let y = 0; y < size; y++) {
      let top = 2 * y * columns;
      let bottom = top + columns;
      for (let x = 0; x < size; x++, top += 2, bottom += 2, o++) {
        const sum =
          table[hu[top]! + INT16_OFFSET]! +
          table[hu[top + 1]! + INT16_OFFSET]! +
          table[hu[bottom]! + INT16_OFFSET]! +
          table[hu[bottom + 1]! + INT16_OFFSET]!;
        out[o] = (sum * 0.25 - mean) * invStd;
      }
    }
  });
}

const INT16_OFFSET = 32768;
const windowTables = new Map<string, Float32Array>();

/**
 * Windowed value of every int16 HU, (clip(max(hu, floor), lo, hi) - lo) / width: one lookup per
 * pixel instead of a clip and a division (HU are integers, see decode).
 */
function windowTable(center: number, width: number, floor: number): Float32Array {
  const key = `${center}/${width}/${floor}`;
  let table = windowTables.get(key);
  if (!table) {
    table = new Float32Array(65536);
    for (let i = 0; i < table.length; i++) table[i] = applyWindow(Math.max(i - INT16_OFFSET, floor), center, width);
    windowTables.set(key, table);
  }
  return table;
}

function applyWindow(hu: number, center: number, width: number): number {
  const lo = center - width / 2;
  return (Math.min(Math.max(hu, lo), lo + width) - lo) / width;
}

/** For each output coordinate: the two source indices and the weight of the second. */
interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w1: Float32Array;
}

/** Source sampling positions of torch's bilinear resize with align_corners=False. */
function bilinearTaps(inSize: number, outSize: number): Taps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    // torch clamps negative source coordinates to 0 before taking the floor.
    const src = Math.max((o + 0.5) * scale - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    w1[o] = src - lo;
  }
  return { i0, i1, w1 };
}

function resizeInto(
  src: Float32Array,
  srcColumns: number,
  xTaps: Taps,
  yTaps: Taps,
  out: Float32Array,
  offset: number,
  size: number,
): void {
  for (let y = 0; y < size; y++) {
    const row0 = yTaps.i0[y]! * srcColumns;
    const row1 = yTaps.i1[y]! * srcColumns;
    const wy1 = yTaps.w1[y]!;
    const wy0 = 1 - wy1;
    for (let x = 0; x < size; x++) {
      const x0 = xTaps.i0[x]!;
      const x1 = xTaps.i1[x]!;
      const wx1 = xTaps.w1[x]!;
      const wx0 = 1 - wx1;
      out[offset + y * size + x] =
        wy0 * (wx0 * src[row0 + x0]! + wx1 * src[row0 + x1]!) + wy1 * (wx0 * src[row1 + x0]! + wx1 * src[row1 + x1]!);
    }
  }
}
