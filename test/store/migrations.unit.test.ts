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

  it('002 keeps a database made by schema 1 working: its rows stay, with no model recorded yet', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 1));
    // Rows as the schema-1 engine wrote them.
    db.exec(`
      INSERT INTO studies (id, study_instance_uid, received_at, state, scores, score_any, model_name, model_version)
        VALUES (1, '1.2.3', '2026-11-28T10:00:00Z', 'done', '{"any":0.9}', 0.9, 'ich-r18w32-phantom', '0.1.0');
      INSERT INTO series (id, study_id, series_instance_uid, state, rows, columns, last_arrival_at) VALUES (1, 1, '1.2.3.4', 'done', 512, 512, '2026-11-28T10:00:00Z');
      INSERT INTO instances (id, series_id, sop_instance_uid, path, header, warnings, cnn_scores, embedding, cam, cam_height, cam_width)
        VALUES (1, 1, '1.2.3.4.5', '/inbox/a.dcm', '{}', '[]', '{}', x'00', x'00', 8, 8);
    `);
    assert.equal(migrate(db), MIGRATIONS.length);
    const study = db.prepare('SELECT model_id, model_name, score_any FROM studies').get();
    assert.deepEqual({ ...(study as object) }, { model_id: null, model_name: 'ich-r18w32-phantom', score_any: 0.9 });
    assert.deepEqual({ ...(db.prepare('SELECT model_id FROM instances').get() as object) }, { model_id: null });
    assert.deepEqual((db.prepare(`SELECT name FROM pragma_table_info('models') ORDER BY cid`).all() as { name: string }[]).map((c) => c.name), [
      'id', 'name', 'version', 'sha256', 'thresholds', 'first_used_at',
    ]);
  });

  it('003 keeps every instance row, its model and indexes, and lets a thin slice wait for its CNN', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 2));
    db.exec(`
      INSERT INTO models (id, name, version, sha256, thresholds, first_used_at) VALUES (1, 'm', '1', 'h', '{}', '2026-11-30T10:00:00Z');
      INSERT INTO studies (id, study_instance_uid, received_at, state) VALUES (1, '1.2.3', '2026-11-30T10:00:00Z', 'done');
      INSERT INTO series (id, study_id, series_instance_uid, state, rows, columns, last_arrival_at) VALUES (1, 1, '1.2.3.4', 'done', 512, 512, '2026-11-30T10:00:00Z');
      INSERT INTO instances (id, series_id, sop_instance_uid, path, header, warnings, cnn_scores, embedding, cam, cam_height, cam_width, slice_index, z, scores, model_id)
        VALUES (7, 1, '1.2.3.4.5', '/inbox/a.dcm', '{}', '[]', '{"any":0.2}', x'0102', x'03', 8, 8, 0, 12.5, '{"any":0.3}', 1);
    `);
    assert.equal(migrate(db), 3);
    const row = db.prepare('SELECT * FROM instances').get() as Record<string, unknown>;
    assert.deepEqual({ ...row, embedding: [...(row.embedding as Buffer)], cam: [...(row.cam as Buffer)] }, {
      id: 7, series_id: 1, sop_instance_uid: '1.2.3.4.5', path: '/inbox/a.dcm', header: '{}', warnings: '[]', cnn_scores: '{"any":0.2}',
      embedding: [1, 2], cam: [3], cam_height: 8, cam_width: 8, slice_index: 0, z: 12.5, scores: '{"any":0.3}', model_id: 1,
    });
    db.prepare(`INSERT INTO instances (series_id, sop_instance_uid, path, header, cam_height, cam_width, model_id) VALUES (1, '1.2.3.4.6', '/inbox/b.dcm', '{}', 8, 8, 1)`).run();
    const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'instances' AND sql IS NOT NULL ORDER BY name`).all() as { name: string }[]).map((i) => i.name);
    assert.deepEqual(indexes, ['instances_model', 'instances_series_index']);
    assert.throws(() => db.prepare(`INSERT INTO instances (series_id, sop_instance_uid, path, header, cam_height, cam_width) VALUES (1, '1.2.3.4.6', '/x', '{}', 8, 8)`).run(), /UNIQUE/);
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
    const broken = { version: MIGRATIONS.length + 1, name: 'broken', up: (d: Database.Database) => d.exec('CREATE TABLE x (a); SELECT * FROM nowhere;') };
    assert.throws(() => migrate(db, [...MIGRATIONS, broken]));
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    const leftover = db.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'x'`).get() as { n: number };
    assert.equal(leftover.n, 0);
  });
});
