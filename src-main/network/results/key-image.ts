import { Jimp, loadFont } from 'jimp';
import { SANS_16_WHITE } from 'jimp/fonts';
import type { SliceCam, SlicePixels } from '../../contract/dto.js';
import type { NaturalDataset } from '../scu/store-scu.js';
import { newInstanceInStudy, type ResultProvenance, type SliceReference } from './result-context.js';

export const SECONDARY_CAPTURE_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';

/** Burned into every key image, so it travels with the pixels wherever they are shown. */
export const KEY_IMAGE_CAPTION = 'TRIAGE AID - NOT FOR DIAGNOSIS';

/** The brain window the key image is rendered with (centre, width in HU). */
const BRAIN_WINDOW = { center: 40, width: 80 };
/** CAM values below this are not drawn: the overlay marks where the model looked, not noise. */
const CAM_FLOOR = 0.35;
const CAPTION_BAND = 44;

export interface KeyImageInput {
  source: NaturalDataset;
  slice: SliceReference;
  pixels: SlicePixels;
  cam: SliceCam;
  /** "Subdural hemorrhage p=0.93", drawn under the caption. */
  label: string;
  provenance: ResultProvenance;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  instanceNumber: number;
}

/**
 * A Secondary Capture of a key slice: brain window, Grad-CAM heat overlay burned in, and a band
 * with the "triage aid" caption and the finding. RGB, 8 bits, new UIDs in the source's study; the
 * source image is referenced, never altered.
 */
export async function buildKeyImage(input: KeyImageInput): Promise<NaturalDataset> {
  const { rows, columns } = input.pixels;
  const height = rows + CAPTION_BAND;
  const rgba = Buffer.alloc(columns * height * 4);
  renderSlice(rgba, input.pixels, input.cam);
  for (let i = rows * columns * 4 + 3; i < rgba.length; i += 4) rgba[i] = 255; // opaque black band
  const image = Jimp.fromBitmap({ data: rgba, width: columns, height });
  const font = await loadFont(SANS_16_WHITE);
  image.print({ font, x: 6, y: rows + 4, text: KEY_IMAGE_CAPTION });
  image.print({ font, x: 6, y: rows + 24, text: `${input.label} | ${input.provenance.modelName} ${input.provenance.modelVersion}` });
  const rgb = Buffer.alloc(columns * height * 3);
  const drawn = image.bitmap.data;
  for (let p = 0; p < columns * height; p++) {
    rgb[p * 3] = drawn[p * 4]!;
    rgb[p * 3 + 1] = drawn[p * 4 + 1]!;
    rgb[p * 3 + 2] = drawn[p * 4 + 2]!;
  }
  return {
    ...newInstanceInStudy(input.source, {
      sopClassUid: SECONDARY_CAPTURE_IMAGE_STORAGE,
      sopInstanceUid: input.sopInstanceUid,
      modality: 'OT',
      seriesInstanceUid: input.seriesInstanceUid,
      seriesNumber: 9902,
      seriesDescription: 'ICH triage key images (triage aid, not for diagnosis)',
      instanceNumber: input.instanceNumber,
    }),
    ConversionType: 'WSD',
    Manufacturer: input.provenance.manufacturer,
    SecondaryCaptureDeviceManufacturer: input.provenance.manufacturer,
    SecondaryCaptureDeviceManufacturerModelName: input.provenance.modelName,
    SecondaryCaptureDeviceSoftwareVersions: input.provenance.modelVersion,
    ImageType: ['DERIVED', 'SECONDARY'],
    DerivationDescription: `Brain window ${BRAIN_WINDOW.center}/${BRAIN_WINDOW.width} HU with Grad-CAM overlay; triage aid, not for diagnosis`,
    SourceImageSequence: [{ ReferencedSOPClassUID: input.slice.sopClassUid, ReferencedSOPInstanceUID: input.slice.sopInstanceUid }],
    BurnedInAnnotation: 'YES',
    PatientOrientation: '',
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: height,
    Columns: columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [rgb.buffer.slice(rgb.byteOffset, rgb.byteOffset + rgb.byteLength)],
    _vrMap: { PixelData: 'OB' },
  };
}

/** Grey brain window, then a red-to-yellow heat blended in where the CAM (bilinearly upsampled) is high. */
function renderSlice(rgba: Buffer, pixels: SlicePixels, cam: SliceCam): void {
  const { rows, columns, hu } = pixels;
  const low = BRAIN_WINDOW.center - BRAIN_WINDOW.width / 2;
  for (let y = 0; y < rows; y++) {
    const cy = Math.min(cam.height - 1, Math.max(0, ((y + 0.5) * cam.height) / rows - 0.5));
    const y0 = Math.floor(cy);
    const y1 = Math.min(cam.height - 1, y0 + 1);
    const fy = cy - y0;
    for (let x = 0; x < columns; x++) {
      const cx = Math.min(cam.width - 1, Math.max(0, ((x + 0.5) * cam.width) / columns - 0.5));
      const x0 = Math.floor(cx);
      const x1 = Math.min(cam.width - 1, x0 + 1);
      const fx = cx - x0;
      const v = cam.values;
      const heat =
        (v[y0 * cam.width + x0]! * (1 - fx) + v[y0 * cam.width + x1]! * fx) * (1 - fy) +
        (v[y1 * cam.width + x0]! * (1 - fx) + v[y1 * cam.width + x1]! * fx) * fy;
      const grey = Math.max(0, Math.min(255, ((hu[y * columns + x]! - low) / BRAIN_WINDOW.width) * 255));
      const alpha = heat > CAM_FLOOR ? 0.5 * ((heat - CAM_FLOOR) / (1 - CAM_FLOOR)) : 0;
      const o = (y * columns + x) * 4;
      rgba[o] = Math.round(grey * (1 - alpha) + 255 * alpha);
      rgba[o + 1] = Math.round(grey * (1 - alpha) + 255 * heat * alpha);
      rgba[o + 2] = Math.round(grey * (1 - alpha));
      rgba[o + 3] = 255;
    }
  }
}
