import type {
  AuditEntry,
  AuditQuery,
  CompareRequest,
  CompareResult,
  EngineEvent,
  InboxCopyResult,
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
  WorkstationStatus,
  WorklistQuery,
} from './dto.js';
import type { Settings, SettingsPatch } from './settings.js';
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
  /** The comparison as CSV; the export is audited. */
  exportCompareCsv(request: CompareRequest): Promise<string>;
  listRejected(): Promise<Rejection[]>;
  /** The audit trail, newest first, filtered. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** The filtered audit trail as CSV; the export itself is audited. */
  exportAuditCsv(query: AuditQuery): Promise<string>;
  getSettings(): Promise<Settings>;
  /** Validates, applies (restarting the engine in-process when the inbox, database or model changes) and saves; returns the settings now in force. */
  updateSettings(patch: SettingsPatch): Promise<Settings>;
  /** Where the inbox is, which execution provider runs the model and why a faster one was not used. */
  getStatus(): Promise<WorkstationStatus>;
  /** Copies one dropped or opened file (base64 content) into the inbox under its relative path; the original is never touched. */
  addToInbox(relativePath: string, contentBase64: string): Promise<InboxCopyResult>;
  /** Opens the inbox folder in the platform's file manager. */
  openInboxFolder(): Promise<void>;
  /** The DICOM node: our SCP, the configured destinations and every result send. */
  getNetworkStatus(): Promise<NetworkStatus>;
  /** Sends a triaged study's results (SR + key images) to a configured destination; resolves after the first attempt (retries go on). */
  sendResults(studyId: number, destination: string): Promise<ResultSendStatus>;
  /** Returns an unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
}

/** Method names that are plain request/response calls (everything but subscribe). */
export type TriageApiMethod = Exclude<keyof TriageApi, 'subscribe'>;

export const API_METHODS = [
  'getModel',
  'listStudies',
  'getStudy',
  'getSlicePixels',
  'getSliceCam',
  'recordRead',
  'importReads',
  'compare',
  'exportCompareCsv',
  'listRejected',
  'listAudit',
  'exportAuditCsv',
  'getSettings',
  'updateSettings',
  'getStatus',
  'addToInbox',
  'openInboxFolder',
  'getNetworkStatus',
  'sendResults',
] as const satisfies readonly TriageApiMethod[];

/** Does not compile while a request/response method of TriageApi is missing from API_METHODS. */
export type ApiMethodsAreExhaustive = Exhaustive<Exclude<TriageApiMethod, (typeof API_METHODS)[number]>>;
type Exhaustive<Missing extends never> = Missing;

/** The methods the workstation (settings, intake, audit screen) adds around the engine's own. */
export type WorkstationMethod = 'exportCompareCsv' | 'listAudit' | 'exportAuditCsv' | 'getSettings' | 'updateSettings' | 'getStatus' | 'addToInbox' | 'openInboxFolder';

/** What the engine's TriageService answers itself; the workstation serves the rest. */
export type EngineApi = Omit<TriageApi, WorkstationMethod>;
