import type Database from 'better-sqlite3';
import type { StudyState } from '../../contract/dto.js';
import type { InstanceHeader } from '../../domain/instance.js';
import type { ClassScores } from '../../contract/classes.js';
import { json, now, toStudyRow, type StudyRow } from '../rows.js';

/** Studies: patient attributes (only here), state, and the study score with the model that made it. */
export class StudiesRepository {
  constructor(private readonly db: Database.Database) {}

  /** The study of this header, created on its first instance. */
  ensure(header: InstanceHeader): number {
    const p = header.patient;
    this.db
      .prepare(
        `INSERT INTO studies (study_instance_uid, patient_name, patient_id, accession_number, study_description, study_date, study_time, received_at, state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'receiving') ON CONFLICT(study_instance_uid) DO NOTHING`,
      )
      .run(header.StudyInstanceUID, p.PatientName, p.PatientID, p.AccessionNumber, p.StudyDescription, p.StudyDate, p.StudyTime, now());
    return (this.db.prepare('SELECT id FROM studies WHERE study_instance_uid = ?').get(header.StudyInstanceUID) as { id: number }).id;
  }

  setState(studyId: number, state: StudyState, errorReason: string | null): void {
    this.db.prepare('UPDATE studies SET state = ?, error_reason = ? WHERE id = ?').run(state, errorReason, studyId);
  }

  saveScore(studyId: number, score: { scores: ClassScores; drivingSeriesUid: string } | null, model: { id: number; name: string; version: string }): void {
    this.db
      .prepare(`UPDATE studies SET scores = ?, score_any = ?, driving_series_uid = ?, model_id = ?, model_name = ?, model_version = ?, triaged_at = ? WHERE id = ?`)
      .run(json(score?.scores ?? null), score?.scores.any ?? null, score?.drivingSeriesUid ?? null, model.id, model.name, model.version, now(), studyId);
  }

  /** Every study, highest `any` first (untriaged last, oldest first). */
  list(): StudyRow[] {
    return this.where('1 ORDER BY st.score_any DESC NULLS LAST, st.received_at');
  }

  get(studyId: number): StudyRow | null {
    return this.where('st.id = ?', studyId)[0] ?? null;
  }

  /** Studies whose PatientID or PatientName equals a name (how CQ500 reads name their scans). */
  findByPatient(name: string): StudyRow[] {
    return this.where('st.patient_id = ? OR st.patient_name = ?', name, name);
  }

  /**
   * Studies holding a result of another model than this one (or of none recorded), in the order
   * they should be re-scored: flagged by their own model's `any` threshold first, then oldest first.
   */
  scoredByOtherModels(modelId: number): StudyRow[] {
    return this.where(
      `EXISTS (SELECT 1 FROM series se WHERE se.study_id = st.id AND (se.model_id IS NULL OR se.model_id != ?))
       ORDER BY (st.score_any >= COALESCE((SELECT json_extract(m.thresholds, '$.any') FROM models m WHERE m.id = st.model_id), 2)) DESC,
                st.received_at, st.id`,
      modelId,
    );
  }

  private where(where: string, ...params: unknown[]): StudyRow[] {
    const rows = this.db
      .prepare(
        `SELECT st.*,
           (SELECT COUNT(*) FROM instances i JOIN series se ON se.id = i.series_id WHERE se.study_id = st.id) AS slice_count,
           (SELECT COUNT(*) FROM series se WHERE se.study_id = st.id) AS series_count,
           (SELECT COALESCE(SUM(json_array_length(se.warnings)), 0) FROM series se WHERE se.study_id = st.id) AS warning_count
         FROM studies st WHERE ${where}`,
      )
      .all(...params) as Record<string, unknown>[];
    return rows.map(toStudyRow);
  }
}
