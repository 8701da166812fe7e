import type Database from 'better-sqlite3';
import type { Rejection } from '../../contract/warnings.js';
import { json, now, toAuditEntry, toStoredRead, toStoredRejection, type AuditEntry, type StoredRead, type StoredRejection } from '../rows.js';

/** Files that were not triaged, with their reason (and quarantine copy). */
export class RejectionsRepository {
  constructor(private readonly db: Database.Database) {}

  add(rejection: Rejection & { quarantinedPath: string | null }): void {
    this.db
      .prepare('INSERT INTO rejections (path, code, reason, quarantined_path, at) VALUES (?, ?, ?, ?, ?)')
      .run(rejection.path, rejection.code, rejection.reason, rejection.quarantinedPath, now());
  }

  list(): StoredRejection[] {
    return (this.db.prepare('SELECT * FROM rejections ORDER BY id').all() as Record<string, unknown>[]).map(toStoredRejection);
  }
}

/** Radiologists' reads (recorded or imported). */
export class ReadsRepository {
  constructor(private readonly db: Database.Database) {}

  insert(read: Omit<StoredRead, 'id' | 'recordedAt'>): StoredRead {
    const recordedAt = now();
    const info = this.db
      .prepare('INSERT INTO reads (study_id, reader, findings, note, slice_marks, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(read.studyId, read.reader, json(read.findings), read.note, json(read.sliceMarks), read.source, recordedAt);
    return { ...read, id: Number(info.lastInsertRowid), recordedAt };
  }

  /** All reads, or one study's, oldest first. */
  list(studyId?: number): StoredRead[] {
    const rows = studyId === undefined ? this.db.prepare('SELECT * FROM reads ORDER BY id').all() : this.db.prepare('SELECT * FROM reads WHERE study_id = ? ORDER BY id').all(studyId);
    return (rows as Record<string, unknown>[]).map(toStoredRead);
  }
}

/** Who did what and when; entries carry ids and actions, never patient data. */
export class AuditRepository {
  constructor(private readonly db: Database.Database) {}

  record(actor: string, action: string, studyId: number | null, detail: Record<string, unknown> = {}): void {
    this.db.prepare('INSERT INTO audit (at, actor, action, study_id, detail) VALUES (?, ?, ?, ?, ?)').run(now(), actor, action, studyId, json(detail));
  }

  /** Newest first, filtered by action, actor and day range (YYYY-MM-DD, inclusive). */
  list(filter: { action?: string; actor?: string; from?: string; to?: string } = {}, limit = Number.MAX_SAFE_INTEGER): AuditEntry[] {
    const conditions = (
      [
        ['action = ?', filter.action],
        ['actor = ?', filter.actor],
        ['substr(at, 1, 10) >= ?', filter.from],
        ['substr(at, 1, 10) <= ?', filter.to],
      ] as const
    ).filter(([, value]) => value);
    const where = conditions.length ? `WHERE ${conditions.map(([clause]) => clause).join(' AND ')}` : '';
    const rows = this.db.prepare(`SELECT * FROM audit ${where} ORDER BY id DESC LIMIT ?`).all(...conditions.map(([, value]) => value), limit);
    return (rows as Record<string, unknown>[]).map(toAuditEntry);
  }
}
