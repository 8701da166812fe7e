import type dicomParser from 'dicom-parser';

/** Typed, forgiving readers for dicom-parser attributes. Tags are dicom-parser keys such as 'x00280010'. */

export function readString(dataSet: dicomParser.DataSet, tag: string): string {
  const element = dataSet.elements[tag];
  if (!element || element.length === 0) return '';
  return (dataSet.string(tag) ?? '').replace(/\0/g, '').trim();
}

/**
 * All numbers of a DS/IS attribute. Tolerates the non-standard forms seen in the wild: values split by
 * backslash or comma, wrapped in brackets (RSNA "[00040, 00040]"), zero-padded.
 */
export function readNumberList(dataSet: dicomParser.DataSet, tag: string): number[] {
  const text = readString(dataSet, tag);
  if (text === '') return [];
  return text
    .replace(/[[\]]/g, '')
    .split(/[\\,]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number)
    .filter((value) => Number.isFinite(value));
}

export function readNumber(dataSet: dicomParser.DataSet, tag: string): number | null {
  return readNumberList(dataSet, tag)[0] ?? null;
}

/** A US attribute (in implicit VR files the VR is unknown, so the length decides). */
export function readUint16(dataSet: dicomParser.DataSet, tag: string): number | null {
  const element = dataSet.elements[tag];
  if (!element || element.length < 2) return null;
  return dataSet.uint16(tag) ?? null;
}

/** A US-or-SS attribute whose sign follows PixelRepresentation (e.g. PixelPaddingValue). */
export function readPixelValue(dataSet: dicomParser.DataSet, tag: string, signed: boolean): number | null {
  const element = dataSet.elements[tag];
  if (!element || element.length < 2) return null;
  return (signed ? dataSet.int16(tag) : dataSet.uint16(tag)) ?? null;
}

export function readFixedNumbers<N extends number>(dataSet: dicomParser.DataSet, tag: string, count: N): number[] | null {
  const values = readNumberList(dataSet, tag);
  return values.length >= count ? values.slice(0, count) : null;
}
