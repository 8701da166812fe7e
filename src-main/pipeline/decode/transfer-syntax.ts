/** How the pixel data of a transfer syntax is stored, and which codec (if any) expands it. */
export type PixelEncoding = 'native' | 'rle' | 'jpeg' | 'jpeg-ls' | 'jpeg2000' | 'ht-jpeg2000';

export interface TransferSyntaxInfo {
  name: string;
  encoding: PixelEncoding;
  bigEndian: boolean;
  /** The dataset after the meta header is deflated (zlib raw). */
  deflated: boolean;
  /** May lose information: reported as LOSSY_COMPRESSION. */
  lossy: boolean;
}

function syntax(name: string, encoding: PixelEncoding, lossy = false, extra: Partial<TransferSyntaxInfo> = {}): TransferSyntaxInfo {
  return { name, encoding, lossy, bigEndian: false, deflated: false, ...extra };
}

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';

/** Every syntax the bundled codecs decode. JPEG processes 2/4 and 14/SV1 share one libjpeg decoder. */
const SYNTAXES: Record<string, TransferSyntaxInfo> = {
  [IMPLICIT_VR_LITTLE_ENDIAN]: syntax('Implicit VR Little Endian', 'native'),
  [EXPLICIT_VR_LITTLE_ENDIAN]: syntax('Explicit VR Little Endian', 'native'),
  [EXPLICIT_VR_BIG_ENDIAN]: syntax('Explicit VR Big Endian', 'native', false, { bigEndian: true }),
  [DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN]: syntax('Deflated Explicit VR Little Endian', 'native', false, { deflated: true }),
  '1.2.840.10008.1.2.5': syntax('RLE Lossless', 'rle'),
  '1.2.840.10008.1.2.4.50': syntax('JPEG Baseline (Process 1)', 'jpeg', true),
  '1.2.840.10008.1.2.4.51': syntax('JPEG Extended (Process 2 & 4)', 'jpeg', true),
  '1.2.840.10008.1.2.4.57': syntax('JPEG Lossless (Process 14)', 'jpeg'),
  '1.2.840.10008.1.2.4.70': syntax('JPEG Lossless SV1 (Process 14)', 'jpeg'),
  '1.2.840.10008.1.2.4.80': syntax('JPEG-LS Lossless', 'jpeg-ls'),
  '1.2.840.10008.1.2.4.81': syntax('JPEG-LS Near-Lossless', 'jpeg-ls', true),
  '1.2.840.10008.1.2.4.90': syntax('JPEG 2000 Lossless', 'jpeg2000'),
  '1.2.840.10008.1.2.4.91': syntax('JPEG 2000', 'jpeg2000', true),
  '1.2.840.10008.1.2.4.201': syntax('HT JPEG 2000 Lossless', 'ht-jpeg2000'),
  '1.2.840.10008.1.2.4.202': syntax('HT JPEG 2000 RPCL Lossless', 'ht-jpeg2000'),
  '1.2.840.10008.1.2.4.203': syntax('HT JPEG 2000', 'ht-jpeg2000', true),
};

export function transferSyntaxInfo(uid: string): TransferSyntaxInfo | undefined {
  return SYNTAXES[uid];
}
