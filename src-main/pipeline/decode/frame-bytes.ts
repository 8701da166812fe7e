import dicomParser from 'dicom-parser';
import { decodeCompressedFrame } from './codecs.js';
import type { PixelModule } from './header.js';
import { fail, type DecodeFailure } from './outcome.js';
import type { TransferSyntaxInfo } from './transfer-syntax.js';

export type FrameBytes = { ok: true; samples: Uint8Array } | DecodeFailure;

/**
 * The single frame's samples as little-endian BitsAllocated containers, still stored values.
 * Native little-endian data is returned as a view (no copy).
 */
export function readFrameSamples(dataSet: dicomParser.DataSet, pixel: PixelModule, syntax: TransferSyntaxInfo): FrameBytes {
  const element = dataSet.elements['x7fe00010'];
  if (!element) return fail('NO_PIXEL_DATA', 'no Pixel Data element');
  const bytesPerSample = pixel.bitsAllocated / 8;
  const expected = pixel.rows * pixel.columns * pixel.samplesPerPixel * bytesPerSample;

  if (syntax.encoding === 'native') {
    if (element.encapsulatedPixelData) return fail('DECODE_FAILED', `encapsulated pixel data in a native syntax (${syntax.name})`);
    // Exactly the image (plus the pad byte that keeps an odd length even): any other length means
    // Rows, Columns or BitsAllocated do not describe these pixels, and reading them would draw a wrong image.
    if (element.length !== expected && element.length !== expected + 1) {
      return fail('DECODE_FAILED', `Pixel Data holds ${element.length} bytes, Rows x Columns x BitsAllocated describe ${expected}`);
    }
    const view = dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + expected);
    return { ok: true, samples: syntax.bigEndian ? swapToLittleEndian(view, bytesPerSample) : view };
  }

  const fragments = element.fragments;
  if (!element.encapsulatedPixelData || !fragments || fragments.length === 0) {
    return fail('DECODE_FAILED', `${syntax.name} requires encapsulated pixel data, found none`);
  }
  let samples: Uint8Array;
  try {
    const encoded = dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, 0, fragments.length);
    samples = decodeCompressedFrame(syntax.encoding, encoded, pixel);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail('DECODE_FAILED', `${syntax.name} codec could not decode the frame (${message})`);
  }
  if (samples.length !== expected) {
    return fail('DECODE_FAILED', `${syntax.name} codec returned ${samples.length} bytes, Rows x Columns x BitsAllocated describe ${expected}`);
  }
  return { ok: true, samples };
}

function swapToLittleEndian(view: Uint8Array, bytesPerSample: number): Uint8Array {
  if (bytesPerSample === 1) return view;
  const swapped = new Uint8Array(view.length);
  for (let i = 0; i < view.length; i += 2) {
    swapped[i] = view[i + 1]!;
    swapped[i + 1] = view[i]!;
  }
  return swapped;
}
