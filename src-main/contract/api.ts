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
} from './dto.js';
import type { IchClass } from './classes.js';
import type { Rejection } from './warnings.js';

/**
 * The one API between the engine and any UI. Electron IPC and the browser-mode HTTP server both
 * implement exactly this interface (transport/ipc, transport/http); the renderer only sees it.
 * Every method is async and rejects with an ApiError.
 */
export interface TriageApi {
  getModel(): Promise<ModelInfo | null>;
  listStudies(query: WorklistQuery): Promise<StudySummary[]>;
  getStudy(studyId: number): Promise<StudyDetail>;
  getSlicePixels(studyId: number, seriesInstanceUid: string, sliceIndex: number): Promise<SlicePixels>;
  getSliceCam(studyId: number, seriesInstanceUid: string, sliceIndex: number, cls: IchClass): Promise<SliceCam>;
  recordRead(read: ReadInput): Promise<Read>;
  importReads(format: ReadsCsvFormat, csvText: string, reader?: string): Promise<ReadsImportResult>;
  compare(request: CompareRequest): Promise<CompareResult>;
  listRejected(): Promise<Rejection[]>;
  /** The DICOM node: our SCP, the configured destinations and every result send. */
  getNetworkStatus(): Promise<NetworkStatus>;
  /** Sends a triaged study's results (SR + key images) to a configured destination; resolves after the first attempt (retries go on). */
  sendResults(studyId: number, destination: string): Promise<ResultSendStatus>;
  /** Returns an unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
}

/** Method names that are plain request/response calls (everything but subscribe). */
export type TriageApiMethod = Exclude<keyof TriageApi, 'subscribe'>;

export const API_METHODS: readonly TriageApiMethod[] = [
  'getModel',
  'listStudies',
  'getStudy',
  'getSlicePixels',
  'getSliceCam',
  'recordRead',
  'importReads',
  'compare',
  'listRejected',
  'getNetworkStatus',
  'sendResults',
] as const;
