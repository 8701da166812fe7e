import type { CodedWarning } from '../contract/warnings.js';

/** Patient-identifying attributes. Kept apart so nothing logs them by accident. */
export interface PatientInfo {
  PatientName: string;
  PatientID: string;
  AccessionNumber: string;
  StudyDescription: string;
  SeriesDescription: string;
  /** DICOM DA, e.g. "20190131", or "" */
  StudyDate: string;
  StudyTime: string;
}

/** Header attributes of one image, named by their DICOM keywords. No pixel values. */
export interface InstanceHeader {
  SOPInstanceUID: string;
  SeriesInstanceUID: string;
  StudyInstanceUID: string;
  SOPClassUID: string;
  Modality: string;
  TransferSyntaxUID: string;
  InstanceNumber: number | null;
  /** [x, y, z] of the first pixel in mm, or null when absent (e.g. CT-ICH Secondary Capture). */
  ImagePositionPatient: [number, number, number] | null;
  /** row direction cosines then column direction cosines, or null when absent. */
  ImageOrientationPatient: [number, number, number, number, number, number] | null;
  /** [row spacing, column spacing] in mm, or null. */
  PixelSpacing: [number, number] | null;
  SliceThickness: number | null;
  /** ImageType values, upper case, e.g. ["ORIGINAL", "PRIMARY", "AXIAL"]. */
  ImageType: string[];
  Rows: number;
  Columns: number;
  /** Default display window from the file (first value when multi-valued), for information only. */
  WindowCenter: number | null;
  WindowWidth: number | null;
  ConvolutionKernel: string;
  patient: PatientInfo;
}

/**
 * One decoded CT slice in Hounsfield units. Decode is the only stage that knows stored values;
 * everything downstream reads `hu`. Padding pixels (PixelPaddingValue, or the RSNA/GE -2000/-3024
 * outside-FOV values) are set to AIR_HU so windows treat them as air.
 */
export interface DecodedInstance {
  path: string;
  header: InstanceHeader;
  /** Rows*Columns values, row-major, HU rounded to the nearest integer. */
  hu: Int16Array;
  warnings: CodedWarning[];
}

export const AIR_HU = -1024;
