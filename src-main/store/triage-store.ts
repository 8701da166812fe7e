import Database from 'better-sqlite3';
import type { ClassScores } from '../contract/classes.js';
import type { AuditEntry, StudyState } from '../contract/dto.js';
import type { CodedWarning, Rejection, RejectionCode } from '../contract/warnings.js';
import type { InstanceHeader, PatientInfo } from '../domain/instance.js';
import { migrate } from './migrations/index.js';

/** A series moves through the same states as a study ('receiving' until it settles). */
export type SeriesState = StudyState;

export interface StudyRow {
  id: number;
  studyInstanceUid: string;
  patient: Pick<PatientInfo, 'PatientName' | 'PatientID' | 'AccessionNumber' | 'StudyDescription' | 'StudyDate' | 'StudyTime'>;
  receivedAt: string;
  state: StudyState;
  errorReason: string | null;
  scores: ClassScores | null;
  drivingSeriesUid: string | null;
  modelName: string | null;
  modelVersion: string | null;
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
  cnnScores: ClassScores;
  embedding: Float32Array;
  sliceIndex: number | null;
  z: number | null;
  scores: ClassScores | null;
}

export interface NewInstance {
  path: string;
  header: InstanceHeader;
  warnings: CodedWarning[];
  cnnScores: ClassScores;
  embedding: Float32Array;
  /** 6*h*w values scaled to 0..255 per class. */
  cam: Uint8Array;
  camHeight: number;
  camWidth: number;
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

export interface SeriesTriage {
  seriesId: number;
  tiltDegrees: number;
  spacingMm: number | null;
  warnings: CodedWarning[];
  /** In slice order; instances of the series not listed (duplicates) get no index. */
  slices: { instanceId: number; sliceIndex: number; z: number; scores: ClassScores }[];
  scores: ClassScores;
  mostSuspiciousSlice: number;
}

const now = () => new Date().toISOString();
const json = (value: unknown) => JSON.stringify(value);
const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/**
 * Refuses a database that is damaged (PRAGMA quick_check) or cannot be written (a write rolled
 * back at once: SQLite opens a read-only file without complaint and fails only at the first write).
 */
function checkDatabase(db: Database.Database): void {
  const problems = (db.pragma('quick_check') as { quick_check: string }[]).map((row) => row.quick_check).filter((text) => text !== 'ok');
  if (problems.length) throw new Error(`integrity check failed: ${problems.slice(0, 3).join('; ')}`);
  db.exec('BEGIN IMMEDIATE');
  try {
    db.pragma(`user_version = ${db.pragma('user_version', { simple: true }) as number}`);
  } finally {
    db.exec('ROLLBACK');
  }
}

function codeSuffix(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? ` (${code})` : '';
}

/**
 * Everything the engine knows, in one SQLite file (WAL, so readers never block the writer).
 * Calls are synchronous (better-sqlite3) and each write that must be atomic is one transaction.
 */
export class TriageStore {
  readonly db: Database.Database;

  /** Opens, checks (integrity and writability) and migrates; any problem is one line naming the file. */
  constructor(dbPath: string) {
    let db: Database.Database | null = null;
    try {
      db = new Database(dbPath);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      checkDatabase(db);
      migrate(db);
    } catch (error) {
      db?.close();
      throw new Error(`Database ${dbPath} cannot be used: ${(error as Error).message}${codeSuffix(error)}`);
    }
    this.db = db;
  }

  close(): void {
    this.db.close();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- files seen in the inbox -------------------------------------------------------------

  /** Whether this exact file (path, size, mtime) was already handled. */
  fileHandled(path: string, size: number, mtimeMs: number): boolean {
    const row = this.db.prepare('SELECT size, mtime_ms FROM files WHERE path = ?').get(path) as
      | { size: number; mtime_ms: number }
      | undefined;
    return row !== undefined && row.size === size && row.mtime_ms === mtimeMs;
  }

  recordFile(path: string, size: number, mtimeMs: number, outcome: 'instance' | 'duplicate' | 'rejected'): void {
    this.db
      .prepare(
        `INSERT INTO files (path, size, mtime_ms, outcome, seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, outcome = excluded.outcome, seen_at = excluded.seen_at`,
      )
      .run(path, size, mtimeMs, outcome, now());
  }

  // ---- studies, series, instances ----------------------------------------------------------

  /** Finds or creates the study and series of a header; returns their ids. */
  ensureSeries(header: InstanceHeader): { studyId: number; seriesId: number; created: boolean } {
    const p = header.patient;
    this.db
      .prepare(
        `INSERT INTO studies (study_instance_uid, patient_name, patient_id, accession_number, study_description, study_date, study_time, received_at, state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'receiving') ON CONFLICT(study_instance_uid) DO NOTHING`,
      )
      .run(header.StudyInstanceUID, p.PatientName, p.PatientID, p.AccessionNumber, p.StudyDescription, p.StudyDate, p.StudyTime, now());
    const studyId = (this.db.prepare('SELECT id FROM studies WHERE study_instance_uid = ?').get(header.StudyInstanceUID) as { id: number }).id;
    const existing = this.db.prepare('SELECT id, study_id FROM series WHERE series_instance_uid = ?').get(header.SeriesInstanceUID) as
      | { id: number; study_id: number }
      | undefined;
    if (existing) return { studyId: existing.study_id, seriesId: existing.id, created: false };
    const info = this.db
      .prepare(
        `INSERT INTO series (study_id, series_instance_uid, series_description, state, rows, columns, pixel_spacing, last_arrival_at)
         VALUES (?, ?, ?, 'receiving', ?, ?, ?, ?)`,
      )
      .run(studyId, header.SeriesInstanceUID, p.SeriesDescription, header.Rows, header.Columns, json(header.PixelSpacing), now());
    return { studyId, seriesId: Number(info.lastInsertRowid), created: true };
  }

  /** Stores one analysed slice; returns null when the series already has this SOPInstanceUID. */
  insertInstance(seriesId: number, instance: NewInstance): number | null {
    const { patient: _phi, ...headerWithoutPhi } = instance.header;
    const info = this.db
      .prepare(
        `INSERT INTO instances (series_id, sop_instance_uid, path, header, warnings, cnn_scores, embedding, cam, cam_height, cam_width)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(series_id, sop_instance_uid) DO NOTHING`,
      )
      .run(
        seriesId,
        instance.header.SOPInstanceUID,
        instance.path,
        json(headerWithoutPhi),
        json(instance.warnings),
        json(instance.cnnScores),
        Buffer.from(instance.embedding.buffer, instance.embedding.byteOffset, instance.embedding.byteLength),
        Buffer.from(instance.cam.buffer, instance.cam.byteOffset, instance.cam.byteLength),
        instance.camHeight,
        instance.camWidth,
      );
    if (info.changes === 0) return null;
    this.db.prepare(`UPDATE series SET state = 'receiving', last_arrival_at = ? WHERE id = ?`).run(now(), seriesId);
    return Number(info.lastInsertRowid);
  }

  setSeriesState(seriesId: number, state: SeriesState, errorReason: string | null = null): void {
    this.db.prepare('UPDATE series SET state = ?, error_reason = ? WHERE id = ?').run(state, errorReason, seriesId);
  }

  /** Series not yet triaged (after a restart these resume). */
  unfinishedSeries(): SeriesRow[] {
    return this.seriesWhere(`s.state IN ('receiving', 'queued', 'analysing')`);
  }

  seriesOfStudy(studyId: number): SeriesRow[] {
    return this.seriesWhere('s.study_id = ?', studyId);
  }

  getSeries(seriesId: number): SeriesRow | null {
    return this.seriesWhere('s.id = ?', seriesId)[0] ?? null;
  }

  findSeriesByUid(studyId: number, seriesInstanceUid: string): SeriesRow | null {
    return this.seriesWhere('s.study_id = ? AND s.series_instance_uid = ?', studyId, seriesInstanceUid)[0] ?? null;
  }

  private seriesWhere(where: string, ...params: unknown[]): SeriesRow[] {
    const rows = this.db
      .prepare(
        `SELECT s.*, (SELECT COUNT(*) FROM instances i WHERE i.series_id = s.id) AS slice_count
         FROM series s WHERE ${where} ORDER BY s.id`,
      )
      .all(...params) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as number,
      studyId: r.study_id as number,
      seriesInstanceUid: r.series_instance_uid as string,
      seriesDescription: r.series_description as string,
      state: r.state as SeriesState,
      errorReason: r.error_reason as string | null,
      rows: r.rows as number,
      columns: r.columns as number,
      pixelSpacing: parse(r.pixel_spacing as string | null),
      tiltDegrees: r.tilt_degrees as number | null,
      spacingMm: r.spacing_mm as number | null,
      warnings: parse<CodedWarning[]>(r.warnings as string) ?? [],
      scores: parse(r.scores as string | null),
      mostSuspiciousSlice: r.most_suspicious_slice as number | null,
      lastArrivalAt: r.last_arrival_at as string,
      triagedAt: r.triaged_at as string | null,
      triageCount: r.triage_count as number,
      sliceCount: r.slice_count as number,
    }));
  }

  /** Instances of a series: in slice order once triaged, else in arrival order. */
  instancesOfSeries(seriesId: number, options: { withEmbedding?: boolean } = {}): InstanceRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, series_id, sop_instance_uid, path, header, warnings, cnn_scores, slice_index, z, scores
         ${options.withEmbedding ? ', embedding' : ''}
         FROM instances WHERE series_id = ? ORDER BY slice_index IS NULL, slice_index, id`,
      )
      .all(seriesId) as Record<string, unknown>[];
    return rows.map((r) => {
      const blob = r.embedding as Buffer | undefined;
      return {
        id: r.id as number,
        seriesId: r.series_id as number,
        sopInstanceUid: r.sop_instance_uid as string,
        path: r.path as string,
        header: JSON.parse(r.header as string) as InstanceHeader,
        warnings: JSON.parse(r.warnings as string) as CodedWarning[],
        cnnScores: JSON.parse(r.cnn_scores as string) as ClassScores,
        embedding: blob
          ? new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength))
          : new Float32Array(0),
        sliceIndex: r.slice_index as number | null,
        z: r.z as number | null,
        scores: parse(r.scores as string | null),
      };
    });
  }

  instanceAt(seriesId: number, sliceIndex: number): { id: number; path: string; cam: Uint8Array; camHeight: number; camWidth: number } | null {
    const row = this.db
      .prepare('SELECT id, path, cam, cam_height, cam_width FROM instances WHERE series_id = ? AND slice_index = ?')
      .get(seriesId, sliceIndex) as { id: number; path: string; cam: Buffer; cam_height: number; cam_width: number } | undefined;
    return row
      ? { id: row.id, path: row.path, cam: new Uint8Array(row.cam), camHeight: row.cam_height, camWidth: row.cam_width }
      : null;
  }

  /** Stores a series' triage and recomputes its study, atomically. */
  saveSeriesTriage(triage: SeriesTriage, model: { name: string; version: string }, studyScore: (series: SeriesRow[]) => { scores: ClassScores; drivingSeriesUid: string } | null): void {
    this.transaction(() => {
      this.db.prepare('UPDATE instances SET slice_index = NULL WHERE series_id = ?').run(triage.seriesId);
      const setSlice = this.db.prepare('UPDATE instances SET slice_index = ?, z = ?, scores = ? WHERE id = ?');
      for (const s of triage.slices) setSlice.run(s.sliceIndex, s.z, json(s.scores), s.instanceId);
      this.db
        .prepare(
          `UPDATE series SET state = 'done', error_reason = NULL, tilt_degrees = ?, spacing_mm = ?, warnings = ?, scores = ?,
             most_suspicious_slice = ?, triaged_at = ?, triage_count = triage_count + 1 WHERE id = ?`,
        )
        .run(triage.tiltDegrees, triage.spacingMm, json(triage.warnings), json(triage.scores), triage.mostSuspiciousSlice, now(), triage.seriesId);
      const studyId = this.getSeries(triage.seriesId)!.studyId;
      const done = this.seriesOfStudy(studyId).filter((s) => s.state === 'done' && s.scores);
      const score = studyScore(done);
      this.db
        .prepare(
          `UPDATE studies SET scores = ?, score_any = ?, driving_series_uid = ?, model_name = ?, model_version = ?, triaged_at = ? WHERE id = ?`,
        )
        .run(json(score?.scores ?? null), score?.scores.any ?? null, score?.drivingSeriesUid ?? null, model.name, model.version, now(), studyId);
      this.refreshStudyState(studyId);
    });
  }

  /** A study's state follows its least advanced series. */
  refreshStudyState(studyId: number): StudyState {
    const series = this.seriesOfStudy(studyId);
    const order: StudyState[] = ['receiving', 'queued', 'analysing', 'done', 'error'];
    const states = series.map((s) => s.state);
    let state: StudyState = 'receiving';
    let reason: string | null = null;
    if (states.length && states.every((s) => s === 'error')) {
      state = 'error';
      reason = series.map((s) => s.errorReason).filter(Boolean).join('; ') || 'all series failed';
    } else {
      const active = states.filter((s) => s !== 'error');
      state = active.reduce<StudyState>((least, s) => (order.indexOf(s) < order.indexOf(least) ? s : least), 'done');
    }
    this.db.prepare('UPDATE studies SET state = ?, error_reason = ? WHERE id = ?').run(state, reason, studyId);
    return state;
  }

  /** Every study, highest `any` first (untriaged last, oldest first). */
  listStudyRows(): StudyRow[] {
    return this.listStudyRowsWhere('1 ORDER BY st.score_any DESC NULLS LAST, st.received_at');
  }

  getStudyRow(studyId: number): StudyRow | null {
    return this.listStudyRowsWhere('st.id = ?', studyId)[0] ?? null;
  }

  /** Studies whose PatientID or PatientName equals a name (how CQ500 reads name their scans). */
  findStudiesByPatient(name: string): StudyRow[] {
    return this.listStudyRowsWhere('st.patient_id = ? OR st.patient_name = ?', name, name);
  }

  /** The slice an SOPInstanceUID landed on (how RSNA reads name their slices). */
  findSliceBySop(sopInstanceUid: string): { studyId: number; seriesInstanceUid: string; sliceIndex: number } | null {
    const row = this.db
      .prepare(
        `SELECT se.study_id, se.series_instance_uid, i.slice_index FROM instances i JOIN series se ON se.id = i.series_id
         WHERE i.sop_instance_uid = ? AND i.slice_index IS NOT NULL LIMIT 1`,
      )
      .get(sopInstanceUid) as { study_id: number; series_instance_uid: string; slice_index: number } | undefined;
    return row ? { studyId: row.study_id, seriesInstanceUid: row.series_instance_uid, sliceIndex: row.slice_index } : null;
  }

  private listStudyRowsWhere(where: string, ...params: unknown[]): StudyRow[] {
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

  // ---- rejections, reads, audit ------------------------------------------------------------

  addRejection(rejection: Rejection & { quarantinedPath: string | null }): void {
    this.db
      .prepare('INSERT INTO rejections (path, code, reason, quarantined_path, at) VALUES (?, ?, ?, ?, ?)')
      .run(rejection.path, rejection.code, rejection.reason, rejection.quarantinedPath, now());
  }

  listRejections(): (Rejection & { quarantinedPath: string | null; at: string })[] {
    const rows = this.db.prepare('SELECT * FROM rejections ORDER BY id').all() as Record<string, unknown>[];
    return rows.map((r) => ({
      path: r.path as string,
      code: r.code as RejectionCode,
      reason: r.reason as string,
      quarantinedPath: r.quarantined_path as string | null,
      at: r.at as string,
    }));
  }

  insertRead(read: Omit<StoredRead, 'id' | 'recordedAt'>): StoredRead {
    const recordedAt = now();
    const info = this.db
      .prepare('INSERT INTO reads (study_id, reader, findings, note, slice_marks, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(read.studyId, read.reader, json(read.findings), read.note, json(read.sliceMarks), read.source, recordedAt);
    return { ...read, id: Number(info.lastInsertRowid), recordedAt };
  }

  /** All reads, or one study's, oldest first. */
  listReads(studyId?: number): StoredRead[] {
    const rows = (
      studyId === undefined
        ? this.db.prepare('SELECT * FROM reads ORDER BY id').all()
        : this.db.prepare('SELECT * FROM reads WHERE study_id = ? ORDER BY id').all(studyId)
    ) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as number,
      studyId: r.study_id as number,
      reader: r.reader as string,
      findings: JSON.parse(r.findings as string) as Record<string, boolean>,
      note: r.note as string,
      sliceMarks: JSON.parse(r.slice_marks as string) as unknown[],
      source: r.source as string,
      recordedAt: r.recorded_at as string,
    }));
  }

  /** Audit entries carry ids and actions, never patient data. */
  audit(actor: string, action: string, studyId: number | null, detail: Record<string, unknown> = {}): void {
    this.db.prepare('INSERT INTO audit (at, actor, action, study_id, detail) VALUES (?, ?, ?, ?, ?)').run(now(), actor, action, studyId, json(detail));
  }

  /** The audit trail newest first, at most `limit` entries: exact action and actor, inclusive ISO-day bounds on `at`. */
  listAudit(filter: { action?: string; actor?: string; from?: string; to?: string }, limit: number): AuditEntry[] {
    const conditions = (
      [
        ['action = ?', filter.action],
        ['actor = ?', filter.actor],
        ['substr(at, 1, 10) >= ?', filter.from],
        ['substr(at, 1, 10) <= ?', filter.to],
      ] as const
    ).filter(([, value]) => value);
    const where = conditions.length ? `WHERE ${conditions.map(([clause]) => clause).join(' AND ')}` : '';
    const rows = this.db.prepare(`SELECT * FROM audit ${where} ORDER BY id DESC LIMIT ?`).all(...conditions.map(([, value]) => value), limit) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as number,
      at: r.at as string,
      actor: r.actor as string,
      action: r.action as string,
      studyId: r.study_id as number | null,
      detail: JSON.parse(r.detail as string) as Record<string, unknown>,
    }));
  }

  auditEntries(action?: string): { at: string; actor: string; action: string; studyId: number | null; detail: Record<string, unknown> }[] {
    const rows = (
      action ? this.db.prepare('SELECT * FROM audit WHERE action = ? ORDER BY id').all(action) : this.db.prepare('SELECT * FROM audit ORDER BY id').all()
    ) as Record<string, unknown>[];
    return rows.map((r) => ({
      at: r.at as string,
      actor: r.actor as string,
      action: r.action as string,
      studyId: r.study_id as number | null,
      detail: JSON.parse(r.detail as string) as Record<string, unknown>,
    }));
  }
}

function toStudyRow(r: Record<string, unknown>): StudyRow {
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
    scores: parse(r.scores as string | null),
    drivingSeriesUid: r.driving_series_uid as string | null,
    modelName: r.model_name as string | null,
    modelVersion: r.model_version as string | null,
    triagedAt: r.triaged_at as string | null,
    sliceCount: r.slice_count as number,
    seriesCount: r.series_count as number,
    warningCount: r.warning_count as number,
  };
}
