import dcmjs from 'dcmjs';
import type { IchClass } from '../../contract/classes.js';
import type { NaturalDataset } from '../scu/store-scu.js';
import { newInstanceInStudy, type ResultProvenance, type SliceReference } from './result-context.js';

export const COMPREHENSIVE_3D_SR = '1.2.840.10008.5.1.4.1.1.88.34';

/** A coded concept as DICOM writes it (Code Value, Coding Scheme Designator, Code Meaning). */
export interface Code {
  value: string;
  scheme: string;
  meaning: string;
}

const code = (value: string, scheme: string, meaning: string): Code => ({ value, scheme, meaning });

/**
 * Findings per class. `any` is SNOMED CT 1386000, the one intracranial haemorrhage concept in the
 * DICOM standard's own code tables (PS3.16; pydicom's concept dictionary lists it). The subtypes
 * use a private coding scheme (designator "99ICHT", as PS3.16 8.2 allows): their SNOMED codes are
 * not in those tables and were not verified, and a wrong standard code is worse than an honest
 * local one; the meanings are what viewers show.
 */
export const FINDING_CODES: Record<IchClass, Code> = {
  any: code('1386000', 'SCT', 'Intracranial hemorrhage'),
  epidural: code('EDH', '99ICHT', 'Epidural hemorrhage'),
  intraparenchymal: code('IPH', '99ICHT', 'Intraparenchymal hemorrhage'),
  intraventricular: code('IVH', '99ICHT', 'Intraventricular hemorrhage'),
  subarachnoid: code('SAH', '99ICHT', 'Subarachnoid hemorrhage'),
  subdural: code('SDH', '99ICHT', 'Subdural hemorrhage'),
};

export const CODES = {
  imagingMeasurementReport: code('126000', 'DCM', 'Imaging Measurement Report'),
  language: code('121049', 'DCM', 'Language of Content Item and Descendants'),
  english: code('eng', 'RFC5646', 'English'),
  observerType: code('121005', 'DCM', 'Observer Type'),
  device: code('121007', 'DCM', 'Device'),
  deviceObserverUid: code('121012', 'DCM', 'Device Observer UID'),
  deviceObserverName: code('121013', 'DCM', 'Device Observer Name'),
  deviceObserverManufacturer: code('121014', 'DCM', 'Device Observer Manufacturer'),
  deviceObserverModelName: code('121015', 'DCM', 'Device Observer Model Name'),
  procedureReported: code('121058', 'DCM', 'Procedure reported'),
  ctHead: code('24725-4', 'LN', 'CT Head'),
  imageLibrary: code('111028', 'DCM', 'Image Library'),
  imageLibraryGroup: code('126200', 'DCM', 'Image Library Group'),
  imagingMeasurements: code('126010', 'DCM', 'Imaging Measurements'),
  measurementGroup: code('125007', 'DCM', 'Measurement Group'),
  trackingIdentifier: code('112039', 'DCM', 'Tracking Identifier'),
  trackingUid: code('112040', 'DCM', 'Tracking Unique Identifier'),
  finding: code('121071', 'DCM', 'Finding'),
  algorithmName: code('111001', 'DCM', 'Algorithm Name'),
  algorithmVersion: code('111003', 'DCM', 'Algorithm Version'),
  algorithmParameters: code('111002', 'DCM', 'Algorithm Parameters'),
  probability: code('C0033204', 'UMLS', 'Probability'),
  noUnits: code('1', 'UCUM', 'no units'),
  sourceOfMeasurement: code('121112', 'DCM', 'Source of Measurement'),
  yes: code('373066001', 'SCT', 'Yes'),
  no: code('373067005', 'SCT', 'No'),
  comment: code('121106', 'DCM', 'Comment'),
} as const;

export interface ClassResult {
  cls: IchClass;
  /** The study's probability for this class (0..1). */
  probability: number;
  /** Reached the model card's threshold. */
  flagged: boolean;
  /** The slice with the highest probability for this class. */
  keySlice: SliceReference;
}

export interface MeasurementReportInput {
  /** Naturalized attributes of one source slice: patient and study modules are copied from it. */
  source: NaturalDataset;
  classes: ClassResult[];
  provenance: ResultProvenance;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

const codeSequence = (c: Code) => [{ CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning }];

function item(relationship: string, valueType: string, name: Code, value: Record<string, unknown> = {}): NaturalDataset {
  return { RelationshipType: relationship, ValueType: valueType, ConceptNameCodeSequence: codeSequence(name), ...value };
}

const text = (relationship: string, name: Code, value: string) => item(relationship, 'TEXT', name, { TextValue: value });
const coded = (relationship: string, name: Code, value: Code) => item(relationship, 'CODE', name, { ConceptCodeSequence: codeSequence(value) });
const image = (relationship: string, name: Code, slice: SliceReference) =>
  item(relationship, 'IMAGE', name, { ReferencedSOPSequence: [{ ReferencedSOPClassUID: slice.sopClassUid, ReferencedSOPInstanceUID: slice.sopInstanceUid }] });

/**
 * The triage result as a DICOM SR viewers already read: TID 1500 Measurement Report in a
 * Comprehensive 3D SR, one TID 1501 Measurement Group per class holding the finding, the
 * probability (NUM, inferred from its key slice), the flag as a qualitative evaluation (Yes/No)
 * and the algorithm identification (TID 4019: model name, version, file hashes), in the spirit of
 * IHE AI Results. dcmjs's own SR templates reject valid input in this version (TrackingIdentifier
 * and the group's identifier check), so the content tree is written as plain dcmjs data.
 */
export function buildMeasurementReport(input: MeasurementReportInput): NaturalDataset {
  const { provenance } = input;
  const algorithm = [
    text('HAS CONCEPT MOD', CODES.algorithmName, provenance.modelName),
    text('HAS CONCEPT MOD', CODES.algorithmVersion, provenance.modelVersion),
    text('HAS CONCEPT MOD', CODES.algorithmParameters, provenance.modelFiles.map((f) => `${f.name} sha256:${f.sha256}`).join('; ')),
  ];
  const groups = input.classes.map((result) =>
    item('CONTAINS', 'CONTAINER', CODES.measurementGroup, {
      ContinuityOfContent: 'SEPARATE',
      ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1501' }],
      ContentSequence: [
        text('HAS OBS CONTEXT', CODES.trackingIdentifier, `ICH triage: ${FINDING_CODES[result.cls].meaning}`),
        item('HAS OBS CONTEXT', 'UIDREF', CODES.trackingUid, { UID: dcmjs.data.DicomMetaDictionary.uid() }),
        coded('CONTAINS', CODES.finding, FINDING_CODES[result.cls]),
        ...algorithm,
        item('CONTAINS', 'NUM', CODES.probability, {
          MeasuredValueSequence: [{ MeasurementUnitsCodeSequence: codeSequence(CODES.noUnits), NumericValue: Number(result.probability.toFixed(6)) }],
          ContentSequence: [image('INFERRED FROM', CODES.sourceOfMeasurement, result.keySlice)],
        }),
        coded('CONTAINS', FINDING_CODES[result.cls], result.flagged ? CODES.yes : CODES.no),
      ],
    }),
  );
  const keySlices = uniqueSlices(input.classes.map((c) => c.keySlice));
  return {
    ...newInstanceInStudy(input.source, {
      sopClassUid: COMPREHENSIVE_3D_SR,
      sopInstanceUid: input.sopInstanceUid,
      modality: 'SR',
      seriesInstanceUid: input.seriesInstanceUid,
      seriesNumber: 9901,
      seriesDescription: 'ICH triage result (triage aid, not for diagnosis)',
      instanceNumber: 1,
    }),
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: provenance.manufacturer,
    ManufacturerModelName: provenance.modelName,
    SoftwareVersions: provenance.modelVersion,
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    PreliminaryFlag: 'PRELIMINARY',
    PertinentOtherEvidenceSequence: evidence(String(input.source.StudyInstanceUID), keySlices),
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: codeSequence(CODES.imagingMeasurementReport),
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
    ContentSequence: [
      coded('HAS CONCEPT MOD', CODES.language, CODES.english),
      coded('HAS OBS CONTEXT', CODES.observerType, CODES.device),
      item('HAS OBS CONTEXT', 'UIDREF', CODES.deviceObserverUid, { UID: provenance.deviceUid }),
      text('HAS OBS CONTEXT', CODES.deviceObserverName, provenance.deviceName),
      text('HAS OBS CONTEXT', CODES.deviceObserverManufacturer, provenance.manufacturer),
      text('HAS OBS CONTEXT', CODES.deviceObserverModelName, provenance.modelName),
      coded('HAS CONCEPT MOD', CODES.procedureReported, CODES.ctHead),
      item('CONTAINS', 'CONTAINER', CODES.imageLibrary, {
        ContinuityOfContent: 'SEPARATE',
        ContentSequence: [
          item('CONTAINS', 'CONTAINER', CODES.imageLibraryGroup, {
            ContinuityOfContent: 'SEPARATE',
            ContentSequence: keySlices.map((slice) => image('CONTAINS', CODES.sourceOfMeasurement, slice)),
          }),
        ],
      }),
      item('CONTAINS', 'CONTAINER', CODES.imagingMeasurements, { ContinuityOfContent: 'SEPARATE', ContentSequence: groups }),
      text('CONTAINS', CODES.comment, 'Triage aid, not for diagnosis. Probabilities from an automated detector not validated for clinical use.'),
    ],
  };
}

function uniqueSlices(slices: SliceReference[]): SliceReference[] {
  return [...new Map(slices.map((s) => [s.sopInstanceUid, s])).values()];
}

/** Hierarchical SOP Instance Reference Macro: the slices the report refers to, by series. */
function evidence(studyInstanceUid: string, slices: SliceReference[]): NaturalDataset[] {
  const bySeries = new Map<string, SliceReference[]>();
  for (const slice of slices) bySeries.set(slice.seriesInstanceUid, [...(bySeries.get(slice.seriesInstanceUid) ?? []), slice]);
  return [
    {
      StudyInstanceUID: studyInstanceUid,
      ReferencedSeriesSequence: [...bySeries].map(([seriesInstanceUid, refs]) => ({
        SeriesInstanceUID: seriesInstanceUid,
        ReferencedSOPSequence: refs.map((r) => ({ ReferencedSOPClassUID: r.sopClassUid, ReferencedSOPInstanceUID: r.sopInstanceUid })),
      })),
    },
  ];
}
