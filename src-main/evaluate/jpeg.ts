import dcmjsCodecs from 'dcmjs-codecs';

const { Context, NativeCodecs } = dcmjsCodecs;

// libjpeg-turbo from dcmjs-codecs (already the engine's DICOM JPEG codec): the same library PIL
// decodes the training JPEGs with, so the engine sees the grey values the model was trained on.
if (!NativeCodecs.isInitialized()) {
  await NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
}

export class JpegError extends Error {
  override name = 'JpegError';
}

export interface GreyImage {
  rows: number;
  columns: number;
  /** 0..255 per pixel, row-major. */
  grey: Uint8Array;
}

export function hasJpegSignature(bytes: Uint8Array): boolean {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Start-of-frame markers (baseline, extended, progressive, lossless; not DHT 0xC4, JPG 0xC8, DAC 0xCC). */
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Size and components from the JPEG's start-of-frame segment (the codec needs them up front). */
function frameHeader(bytes: Uint8Array): { rows: number; columns: number; components: number; precision: number } {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) throw new JpegError(`not a readable JPEG (no marker at byte ${offset})`);
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    const length = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
    if (SOF_MARKERS.has(marker)) {
      if (offset + 10 > bytes.length) break;
      return {
        precision: bytes[offset + 4]!,
        rows: (bytes[offset + 5]! << 8) | bytes[offset + 6]!,
        columns: (bytes[offset + 7]! << 8) | bytes[offset + 8]!,
        components: bytes[offset + 9]!,
      };
    }
    if (marker === 0xda) break; // start of scan before any frame header
    offset += 2 + length;
  }
  throw new JpegError('not a readable JPEG (no frame header)');
}

/**
 * An 8-bit JPEG (grey, or colour converted to grey with BT.601 luma by the codec's own YCbCr
 * decoding: Y is kept) -> grey levels.
 */
export function decodeJpegGrey(bytes: Uint8Array): GreyImage {
  const { rows, columns, components, precision } = frameHeader(bytes);
  if (precision !== 8) throw new JpegError(`${precision}-bit JPEG: a windowed CT slice has 8 bits`);
  if (components !== 1 && components !== 3) throw new JpegError(`JPEG with ${components} components: not a grey CT slice`);
  if (rows === 0 || columns === 0) throw new JpegError('JPEG without a size');
  const context = new Context({
    width: columns,
    height: rows,
    bitsAllocated: 8,
    bitsStored: 8,
    samplesPerPixel: components,
    pixelRepresentation: 0,
    planarConfiguration: 0,
    photometricInterpretation: components === 1 ? 'MONOCHROME2' : 'YBR_FULL_422',
    encodedBuffer: bytes,
  });
  let decoded: Uint8Array | undefined;
  try {
    decoded = NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: false }).getDecodedBuffer();
  } catch (error) {
    throw new JpegError(`not a readable JPEG (${(error as Error).message})`);
  }
  if (!decoded || decoded.length < rows * columns * components) throw new JpegError(`JPEG pixel data does not fill ${columns}x${rows}`);
  if (components === 1) return { rows, columns, grey: decoded.slice(0, rows * columns) };
  const grey = new Uint8Array(rows * columns);
  for (let i = 0; i < grey.length; i++) grey[i] = decoded[i * 3]!; // Y of YCbCr
  return { rows, columns, grey };
}
