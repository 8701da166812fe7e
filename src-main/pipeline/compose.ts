import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import { ICH_CLASSES, scoresFromArray } from '../contract/classes.js';
import type { Rejection, RejectionCode } from '../contract/warnings.js';
import { log } from '../log.js';
import type { SeriesRow, TriageStore } from '../store/triage-store.js';
import { assembleSeries } from './assemble/index.js';
import { quarantineFile, UNREADABLE_CODES } from './inbox/index.js';
import type { InferenceClient } from './infer/inference-client.js';
import type { ModelCard } from './infer/model-card.js';
import type { SliceAnalysis } from './infer/slice-analyser.js';
import { sequenceProbabilities } from './infer/thin-series.js';
import { scoreSeries, scoreStudy } from './triage/index.js';

export interface PipelineOptions {
  /** A series is complete when no slice arrived for this long (ms). */
  settleMs: number;
  /** Where unreadable files are copied; null records the rejection only (e.g. one-off CLI runs). */
  quarantineDir: string | null;
  /** Files per CNN batch. */
  batchSize: number;
  /** How often, and how far apart, a truncated file is retried before it is quarantined (it may still be arriving). */
  truncatedRetries: number;
  truncatedRetryMs: number;
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  settleMs: 3000,
  quarantineDir: null,
  batchSize: 16,
  truncatedRetries: 3,
  truncatedRetryMs: 1000,
};

export interface PipelineEvents {
  study: [studyId: number];
  rejected: [rejection: Rejection];
  /** Files analysed since the queue was last empty, and how many that run holds in all. */
  progress: [done: number, total: number];
}

interface PendingFile {
  path: string;
  size: number;
  mtimeMs: number;
  queuedAt: number;
  attempts: number;
}

/**
 * The data path, composed: files -> analysed slices (decode, preprocess, CNN in the worker) ->
 * store -> settled series -> assembly -> sequence model -> series and study scores.
 * Holds no pixel code itself; each stage is its own module.
 */
export class TriagePipeline extends EventEmitter<PipelineEvents> {
  private readonly queue: PendingFile[] = [];
  private readonly queuedPaths = new Set<string>();
  private readonly settleTimers = new Map<number, NodeJS.Timeout>();
  private readonly lastArrival = new Map<number, number>();
  private readonly triaging = new Set<number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** Files analysed since the queue was last empty (for progress). */
  private analysedInRun = 0;
  /** The batch the worker is analysing now. */
  private inFlight: PendingFile[] = [];
  private pumping = false;
  private closed = false;
  private idleWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  /** Set when the inference worker itself broke: nothing more can be analysed. */
  private failure: Error | null = null;

  constructor(
    private readonly store: TriageStore,
    private readonly inference: InferenceClient,
    readonly card: ModelCard,
    private readonly options: PipelineOptions = DEFAULT_PIPELINE_OPTIONS,
  ) {
    super();
  }

  /** Picks up series that were not finished when the engine last stopped. */
  resume(): void {
    for (const series of this.store.unfinishedSeries()) {
      log.info(`resuming series ${series.seriesInstanceUid} (${series.sliceCount} slices stored)`);
      this.lastArrival.set(series.id, Date.now());
      this.scheduleSettle(series.id);
    }
  }

  /**
   * Queues files unless this exact file (path, size, mtime) was already handled. All are queued
   * together, so a series offered at once is never triaged before its last slice is read.
   */
  async offer(filePaths: string[]): Promise<void> {
    const fresh: PendingFile[] = [];
    for (const filePath of filePaths) {
      const file = await this.pendingFile(filePath, 0);
      if (file) fresh.push(file);
    }
    for (const file of fresh) this.enqueue(file);
  }

  /** The file as a queue entry, or null when it is gone, already queued or already handled as it is now. */
  private async pendingFile(filePath: string, attempts: number): Promise<PendingFile | null> {
    if (this.closed || this.queuedPaths.has(filePath)) return null;
    try {
      const info = await stat(filePath);
      if (!info.isFile() || this.store.fileHandled(filePath, info.size, info.mtimeMs)) return null;
      return { path: filePath, size: info.size, mtimeMs: info.mtimeMs, queuedAt: Date.now(), attempts };
    } catch {
      return null; // gone before we got to it: nothing to lose
    }
  }

  /** Resolves when no file is queued or being analysed and every series with slices is triaged. */
  whenIdle(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve, reject) => this.idleWaiters.push({ resolve, reject }));
  }

  get pendingFiles(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of [...this.settleTimers.values(), ...this.retryTimers]) clearTimeout(timer);
    this.settleTimers.clear();
    this.retryTimers.clear();
  }

  private enqueue(file: PendingFile): void {
    this.queue.push(file);
    this.queuedPaths.add(file.path);
    this.emitProgress();
    void this.pump();
  }

  private emitProgress(): void {
    const pending = this.queue.length + this.inFlight.length;
    this.emit('progress', this.analysedInRun, this.analysedInRun + pending);
  }

  private isIdle(): boolean {
    return !this.failure && !this.pumping && this.queue.length === 0 && this.settleTimers.size === 0 && this.triaging.size === 0 && this.retryTimers.size === 0;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.queue.splice(0, this.options.batchSize);
        this.inFlight = batch;
        let results: SliceAnalysis[];
        try {
          results = await this.inference.analyse(batch.map((f) => f.path));
        } catch (error) {
          // The worker itself failed (not one file): keep the files queued and stop; nothing is lost,
          // and the files are analysed again at the next start.
          this.failure = new Error(`inference failed, ${this.queue.length + batch.length} files left for the next start: ${(error as Error).message}`);
          log.error(this.failure.message);
          this.queue.unshift(...batch);
          this.inFlight = [];
          for (const waiter of this.idleWaiters.splice(0)) waiter.reject(this.failure);
          return;
        }
        for (const [i, result] of results.entries()) {
          this.queuedPaths.delete(batch[i]!.path);
          await this.handle(batch[i]!, result);
        }
        this.inFlight = [];
        this.analysedInRun += batch.length;
        this.emitProgress();
      }
    } finally {
      this.analysedInRun = 0;
      this.pumping = false;
      this.checkIdle();
    }
  }

  private async handle(file: PendingFile, result: SliceAnalysis): Promise<void> {
    if (!result.ok) {
      await this.reject(file, result.code, result.reason);
      return;
    }
    const stored = this.store.transaction(() => {
      const { studyId, seriesId } = this.store.ensureSeries(result.header);
      const instanceId = this.store.insertInstance(seriesId, {
        path: file.path,
        header: result.header,
        warnings: result.warnings,
        cnnScores: scoresFromArray(result.probs),
        embedding: result.embedding,
        cam: result.cam,
        camHeight: this.card.camSize[0],
        camWidth: this.card.camSize[1],
      });
      this.store.recordFile(file.path, file.size, file.mtimeMs, instanceId === null ? 'duplicate' : 'instance');
      if (instanceId !== null) this.store.refreshStudyState(studyId);
      return { studyId, seriesId, instanceId };
    });
    if (stored.instanceId === null) {
      log.info(`duplicate of an instance already stored, skipped: ${file.path}`);
      return;
    }
    this.lastArrival.set(stored.seriesId, Date.now());
    this.scheduleSettle(stored.seriesId);
    this.emit('study', stored.studyId);
  }

  private async reject(file: PendingFile, code: RejectionCode, reason: string): Promise<void> {
    const recentlyWritten = Date.now() - file.mtimeMs < 10_000;
    if (code === 'TRUNCATED' && recentlyWritten && file.attempts < this.options.truncatedRetries) {
      // Probably still being copied in: look again later rather than quarantine a good file.
      const timer = setTimeout(async () => {
        const retry = await this.pendingFile(file.path, file.attempts + 1);
        this.retryTimers.delete(timer);
        if (retry) this.enqueue(retry);
        else this.checkIdle();
      }, this.options.truncatedRetryMs);
      this.retryTimers.add(timer);
      return;
    }
    let quarantinedPath: string | null = null;
    if (this.options.quarantineDir && UNREADABLE_CODES.includes(code)) {
      try {
        quarantinedPath = await quarantineFile(file.path, this.options.quarantineDir, code, reason);
      } catch (error) {
        log.error(`could not quarantine ${file.path}: ${(error as Error).message}`);
      }
    }
    this.store.transaction(() => {
      this.store.addRejection({ path: file.path, code, reason, quarantinedPath });
      this.store.recordFile(file.path, file.size, file.mtimeMs, 'rejected');
    });
    log.warn(`rejected ${file.path}: ${code}: ${reason}`);
    this.emit('rejected', { path: file.path, code, reason });
  }

  private scheduleSettle(seriesId: number): void {
    clearTimeout(this.settleTimers.get(seriesId));
    const due = (this.lastArrival.get(seriesId) ?? Date.now()) + this.options.settleMs;
    this.settleTimers.set(
      seriesId,
      setTimeout(() => this.settle(seriesId, due), Math.max(0, due - Date.now())),
    );
  }

  /** Triage a series once nothing queued before its settle time is still waiting (it may hold more of its slices). */
  private settle(seriesId: number, due: number): void {
    this.settleTimers.delete(seriesId);
    if (this.closed) return;
    const arrivedEarlier = (f: PendingFile) => f.queuedAt <= due;
    if (this.queue.some(arrivedEarlier) || this.inFlight.some(arrivedEarlier) || this.triaging.has(seriesId)) {
      this.settleTimers.set(seriesId, setTimeout(() => this.settle(seriesId, due), 50));
      return;
    }
    void this.triageSeries(seriesId);
  }

  private async triageSeries(seriesId: number): Promise<void> {
    this.triaging.add(seriesId);
    const series = this.store.getSeries(seriesId)!;
    try {
      this.store.setSeriesState(seriesId, 'analysing');
      this.store.refreshStudyState(series.studyId);
      this.emit('study', series.studyId);
      await this.runSequenceModel(series);
      this.store.audit('engine', 'series-triaged', series.studyId, { seriesInstanceUid: series.seriesInstanceUid });
    } catch (error) {
      log.error(`series ${series.seriesInstanceUid} failed: ${(error as Error).message}`);
      this.store.setSeriesState(seriesId, 'error', (error as Error).message);
      this.store.refreshStudyState(series.studyId);
    } finally {
      this.triaging.delete(seriesId);
      this.emit('study', series.studyId);
      this.checkIdle();
    }
  }

  private async runSequenceModel(series: SeriesRow): Promise<void> {
    const instances = this.store.instancesOfSeries(series.id, { withEmbedding: true });
    const byPath = new Map(instances.map((i) => [i.path, i]));
    const assembled = assembleSeries(instances.map((i) => ({ path: i.path, header: i.header })));
    const ordered = assembled.slices.map((s) => byPath.get(s.path)!);
    const e = this.card.embeddingSize;
    const s = ordered.length;
    const embedding = new Float32Array(s * e);
    const cnnProbs = new Float32Array(s * ICH_CLASSES.length);
    ordered.forEach((instance, i) => {
      embedding.set(instance.embedding, i * e);
      ICH_CLASSES.forEach((cls, k) => (cnnProbs[i * ICH_CLASSES.length + k] = instance.cnnScores[cls]));
    });
    const positions = assembled.spacingMm === null ? null : assembled.slices.map((slice) => slice.z);
    const probs = await sequenceProbabilities(this.inference, ordered.map((i) => i.path), positions, embedding, cnnProbs);
    const seriesScore = scoreSeries(probs, s);
    const sliceWarnings = instances.flatMap((i) => i.warnings);
    this.store.saveSeriesTriage(
      {
        seriesId: series.id,
        tiltDegrees: assembled.tiltDegrees,
        spacingMm: assembled.spacingMm,
        warnings: [...assembled.warnings, ...uniqueByCode(sliceWarnings)],
        slices: ordered.map((instance, i) => ({
          instanceId: instance.id,
          sliceIndex: i,
          z: assembled.slices[i]!.z,
          scores: scoresFromArray(probs, i * ICH_CLASSES.length),
        })),
        scores: seriesScore.scores,
        mostSuspiciousSlice: seriesScore.mostSuspiciousSlice,
      },
      { name: this.card.name, version: this.card.version },
      (done) => scoreStudy(done.map((d) => ({ seriesInstanceUid: d.seriesInstanceUid, scores: d.scores! }))),
    );
  }
}

/** Per-slice warnings (e.g. NON_CONFORMING_UID on every RSNA slice) are reported once per series. */
function uniqueByCode<T extends { code: string }>(warnings: T[]): T[] {
  const seen = new Map<string, T>();
  for (const w of warnings) if (!seen.has(w.code)) seen.set(w.code, w);
  return [...seen.values()];
}
