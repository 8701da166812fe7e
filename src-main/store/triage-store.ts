import Database from 'better-sqlite3';
import { migrate } from './migrations/index.js';
import { FilesRepository } from './repositories/files-repository.js';
import { InstancesRepository } from './repositories/instances-repository.js';
import { ModelsRepository } from './repositories/models-repository.js';
import { AuditRepository, ReadsRepository, RejectionsRepository } from './repositories/records-repositories.js';
import { SeriesRepository } from './repositories/series-repository.js';
import { StudiesRepository } from './repositories/studies-repository.js';

export type { AuditEntry, InstanceRow, ModelRow, SeriesRow, SeriesState, StoredRead, StoredRejection, StudyRow } from './rows.js';
export type { NewInstance, PlacedSlice } from './repositories/instances-repository.js';
export type { SeriesTriage } from './repositories/series-repository.js';

/**
 * Everything the engine knows, in one SQLite file (WAL, so readers never block the writer), as one
 * repository per table. The store persists and reads; what the data means (scores, states) is
 * decided by the pipeline and the domain. Calls are synchronous (better-sqlite3); a write that must
 * be atomic runs inside `transaction`.
 */
export class TriageStore {
  readonly db: Database.Database;
  readonly files: FilesRepository;
  readonly models: ModelsRepository;
  readonly studies: StudiesRepository;
  readonly series: SeriesRepository;
  readonly instances: InstancesRepository;
  readonly rejections: RejectionsRepository;
  readonly reads: ReadsRepository;
  readonly audit: AuditRepository;

  /** Opens, checks (integrity and writability) and migrates; any problem is one line naming the file. */
  constructor(dbPath: string) {
    this.db = openDatabase(dbPath);
    this.files = new FilesRepository(this.db);
    this.models = new ModelsRepository(this.db);
    this.studies = new StudiesRepository(this.db);
    this.series = new SeriesRepository(this.db);
    this.instances = new InstancesRepository(this.db);
    this.rejections = new RejectionsRepository(this.db);
    this.reads = new ReadsRepository(this.db);
    this.audit = new AuditRepository(this.db);
  }

  close(): void {
    this.db.close();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}

function openDatabase(dbPath: string): Database.Database {
  let db: Database.Database | null = null;
  try {
    db = new Database(dbPath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    checkDatabase(db);
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    throw new Error(`Database ${dbPath} cannot be used: ${(error as Error).message}${codeSuffix(error)}`);
  }
}

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
