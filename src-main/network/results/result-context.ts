import dcmjs from 'dcmjs';
import type { NaturalDataset } from '../scu/store-scu.js';

/** One source slice a result refers to. */
export interface SliceReference {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

/** Who produced a result: every exported object records the model and its file hashes. */
export interface ResultProvenance {
  manufacturer: string;
  deviceName: string;
  /** Stable UID of this device (the workstation), for the SR observer context. */
  deviceUid: string;
  modelName: string;
  modelVersion: string;
  modelFiles: { name: string; sha256: string }[];
}

/**
 * Patient and General Study module attributes copied from a source image, so PACS files the
 * result with its study (same Study Instance UID, same patient). Nothing else is copied.
 */
const PATIENT_AND_STUDY = [
  'SpecificCharacterSet',
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
  'StudyDescription',
] as const;

/** Type 2 attributes are present even when the source lacks them (empty). */
const TYPE_2 = new Set(['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber']);

function copyPatientAndStudy(source: NaturalDataset): NaturalDataset {
  const copy: NaturalDataset = {};
  for (const keyword of PATIENT_AND_STUDY) {
    if (source[keyword] !== undefined) copy[keyword] = source[keyword];
    else if (TYPE_2.has(keyword)) copy[keyword] = '';
  }
  return copy;
}

/** A new instance of a new series in the source's study: patient and study copied, identity and content time set. */
export function newInstanceInStudy(
  source: NaturalDataset,
  identity: { sopClassUid: string; sopInstanceUid: string; modality: string; seriesInstanceUid: string; seriesNumber: number; seriesDescription: string; instanceNumber: number },
): NaturalDataset {
  const now = new Date();
  return {
    ...copyPatientAndStudy(source),
    SOPClassUID: identity.sopClassUid,
    SOPInstanceUID: identity.sopInstanceUid,
    Modality: identity.modality,
    SeriesInstanceUID: identity.seriesInstanceUid,
    SeriesNumber: identity.seriesNumber,
    SeriesDescription: identity.seriesDescription,
    InstanceNumber: identity.instanceNumber,
    ContentDate: now.toISOString().slice(0, 10).replace(/-/g, ''),
    ContentTime: now.toISOString().slice(11, 19).replace(/:/g, ''),
  };
}

/** Reads a Part 10 file into naturalized attributes (keywords as keys). */
export function readNatural(part10: Uint8Array): NaturalDataset {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  const copy = part10.buffer.slice(part10.byteOffset, part10.byteOffset + part10.byteLength) as ArrayBuffer;
  return DicomMetaDictionary.naturalizeDataset(DicomMessage.readFile(copy).dict);
}
