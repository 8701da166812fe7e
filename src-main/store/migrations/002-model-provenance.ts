import type { Migration } from './migration.js';

/**
 * Every result records the model that produced it: a `models` row per distinct model (name,
 * version, hash of its files, and its thresholds, so a study is flagged with the thresholds of the
 * model that scored it), referenced by instances (embeddings and CNN scores), series and studies.
 * Rows from before this migration have no model; the engine adopts them when the running model
 * has the name and version they recorded, and re-scores them otherwise.
 */
export const modelProvenance: Migration = {
  version: 2,
  name: 'model provenance',
  up(db) {
    db.exec(`
      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        thresholds TEXT NOT NULL,
        first_used_at TEXT NOT NULL,
        UNIQUE (name, version, sha256)
      );
      ALTER TABLE instances ADD COLUMN model_id INTEGER REFERENCES models(id);
      ALTER TABLE series ADD COLUMN model_id INTEGER REFERENCES models(id);
      ALTER TABLE studies ADD COLUMN model_id INTEGER REFERENCES models(id);
      CREATE INDEX instances_model ON instances(model_id);
      CREATE INDEX series_model ON series(model_id);
    `);
  },
};
