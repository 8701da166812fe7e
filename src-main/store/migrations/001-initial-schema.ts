import type { Migration } from './migration.js';

/**
 * The first schema. Patient attributes live only in `studies` (and `series.series_description`);
 * the instance header JSON is stored without them.
 */
export const initialSchema: Migration = {
  version: 1,
  name: 'initial schema',
  up(db) {
    db.exec(`
      CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        study_instance_uid TEXT NOT NULL UNIQUE,
        patient_name TEXT NOT NULL DEFAULT '',
        patient_id TEXT NOT NULL DEFAULT '',
        accession_number TEXT NOT NULL DEFAULT '',
        study_description TEXT NOT NULL DEFAULT '',
        study_date TEXT NOT NULL DEFAULT '',
        study_time TEXT NOT NULL DEFAULT '',
        received_at TEXT NOT NULL,
        state TEXT NOT NULL,
        error_reason TEXT,
        scores TEXT,
        score_any REAL,
        driving_series_uid TEXT,
        model_name TEXT,
        model_version TEXT,
        triaged_at TEXT
      );
      CREATE INDEX studies_score_any ON studies(score_any DESC);

      CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies(id),
        series_instance_uid TEXT NOT NULL UNIQUE,
        series_description TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL,
        error_reason TEXT,
        rows INTEGER NOT NULL,
        columns INTEGER NOT NULL,
        pixel_spacing TEXT,
        tilt_degrees REAL,
        spacing_mm REAL,
        warnings TEXT NOT NULL DEFAULT '[]',
        scores TEXT,
        most_suspicious_slice INTEGER,
        last_arrival_at TEXT NOT NULL,
        triaged_at TEXT,
        triage_count INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX series_study ON series(study_id);
      CREATE INDEX series_state ON series(state);

      CREATE TABLE instances (
        id INTEGER PRIMARY KEY,
        series_id INTEGER NOT NULL REFERENCES series(id),
        sop_instance_uid TEXT NOT NULL,
        path TEXT NOT NULL,
        header TEXT NOT NULL,
        warnings TEXT NOT NULL DEFAULT '[]',
        cnn_scores TEXT NOT NULL,
        embedding BLOB NOT NULL,
        cam BLOB NOT NULL,
        cam_height INTEGER NOT NULL,
        cam_width INTEGER NOT NULL,
        slice_index INTEGER,
        z REAL,
        scores TEXT,
        UNIQUE (series_id, sop_instance_uid)
      );
      CREATE INDEX instances_series_index ON instances(series_id, slice_index);

      CREATE TABLE files (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        outcome TEXT NOT NULL,
        seen_at TEXT NOT NULL
      );

      CREATE TABLE rejections (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        quarantined_path TEXT,
        at TEXT NOT NULL
      );

      CREATE TABLE reads (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies(id),
        reader TEXT NOT NULL,
        findings TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        slice_marks TEXT NOT NULL DEFAULT '[]',
        source TEXT NOT NULL,
        recorded_at TEXT NOT NULL
      );
      CREATE INDEX reads_study ON reads(study_id);

      CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        study_id INTEGER,
        detail TEXT NOT NULL DEFAULT '{}'
      );
    `);
  },
};
