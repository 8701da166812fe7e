import { EventEmitter } from 'node:events';
import { ICH_CLASSES, isIchClass, type IchClass } from '../contract/classes.js';
import type { EngineApi, TriageApi } from '../contract/api.js';
import type {
  CompareRequest,
  CompareResult,
  EngineEvent,
  ModelInfo,
  NetworkStatus,
  Read,
  ReadInput,
  ReadsCsvFormat,
  ReadsImportResult,
  ResultSendStatus,
  SliceCam,
  SlicePixels,
  StudyDetail,
  StudySummary,
  WorklistQuery,
} from '../contract/dto.js';
import { ApiError } from '../contract/errors.js';
import type { Rejection } from '../contract/warnings.js';
import { decodeFile } from '../pipeline/decode/index.js';
import { modelIdentity, type ModelCard } from '../domain/model-card.js';
import type { ModelRow, StoredRead, StudyRow, TriageStore } from '../store/triage-store.js';
import { compareStudies } from './compare-studies.js';
import { importReadsCsv } from './import-reads.js';
import { completeFindings, toRead, toSeriesDetail, toStudySummary } from './study-mapper.js';

/** The DICOM node's part of the contract (src-main/network), attached by the engine when it runs. */
export type NetworkApi = Pick<TriageApi, 'getNetworkStatus' | 'sendResults'>;

/**
 * The use-cases behind the one API contract. Both transports (Electron IPC, browser-mode HTTP)
 * serve this object; it reads the store and never touches the pipeline's queues.
 */
export class TriageService implements EngineApi {
  private readonly events = new EventEmitter<{ event: [EngineEvent] }>();
  /** The last intake status, so a UI that connects while intake is paused learns it at once. */
  private intakeStatus: Extract<EngineEvent, { type: 'intake-status' }> | null = null;
  private network: NetworkApi | null = null;

  private modelId: number;
  /** Models that scored stored studies, by id (a handful: cached for the life of the engine). */
  private readonly models = new Map<number, ModelRow>();

  constructor(
    private readonly store: TriageStore,
    private card: ModelCard,
  ) {
    this.events.setMaxListeners(100);
    this.modelId = store.models.ensure(modelIdentity(card), card.thresholds);
  }

  /** The model for getModel, comparisons, and studies not yet scored. */
  useModel(card: ModelCard): void {
    this.card = card;
    this.modelId = this.store.models.ensure(modelIdentity(card), card.thresholds);
  }

  attachNetwork(network: NetworkApi): void {
    this.network = network;
  }

  async getNetworkStatus(): Promise<NetworkStatus> {
    return this.network ? this.network.getNetworkStatus() : { scp: null, destinations: [], autoSendFlaggedTo: null, sends: [] };
  }

  async sendResults(studyId: number, destination: string): Promise<ResultSendStatus> {
    if (!this.network) throw new ApiError('NOT_FOUND', `No DICOM destination named "${destination}" is configured.`);
    return this.network.sendResults(studyId, destination);
  }

  /** Pushes a study's current row to every subscriber. */
  publishStudy(studyId: number): void {
    const row = this.store.studies.get(studyId);
    if (row) this.emit({ type: 'study-updated', study: this.summary(row, this.latestRead(studyId)) });
  }

  /** A study flagged by the thresholds of the model that scored it, naming that model. */
  private summary(row: StudyRow, latestRead: StoredRead | null): StudySummary {
    return toStudySummary(row, this.scoringModel(row), latestRead);
  }

  /** The model that scored this study, with its thresholds (the running model's until one has). */
  private studyModelInfo(row: StudyRow): ModelInfo {
    const scoring = this.scoringModel(row);
    const current = this.modelInfo();
    if (!scoring || scoring.id === this.modelId) return current;
    return {
      ...current,
      name: scoring.name,
      version: scoring.version,
      thresholds: scoring.thresholds,
      intendedUse: `Scored by an earlier model; ${current.name} v${current.version} re-scores it in the background. ${current.intendedUse}`,
    };
  }

  private scoringModel(row: StudyRow): ModelRow | null {
    if (row.modelId === null) return null;
    let model = this.models.get(row.modelId);
    if (!model) {
      model = this.store.models.get(row.modelId) ?? undefined;
      if (model) this.models.set(row.modelId, model);
    }
    return model ?? null;
  }

  emit(event: EngineEvent): void {
    if (event.type === 'intake-status') this.intakeStatus = event;
    this.events.emit('event', event);
  }

  async getModel(): Promise<ModelInfo> {
    return this.modelInfo();
  }

  private modelInfo(): ModelInfo {
    return {
      name: this.card.name,
      version: this.card.version,
      classes: [...ICH_CLASSES],
      thresholds: this.card.thresholds,
      intendedUse: this.card.intendedUse,
    };
  }

  async listStudies(query: WorklistQuery = {}): Promise<StudySummary[]> {
    const latest = this.latestReads();
    return this.store.studies.list()
      .map((row) => this.summary(row, latest.get(row.id) ?? null))
      .filter((s) => matchesQuery(s, query));
  }

  async getStudy(studyId: number): Promise<StudyDetail> {
    const row = this.requireStudy(studyId);
    const series = this.store.series.ofStudy(studyId).map((s) => toSeriesDetail(s, this.store.instances.ofSeries(s.id)));
    const reads = this.store.reads.list(studyId);
    return {
      summary: this.summary(row, reads[reads.length - 1] ?? null),
      model: this.studyModelInfo(row),
      series,
      warnings: series.flatMap((s) => s.warnings),
      reads: reads.map(toRead),
    };
  }

  async getSlicePixels(studyId: number, seriesInstanceUid: string, sliceIndex: number): Promise<SlicePixels> {
    const instance = this.requireSlice(studyId, seriesInstanceUid, sliceIndex);
    const decoded = await decodeFile(instance.path);
    if (!decoded.ok) {
      throw new ApiError('PIXELS_UNAVAILABLE', `The slice's file ${instance.path} can no longer be read (${decoded.reason}); it may have been moved or deleted.`);
    }
    return { rows: decoded.instance.header.Rows, columns: decoded.instance.header.Columns, hu: decoded.instance.hu };
  }

  async getSliceCam(studyId: number, seriesInstanceUid: string, sliceIndex: number, cls: IchClass): Promise<SliceCam> {
    if (!isIchClass(cls)) throw new ApiError('INVALID_ARGUMENT', `Unknown class "${String(cls)}"`);
    const instance = this.requireSlice(studyId, seriesInstanceUid, sliceIndex);
    const plane = instance.camHeight * instance.camWidth;
    const k = ICH_CLASSES.indexOf(cls);
    const values = new Float32Array(plane);
    for (let i = 0; i < plane; i++) values[i] = instance.cam[k * plane + i]! / 255;
    return { height: instance.camHeight, width: instance.camWidth, cls, values };
  }

  async recordRead(input: ReadInput): Promise<Read> {
    this.requireStudy(input.studyId);
    const reader = typeof input.reader === 'string' ? input.reader.trim() : '';
    if (!reader) throw new ApiError('INVALID_ARGUMENT', 'A read needs the reader\'s name.');
    for (const [cls, value] of Object.entries(input.findings ?? {})) {
      if (!isIchClass(cls) || typeof value !== 'boolean') throw new ApiError('INVALID_ARGUMENT', `Finding "${cls}" must be a class name with true/false.`);
    }
    const stored = this.store.transaction(() => {
      const read = this.store.reads.insert({
        studyId: input.studyId,
        reader,
        findings: completeFindings(input.findings ?? {}),
        note: typeof input.note === 'string' ? input.note : '',
        sliceMarks: Array.isArray(input.sliceMarks) ? input.sliceMarks : [],
        source: 'ui',
      });
      this.store.audit.record(reader, 'read-recorded', input.studyId, { readId: read.id });
      return read;
    });
    this.publishStudy(input.studyId);
    return toRead(stored);
  }

  async importReads(format: ReadsCsvFormat, csvText: string, reader?: string): Promise<ReadsImportResult> {
    if (format !== 'rsna' && format !== 'cq500') throw new ApiError('INVALID_ARGUMENT', `Unknown reads format "${String(format)}": use rsna or cq500.`);
    const result = importReadsCsv(this.store, format, csvText, reader);
    for (const studyId of result.studyIds) this.publishStudy(studyId);
    return result.summary;
  }

  async compare(request: CompareRequest): Promise<CompareResult> {
    return compareStudies(this.store, { id: this.modelId, thresholds: this.card.thresholds }, request.reference || 'majority');
  }

  async listRejected(): Promise<Rejection[]> {
    return this.store.rejections.list().map(({ path, code, reason }) => ({ path, code, reason }));
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.events.on('event', listener);
    if (this.intakeStatus?.paused) listener(this.intakeStatus);
    return () => this.events.off('event', listener);
  }

  private requireStudy(studyId: number) {
    const row = Number.isInteger(studyId) ? this.store.studies.get(studyId) : null;
    if (!row) throw new ApiError('NOT_FOUND', `No study with id ${String(studyId)}.`);
    return row;
  }

  private requireSlice(studyId: number, seriesInstanceUid: string, sliceIndex: number) {
    this.requireStudy(studyId);
    const series = this.store.series.findByUid(studyId, seriesInstanceUid);
    if (!series) throw new ApiError('NOT_FOUND', `Study ${studyId} has no series ${seriesInstanceUid}.`);
    const instance = Number.isInteger(sliceIndex) ? this.store.instances.at(series.id, sliceIndex) : null;
    if (!instance) throw new ApiError('NOT_FOUND', `Series ${seriesInstanceUid} has no triaged slice ${String(sliceIndex)}.`);
    return instance;
  }

  private latestRead(studyId: number): StoredRead | null {
    const reads = this.store.reads.list(studyId);
    return reads[reads.length - 1] ?? null;
  }

  private latestReads(): Map<number, StoredRead> {
    const latest = new Map<number, StoredRead>();
    for (const read of this.store.reads.list()) latest.set(read.studyId, read);
    return latest;
  }
}

function matchesQuery(study: StudySummary, query: WorklistQuery): boolean {
  if (query.flaggedOnly && !study.flagged) return false;
  if (query.unreadOnly && study.read) return false;
  if (query.subtype && !study.flaggedClasses.includes(query.subtype)) return false;
  const day = study.receivedAt.slice(0, 10);
  if (query.from && day < query.from) return false;
  if (query.to && day > query.to) return false;
  return true;
}
