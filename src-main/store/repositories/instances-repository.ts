import type Database from 'better-sqlite3';
import type { ClassScores } from '../../contract/classes.js';
import type { CodedWarning } from '../../contract/warnings.js';
import type { InstanceHeader } from '../../domain/instance.js';
import { json, toInstanceRow, type InstanceRow } from '../rows.js';

/** The slice CNN's outputs for one input, as stored. */
export interface StoredCnn {
  scores: ClassScores;
  embedding: Float32Array;
  /** 6*h*w values scaled to 0..255 per class. */
  cam: Uint8Array;
}

export interface NewInstance {
  path: string;
  header: InstanceHeader;
  warnings: CodedWarning[];
  /** null: a thin slice checked and stored, its CNN left for its series' triage. */
  cnn: StoredCnn | null;
  camHeight: number;
  camWidth: number;
  /** The model whose CNN produced (or will produce) the scores, embedding and CAM. */
  modelId: number;
}

/** One analysed slice's place in its series once triaged. */
export interface PlacedSlice {
  instanceId: number;
  sliceIndex: number;
  z: number;
  scores: ClassScores;
  /** A slice of a thin series is shown with its slab's CNN scores and CAM (same model, same CAM size), and keeps no embedding of its own. */
  slab?: Omit<StoredCnn, 'embedding'>;
}

/** Analysed slices: header (without patient data), CNN outputs with their model, place and final scores. */
export class InstancesRepository {
  constructor(private readonly db: Database.Database) {}

  /**
   * Stores one analysed slice. The same SOPInstanceUID again is a duplicate (null) when it was
   * analysed by the same model; analysed by another model, its CNN outputs are replaced (the
   * model's results are never mixed with another's within a series).
   */
  upsert(seriesId: number, instance: NewInstance): number | null {
    const { patient: _phi, ...headerWithoutPhi } = instance.header;
    const info = this.db
      .prepare(
        `INSERT INTO instances (series_id, sop_instance_uid, path, header, warnings, cnn_scores, embedding, cam, cam_height, cam_width, model_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(series_id, sop_instance_uid) DO UPDATE SET
           path = excluded.path, header = excluded.header, warnings = excluded.warnings, cnn_scores = excluded.cnn_scores,
           embedding = excluded.embedding, cam = excluded.cam, cam_height = excluded.cam_height, cam_width = excluded.cam_width,
           model_id = excluded.model_id, scores = NULL
         WHERE instances.model_id IS NOT excluded.model_id`,
      )
      .run(
        seriesId,
        instance.header.SOPInstanceUID,
        instance.path,
        json(headerWithoutPhi),
        json(instance.warnings),
        instance.cnn ? json(instance.cnn.scores) : null,
        instance.cnn ? bytesOf(instance.cnn.embedding) : null,
        instance.cnn ? bytesOf(instance.cnn.cam) : null,
        instance.camHeight,
        instance.camWidth,
        instance.modelId,
      );
    if (info.changes === 0) return null;
    const row = this.db.prepare('SELECT id FROM instances WHERE series_id = ? AND sop_instance_uid = ?').get(seriesId, instance.header.SOPInstanceUID) as { id: number };
    return row.id;
  }

  /** The CNN outputs of a slice whose analysis was left for its series' triage. */
  saveCnn(instanceId: number, cnn: StoredCnn): void {
    this.db
      .prepare('UPDATE instances SET cnn_scores = ?, embedding = ?, cam = ? WHERE id = ?')
      .run(json(cnn.scores), bytesOf(cnn.embedding), bytesOf(cnn.cam), instanceId);
  }

  /** Places the slices of a triaged series (instances not listed, e.g. duplicates at one position, get no index). */
  place(seriesId: number, slices: PlacedSlice[]): void {
    this.db.prepare('UPDATE instances SET slice_index = NULL WHERE series_id = ?').run(seriesId);
    const setSlice = this.db.prepare('UPDATE instances SET slice_index = ?, z = ?, scores = ? WHERE id = ?');
    const setSlab = this.db.prepare('UPDATE instances SET cnn_scores = ?, cam = ?, embedding = NULL WHERE id = ?');
    for (const s of slices) {
      setSlice.run(s.sliceIndex, s.z, json(s.scores), s.instanceId);
      if (s.slab) setSlab.run(json(s.slab.scores), bytesOf(s.slab.cam), s.instanceId);
    }
  }

  /** Instances of a series: in slice order once triaged, else in arrival order. */
  ofSeries(seriesId: number, options: { withEmbedding?: boolean } = {}): InstanceRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, series_id, sop_instance_uid, path, header, warnings, cnn_scores, model_id, slice_index, z, scores
         ${options.withEmbedding ? ', embedding' : ''}
         FROM instances WHERE series_id = ? ORDER BY slice_index IS NULL, slice_index, id`,
      )
      .all(seriesId) as Record<string, unknown>[];
    return rows.map(toInstanceRow);
  }

  /** A placed slice with its CAM (a triaged slice always has one). */
  at(seriesId: number, sliceIndex: number): { id: number; path: string; cam: Uint8Array; camHeight: number; camWidth: number } | null {
    const row = this.db
      .prepare('SELECT id, path, cam, cam_height, cam_width FROM instances WHERE series_id = ? AND slice_index = ? AND cam IS NOT NULL')
      .get(seriesId, sliceIndex) as { id: number; path: string; cam: Buffer; cam_height: number; cam_width: number } | undefined;
    return row ? { id: row.id, path: row.path, cam: new Uint8Array(row.cam), camHeight: row.cam_height, camWidth: row.cam_width } : null;
  }

  /** The slice an SOPInstanceUID landed on (how RSNA reads name their slices). */
  findSliceBySop(sopInstanceUid: string): { studyId: number; seriesInstanceUid: string; sliceIndex: number } | null {
    const row = this.db
      .prepare(
        `SELECT se.study_id, se.series_instance_uid, i.slice_index FROM instances i JOIN series se ON se.id = i.series_id
         WHERE i.sop_instance_uid = ? AND i.slice_index IS NOT NULL LIMIT 1`,
      )
      .get(sopInstanceUid) as { study_id: number; series_instance_uid: string; slice_index: number } | undefined;
    return row ? { studyId: row.study_id, seriesInstanceUid: row.series_instance_uid, sliceIndex: row.slice_index } : null;
  }
}

function bytesOf(array: Float32Array | Uint8Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}
