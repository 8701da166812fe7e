/**
 * Problems found while reading and assembling a study are data, not exceptions (as OHIF's
 * series validators): each has a stable code the UI can explain and filter on.
 */
export const WARNING_CODES = [
  'MISSING_SLICES', // a gap in positions larger than the regular spacing
  'IRREGULAR_SPACING',
  'DUPLICATE_SLICE', // two instances at the same position (or same SOPInstanceUID)
  'GANTRY_TILT', // slice normal not parallel to the position axis
  'NON_CONFORMING_UID', // e.g. RSNA "ID_e17326e0bd"
  'SECONDARY_CAPTURE_HU', // SC object whose pixels are already HU
  'NO_POSITION', // no ImagePositionPatient: order falls back to InstanceNumber or file name
  'LOSSY_COMPRESSION',
  'SINGLE_SLICE', // a series of one slice: the sequence model has no context
  'RSNA_12BIT_FIXED', // the RSNA 12-bit intercept quirk was corrected
  'INCONSISTENT_ORIENTATION',
  'SLICE_SKIPPED', // a slice of an otherwise eligible series could not be used
] as const;

export type WarningCode = (typeof WARNING_CODES)[number];

export interface CodedWarning {
  code: WarningCode;
  /** One human sentence, no patient data. */
  message: string;
}

/** Why a file or a series was not triaged. */
export const REJECTION_CODES = [
  'NOT_DICOM',
  'TRUNCATED',
  'UNSUPPORTED_TRANSFER_SYNTAX',
  'DECODE_FAILED',
  'NO_PIXEL_DATA',
  'NOT_CT', // modality MR, US, ...
  'COLOUR_IMAGE', // RGB / palette colour is never a CT slice
  'LOCALIZER', // scout / topogram
  'NON_AXIAL',
  'MULTI_FRAME', // enhanced multi-frame objects are not supported yet
  'DICOMDIR',
  'TOO_LARGE', // above the configured maximum file size: never read
  'NOT_REGULAR_FILE', // symbolic link, named pipe, socket or device: the inbox is a jail
  'UNREADABLE', // the operating system refused to read it (permissions, I/O error)
  'ANALYSIS_FAILED', // the file made the analysis itself fail (isolated from the files beside it)
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  path: string;
  code: RejectionCode;
  reason: string;
}
