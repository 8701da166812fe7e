import { ICH_CLASSES, type IchClass } from '../contract/classes.js';
import type { Read, ReadSummary, SeriesDetail, StudySummary } from '../contract/dto.js';
import { flaggedClasses } from '../pipeline/triage/index.js';
import type { InstanceRow, ModelRow, SeriesRow, StoredRead, StudyRow } from '../store/triage-store.js';

/** Store rows -> the contract's DTOs. A study is flagged by the thresholds of the model that scored it. */
export function toStudySummary(row: StudyRow, model: ModelRow | null, latestRead: StoredRead | null): StudySummary {
  const flagged = row.scores && model ? flaggedClasses(row.scores, model.thresholds) : [];
  return {
    studyId: row.id,
    studyInstanceUid: row.studyInstanceUid,
    state: row.state,
    errorReason: row.errorReason,
    receivedAt: row.receivedAt,
    triagedAt: row.triagedAt,
    patientName: row.patient.PatientName,
    patientId: row.patient.PatientID,
    accessionNumber: row.patient.AccessionNumber,
    studyDescription: row.patient.StudyDescription,
    studyDate: row.patient.StudyDate,
    sliceCount: row.sliceCount,
    seriesCount: row.seriesCount,
    scores: row.scores,
    drivingSeriesUid: row.drivingSeriesUid,
    model: model ? { name: model.name, version: model.version } : null,
    flagged: flagged.includes('any'),
    flaggedClasses: flagged,
    warningCount: row.warningCount,
    read: latestRead ? toReadSummary(latestRead) : null,
  };
}

export function toReadSummary(read: StoredRead): ReadSummary {
  return { reader: read.reader, findings: completeFindings(read.findings), recordedAt: read.recordedAt };
}

export function toRead(read: StoredRead): Read {
  return {
    readId: read.id,
    studyId: read.studyId,
    reader: read.reader,
    findings: completeFindings(read.findings),
    note: read.note,
    sliceMarks: read.sliceMarks as Read['sliceMarks'],
    source: read.source,
    recordedAt: read.recordedAt,
  };
}

/** Every class present; `any` is the OR of the subtypes when a reader did not give it. */
export function completeFindings(findings: Partial<Record<string, boolean>>): Record<IchClass, boolean> {
  const complete = {} as Record<IchClass, boolean>;
  for (const cls of ICH_CLASSES) complete[cls] = findings[cls] === true;
  if (findings.any === undefined) complete.any = ICH_CLASSES.slice(1).some((cls) => complete[cls]);
  return complete;
}

export function toSeriesDetail(series: SeriesRow, instances: InstanceRow[]): SeriesDetail {
  return {
    seriesInstanceUid: series.seriesInstanceUid,
    seriesDescription: series.seriesDescription,
    state: series.state,
    sliceCount: instances.filter((i) => i.sliceIndex !== null).length || series.sliceCount,
    tiltDegrees: series.tiltDegrees ?? 0,
    spacingMm: series.spacingMm,
    rows: series.rows,
    columns: series.columns,
    pixelSpacing: series.pixelSpacing,
    scores: series.scores,
    mostSuspiciousSlice: series.mostSuspiciousSlice,
    warnings: series.warnings,
    slices: instances
      .filter((i) => i.sliceIndex !== null && i.scores && i.cnnScores)
      .map((i) => ({ index: i.sliceIndex!, sopInstanceUid: i.sopInstanceUid, z: i.z ?? 0, scores: i.scores!, cnnScores: i.cnnScores! })),
  };
}
