import { checkEligibility, type Eligible } from './eligibility.js';
import { readFrameSamples } from './frame-bytes.js';
import { buildInstanceHeader, readPixelModule, type PixelModule } from './header.js';
import { planHuConversion, samplesToHu, uint16View } from './hu-conversion.js';
import { fail, type DecodeFailure, type DecodeOutcome, type HeaderOutcome } from './outcome.js';
import { readInboxFile } from '../inbox/read-inbox-file.js';
import { classifyParseError, parseDataset, type ParsedDicom } from './parse-dataset.js';

export type { DecodeFailure, DecodeOutcome, HeaderOutcome } from './outcome.js';

interface InspectedFile {
  parsed: ParsedDicom;
  header: HeaderOutcome & { ok: true };
  pixel: PixelModule;
  eligible: Eligible;
}
type Inspected = InspectedFile | DecodeFailure;

/**
 * Header phase. Malformed bytes can make dicom-parser throw from any accessor (a value whose length
 * runs past the end, a sequence nested beyond the stack), so every exception here is a rejection
 * of this file alone, never an error of the caller.
 */
function inspect(bytes: Uint8Array): Inspected {
  try {
    return inspectUnguarded(bytes);
  } catch (error) {
    return classifyParseError(error);
  }
}

function inspectUnguarded(bytes: Uint8Array): Inspected {
  const parsed = parseDataset(bytes);
  if (!('dataSet' in parsed)) return parsed;
  const header = buildInstanceHeader(parsed.dataSet, parsed.transferSyntaxUID);
  const pixel = readPixelModule(parsed.dataSet);
  const eligible = checkEligibility(parsed.dataSet, header, pixel);
  if (!eligible.ok) return eligible;
  return { parsed, header: { ok: true, header, warnings: eligible.warnings }, pixel, eligible };
}

/** Parses the header only (no pixel decoding): fast, used for series assembly and `ichtriage info`. */
export function readHeader(bytes: Uint8Array, _path: string): HeaderOutcome {
  const inspected = inspect(bytes);
  return 'parsed' in inspected ? inspected.header : inspected;
}

/** Full decode to HU (Int16Array, row-major, padding -> AIR_HU). */
export function decodeDicom(bytes: Uint8Array, path: string): DecodeOutcome {
  const inspected = inspect(bytes);
  if (!('parsed' in inspected)) return inspected;
  try {
    return decodePixels(inspected, path);
  } catch (error) {
    return fail('DECODE_FAILED', `pixel data could not be decoded (${error instanceof Error ? error.message : String(error)})`);
  }
}

function decodePixels({ parsed, header, pixel, eligible }: InspectedFile, path: string): DecodeOutcome {
  const frame = readFrameSamples(parsed.dataSet, pixel, eligible.syntax);
  if (!frame.ok) return frame;
  const pixelCount = pixel.rows * pixel.columns;
  if (eligible.secondaryCaptureHu) {
    const implausible = implausibleHuReason(frame.samples, pixelCount);
    if (implausible) return fail('NOT_CT', implausible);
  }
  const plan = planHuConversion(pixel, eligible.bitsAllocated);
  const hu = samplesToHu(frame.samples, plan, pixelCount);
  return { ok: true, instance: { path, header: header.header, hu, warnings: header.warnings } };
}

/** Reads (through the inbox's jail rules and size limit) and decodes one file. */
export async function decodeFile(path: string, maxBytes?: number): Promise<DecodeOutcome> {
  const read = await readInboxFile(path, maxBytes);
  return read.ok ? decodeDicom(read.bytes, path) : read;
}

/** Lowest stored value a scanner writes (outside-FOV fill); anything below is not HU (e.g. a mask). */
const LOWEST_PLAUSIBLE_HU = -3024;

/** Secondary Capture "HU" pixels must look like HU, or the object is a mask or a rendering. */
function implausibleHuReason(samples: Uint8Array, pixelCount: number): string | null {
  const patterns = uint16View(samples, pixelCount);
  const values = new Int16Array(patterns.buffer, patterns.byteOffset, pixelCount);
  let min = 0;
  for (let i = 0; i < pixelCount; i++) if (values[i]! < min) min = values[i]!;
  return min < LOWEST_PLAUSIBLE_HU ? `Secondary Capture values reach ${min}, below any HU: a mask or rendering, not CT` : null;
}
