import type { Migration } from './migration.js';

/**
 * A slice whose header says it is thin is stored before the slice CNN has run on it: its series'
 * triage decides whether it is analysed alone or as part of a slab (pipeline/preprocess/slabs.ts),
 * so the CNN never runs on the hundreds of thin slices a slab plan would discard. Its CNN columns
 * are therefore NULL until then, and a slice shown with its slab's outputs keeps no embedding of
 * its own. SQLite cannot drop NOT NULL in place: the table is rebuilt with every row and index.
 */
export const deferredSliceAnalysis: Migration = {
  version: 3,
  name: 'deferred slice analysis',
  up(db) {
    db.exec(`
      CREATE TABLE instances_v3 (
        id INTEGER PRIMARY KEY,
        series_id INTEGER NOT NULL REFERENCES series(id),
        sop_instance_uid TEXT NOT NULL,
        path TEXT NOT NULL,
        header TEXT NOT NULL,
        warnings TEXT NOT NULL DEFAULT '[]',
        cnn_scores TEXT,
        embedding BLOB,
        cam BLOB,
        cam_height INTEGER NOT NULL,
        cam_width INTEGER NOT NULL,
        slice_index INTEGER,
        z REAL,
        scores TEXT,
        model_id INTEGER REFERENCES models(id),
        UNIQUE (series_id, sop_instance_uid)
      );
      INSERT INTO instances_v3 (id, series_id, sop_instance_uid, path, header, warnings, cnn_scores, embedding, cam, cam_height, cam_width, slice_index, z, scores, model_id)
        SELECT id, series_id, sop_instance_uid, path, header, warnings, cnn_scores, embedding, cam, cam_height, cam_width, slice_index, z, scores, model_id FROM instances;
      DROP TABLE instances;
      ALTER TABLE instances_v3 RENAME TO instances;
      CREATE INDEX instances_series_index ON instances(series_id, slice_index);
      CREATE INDEX instances_model ON instances(model_id);
    `);
  },
};
