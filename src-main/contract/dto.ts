import type { ClassScores, IchClass } from './classes.js';
import type { CodedWarning } from './warnings.js';
import type { Settings } from './settings.js';

/** Where a study is in the pipeline. */
export type StudyState = 'receiving' | 'queued' | 'analysing' | 'done' | 'error';

export interface ModelInfo {
  name: string;
  version: string;
  classes: IchClass[];
  thresholds: ClassScores;
  /** e.g. "Triage aid, not a diagnosis; trained on synthetic phantoms..." */
  intendedUse: string;
}

/** One worklist row. PHI fields are present because the UI shows them; they never go to logs. */
export interface StudySummary {
  studyId: number;
  studyInstanceUid: string;
  state: StudyState;
  errorReason: string | null;
  /** ISO 8601 time the first file of the study arrived. */
  receivedAt: string;
  /** ISO 8601 time the scores were stored, or null. */
  triagedAt: string | null;
  patientName: string;
  patientId: string;
  accessionNumber: string;
  studyDescription: string;
  studyDate: string;
  sliceCount: number;
  seriesCount: number;
  /** Study score = max over its triaged series; null until triaged. */
  scores: ClassScores | null;
  /** The series whose score drove the study score. */
  drivingSeriesUid: string | null;
  /** The model that produced `scores`; the flags use its thresholds (null until scored). */
  model: { name: string; version: string } | null;
  flagged: boolean;
  flaggedClasses: IchClass[];
  warningCount: number;
  /** Latest radiologist read, if any. */
  read: ReadSummary | null;
}

export interface ReadSummary {
  reader: string;
  findings: Record<IchClass, boolean>;
  recordedAt: string;
}

export interface SliceSummary {
  index: number;
  sopInstanceUid: string;
  z: number;
  /** Refined per-slice probabilities from the sequence model. */
  scores: ClassScores;
  /** The slice CNN's probabilities before sequence refinement (of the slice's slab in a thin series). */
  cnnScores: ClassScores;
}

export interface SeriesDetail {
  seriesInstanceUid: string;
  seriesDescription: string;
  state: StudyState;
  sliceCount: number;
  tiltDegrees: number;
  spacingMm: number | null;
  rows: number;
  columns: number;
  pixelSpacing: [number, number] | null;
  scores: ClassScores | null;
  /** Index of the slice with the highest `any` score. */
  mostSuspiciousSlice: number | null;
  warnings: CodedWarning[];
  slices: SliceSummary[];
}

export interface StudyDetail {
  summary: StudySummary;
  model: ModelInfo | null;
  series: SeriesDetail[];
  warnings: CodedWarning[];
  reads: Read[];
}

/** HU pixels of one slice, for drawing with any window on a canvas. */
export interface SlicePixels {
  rows: number;
  columns: number;
  /** Int16 HU values, row-major; base64 in JSON transports. */
  hu: Int16Array;
}

/** A class activation map of one slice and class, values 0..1 (normalised per slice), at CAM resolution. */
export interface SliceCam {
  height: number;
  width: number;
  cls: IchClass;
  values: Float32Array;
}

export interface SliceMark {
  sliceIndex: number;
  seriesInstanceUid: string;
  cls: IchClass;
}

export interface ReadInput {
  studyId: number;
  reader: string;
  /** Each subtype present/absent; `any` is derived as the OR of subtypes when omitted. */
  findings: Partial<Record<IchClass, boolean>>;
  note: string;
  sliceMarks: SliceMark[];
}

export interface Read extends ReadInput {
  readId: number;
  findings: Record<IchClass, boolean>;
  /** "ui", "import:rsna", "import:cq500" */
  source: string;
  recordedAt: string;
}

export type ReadsCsvFormat = 'rsna' | 'cq500';

export interface ReadsImportResult {
  format: ReadsCsvFormat;
  imported: number;
  /** Rows or names that matched no study, with why. */
  unmatched: { key: string; reason: string }[];
}

export interface WorklistQuery {
  flaggedOnly?: boolean;
  unreadOnly?: boolean;
  subtype?: IchClass;
  /** ISO date (YYYY-MM-DD) bounds on receivedAt, inclusive. */
  from?: string;
  to?: string;
}

/** One reader's (or the model's) performance on one class against a reference. */
export interface ClassComparison {
  cls: IchClass;
  rater: string; // "model", "R1", ...
  n: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  accuracy: number | null;
  sensitivity: number | null;
  specificity: number | null;
  /** Only for the model (readers give binary operating points). */
  auc: number | null;
}

export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold: number;
}

export interface CompareRequest {
  /** "majority" or one reader's name. */
  reference: string;
}

export interface CompareResult {
  reference: string;
  readers: string[];
  studyCount: number;
  rows: ClassComparison[];
  /** Model ROC per class against the reference. */
  roc: Record<IchClass, RocPoint[]>;
  /** Studies where the model (at the card threshold) and the reference disagree on a class. */
  disagreements: { studyId: number; studyInstanceUid: string; cls: IchClass; model: number; reference: boolean }[];
}

/** Where sending one study's results (DICOM SR + key images) to one destination stands. */
export type ResultSendState = 'sending' | 'retrying' | 'sent' | 'failed';

export interface ResultSendStatus {
  studyId: number;
  /** The destination's name in the network settings. */
  destination: string;
  state: ResultSendState;
  /** Started by the user, or automatically because the study was flagged. */
  trigger: 'user' | 'flagged';
  attempts: number;
  /** Objects in the send (one SR and the key images). */
  objectCount: number;
  /** Why the last attempt failed (no patient data). */
  lastError: string | null;
  /** ISO 8601 time of the next attempt while retrying. */
  nextAttemptAt: string | null;
  updatedAt: string;
}

/** The DICOM node as the UI shows it: where we listen, where results can go, and every send. */
export interface NetworkStatus {
  /** Our C-STORE SCP, or null when it is off. */
  scp: { aeTitle: string; bindAddress: string; port: number; reachableFromOtherMachines: boolean } | null;
  destinations: { name: string; aeTitle: string; host: string; port: number }[];
  /** Destination flagged studies are sent to automatically, or null. */
  autoSendFlaggedTo: string | null;
  sends: ResultSendStatus[];
}

/** Live updates pushed to every UI (SSE in browser mode, IPC events in Electron). */
export type EngineEvent =
  | { type: 'study-updated'; study: StudySummary }
  | { type: 'study-removed'; studyId: number }
  | { type: 'file-rejected'; path: string; reason: string }
  | { type: 'progress'; message: string; done: number; total: number }
  /** Intake paused (e.g. the disk is full: files stay in the inbox) or running again. Sent to each new subscriber while paused. */
  | { type: 'intake-status'; paused: boolean; reason: string | null }
  /** The settings changed (and the engine may have restarted on a new inbox, database or model): reload. */
  | { type: 'settings-changed'; settings: Settings }
  /** Desktop shell commands (Electron only): a notification or the menu asks the window to show something. */
  | { type: 'open-study'; studyId: number }
  | { type: 'show-screen'; screen: 'worklist' | 'settings' | 'audit' }
  /** A result send started, failed an attempt, or finished. */
  | { type: 'result-send'; status: ResultSendStatus };

export type { Settings, SettingsPatch } from './settings.js';

/** One audited action: who, what and when; ids only, never patient data. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  /** e.g. study-opened, read-recorded, reads-imported, audit-exported, settings-changed, series-triaged */
  action: string;
  studyId: number | null;
  detail: Record<string, unknown>;
}

export interface AuditQuery {
  action?: string;
  actor?: string;
  /** ISO dates (YYYY-MM-DD), inclusive. */
  from?: string;
  to?: string;
}

export interface WorkstationStatus {
  inbox: string;
  /** The user data folder: settings.json, the database by default, logs/. */
  home: string;
  logFolder: string | null;
  /** The execution provider actually running the model (cpu, cuda, dml, coreml, webgpu). */
  provider: string;
  /** Why the providers tried before it could not run the model, or null when the first one did. */
  providerFallback: string | null;
}

export interface InboxCopyResult {
  /** Where the copy lies, relative to the inbox. */
  path: string;
  /** False when an identical file was already there (nothing written). */
  written: boolean;
}
