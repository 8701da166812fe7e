import type Database from 'better-sqlite3';
import { now } from '../rows.js';

export type FileOutcome = 'instance' | 'duplicate' | 'rejected';

/** Every inbox file handled, by path, size and mtime: a file is analysed once per version of it. */
export class FilesRepository {
  constructor(private readonly db: Database.Database) {}

  isHandled(path: string, size: number, mtimeMs: number): boolean {
    const row = this.db.prepare('SELECT size, mtime_ms FROM files WHERE path = ?').get(path) as { size: number; mtime_ms: number } | undefined;
    return row !== undefined && row.size === size && row.mtime_ms === mtimeMs;
  }

  record(path: string, size: number, mtimeMs: number, outcome: FileOutcome): void {
    this.db
      .prepare(
        `INSERT INTO files (path, size, mtime_ms, outcome, seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, outcome = excluded.outcome, seen_at = excluded.seen_at`,
      )
      .run(path, size, mtimeMs, outcome, now());
  }

  /** How many files ended each way (for tests, benches and diagnostics). */
  outcomes(): Record<FileOutcome, number> {
    const counts: Record<FileOutcome, number> = { instance: 0, duplicate: 0, rejected: 0 };
    for (const row of this.db.prepare('SELECT outcome, COUNT(*) AS n FROM files GROUP BY outcome').all() as { outcome: FileOutcome; n: number }[]) {
      counts[row.outcome] = row.n;
    }
    return counts;
  }
}
