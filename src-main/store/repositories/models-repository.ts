import type Database from 'better-sqlite3';
import type { ClassScores } from '../../contract/classes.js';
import type { ModelIdentity } from '../../domain/model-card.js';
import { json, now, toModelRow, type ModelRow } from '../rows.js';

/** The models that produced stored results (name, version, file hash and thresholds). */
export class ModelsRepository {
  constructor(private readonly db: Database.Database) {}

  /** The id of this model, registering it the first time it is used. */
  ensure(model: ModelIdentity, thresholds: ClassScores): number {
    this.db
      .prepare(`INSERT INTO models (name, version, sha256, thresholds, first_used_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(name, version, sha256) DO NOTHING`)
      .run(model.name, model.version, model.sha256, json(thresholds), now());
    return (this.db.prepare('SELECT id FROM models WHERE name = ? AND version = ? AND sha256 = ?').get(model.name, model.version, model.sha256) as { id: number }).id;
  }

  get(id: number): ModelRow | null {
    const row = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row ? toModelRow(row) : null;
  }

  /**
   * Results stored before models were recorded (schema 1) named only the model's name and version:
   * where they name this model, they are its results; the others stay without a model (stale).
   */
  adoptUnrecorded(modelId: number, model: ModelIdentity): number {
    const adopted = this.db
      .prepare(`UPDATE studies SET model_id = ? WHERE model_id IS NULL AND model_name = ? AND model_version = ?`)
      .run(modelId, model.name, model.version).changes;
    this.db.prepare(`UPDATE series SET model_id = ? WHERE model_id IS NULL AND study_id IN (SELECT id FROM studies WHERE model_id = ?)`).run(modelId, modelId);
    this.db
      .prepare(`UPDATE instances SET model_id = ? WHERE model_id IS NULL AND series_id IN (SELECT id FROM series WHERE model_id = ?)`)
      .run(modelId, modelId);
    return adopted;
  }
}
