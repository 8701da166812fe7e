/**
 * SQLite result codes that mean the database file cannot be written or read right now (disk full,
 * read-only, I/O error, corruption, another process holding the lock), as opposed to a problem
 * with the data being written (e.g. SQLITE_CONSTRAINT). better-sqlite3 throws SqliteError with
 * `code` set to the extended code name, e.g. SQLITE_IOERR_WRITE.
 */
const STORAGE_FAULT_CODES = /^SQLITE_(FULL|IOERR|READONLY|CORRUPT|NOTADB|CANTOPEN|BUSY|LOCKED|NOMEM|PROTOCOL|PERM)(_|$)/;

export function isStorageFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_FAULT_CODES.test(code);
}
