import dicomParser from 'dicom-parser';
import { inflateRawSync } from 'node:zlib';
import { DICOMDIR_SOP_CLASS, dicomdirRejection } from './eligibility.js';
import { fail, type DecodeFailure } from './outcome.js';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
} from './transfer-syntax.js';

export interface ParsedDicom {
  dataSet: dicomParser.DataSet;
  /** As declared in File Meta, or guessed from the first element of a bare dataset. */
  transferSyntaxUID: string;
}

const PREAMBLE_LENGTH = 128;
const PREFIX_END = PREAMBLE_LENGTH + 4;

/** dicom-parser errors that mean "the bytes stopped before the declared data did". */
const PAST_END = /overrun|overread|past end|maxP ?osition|item tag \(FFFE,E000\) not found/i;

/**
 * Parses the whole dataset (element offsets only: pixel data is located, never expanded).
 * Files without the 128-byte preamble and "DICM" are accepted as bare datasets when their first
 * tag looks like DICOM, with the syntax sniffed from the first element.
 */
export function parseDataset(bytes: Uint8Array): ParsedDicom | DecodeFailure {
  if (bytes.length === 0) return fail('TRUNCATED', 'file is empty (still being written?)');
  if (hasDicmPrefix(bytes)) return parsePart10(bytes);
  if (bytes.length < PREFIX_END && bytes.every((b) => b === 0)) {
    return fail('TRUNCATED', `file ends inside the 128-byte preamble (${bytes.length} bytes)`);
  }
  const guessed = sniffBareDatasetSyntax(bytes, 0);
  if (!guessed) return fail('NOT_DICOM', 'no DICM prefix and the first bytes are not a DICOM element');
  return runParser(bytes, { TransferSyntaxUID: guessed });
}

function hasDicmPrefix(bytes: Uint8Array): boolean {
  return (
    bytes.length >= PREFIX_END &&
    bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d
  );
}

function parsePart10(bytes: Uint8Array): ParsedDicom | DecodeFailure {
  let meta: dicomParser.DataSet & { position?: number };
  try {
    meta = dicomParser.readPart10Header(bytes);
  } catch (error) {
    return classifyParseError(error);
  }
  // Recognised from File Meta alone: directory records can be large and are never images.
  if (meta.string('x00020002') === DICOMDIR_SOP_CLASS) {
    return dicomdirRejection();
  }
  // (0002,0000) group length counts the meta bytes after its own 12-byte element; without it,
  // the meta ends at the first element outside group 0002.
  const groupLength = meta.elements['x00020000'];
  if (groupLength && groupLength.dataOffset + 4 > bytes.length) return truncatedInMeta();
  const datasetStart = groupLength ? PREFIX_END + 12 + (meta.uint32('x00020000') ?? 0) : (meta.position ?? PREFIX_END);
  if (datasetStart >= bytes.length) return truncatedInMeta();
  const declared = meta.string('x00020010') ?? '';
  const sniffed = sniffBareDatasetSyntax(bytes, datasetStart);
  if (declared === '') {
    if (!sniffed) return fail('NOT_DICOM', 'File Meta has no Transfer Syntax and the dataset is unreadable');
    return runParser(bytes.subarray(datasetStart), { TransferSyntaxUID: sniffed });
  }
  // Some writers declare an explicit-VR syntax but encode the dataset implicitly (as pydicom tolerates).
  if (sniffed === IMPLICIT_VR_LITTLE_ENDIAN && declared !== IMPLICIT_VR_LITTLE_ENDIAN && !isDeflatedOrBigEndian(declared)) {
    return withSyntax(runParser(bytes.subarray(datasetStart), { TransferSyntaxUID: IMPLICIT_VR_LITTLE_ENDIAN }), declared);
  }
  return runParser(bytes, { inflater: inflateDataset } as dicomParser.ParseDicomOptions);
}

function truncatedInMeta(): DecodeFailure {
  return fail('TRUNCATED', 'file ends inside its File Meta header (still being written?)');
}

function isDeflatedOrBigEndian(uid: string): boolean {
  return uid === EXPLICIT_VR_BIG_ENDIAN || uid === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN;
}

/** The pixel encoding follows the declared syntax even when the dataset had to be read another way. */
function withSyntax(parsed: ParsedDicom | DecodeFailure, transferSyntaxUID: string): ParsedDicom | DecodeFailure {
  return 'dataSet' in parsed ? { ...parsed, transferSyntaxUID } : parsed;
}

function runParser(bytes: Uint8Array, options: dicomParser.ParseDicomOptions): ParsedDicom | DecodeFailure {
  try {
    const dataSet = dicomParser.parseDicom(bytes, options);
    const transferSyntaxUID = dataSet.string('x00020010') ?? options.TransferSyntaxUID ?? '';
    return { dataSet, transferSyntaxUID };
  } catch (error) {
    return classifyParseError(error);
  }
}

/** A parser exception as a rejection: "past the end" means truncated, anything else unreadable structure. */
export function classifyParseError(error: unknown): DecodeFailure {
  // dicom-parser throws strings, Errors, or { exception, dataSet } wrappers.
  const inner = typeof error === 'object' && error !== null && 'exception' in error ? (error as { exception: unknown }).exception : error;
  const message = inner instanceof Error ? inner.message : String(inner);
  if (PAST_END.test(message)) return fail('TRUNCATED', `file ends before its declared data (${message})`);
  return fail('NOT_DICOM', `unreadable DICOM structure (${message})`);
}

/** dicom-parser's own Node inflater needs a Buffer; this one works on any Uint8Array. */
function inflateDataset(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(bytes.subarray(position));
  const whole = new Uint8Array(position + inflated.length);
  whole.set(bytes.subarray(0, position), 0);
  whole.set(inflated, position);
  return whole;
}

/**
 * Guesses the syntax of a dataset without File Meta from its first element: byte order from the
 * group number (a dataset starts with a low group such as 0008), explicit VR when bytes 4-5 are
 * two upper-case letters.
 */
function sniffBareDatasetSyntax(bytes: Uint8Array, offset: number): string | null {
  if (bytes.length < offset + 8) return null;
  const b0 = bytes[offset] ?? 0;
  const b1 = bytes[offset + 1] ?? 0;
  const groupLE = b0 | (b1 << 8);
  const groupBE = (b0 << 8) | b1;
  const explicit = isUpperAscii(bytes[offset + 4]) && isUpperAscii(bytes[offset + 5]);
  if (isLikelyFirstGroup(groupLE)) return explicit ? EXPLICIT_VR_LITTLE_ENDIAN : IMPLICIT_VR_LITTLE_ENDIAN;
  if (isLikelyFirstGroup(groupBE) && explicit) return EXPLICIT_VR_BIG_ENDIAN;
  return null;
}

function isLikelyFirstGroup(group: number): boolean {
  return group >= 0x0002 && group <= 0x0010 && group % 2 === 0;
}

function isUpperAscii(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x41 && byte <= 0x5a;
}
