import type { InstanceHeader } from '../../src-main/domain/instance.js';

/** A header as the decode stage would produce it, for tests of the later stages. */
export function ctHeader(overrides: Partial<InstanceHeader> = {}): InstanceHeader {
  return {
    SOPInstanceUID: '1.2.3.4.1',
    SeriesInstanceUID: '1.2.3.4',
    StudyInstanceUID: '1.2.3',
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    Modality: 'CT',
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    InstanceNumber: 1,
    ImagePositionPatient: [-125, -125, 0],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    PixelSpacing: [0.5, 0.5],
    SliceThickness: 5,
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    Rows: 512,
    Columns: 512,
    WindowCenter: 40,
    WindowWidth: 80,
    ConvolutionKernel: 'H30s',
    patient: {
      PatientName: 'TEST^PATIENT',
      PatientID: 'P1',
      AccessionNumber: 'A1',
      StudyDescription: 'CT HEAD',
      SeriesDescription: 'AXIAL 5mm',
      StudyDate: '20260101',
      StudyTime: '120000',
    },
    ...overrides,
  };
}

/** Slices of one series at the given z positions (mm), with an optional gantry tilt about the x axis. */
export function seriesAt(zs: number[], tiltDegrees = 0): { path: string; header: InstanceHeader }[] {
  const t = (tiltDegrees * Math.PI) / 180;
  return zs.map((z, i) => ({
    path: `/inbox/slice-${String(i).padStart(3, '0')}.dcm`,
    header: ctHeader({
      SOPInstanceUID: `1.2.3.4.${i + 1}`,
      InstanceNumber: null,
      ImagePositionPatient: [-125, -125, z],
      ImageOrientationPatient: [1, 0, 0, 0, Math.cos(t), Math.sin(t)],
    }),
  }));
}
