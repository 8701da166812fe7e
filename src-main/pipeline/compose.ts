import { EventEmitter } from 'node:events';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { ICH_CLASSES, scoresFromArray } from '../contract/classes.js';
import type { CodedWarning, Rejection, RejectionCode } from '../contract/warnings.js';
import { log } from '../log.js';
import type { SeriesRow, TriageStore } from '../store/triage-store.js';
import { assembleSeries } from './assemble/index.js';
import { quarantineFile, UNREADABLE_CODES } from './inbox/index.js';
import { describeFileType, notRegularFileReason } from './inbox/read-inbox-file.js';
import type { SliceInference } from './infer/inference-client.js';
import { modelIdentity, type ModelCard } from '../domain/model-card.js';
import { studyStateOf } from '../domain/study-state.js';
import type { CnnOutputs, SliceAnalysis } from './infer/slice-analyser.js';
import type { StoredCnn } from '../store/repositories/instances-repository.js';
import { sequenceProbabilities } from './infer/thin-series.js';
import { seriesSliceThickness } from './preprocess/slabs.js';
import { scoreSeries, scoreStudy } from './triage/index.js';
import { isStorageFault } from '../store/storage-fault.js';

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
  /** While the database cannot be written (disk full, read-only, I/O error), how often intake tries again (ms). */
  storageRetryMs: number;
  /** Files are named relative to this folder (the inbox) in logs and quarantine reason files. */
  pathRoot: string | null;
  /** Largest file quarantine copies; larger rejected files are recorded by reference only. */
  quarantineCopyMaxBytes: number;
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  settleMs: 3000,
  quarantineDir: null,
  batchSize: 16,
  truncatedRetries: 3,
  truncatedRetryMs: 1000,
  storageRetryMs: 5000,
  pathRoot: null,
  quarantineCopyMaxBytes: 64 * 1024 * 1024,
};

/** Whether intake runs, or waits because the database cannot be written (files stay in the inbox). */
export interface IntakeStatus {
  paused: boolean;
  reason: string | null;
}

export interface PipelineEvents {
  study: [studyId: number];
  rejected: [rejection: Rejection];
  /** Files analysed since the queue was last empty, and how many that run holds in all. */
  progress: [done: number, total: number];
  intake: [status: IntakeStatus];
  /** Studies re-scored by the current model out of those another model had scored. */
  rescore: [done: number, total: number];
}

interface PendingFile {
  path: string;
  size: number;
  mtimeMs: number;
  queuedAt: number;
  attempts: number;
  /** Analysed alone, after its batch made the inference worker fail. */
  isolated: boolean;
}

/** Studies another model scored, being re-scored by the current one. */
interface Rescoring {
  total: number;
  done: number;
  /** Per study, its series still waiting for the current model. */
  waiting: Map<number, Set<number>>;
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
  /** Set when the inference worker cannot be restarted: nothing more can be analysed this run. */
  private failure: Error | null = null;
  /** Set while the database cannot be written; cleared by the first write that succeeds again. */
  private storageFault: { reason: string; retrying: boolean } | null = null;
  private storageRetryTimer: NodeJS.Timeout | null = null;
  /** Series whose triage could not be saved; triaged again when storage works. */
  private readonly seriesAwaitingStorage = new Set<number>();
  /** Series a sender said are complete (a DICOM association released), with when it said so. */
  private readonly completionSignals = new Map<string, number>();

  /** The stored id of the running model: every result records it. */
  private modelId: number;
  private rescoring: Rescoring | null = null;
  /** Set while the model is being replaced: no new batch or triage starts. */
  private switchingModel = false;
  /** Re-scoring runs still listing the files they queue. */
  private queuingRescore = 0;

  constructor(
    private readonly store: TriageStore,
    private inference: SliceInference,
    private cardInUse: ModelCard,
    private options: PipelineOptions = DEFAULT_PIPELINE_OPTIONS,
  ) {
    super();
    this.modelId = store.models.ensure(modelIdentity(cardInUse), cardInUse.thresholds);
  }

  get card(): ModelCard {
    return this.cardInUse;
  }

  /**
   * Picks up series that were not finished when the engine last stopped, and re-scores, in the
   * background, every study that another model scored (results from before models were recorded
   * count as this model's when they name it).
   */
  resume(): void {
    this.store.models.adoptUnrecorded(this.modelId, modelIdentity(this.cardInUse));
    for (const series of this.store.series.unfinished()) {
      log.info(`resuming series ${series.seriesInstanceUid} (${series.sliceCount} slices stored)`);
      if (this.store.instances.ofSeries(series.id).some((i) => i.modelId !== this.modelId)) continue; // re-scored below
      this.lastArrival.set(series.id, Date.now());
      this.scheduleSettle(series.id);
    }
    this.startRescoring();
  }

  /**
   * Runs another model from now on: waits for the batch and triages in flight, switches, then
   * re-scores every stored study with it, flagged studies first, oldest first. Until its turn a
   * study keeps the scores, name and thresholds of the model that scored it. Returns the previous
   * inference for the caller to close.
   */
  async useModel(inference: SliceInference, card: ModelCard): Promise<SliceInference> {
    this.switchingModel = true;
    try {
      while (this.pumping || this.triaging.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const previous = this.inference;
      this.inference = inference;
      this.cardInUse = card;
      this.modelId = this.store.models.ensure(modelIdentity(card), card.thresholds);
      log.info(`model ${card.name} ${card.version} in use; re-scoring the studies of other models`);
      return previous;
    } finally {
      this.switchingModel = false;
      this.startRescoring();
      void this.pump();
    }
  }

  /**
   * Queues, in the background, the files of every series another model scored: the engine starts
   * (and the model switches) at once however many studies there are; whenIdle waits for it.
   */
  private startRescoring(): void {
    this.queuingRescore++;
    this.rescoreOtherModelsStudies()
      .catch((error: Error) => log.error(`could not queue the re-scoring: ${error.message}`))
      .finally(() => {
        this.queuingRescore--;
        this.checkIdle();
      });
  }

  private async rescoreOtherModelsStudies(): Promise<void> {
    const studies = this.store.studies.scoredByOtherModels(this.modelId);
    if (studies.length === 0) return;
    const rescoring: Rescoring = this.rescoring ?? { total: 0, done: 0, waiting: new Map() };
    this.rescoring = rescoring;
    for (const study of studies) {
      if (rescoring.waiting.has(study.id)) continue;
      rescoring.total++;
      const waiting = new Set<number>();
      rescoring.waiting.set(study.id, waiting);
      for (const series of this.store.series.ofStudy(study.id)) {
        const stale = this.store.instances.ofSeries(series.id).filter((i) => i.modelId !== this.modelId);
        if (stale.length === 0) continue;
        const files: PendingFile[] = [];
        for (const instance of stale) {
          const file = await this.pendingFile(instance.path, 0, { reanalyse: true });
          if (file?.kind === 'regular') files.push(file);
        }
        if (files.length === 0) {
          log.warn(`series ${series.seriesInstanceUid}: its files are gone, it keeps the results of the model that scored it`);
          continue;
        }
        waiting.add(series.id);
        for (const file of files) this.enqueue(file);
      }
      this.seriesRescored(study.id, null);
    }
  }

  /** Counts a study as re-scored once none of its series waits for the current model. */
  private seriesRescored(studyId: number, seriesId: number | null): void {
    const rescoring = this.rescoring;
    const waiting = rescoring?.waiting.get(studyId);
    if (!rescoring || !waiting) return;
    if (seriesId !== null) waiting.delete(seriesId);
    if (waiting.size > 0) return;
    rescoring.waiting.delete(studyId);
    rescoring.done++;
    this.emit('rescore', rescoring.done, rescoring.total);
    if (rescoring.waiting.size === 0) this.rescoring = null;
  }

  /**
   * Queues files unless this exact file (path, size, mtime) was already handled. All are queued
   * together, so a series offered at once is never triaged before its last slice is read.
   */
  async offer(filePaths: string[]): Promise<void> {
    const fresh: PendingFile[] = [];
    for (const filePath of filePaths) {
      const file = await this.pendingFile(filePath, 0);
      if (!file) continue;
      if (file.kind === 'regular') fresh.push(file);
      else await this.recordSkipped(file, file.kind);
    }
    for (const file of fresh) this.enqueue(file);
  }

  /**
   * The file as a queue entry, or null when it is gone, already queued or already handled as it is
   * now. lstat, not stat: a symbolic link is never followed out of the inbox.
   */
  private async pendingFile(filePath: string, attempts: number, options: { reanalyse?: boolean } = {}): Promise<(PendingFile & { kind: string }) | null> {
    if (this.closed || this.queuedPaths.has(filePath)) return null;
    let info;
    try {
      info = await lstat(filePath);
    } catch {
      return null; // gone before we got to it: nothing to lose
    }
    if (info.isDirectory() || (!options.reanalyse && this.alreadyHandled(filePath, info.size, info.mtimeMs))) return null;
    const kind = info.isFile() ? 'regular' : describeFileType(info);
    return { path: filePath, size: info.size, mtimeMs: info.mtimeMs, queuedAt: Date.now(), attempts, isolated: false, kind };
  }

  /** A store that cannot be read is a storage fault: the file is queued (and waits) rather than dropped. */
  private alreadyHandled(filePath: string, size: number, mtimeMs: number): boolean {
    try {
      return this.store.files.isHandled(filePath, size, mtimeMs);
    } catch (error) {
      if (isStorageFault(error)) return false;
      throw error;
    }
  }

  /** Links, pipes and devices are never read: recorded as rejected (once per version) so the user sees why. */
  private async recordSkipped(file: PendingFile, kind: string): Promise<void> {
    try {
      await this.reject(file, 'NOT_REGULAR_FILE', notRegularFileReason(kind));
    } catch (error) {
      if (!isStorageFault(error)) throw error;
      this.pauseForStorage(error as Error);
    }
  }

  /**
   * The sender says these series may be complete (e.g. the DICOM association that carried them was
   * released): each is triaged as soon as every file queued before this call is analysed, without
   * waiting the settle time. A slice queued after the signal restores the settle timer, which stays
   * the fallback for senders that say nothing.
   */
  seriesMayBeComplete(seriesInstanceUids: Iterable<string>): void {
    const signalledAt = Date.now();
    const uids = new Set(seriesInstanceUids);
    for (const uid of uids) this.completionSignals.set(uid, signalledAt);
    for (const seriesId of [...this.settleTimers.keys()]) {
      const uid = this.store.series.get(seriesId)?.seriesInstanceUid;
      if (uid !== undefined && uids.has(uid)) this.scheduleSettle(seriesId, uid);
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

  get intakeStatus(): IntakeStatus {
    return { paused: this.storageFault !== null, reason: this.storageFault?.reason ?? null };
  }

  /** Series whose settle timer is already running keep their old due time. */
  setSettleMs(ms: number): void {
    this.options = { ...this.options, settleMs: ms };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.storageRetryTimer) clearTimeout(this.storageRetryTimer);
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
    return !this.failure && !this.storageFault && !this.switchingModel && this.queuingRescore === 0 && !this.pumping && this.queue.length === 0 && this.settleTimers.size === 0 && this.triaging.size === 0 && this.retryTimers.size === 0;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.waitingForStorage()) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.closed && !this.waitingForStorage() && !this.switchingModel) {
        // A file that failed its batch is analysed alone, so it can only fail itself.
        const batch = this.queue[0]!.isolated ? this.queue.splice(0, 1) : this.queue.splice(0, this.options.batchSize);
        this.inFlight = batch;
        let results: SliceAnalysis[];
        try {
          results = await this.inference.analyse(batch.map((f) => f.path), { deferThinSlices: true });
        } catch (error) {
          // close() terminated the worker under this batch: its files stay unhandled for the next start.
          if (this.closed) return;
          if (!(await this.recoverInference(batch, error as Error))) return;
          continue;
        }
        for (const [i, result] of results.entries()) {
          try {
            await this.handle(batch[i]!, result);
          } catch (error) {
            if (!isStorageFault(error)) throw error;
            // Nothing of this file was written (one transaction): it and the rest of the batch wait.
            this.queue.unshift(...batch.slice(i));
            this.pauseForStorage(error as Error);
            break;
          }
          this.queuedPaths.delete(batch[i]!.path);
          this.analysedInRun++;
          this.storageWorks();
        }
        this.inFlight = [];
        this.emitProgress();
      }
    } finally {
      this.inFlight = [];
      this.analysedInRun = 0;
      this.pumping = false;
      this.checkIdle();
    }
  }

  /**
   * The worker failed on a batch (native crash, out of memory): restart it and analyse each file of
   * the batch alone; a file that fails alone is rejected (and recorded, so a restart does not replay
   * it). Returns false when the worker cannot be restarted: then the files stay unhandled, for the
   * next start, and nothing waits on them.
   */
  private async recoverInference(batch: PendingFile[], error: Error): Promise<boolean> {
    try {
      await this.inference.restart();
    } catch (restartError) {
      this.failure = new Error(`inference failed and could not restart (${(restartError as Error).message}); ${this.queue.length + batch.length} files left for the next start: ${error.message}`);
      log.error(this.failure.message);
      for (const file of [...batch, ...this.queue]) this.queuedPaths.delete(file.path);
      this.queue.length = 0;
      this.inFlight = [];
      for (const waiter of this.idleWaiters.splice(0)) waiter.reject(this.failure);
      return false;
    }
    this.inFlight = [];
    if (batch.length === 1 && batch[0]!.isolated) {
      const [file] = batch;
      this.queuedPaths.delete(file!.path);
      await this.reject(file!, 'ANALYSIS_FAILED', `the inference worker failed on this file alone (${error.message})`);
    } else {
      log.warn(`inference worker failed on a batch of ${batch.length} (${error.message}): analysing each file alone`);
      this.queue.unshift(...batch.map((file) => ({ ...file, isolated: true })));
    }
    return true;
  }

  /** Paused for storage and not yet trying again. */
  private waitingForStorage(): boolean {
    return this.storageFault !== null && !this.storageFault.retrying;
  }

  /** Intake waits (files stay in the inbox and queued), the UI is told, and a retry is scheduled. */
  private pauseForStorage(error: Error): void {
    const code = (error as { code?: string }).code ?? 'error';
    const reason = `the database cannot be written (${code}: ${error.message}); intake is paused and resumes when it can write again`;
    if (!this.storageFault) log.error(reason);
    this.storageFault = { reason, retrying: false };
    this.emit('intake', this.intakeStatus);
    if (this.storageRetryTimer || this.closed) return;
    this.storageRetryTimer = setTimeout(() => {
      this.storageRetryTimer = null;
      if (!this.storageFault) return;
      // The next real write tells whether storage works again; a failure pauses again.
      this.storageFault.retrying = true;
      for (const seriesId of this.seriesAwaitingStorage) this.scheduleSettle(seriesId);
      this.seriesAwaitingStorage.clear();
      void this.pump();
    }, this.options.storageRetryMs);
  }

  private storageWorks(): void {
    if (!this.storageFault) return;
    this.storageFault = null;
    log.info('the database can be written again: intake resumed');
    this.emit('intake', this.intakeStatus);
  }

  private async handle(file: PendingFile, result: SliceAnalysis): Promise<void> {
    if (!result.ok) {
      await this.reject(file, result.code, result.reason);
      return;
    }
    const stored = this.store.transaction(() => {
      const { studyId, seriesId } = this.store.series.ensure(this.store.studies.ensure(result.header), result.header);
      const instanceId = this.store.instances.upsert(seriesId, {
        path: file.path,
        header: result.header,
        warnings: result.warnings,
        cnn: result.cnn && storedCnn(result.cnn),
        camHeight: this.card.camSize[0],
        camWidth: this.card.camSize[1],
        modelId: this.modelId,
      });
      this.store.files.record(file.path, file.size, file.mtimeMs, instanceId === null ? 'duplicate' : 'instance');
      if (instanceId !== null) {
        this.store.series.markArrival(seriesId);
        this.refreshStudyState(studyId);
      }
      return { studyId, seriesId, instanceId };
    });
    if (stored.instanceId === null) {
      log.info(`duplicate of an instance already stored, skipped: ${this.displayPath(file.path)}`);
      return;
    }
    this.lastArrival.set(stored.seriesId, Date.now());
    const seriesUid = result.header.SeriesInstanceUID;
    if ((this.completionSignals.get(seriesUid) ?? Infinity) < file.queuedAt) this.completionSignals.delete(seriesUid);
    this.scheduleSettle(stored.seriesId, seriesUid);
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
        quarantinedPath = await quarantineFile(file.path, this.options.quarantineDir, {
          code,
          reason,
          displayPath: this.displayPath(file.path),
          copyMaxBytes: this.options.quarantineCopyMaxBytes,
        });
      } catch (error) {
        log.error(`could not quarantine ${this.displayPath(file.path)}: ${(error as Error).message}`);
      }
    }
    this.store.transaction(() => {
      this.store.rejections.add({ path: file.path, code, reason, quarantinedPath });
      this.store.files.record(file.path, file.size, file.mtimeMs, 'rejected');
    });
    log.warn(`rejected ${this.displayPath(file.path)}: ${code}: ${reason}`);
    this.emit('rejected', { path: file.path, code, reason });
  }

  /** Inside the inbox, the inbox-relative path: logs never show where the user keeps things. */
  private displayPath(filePath: string): string {
    const root = this.options.pathRoot;
    if (!root) return filePath;
    const relative = path.relative(root, filePath);
    return relative.startsWith('..') || path.isAbsolute(relative) ? path.basename(filePath) : relative;
  }

  private scheduleSettle(seriesId: number, seriesInstanceUid?: string): void {
    clearTimeout(this.settleTimers.get(seriesId));
    const signalled = seriesInstanceUid === undefined ? undefined : this.completionSignals.get(seriesInstanceUid);
    const due = signalled ?? (this.lastArrival.get(seriesId) ?? Date.now()) + this.options.settleMs;
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
    if (this.waitingForStorage()) {
      this.seriesAwaitingStorage.add(seriesId);
      return;
    }
    if (this.switchingModel || this.queue.some(arrivedEarlier) || this.inFlight.some(arrivedEarlier) || this.triaging.has(seriesId)) {
      this.settleTimers.set(seriesId, setTimeout(() => this.settle(seriesId, due), 50));
      return;
    }
    const uid = this.store.series.get(seriesId)?.seriesInstanceUid;
    if (uid !== undefined && this.completionSignals.get(uid) === due) this.completionSignals.delete(uid);
    void this.triageSeries(seriesId);
  }

  private async triageSeries(seriesId: number): Promise<void> {
    this.triaging.add(seriesId);
    let studyId: number | null = null;
    try {
      const series = this.store.series.get(seriesId)!;
      studyId = series.studyId;
      this.store.series.setState(seriesId, 'analysing');
      this.refreshStudyState(series.studyId);
      this.emit('study', series.studyId);
      await this.runSequenceModel(series);
      this.store.audit.record('engine', 'series-triaged', series.studyId, { seriesInstanceUid: series.seriesInstanceUid });
      this.storageWorks();
    } catch (error) {
      if (isStorageFault(error)) {
        this.seriesAwaitingStorage.add(seriesId);
        this.pauseForStorage(error as Error);
      } else {
        this.markSeriesFailed(seriesId, error as Error);
      }
    } finally {
      this.triaging.delete(seriesId);
      if (studyId !== null) this.emitStudySafely(studyId);
      this.checkIdle();
    }
  }

  private markSeriesFailed(seriesId: number, error: Error): void {
    log.error(`series ${seriesId} failed: ${error.message}`);
    try {
      const series = this.store.series.get(seriesId)!;
      this.store.series.setState(seriesId, 'error', error.message);
      this.refreshStudyState(series.studyId);
      this.seriesRescored(series.studyId, seriesId);
    } catch (storeError) {
      if (!isStorageFault(storeError)) throw storeError;
      this.seriesAwaitingStorage.add(seriesId);
      this.pauseForStorage(storeError as Error);
    }
  }

  /** Listeners read the store; a store that cannot be read must not turn into an unhandled error here. */
  private emitStudySafely(studyId: number): void {
    try {
      this.emit('study', studyId);
    } catch (error) {
      if (!isStorageFault(error)) throw error;
      log.warn(`study ${studyId} could not be published: ${(error as Error).message}`);
    }
  }

  private refreshStudyState(studyId: number): void {
    const { state, errorReason } = studyStateOf(this.store.series.ofStudy(studyId));
    this.store.studies.setState(studyId, state, errorReason);
  }

  /**
   * Assembly -> sequence model -> series score -> study score, from the slices the current model
   * analysed only (a slice another model analysed and that cannot be read again is left out, never
   * mixed in).
   */
  private async runSequenceModel(series: SeriesRow): Promise<void> {
    const all = this.store.instances.ofSeries(series.id, { withEmbedding: true });
    const instances = all.filter((i) => i.modelId === this.modelId);
    if (instances.length === 0) {
      // Nothing of this series is the current model's (its files are gone): it keeps its old result.
      this.store.series.setState(series.id, series.scores ? 'done' : 'error', series.scores ? null : 'no slice could be analysed by the current model');
      this.refreshStudyState(series.studyId);
      this.seriesRescored(series.studyId, series.id);
      return;
    }
    const byPath = new Map(instances.map((i) => [i.path, i]));
    const assembled = assembleSeries(instances.map((i) => ({ path: i.path, header: i.header })));
    const ordered = assembled.slices.map((slice) => byPath.get(slice.path)!);
    // Thin series (spacing and slice thickness under 2.5 mm) run as slabs of the trained thickness.
    const positions = assembled.spacingMm === null ? null : assembled.slices.map((slice) => slice.z);
    const sliceThickness = seriesSliceThickness(ordered.map((instance) => instance.header));
    const result = await sequenceProbabilities(
      this.inference,
      ordered.map((instance) => ({
        path: instance.path,
        own: instance.embedding && instance.cnnScores ? { embedding: instance.embedding, cnnProbs: ICH_CLASSES.map((cls) => instance.cnnScores![cls]) } : null,
      })),
      positions,
      sliceThickness,
      this.card.embeddingSize,
    );
    const { probs } = result;
    const seriesScore = scoreSeries(probs, ordered.length);
    const left = all.length - instances.length;
    const leftOut: CodedWarning[] = left > 0 ? [{ code: 'SLICE_SKIPPED', message: `${left} slices analysed by another model could not be read again and are left out.` }] : [];
    this.store.transaction(() => {
      if (result.kind === 'slices') {
        for (const [i, cnn] of result.analysedNow) this.store.instances.saveCnn(ordered[i]!.id, storedCnn(cnn));
      }
      this.store.instances.place(
        series.id,
        ordered.map((instance, i) => ({
          instanceId: instance.id,
          sliceIndex: i,
          z: assembled.slices[i]!.z,
          scores: scoresFromArray(probs, i * ICH_CLASSES.length),
          ...(result.kind === 'slabs' ? { slab: storedCnn(result.slabOfSlice[i]!) } : {}),
        })),
      );
      this.store.series.saveTriage({
        seriesId: series.id,
        modelId: this.modelId,
        tiltDegrees: assembled.tiltDegrees,
        spacingMm: assembled.spacingMm,
        warnings: [...assembled.warnings, ...uniqueByCode(instances.flatMap((i) => i.warnings)), ...leftOut],
        scores: seriesScore.scores,
        mostSuspiciousSlice: seriesScore.mostSuspiciousSlice,
      });
      this.scoreStudy(series.studyId);
      this.refreshStudyState(series.studyId);
    });
    this.seriesRescored(series.studyId, series.id);
  }

  /**
   * Study score = max over its series the current model scored. While another of its series still
   * waits to be re-scored, the study keeps the score (and model, and thresholds) it had.
   */
  private scoreStudy(studyId: number): void {
    const waiting = this.rescoring?.waiting.get(studyId);
    const done = this.store.series.ofStudy(studyId).filter((s) => s.state === 'done' && s.scores);
    if (done.some((s) => s.modelId !== this.modelId && waiting?.has(s.id))) return;
    const current = done.filter((s) => s.modelId === this.modelId);
    const score = scoreStudy(current.map((s) => ({ seriesInstanceUid: s.seriesInstanceUid, scores: s.scores! })));
    this.store.studies.saveScore(studyId, score, { id: this.modelId, name: this.card.name, version: this.card.version });
  }
}

function storedCnn(cnn: CnnOutputs): StoredCnn {
  return { scores: scoresFromArray(cnn.probs), embedding: cnn.embedding, cam: cnn.cam };
}

/** Per-slice warnings (e.g. NON_CONFORMING_UID on every RSNA slice) are reported once per series. */
function uniqueByCode<T extends { code: string }>(warnings: T[]): T[] {
  const seen = new Map<string, T>();
  for (const w of warnings) if (!seen.has(w.code)) seen.set(w.code, w);
  return [...seen.values()];
}
