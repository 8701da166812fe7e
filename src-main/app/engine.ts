import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { EngineApi } from '../contract/api.js';
import { log } from '../log.js';
import { DEFAULT_PIPELINE_OPTIONS, TriagePipeline, type IntakeStatus } from '../pipeline/compose.js';
import { listFiles, watchInbox, type InboxWatcher } from '../pipeline/inbox/index.js';
import { defaultModelDir } from '../pipeline/infer/detector.js';
import { InferenceClient } from '../pipeline/infer/inference-client.js';
import type { ModelCard } from '../domain/model-card.js';
import { startNetworkNode, type NetworkNode } from '../network/network-node.js';
import type { NetworkSettingsInput } from '../contract/network-settings.js';
import { TriageService } from '../services/triage-service.js';
import { TriageStore } from '../store/triage-store.js';

export interface EngineOptions {
  /** SQLite file (":memory:" for a one-off run). */
  dbPath: string;
  /** Model folder; default: the bundled model. */
  modelDir?: string;
  /** Folder to watch; files already there are picked up at start. */
  inbox?: string;
  /** Where unreadable files are copied with their reason; default: <inbox>/../quarantine when watching. */
  quarantineDir?: string | null;
  /** A series is complete after this many ms without a new slice (default 3000). */
  settleMs?: number;
  /** Execution providers to try before cpu, in order (default cuda, dml, webgpu, coreml). */
  providers?: string[];
  /** Inference threads (default: onnxruntime's choice). */
  threads?: number;
  /**
   * How often the whole inbox is listed again, to catch files whose watch event was lost (network
   * shares, bursts of events under load). Handled files are skipped cheaply. Default 60 s.
   */
  rescanMs?: number;
  /** Largest file read from the inbox, in bytes (default 256 MB); larger files are rejected unread. */
  maxFileBytes?: number;
  /** While the database cannot be written (disk full), how often intake tries again (default 5 s). */
  storageRetryMs?: number;
  /** The DICOM node (C-STORE SCP into the inbox, results sent back); off unless `scpEnabled` or destinations are set. */
  network?: NetworkSettingsInput;
}

export interface Engine {
  api: EngineApi;
  /** The model in use now (it changes with useModel). */
  readonly card: ModelCard;
  readonly provider: string;
  /** Why the providers tried before `provider` could not run the model; null when the first one did. */
  readonly providerFallback: string | null;
  /**
   * Loads another model folder (refused with the reason when its card or hashes fail; the running
   * model stays) and re-scores every stored study with it in the background.
   */
  useModel(modelDir: string): Promise<void>;
  /** Applies a new settle time to series that arrive or settle from now on. */
  setSettleMs(ms: number): void;
  /** Triage these files or folders (recursively). */
  ingestPaths(paths: string[]): Promise<void>;
  /** Resolves when everything offered so far is triaged or rejected. */
  whenIdle(): Promise<void>;
  readonly store: TriageStore;
  /** Whether intake runs or waits for storage (disk full, read-only database). */
  intakeStatus(): IntakeStatus;
  /** The DICOM node, when configured. */
  readonly network: NetworkNode | null;
  close(): Promise<void>;
}

/** The wiring root of the headless engine: store, inference worker, pipeline, service, inbox. */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const modelDir = options.modelDir ?? defaultModelDir();
  // One spelling of every inbox path (the watcher, the rescan and the files table agree) even when
  // the inbox folder is reached through a link.
  const inbox = options.inbox ? resolveInbox(options.inbox) : null;
  const store = new TriageStore(options.dbPath);
  const startInference = (dir: string) =>
    InferenceClient.start({
      modelDir: dir,
      ...(options.providers ? { providers: options.providers } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
      ...(options.maxFileBytes ? { maxFileBytes: options.maxFileBytes } : {}),
    });
  let inference: InferenceClient;
  let card: ModelCard;
  let provider: string;
  let providerFallback: string | null;
  try {
    ({ client: inference, card, provider, providerFallback } = await startInference(modelDir));
  } catch (error) {
    store.close();
    throw error;
  }
  const quarantineDir =
    options.quarantineDir !== undefined ? options.quarantineDir : inbox ? path.join(path.dirname(inbox), 'quarantine') : null;
  const pipeline = new TriagePipeline(store, inference, card, {
    ...DEFAULT_PIPELINE_OPTIONS,
    settleMs: options.settleMs ?? DEFAULT_PIPELINE_OPTIONS.settleMs,
    storageRetryMs: options.storageRetryMs ?? DEFAULT_PIPELINE_OPTIONS.storageRetryMs,
    quarantineDir,
    pathRoot: inbox,
  });
  const service = new TriageService(store, card);
  pipeline.on('study', (studyId) => service.publishStudy(studyId));
  pipeline.on('rejected', (rejection) => service.emit({ type: 'file-rejected', path: rejection.path, reason: `${rejection.code}: ${rejection.reason}` }));
  pipeline.on('progress', (done, total) => service.emit({ type: 'progress', message: 'analysing slices', done, total }));
  pipeline.on('intake', (status) => service.emit({ type: 'intake-status', ...status }));
  pipeline.on('rescore', (done, total) =>
    service.emit({ type: 'progress', message: `re-scoring studies with ${pipeline.card.name} ${pipeline.card.version}`, done, total }),
  );
  pipeline.resume();

  let watcher: InboxWatcher | null = null;
  let rescan: NodeJS.Timeout | null = null;
  if (inbox) {
    const offer = (files: string[]) => pipeline.offer(files).catch((error: Error) => log.error(`could not queue inbox files: ${error.message}`));
    watcher = watchInbox(inbox, (filePath) => void offer([filePath]));
    await watcher.ready;
    rescan = setInterval(() => {
      listFiles([inbox])
        .then(offer)
        .catch((error: Error) => log.warn(`inbox rescan failed: ${error.message}`));
    }, options.rescanMs ?? 60_000);
    log.info(`watching inbox ${inbox}`);
  }

  let network: NetworkNode | null = null;
  if (options.network) {
    try {
      network = await startNetworkNode(options.network, { inbox, pipeline, store, service });
    } catch (error) {
      if (rescan) clearInterval(rescan);
      await watcher?.close();
      await pipeline.close();
      await inference.close();
      store.close();
      throw error;
    }
  }

  return {
    api: service,
    get card() {
      return pipeline.card;
    },
    get provider() {
      return provider;
    },
    get providerFallback() {
      return providerFallback;
    },
    async useModel(dir) {
      const next = await startInference(dir);
      const previous = await pipeline.useModel(next.client, next.card);
      service.useModel(next.card);
      inference = next.client;
      provider = next.provider;
      providerFallback = next.providerFallback;
      await previous.close();
    },
    setSettleMs: (ms) => pipeline.setSettleMs(ms),
    store,
    async ingestPaths(paths) {
      await pipeline.offer(await listFiles(paths));
    },
    whenIdle: () => pipeline.whenIdle(),
    intakeStatus: () => pipeline.intakeStatus,
    network,
    async close() {
      await network?.close();
      if (rescan) clearInterval(rescan);
      await watcher?.close();
      await pipeline.close();
      await inference.close();
      store.close();
    },
  };
}

function resolveInbox(inbox: string): string {
  try {
    return realpathSync(inbox);
  } catch (error) {
    throw new Error(`Inbox ${inbox} cannot be used (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
