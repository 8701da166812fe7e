import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEngine } from '../src-main/app/engine.js';
import { modelIdentity, type ModelIdentity } from '../src-main/domain/model-card.js';
import { round } from './ingest.bench.js';

export interface LatencyFigure {
  /** The model that scored the study: the figure depends on it. */
  model: ModelIdentity;
  slices: number;
  settleMs: number;
  /** From the last slice written into the inbox to the study's scores in the store. */
  lastSliceToScoresS: number;
  /** The same less the configured settle wait (the time the engine itself needs). */
  processingAfterSettleS: number;
}

/** Copies a study into a watched inbox slice by slice, as a PACS would, and times its triage. */
export async function measureLatency(files: string[], settleMs: number): Promise<LatencyFigure> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-bench-latency-'));
  const inbox = path.join(work, 'inbox');
  await mkdir(inbox);
  const engine = await startEngine({ dbPath: path.join(work, 'db.sqlite'), inbox, settleMs, providers: [] });
  try {
    const done = new Promise<number>((resolve) => {
      engine.api.subscribe((event) => {
        if (event.type === 'study-updated' && event.study.state === 'done' && event.study.sliceCount === files.length) {
          resolve(performance.now());
        }
      });
    });
    let lastWritten = 0;
    for (const file of files) {
      await copyFile(file, path.join(inbox, path.basename(file)));
      lastWritten = performance.now();
    }
    const latency = ((await done) - lastWritten) / 1000;
    return {
      model: modelIdentity(engine.card),
      slices: files.length,
      settleMs,
      lastSliceToScoresS: round(latency),
      processingAfterSettleS: round(latency - settleMs / 1000),
    };
  } finally {
    await engine.close();
  }
}
