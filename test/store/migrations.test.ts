import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from '../../src-main/store/migrations/index.js';

describe('migrations', () => {
  it('001 creates every table of the initial schema and sets user_version', () => {
    const db = new Database(':memory:');
    assert.equal(migrate(db, MIGRATIONS.slice(0, 1)), 1);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    assert.deepEqual(tables, ['audit', 'files', 'instances', 'reads', 'rejections', 'series', 'studies']);
    assert.equal(db.pragma('user_version', { simple: true }), 1);
  });

  it('is idempotent and refuses a database from a newer program', () => {
    const db = new Database(':memory:');
    migrate(db);
    migrate(db);
    db.pragma('user_version = 99');
    assert.throws(() => migrate(db), /schema version 99 is newer/);
  });

  it('leaves the database at the previous version when a migration fails', () => {
    const db = new Database(':memory:');
    const broken = { version: 2, name: 'broken', up: (d: Database.Database) => d.exec('CREATE TABLE x (a); SELECT * FROM nowhere;') };
    assert.throws(() => migrate(db, [...MIGRATIONS, broken]));
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    const leftover = db.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'x'`).get() as { n: number };
    assert.equal(leftover.n, 0);
  });
});
