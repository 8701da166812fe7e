import type Database from 'better-sqlite3';
import type { ClassScores } from '../../contract/classes.js';
import type { CodedWarning } from '../../contract/warnings.js';
import type { InstanceHeader } from '../../domain/instance.js';
import { json, now, toSeriesRow, type SeriesRow, type SeriesState } from '../rows.js';

export interface SeriesTriage {
  seriesId: number;
  modelId: number;
  tiltDegrees: number;
  spacingMm: number | null;
  warnings: CodedWarning[];
  scores: ClassScores;
  mostSuspiciousSlice: number;
}

/** Series: geometry, state, and the series score with the model that made it. */
export class SeriesRepository {
  constructor(private readonly db: Database.Database) {}

  /** The series of this header within its study, created on its first instance. */
  ensure(studyId: number, header: InstanceHeader): { seriesId: number; studyId: number } {
    const existing = this.db.prepare('SELECT id, study_id FROM series WHERE series_instance_uid = ?').get(header.SeriesInstanceUID) as
      | { id: number; study_id: number }
      | undefined;
    if (existing) return { seriesId: existing.id, studyId: existing.study_id };
    const info = this.db
      .prepare(
        `INSERT INTO series (study_id, series_instance_uid, series_description, state, rows, columns, pixel_spacing, last_arrival_at)
         VALUES (?, ?, ?, 'receiving', ?, ?, ?, ?)`,
      )
      .run(studyId, header.SeriesInstanceUID, header.patient.SeriesDescription, header.Rows, header.Columns, json(header.PixelSpacing), now());
    return { seriesId: Number(info.lastInsertRowid), studyId };
  }

  /** A new or re-analysed slice arrived: the series is receiving again. */
  markArrival(seriesId: number): void {
    this.db.prepare(`UPDATE series SET state = 'receiving', last_arrival_at = ? WHERE id = ?`).run(now(), seriesId);
  }

  setState(seriesId: number, state: SeriesState, errorReason: string | null = null): void {
    this.db.prepare('UPDATE series SET state = ?, error_reason = ? WHERE id = ?').run(state, errorReason, seriesId);
  }

  saveTriage(triage: SeriesTriage): void {
    this.db
      .prepare(
        `UPDATE series SET state = 'done', error_reason = NULL, tilt_degrees = ?, spacing_mm = ?, warnings = ?, scores = ?,
           most_suspicious_slice = ?, model_id = ?, triaged_at = ?, triage_count = triage_count + 1 WHERE id = ?`,
      )
      .run(triage.tiltDegrees, triage.spacingMm, json(triage.warnings), json(triage.scores), triage.mostSuspiciousSlice, triage.modelId, now(), triage.seriesId);
  }

  /** Series not yet triaged (after a restart these resume). */
  unfinished(): SeriesRow[] {
    return this.where(`s.state IN ('receiving', 'queued', 'analysing')`);
  }

  ofStudy(studyId: number): SeriesRow[] {
    return this.where('s.study_id = ?', studyId);
  }

  get(seriesId: number): SeriesRow | null {
    return this.where('s.id = ?', seriesId)[0] ?? null;
  }

  findByUid(studyId: number, seriesInstanceUid: string): SeriesRow | null {
    return this.where('s.study_id = ? AND s.series_instance_uid = ?', studyId, seriesInstanceUid)[0] ?? null;
  }

  private where(where: string, ...params: unknown[]): SeriesRow[] {
    const rows = this.db
      .prepare(`SELECT s.*, (SELECT COUNT(*) FROM instances i WHERE i.series_id = s.id) AS slice_count FROM series s WHERE ${where} ORDER BY s.id`)
      .all(...params) as Record<string, unknown>[];
    return rows.map(toSeriesRow);
  }
}
