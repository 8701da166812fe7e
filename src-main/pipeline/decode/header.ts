import type dicomParser from 'dicom-parser';
import type { InstanceHeader } from '../../domain/instance.js';
import { readFixedNumbers, readNumber, readPixelValue, readString, readUint16 } from './attributes.js';

export function buildInstanceHeader(dataSet: dicomParser.DataSet, transferSyntaxUID: string): InstanceHeader {
  return {
    SOPInstanceUID: readString(dataSet, 'x00080018'),
    SeriesInstanceUID: readString(dataSet, 'x0020000e'),
    StudyInstanceUID: readString(dataSet, 'x0020000d'),
    SOPClassUID: readString(dataSet, 'x00080016'),
    Modality: readString(dataSet, 'x00080060').toUpperCase(),
    TransferSyntaxUID: transferSyntaxUID,
    InstanceNumber: readNumber(dataSet, 'x00200013'),
    ImagePositionPatient: readFixedNumbers(dataSet, 'x00200032', 3) as InstanceHeader['ImagePositionPatient'],
    ImageOrientationPatient: readFixedNumbers(dataSet, 'x00200037', 6) as InstanceHeader['ImageOrientationPatient'],
    PixelSpacing: readFixedNumbers(dataSet, 'x00280030', 2) as InstanceHeader['PixelSpacing'],
    SliceThickness: readNumber(dataSet, 'x00180050'),
    ImageType: readString(dataSet, 'x00080008')
      .split('\\')
      .map((value) => value.trim().toUpperCase())
      .filter((value) => value !== ''),
    Rows: readUint16(dataSet, 'x00280010') ?? 0,
    Columns: readUint16(dataSet, 'x00280011') ?? 0,
    WindowCenter: readNumber(dataSet, 'x00281050'),
    WindowWidth: readNumber(dataSet, 'x00281051'),
    ConvolutionKernel: readString(dataSet, 'x00181210'),
    patient: {
      PatientName: readString(dataSet, 'x00100010'),
      PatientID: readString(dataSet, 'x00100020'),
      AccessionNumber: readString(dataSet, 'x00080050'),
      StudyDescription: readString(dataSet, 'x00081030'),
      SeriesDescription: readString(dataSet, 'x0008103e'),
      StudyDate: readString(dataSet, 'x00080020'),
      StudyTime: readString(dataSet, 'x00080030'),
    },
  };
}

/** The Image Pixel and Modality LUT attributes that decide how stored values become HU. */
export interface PixelModule {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  planarConfiguration: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 1: two's complement signed stored values. */
  pixelRepresentation: number;
  numberOfFrames: number;
  /** null when absent (Secondary Capture written as HU). */
  rescaleSlope: number | null;
  rescaleIntercept: number | null;
  pixelPaddingValue: number | null;
  pixelPaddingRangeLimit: number | null;
  /** (0028,2110) "01": the image has been lossy compressed at some point. */
  lossyImageCompression: boolean;
}

export function readPixelModule(dataSet: dicomParser.DataSet): PixelModule {
  const bitsAllocated = readUint16(dataSet, 'x00280100') ?? 0;
  const bitsStored = readUint16(dataSet, 'x00280101') ?? bitsAllocated;
  const pixelRepresentation = readUint16(dataSet, 'x00280103') ?? 0;
  const signed = pixelRepresentation === 1;
  return {
    rows: readUint16(dataSet, 'x00280010') ?? 0,
    columns: readUint16(dataSet, 'x00280011') ?? 0,
    samplesPerPixel: readUint16(dataSet, 'x00280002') ?? 1,
    photometricInterpretation: readString(dataSet, 'x00280004').toUpperCase(),
    planarConfiguration: readUint16(dataSet, 'x00280006') ?? 0,
    bitsAllocated,
    bitsStored,
    highBit: readUint16(dataSet, 'x00280102') ?? bitsStored - 1,
    pixelRepresentation,
    numberOfFrames: Math.max(1, Math.trunc(readNumber(dataSet, 'x00280008') ?? 1)),
    rescaleSlope: readNumber(dataSet, 'x00281053'),
    rescaleIntercept: readNumber(dataSet, 'x00281052'),
    pixelPaddingValue: readPixelValue(dataSet, 'x00280120', signed),
    pixelPaddingRangeLimit: readPixelValue(dataSet, 'x00280121', signed),
    lossyImageCompression: readString(dataSet, 'x00282110') === '01',
  };
}
