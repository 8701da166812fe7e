import type Database from 'better-sqlite3';

/** One numbered schema step. Migrations never change once released; add a new one instead. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}
