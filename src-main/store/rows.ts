import type { ClassScores } from '../contract/classes.js';
import type { AuditEntry, StudyState } from '../contract/dto.js';
import type { CodedWarning, Rejection, RejectionCode } from '../contract/warnings.js';
import type { InstanceHeader, PatientInfo } from '../domain/instance.js';
import type { ModelIdentity } from '../domain/model-card.js';

/**
 * The store's typed rows, and the one place where SQLite rows become them (column names,
 * JSON columns, blobs).
 */

/** A series moves through the same states as a study ('receiving' until it settles). */
export type SeriesState = StudyState;

/** A model that produced stored results, with the thresholds its results are flagged by. */
export interface ModelRow extends ModelIdentity {
  id: number;
  thresholds: ClassScores;
}

export interface StudyRow {
  id: number;
  studyInstanceUid: string;
  patient: Pick<PatientInfo, 'PatientName' | 'PatientID' | 'AccessionNumber' | 'StudyDescription' | 'StudyDate' | 'StudyTime'>;
  receivedAt: string;
  state: StudyState;
  errorReason: string | null;
  scores: ClassScores | null;
  drivingSeriesUid: string | null;
  /** The model whose results make up `scores` (null before the first triage). */
  modelId: number | null;
  triagedAt: string | null;
  sliceCount: number;
  seriesCount: number;
  warningCount: number;
}

export interface SeriesRow {
  id: number;
  studyId: number;
  seriesInstanceUid: string;
  seriesDescription: string;
  state: SeriesState;
  errorReason: string | null;
  rows: number;
  columns: number;
  pixelSpacing: [number, number] | null;
  tiltDegrees: number | null;
  spacingMm: number | null;
  warnings: CodedWarning[];
  scores: ClassScores | null;
  mostSuspiciousSlice: number | null;
  /** The model of the last triage (null before it). */
  modelId: number | null;
  lastArrivalAt: string;
  triagedAt: string | null;
  triageCount: number;
  sliceCount: number;
}

export interface InstanceRow {
  id: number;
  seriesId: number;
  sopInstanceUid: string;
  path: string;
  header: InstanceHeader;
  warnings: CodedWarning[];
  /** The slice CNN's scores of the input the slice is shown with (its slab's in a thin series); null until the CNN ran. */
  cnnScores: ClassScores | null;
  /** The CNN's embedding of the slice alone; null when not asked for, not computed yet, or shown with its slab's outputs. */
  embedding: Float32Array | null;
  /** The model whose CNN produced (or will produce) cnnScores, embedding and CAM. */
  modelId: number | null;
  sliceIndex: number | null;
  z: number | null;
  scores: ClassScores | null;
}

export interface StoredRead {
  id: number;
  studyId: number;
  reader: string;
  findings: Record<string, boolean>;
  note: string;
  sliceMarks: unknown[];
  source: string;
  recordedAt: string;
}

export type StoredRejection = Rejection & { quarantinedPath: string | null; at: string };

export type { AuditEntry } from '../contract/dto.js';

type Row = Record<string, unknown>;

export const now = () => new Date().toISOString();
export const json = (value: unknown) => JSON.stringify(value);
const parse = <T>(text: unknown): T | null => (text === null || text === undefined ? null : (JSON.parse(text as string) as T));

export function toModelRow(r: Row): ModelRow {
  return { id: r.id as number, name: r.name as string, version: r.version as string, sha256: r.sha256 as string, thresholds: parse<ClassScores>(r.thresholds)! };
}

export function toStudyRow(r: Row): StudyRow {
  return {
    id: r.id as number,
    studyInstanceUid: r.study_instance_uid as string,
    patient: {
      PatientName: r.patient_name as string,
      PatientID: r.patient_id as string,
      AccessionNumber: r.accession_number as string,
      StudyDescription: r.study_description as string,
      StudyDate: r.study_date as string,
      StudyTime: r.study_time as string,
    },
    receivedAt: r.received_at as string,
    state: r.state as StudyState,
    errorReason: r.error_reason as string | null,
    scores: parse(r.scores),
    drivingSeriesUid: r.driving_series_uid as string | null,
    modelId: r.model_id as number | null,
    triagedAt: r.triaged_at as string | null,
    sliceCount: r.slice_count as number,
    seriesCount: r.series_count as number,
    warningCount: r.warning_count as number,
  };
}

export function toSeriesRow(r: Row): SeriesRow {
  return {
    id: r.id as number,
    studyId: r.study_id as number,
    seriesInstanceUid: r.series_instance_uid as string,
    seriesDescription: r.series_description as string,
    state: r.state as SeriesState,
    errorReason: r.error_reason as string | null,
    rows: r.rows as number,
    columns: r.columns as number,
    pixelSpacing: parse(r.pixel_spacing),
    tiltDegrees: r.tilt_degrees as number | null,
    spacingMm: r.spacing_mm as number | null,
    warnings: parse<CodedWarning[]>(r.warnings) ?? [],
    scores: parse(r.scores),
    mostSuspiciousSlice: r.most_suspicious_slice as number | null,
    modelId: r.model_id as number | null,
    lastArrivalAt: r.last_arrival_at as string,
    triagedAt: r.triaged_at as string | null,
    triageCount: r.triage_count as number,
    sliceCount: r.slice_count as number,
  };
}

export function toInstanceRow(r: Row): InstanceRow {
  const blob = r.embedding as Buffer | undefined;
  return {
    id: r.id as number,
    seriesId: r.series_id as number,
    sopInstanceUid: r.sop_instance_uid as string,
    path: r.path as string,
    header: parse<InstanceHeader>(r.header)!,
    warnings: parse<CodedWarning[]>(r.warnings)!,
    cnnScores: parse<ClassScores>(r.cnn_scores),
    embedding: blob ? new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength)) : null,
    modelId: r.model_id as number | null,
    sliceIndex: r.slice_index as number | null,
    z: r.z as number | null,
    scores: parse(r.scores),
  };
}

export function toStoredRead(r: Row): StoredRead {
  return {
    id: r.id as number,
    studyId: r.study_id as number,
    reader: r.reader as string,
    findings: parse<Record<string, boolean>>(r.findings)!,
    note: r.note as string,
    sliceMarks: parse<unknown[]>(r.slice_marks)!,
    source: r.source as string,
    recordedAt: r.recorded_at as string,
  };
}

export function toStoredRejection(r: Row): StoredRejection {
  return {
    path: r.path as string,
    code: r.code as RejectionCode,
    reason: r.reason as string,
    quarantinedPath: r.quarantined_path as string | null,
    at: r.at as string,
  };
}

export function toAuditEntry(r: Row): AuditEntry {
  return {
    id: r.id as number,
    at: r.at as string,
    actor: r.actor as string,
    action: r.action as string,
    studyId: r.study_id as number | null,
    detail: parse<Record<string, unknown>>(r.detail)!,
  };
}
