import { checkEligibility } from '../../src-main/pipeline/decode/eligibility.js';
import { readFrameSamples } from '../../src-main/pipeline/decode/frame-bytes.js';
import { buildInstanceHeader, readPixelModule } from '../../src-main/pipeline/decode/header.js';
import { planHuConversion, storedValue, uint16View } from '../../src-main/pipeline/decode/hu-conversion.js';
import { parseDataset } from '../../src-main/pipeline/decode/parse-dataset.js';
import { transferSyntaxInfo } from '../../src-main/pipeline/decode/transfer-syntax.js';

/**
 * Stored values (masked, sign-extended) of a single-frame monochrome file through the decoder's own
 * pixel path, whatever its modality: lets the tests check syntaxes that no CT sample uses.
 */
export function readStoredValues(bytes: Uint8Array): Int32Array {
  const parsed = parseDataset(bytes);
  if (!('dataSet' in parsed)) throw new Error(`${parsed.code}: ${parsed.reason}`);
  const pixel = readPixelModule(parsed.dataSet);
  const header = buildInstanceHeader(parsed.dataSet, parsed.transferSyntaxUID);
  const eligibility = checkEligibility(parsed.dataSet, { ...header, Modality: 'CT' }, pixel);
  if (!eligibility.ok) throw new Error(`${eligibility.code}: ${eligibility.reason}`);
  const syntax = transferSyntaxInfo(parsed.transferSyntaxUID);
  if (!syntax) throw new Error(`unsupported syntax ${parsed.transferSyntaxUID}`);
  const frame = readFrameSamples(parsed.dataSet, pixel, syntax);
  if (!frame.ok) throw new Error(`${frame.code}: ${frame.reason}`);
  const bitsAllocated = pixel.bitsAllocated === 8 ? 8 : 16;
  const plan = planHuConversion(pixel, bitsAllocated);
  const count = pixel.rows * pixel.columns;
  const patterns = bitsAllocated === 8 ? frame.samples : uint16View(frame.samples, count);
  const values = new Int32Array(count);
  for (let i = 0; i < count; i++) values[i] = storedValue(patterns[i]!, plan);
  return values;
}
