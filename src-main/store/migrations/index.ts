import type Database from 'better-sqlite3';
import { initialSchema } from './001-initial-schema.js';
import { modelProvenance } from './002-model-provenance.js';
import { deferredSliceAnalysis } from './003-deferred-slice-analysis.js';
import type { Migration } from './migration.js';

export const MIGRATIONS: readonly Migration[] = [initialSchema, modelProvenance, deferredSliceAnalysis];

/**
 * Brings the database to the latest schema. The schema version is SQLite's user_version; each
 * migration runs in its own transaction so a crash leaves the database at a whole version.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > latest) {
    throw new Error(`Database schema version ${current} is newer than this program understands (${latest}); update the program`);
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return latest;
}
