/**
 * A minimal DICOM writer for tests that need attribute combinations no sample file has
 * (RSNA 12-bit quirk, MONOCHROME1, padding ranges, odd BitsStored). Explicit or implicit VR
 * little endian, with or without File Meta.
 */
export interface SyntheticElement {
  group: number;
  element: number;
  vr: string;
  value: string | number[] | Uint8Array;
}

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UN', 'UT', 'UC', 'UR']);

export function el(group: number, element: number, vr: string, value: SyntheticElement['value']): SyntheticElement {
  return { group, element, vr, value };
}

function encodeValue({ vr, value }: SyntheticElement): Uint8Array {
  if (value instanceof Uint8Array) return value.length % 2 ? concat([value, new Uint8Array(1)]) : value;
  if (typeof value === 'string') {
    const padded = value.length % 2 ? value + (vr === 'UI' ? '\0' : ' ') : value;
    return new TextEncoder().encode(padded);
  }
  const size = vr === 'UL' || vr === 'SL' ? 4 : 2;
  const bytes = new Uint8Array(value.length * size);
  const view = new DataView(bytes.buffer);
  value.forEach((number, index) => {
    if (vr === 'SS') view.setInt16(index * 2, number, true);
    else if (vr === 'UL') view.setUint32(index * 4, number, true);
    else if (vr === 'SL') view.setInt32(index * 4, number, true);
    else view.setUint16(index * 2, number, true);
  });
  return bytes;
}

function encodeElement(item: SyntheticElement, explicit: boolean): Uint8Array {
  const value = encodeValue(item);
  const long = LONG_VRS.has(item.vr);
  const headerLength = !explicit ? 8 : long ? 12 : 8;
  const header = new Uint8Array(headerLength);
  const view = new DataView(header.buffer);
  view.setUint16(0, item.group, true);
  view.setUint16(2, item.element, true);
  if (!explicit) {
    view.setUint32(4, value.length, true);
  } else {
    header[4] = item.vr.charCodeAt(0);
    header[5] = item.vr.charCodeAt(1);
    if (long) view.setUint32(8, value.length, true);
    else view.setUint16(6, value.length, true);
  }
  return concat([header, value]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function sortByTag(elements: SyntheticElement[]): SyntheticElement[] {
  return [...elements].sort((a, b) => a.group - b.group || a.element - b.element);
}

export function writeDicom(elements: SyntheticElement[], options: { fileMeta?: boolean; implicit?: boolean } = {}): Uint8Array {
  const { fileMeta = true, implicit = false } = options;
  const dataset = concat(sortByTag(elements).map((item) => encodeElement(item, !implicit)));
  if (!fileMeta) return dataset;
  const sopClass = elements.find((item) => item.group === 0x0008 && item.element === 0x0016)?.value;
  const sopInstance = elements.find((item) => item.group === 0x0008 && item.element === 0x0018)?.value;
  const metaBody = concat([
    encodeElement(el(0x0002, 0x0001, 'OB', new Uint8Array([0, 1])), true),
    encodeElement(el(0x0002, 0x0002, 'UI', typeof sopClass === 'string' ? sopClass : '1.2.840.10008.5.1.4.1.1.2'), true),
    encodeElement(el(0x0002, 0x0003, 'UI', typeof sopInstance === 'string' ? sopInstance : '1.2.3.4'), true),
    encodeElement(el(0x0002, 0x0010, 'UI', implicit ? IMPLICIT_LE : EXPLICIT_LE), true),
  ]);
  const groupLength = encodeElement(el(0x0002, 0x0000, 'UL', [metaBody.length]), true);
  const preamble = new Uint8Array(132);
  preamble.set(new TextEncoder().encode('DICM'), 128);
  return concat([preamble, groupLength, metaBody, dataset]);
}

export interface SyntheticCtOptions {
  rows?: number;
  columns?: number;
  bitsStored?: number;
  signed?: boolean;
  photometric?: string;
  /** Container bit patterns, one per pixel. */
  patterns: number[];
  extra?: SyntheticElement[];
}

/** A small single-frame 16-bit CT slice; `extra` elements override the defaults by tag. */
export function syntheticCt(options: SyntheticCtOptions, writeOptions: { fileMeta?: boolean; implicit?: boolean } = {}): Uint8Array {
  const { rows = 1, columns = options.patterns.length, bitsStored = 16, signed = true, photometric = 'MONOCHROME2' } = options;
  const pixels = new Uint8Array(options.patterns.length * 2);
  const view = new DataView(pixels.buffer);
  options.patterns.forEach((pattern, index) => view.setUint16(index * 2, pattern & 0xffff, true));
  const defaults = [
    el(0x0008, 0x0016, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    el(0x0008, 0x0018, 'UI', '1.2.826.0.1.3680043.2.1125.1.1'),
    el(0x0008, 0x0060, 'CS', 'CT'),
    el(0x0020, 0x000d, 'UI', '1.2.826.0.1.3680043.2.1125.1.2'),
    el(0x0020, 0x000e, 'UI', '1.2.826.0.1.3680043.2.1125.1.3'),
    el(0x0028, 0x0002, 'US', [1]),
    el(0x0028, 0x0004, 'CS', photometric),
    el(0x0028, 0x0010, 'US', [rows]),
    el(0x0028, 0x0011, 'US', [columns]),
    el(0x0028, 0x0100, 'US', [16]),
    el(0x0028, 0x0101, 'US', [bitsStored]),
    el(0x0028, 0x0102, 'US', [bitsStored - 1]),
    el(0x0028, 0x0103, 'US', [signed ? 1 : 0]),
    el(0x0028, 0x1052, 'DS', '-1024'),
    el(0x0028, 0x1053, 'DS', '1'),
    el(0x7fe0, 0x0010, 'OW', pixels),
  ];
  const extra = options.extra ?? [];
  const isOverridden = (item: SyntheticElement) => extra.some((other) => other.group === item.group && other.element === item.element);
  return writeDicom([...defaults.filter((item) => !isOverridden(item)), ...extra], writeOptions);
}
