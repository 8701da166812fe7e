import { API_METHODS, type TriageApiMethod } from './api.js';
import type { ApiErrorCode } from './errors.js';

/**
 * How the contract travels, for both ends (engine transports and the renderer's clients import
 * this one module): the IPC channels and result envelope, and the binary form of typed-array
 * answers over HTTP. Pure TypeScript, no Node APIs, so the renderer can import it.
 */

// ---- Electron IPC ---------------------------------------------------------------------------

/** The IPC channel of every contract method, derived from API_METHODS: a new method gets its channel. */
export const IPC_CHANNELS: Readonly<Record<TriageApiMethod, string>> = Object.freeze(
  Object.fromEntries(API_METHODS.map((method) => [method, `ichtriage:call:${method}`])) as Record<TriageApiMethod, string>,
);

/** Main -> renderer EngineEvents. */
export const EVENT_CHANNEL = 'ichtriage:event';

export function channelOf(method: string): string | null {
  return Object.hasOwn(IPC_CHANNELS, method) ? IPC_CHANNELS[method as TriageApiMethod] : null;
}

/**
 * Electron turns a rejected invoke into "Error invoking remote method ..." and drops the code, so
 * results travel in an envelope and the renderer rebuilds the named ApiError.
 */
export type IpcResult = { ok: true; value: unknown } | { ok: false; error: { code: ApiErrorCode; message: string } };

// ---- binary HTTP answers --------------------------------------------------------------------

/**
 * Slice pixels (Int16 HU) and CAMs (Float32) are too big for JSON: such a value goes out as
 * application/octet-stream holding the typed array's bytes, and its other fields (rows, columns,
 * cls, ...) plus the array's field name and element type go in this header as JSON. Both ends run
 * on one machine, so the bytes are in its native (little-endian) order.
 */
export const BINARY_META_HEADER = 'x-ichtriage-meta';

const TYPED_ARRAYS = { Int16Array, Float32Array, Uint8Array, Uint16Array, Int32Array, Float64Array } as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

interface BinaryMeta {
  fields: Record<string, unknown>;
  array: { field: string; type: TypedArrayName };
}

function typedArrayName(value: unknown): TypedArrayName | null {
  for (const [name, ctor] of Object.entries(TYPED_ARRAYS)) {
    if (value instanceof ctor) return name as TypedArrayName;
  }
  return null;
}

/** Splits an object with exactly one typed-array field into meta + that array; null for any other value. */
export function splitBinaryValue(value: unknown): { meta: BinaryMeta; data: ArrayBufferView } | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const fields: Record<string, unknown> = {};
  let array: { field: string; type: TypedArrayName; data: ArrayBufferView } | null = null;
  for (const [key, field] of Object.entries(value)) {
    const type = typedArrayName(field);
    if (type === null) {
      fields[key] = field;
    } else {
      if (array) return null;
      array = { field: key, type, data: field as ArrayBufferView };
    }
  }
  if (!array) return null;
  return { meta: { fields, array: { field: array.field, type: array.type } }, data: array.data };
}

/** The object splitBinaryValue split, rebuilt from the meta header's JSON and the body's bytes; null when the meta is not valid. */
export function joinBinaryValue(metaJson: string | null, bytes: ArrayBuffer): Record<string, unknown> | null {
  const meta = JSON.parse(metaJson ?? 'null') as BinaryMeta | null;
  const ctor = meta && Object.hasOwn(TYPED_ARRAYS, meta.array?.type) ? TYPED_ARRAYS[meta.array.type] : undefined;
  if (!meta || !ctor) return null;
  return { ...meta.fields, [meta.array.field]: new ctor(bytes) };
}
