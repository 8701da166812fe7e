/**
 * Slice pixels (Int16 HU) and CAMs (Float32) are too big for JSON: such a value goes out as
 * application/octet-stream holding the typed array's bytes, and its other fields (rows, columns,
 * cls, ...) plus the array's field name and element type go in the X-Ichtriage-Meta header as JSON.
 * Both ends run on one machine, so the bytes are in its native (little-endian) order.
 */
export const BINARY_META_HEADER = 'x-ichtriage-meta';

const TYPED_ARRAYS = { Int16Array, Float32Array, Uint8Array, Uint16Array, Int32Array, Float64Array } as const;
export type TypedArrayName = keyof typeof TYPED_ARRAYS;

export interface BinaryMeta {
  fields: Record<string, unknown>;
  array: { field: string; type: TypedArrayName };
}

function typedArrayName(value: unknown): TypedArrayName | null {
  for (const [name, ctor] of Object.entries(TYPED_ARRAYS)) {
    if (value instanceof ctor) return name as TypedArrayName;
  }
  return null;
}

/** Splits an object with exactly one typed-array field into meta + bytes; null for any other value. */
export function encodeBinaryValue(value: unknown): { meta: BinaryMeta; bytes: Buffer } | null {
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
  const bytes = Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  return { meta: { fields, array: { field: array.field, type: array.type } }, bytes };
}
