import { readFile } from 'node:fs/promises';
import { checkEligibility, type Eligible } from './eligibility.js';
import { readFrameSamples } from './frame-bytes.js';
import { buildInstanceHeader, readPixelModule, type PixelModule } from './header.js';
import { planHuConversion, samplesToHu, uint16View } from './hu-conversion.js';
import { fail, type DecodeFailure, type DecodeOutcome, type HeaderOutcome } from './outcome.js';
import { parseDataset, type ParsedDicom } from './parse-dataset.js';

export type { DecodeFailure, DecodeOutcome, HeaderOutcome } from './outcome.js';

type Inspected = { parsed: ParsedDicom; header: HeaderOutcome & { ok: true }; pixel: PixelModule; eligible: Eligible } | DecodeFailure;

function inspect(bytes: Uint8Array): Inspected {
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
  const { parsed, header, pixel, eligible } = inspected;
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

export async function decodeFile(path: string): Promise<DecodeOutcome> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    return fail('NOT_DICOM', `cannot read file (${code})`);
  }
  return decodeDicom(bytes, path);
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
