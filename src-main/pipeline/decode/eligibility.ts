import type dicomParser from 'dicom-parser';
import type { CodedWarning } from '../../contract/warnings.js';
import type { InstanceHeader } from '../../domain/instance.js';
import { readString } from './attributes.js';
import type { PixelModule } from './header.js';
import { needsRsna12BitFix } from './hu-conversion.js';
import { fail, type DecodeFailure } from './outcome.js';
import { transferSyntaxInfo, type TransferSyntaxInfo } from './transfer-syntax.js';

export const DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10';
const SECONDARY_CAPTURE_SOP_CLASS_PREFIX = '1.2.840.10008.5.1.4.1.1.7';
const CONFORMING_UID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

export type Eligible = {
  ok: true;
  syntax: TransferSyntaxInfo;
  /** Pixels are HU already (Secondary Capture without rescale), as in CT-ICH. */
  secondaryCaptureHu: boolean;
  bitsAllocated: 8 | 16;
  warnings: CodedWarning[];
};

export function dicomdirRejection(): DecodeFailure {
  return fail('DICOMDIR', 'DICOMDIR (a media index), not an image: import the files it lists');
}

/**
 * Decides from the header alone whether the file can be a CT slice: the checks run from the most
 * to the least fundamental, so a DICOMDIR is reported as such rather than as "no pixel data".
 */
export function checkEligibility(dataSet: dicomParser.DataSet, header: InstanceHeader, pixel: PixelModule): Eligible | DecodeFailure {
  const mediaSopClass = readString(dataSet, 'x00020002');
  if (mediaSopClass === DICOMDIR_SOP_CLASS || header.SOPClassUID === DICOMDIR_SOP_CLASS || dataSet.elements['x00041220']) {
    return dicomdirRejection();
  }

  const isSecondaryCapture = header.SOPClassUID.startsWith(SECONDARY_CAPTURE_SOP_CLASS_PREFIX) || mediaSopClass.startsWith(SECONDARY_CAPTURE_SOP_CLASS_PREFIX);
  const modality = header.Modality;
  const isCt = modality === 'CT';
  // Secondary Capture may carry HU (CT-ICH is MATLAB-written, modality "OT").
  const isCapture = modality === 'SC' || modality === 'OT' || (modality === '' && isSecondaryCapture);
  if (!isCt && !isCapture) {
    if (modality === '' && !dataSet.elements['x7fe00010']) return fail('NO_PIXEL_DATA', 'no Modality and no Pixel Data: not an image');
    return fail('NOT_CT', modality === '' ? 'no Modality and not a Secondary Capture image' : `modality ${modality} is not CT`);
  }

  const pixelData = dataSet.elements['x7fe00010'];
  if (!pixelData || (pixelData.length === 0 && !pixelData.encapsulatedPixelData)) return fail('NO_PIXEL_DATA', 'no Pixel Data');
  if (pixel.numberOfFrames > 1) {
    return fail('MULTI_FRAME', `multi-frame object (${pixel.numberOfFrames} frames): not supported yet, send single-frame slices`);
  }
  if (pixel.samplesPerPixel !== 1 || !pixel.photometricInterpretation.startsWith('MONOCHROME')) {
    return fail('COLOUR_IMAGE', `colour image (${pixel.photometricInterpretation || 'no PhotometricInterpretation'}, ${pixel.samplesPerPixel} samples/pixel) is never a CT slice`);
  }

  const syntax = transferSyntaxInfo(header.TransferSyntaxUID);
  if (!syntax) return fail('UNSUPPORTED_TRANSFER_SYNTAX', `transfer syntax ${header.TransferSyntaxUID || '(none)'} is not supported`);
  if (pixel.rows === 0 || pixel.columns === 0) return fail('DECODE_FAILED', 'image has no Rows/Columns');
  if (pixel.bitsAllocated !== 8 && pixel.bitsAllocated !== 16) {
    return fail('DECODE_FAILED', `BitsAllocated ${pixel.bitsAllocated} is not supported for CT (8 or 16)`);
  }
  const inconsistent = inconsistentPixelDescription(pixel);
  if (inconsistent) return fail('DECODE_FAILED', `inconsistent pixel description: ${inconsistent}`);

  const warnings: CodedWarning[] = [];
  let secondaryCaptureHu = false;
  if (isCapture) {
    const hasRescale = pixel.rescaleIntercept !== null || pixel.rescaleSlope !== null;
    if (pixel.bitsAllocated !== 16 || (!hasRescale && pixel.pixelRepresentation !== 1)) {
      return fail('NOT_CT', `Secondary Capture with ${pixel.bitsAllocated}-bit ${pixel.pixelRepresentation === 1 ? 'signed' : 'unsigned'} pixels and no rescale cannot hold HU`);
    }
    secondaryCaptureHu = !hasRescale;
    warnings.push({
      code: 'SECONDARY_CAPTURE_HU',
      message: hasRescale
        ? 'Secondary Capture object read as CT through its rescale attributes'
        : 'Secondary Capture object without rescale: pixel values are taken as HU',
    });
  }
  if (needsRsna12BitFix(pixel)) {
    warnings.push({ code: 'RSNA_12BIT_FIXED', message: 'RSNA 12-bit intercept quirk corrected (values +1000 wrapped at 4096, intercept -1000)' });
  }
  if (syntax.lossy || pixel.lossyImageCompression) {
    warnings.push({ code: 'LOSSY_COMPRESSION', message: `pixels are or may be lossy compressed (${syntax.lossy ? syntax.name : 'LossyImageCompression 01'})` });
  }
  const badUids = (['SOPInstanceUID', 'SeriesInstanceUID', 'StudyInstanceUID'] as const).filter(
    (key) => header[key] !== '' && (header[key].length > 64 || !CONFORMING_UID.test(header[key])),
  );
  if (badUids.length > 0) {
    warnings.push({ code: 'NON_CONFORMING_UID', message: `${badUids.join(', ')} not a conforming DICOM UID; used as an identifier as is` });
  }
  return { ok: true, syntax, secondaryCaptureHu, bitsAllocated: pixel.bitsAllocated, warnings };
}

/**
 * Values that no writer produces for a real image: read as they say, they would turn good pixels
 * into a different (wrong) image rather than fail, so they are rejected.
 */
function inconsistentPixelDescription(pixel: PixelModule): string | null {
  if (pixel.pixelRepresentation !== 0 && pixel.pixelRepresentation !== 1) return `PixelRepresentation ${pixel.pixelRepresentation} (0 or 1)`;
  if (pixel.bitsStored < 1 || pixel.bitsStored > pixel.bitsAllocated) return `BitsStored ${pixel.bitsStored} with BitsAllocated ${pixel.bitsAllocated}`;
  if (pixel.highBit !== pixel.bitsStored - 1) return `HighBit ${pixel.highBit} with BitsStored ${pixel.bitsStored} (must be BitsStored - 1)`;
  return null;
}
