import dcmjsCodecs from 'dcmjs-codecs';
import type { PixelEncoding } from './transfer-syntax.js';
import type { PixelModule } from './header.js';

const { Context, NativeCodecs } = dcmjsCodecs;

// The WASM module is compiled once per process (or worker) when this module is first imported, so
// decoding itself stays synchronous.
if (!NativeCodecs.isInitialized()) {
  await NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
}

type NativeDecoder = (context: InstanceType<typeof Context>) => InstanceType<typeof Context>;

const DECODERS: Record<Exclude<PixelEncoding, 'native'>, NativeDecoder> = {
  rle: (context) => NativeCodecs.decodeRle(context),
  jpeg: (context) => NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: false }),
  'jpeg-ls': (context) => NativeCodecs.decodeJpegLs(context),
  jpeg2000: (context) => NativeCodecs.decodeJpeg2000(context),
  'ht-jpeg2000': (context) => NativeCodecs.decodeHtJpeg2000(context),
};

/**
 * Expands one compressed frame with the bundled (bit-exact) codecs. Returns little-endian samples
 * in BitsAllocated-sized containers. Throws when the codec rejects the stream.
 */
export function decodeCompressedFrame(encoding: Exclude<PixelEncoding, 'native'>, encoded: Uint8Array, pixel: PixelModule): Uint8Array {
  const context = new Context({
    width: pixel.columns,
    height: pixel.rows,
    bitsAllocated: pixel.bitsAllocated,
    bitsStored: pixel.bitsStored,
    samplesPerPixel: pixel.samplesPerPixel,
    pixelRepresentation: pixel.pixelRepresentation,
    planarConfiguration: pixel.planarConfiguration,
    photometricInterpretation: pixel.photometricInterpretation,
    encodedBuffer: encoded,
  });
  const decoded = DECODERS[encoding](context).getDecodedBuffer();
  if (!decoded) throw new Error('codec returned no pixels');
  return decoded;
}
