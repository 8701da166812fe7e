import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { TriageApi } from '../contract/api.js';
import type { AuditQuery, EngineEvent, Settings, SettingsPatch, WorkstationStatus } from '../contract/dto.js';
import { compareToCsv } from '../analysis/compare.js';
import { formatCsvRow } from '../analysis/csv-format.js';
import { ApiError } from '../contract/errors.js';
import { log } from '../log.js';
import { loadModelCard, ModelCardError } from '../pipeline/infer/load-model-card.js';
import { readSavedSettings, SettingsFileError, validateSettings, writeSettingsFile } from '../settings/settings-file.js';
import { changedFields, defaultSettings, mergePatches, mergeSettings, type SettingsContext } from '../contract/settings.js';
import { startEngine, type Engine, type EngineOptions } from './engine.js';
import { copyIntoInbox, writeIntoInbox } from './inbox-intake.js';

export interface WorkstationOptions {
  /** The user data folder: settings.json lives here. */
  home: string;
  bundledModelDir: string;
  /** This launch's flags and environment variables: they win over the settings file for this run and are not saved. */
  overrides?: SettingsPatch;
  /** Engine options that are not user settings. */
  engine?: Pick<EngineOptions, 'threads' | 'rescanMs' | 'maxFileBytes'>;
  /** Shows a folder in the platform's file manager. */
  openFolder(folder: string): Promise<void>;
  logFolder?: string | null;
}

/** Settings the running engine was built from: changing one restarts the engine in-process. */
const ENGINE_FIELDS = ['intake.inbox', 'storage.database', 'model.folder', 'model.providers'];
/** Any DICOM node setting restarts the engine too (the node listens and sends from inside it). */
const isEngineField = (field: string) => ENGINE_FIELDS.includes(field) || field.startsWith('network.');
/** The audit screen shows at most this many entries (newest first); the CSV export has them all. */
const AUDIT_SCREEN_LIMIT = 2000;

/**
 * The desktop workstation around the engine: the settings (validated, saved, applied without
 * restarting the app), the full API contract both transports serve, intake of dropped files, and
 * the audit of access. A change of inbox, database, model or providers closes the engine and starts
 * a new one in this process: the window stays open and unfinished series resume from the database.
 */
export class Workstation {
  private engineNow: Engine;
  private effective: Settings;
  /** What settings.json holds: the user's changes only. */
  private saved: SettingsPatch;
  /** Settles when no settings change is being applied; engine calls wait for it. */
  private idle: Promise<unknown> = Promise.resolve();
  private stopForwarding: () => void;
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private lastIntakeStatus: Extract<EngineEvent, { type: 'intake-status' }> | null = null;
  /** The study whose opening was audited last: live refreshes of an open study are not new accesses. */
  private lastOpened: { actor: string; studyId: number } | null = null;
  readonly api: TriageApi;

  private constructor(
    private readonly options: WorkstationOptions,
    saved: SettingsPatch,
    effective: Settings,
    engine: Engine,
  ) {
    this.saved = saved;
    this.effective = effective;
    this.engineNow = engine;
    this.stopForwarding = this.forwardEvents(engine);
    this.api = this.createApi();
  }

  static async start(options: WorkstationOptions): Promise<Workstation> {
    const saved = await readSavedSettings(options.home);
    const file = path.join(options.home, 'settings.json');
    const effective = validateSettings(mergeSettings(defaultSettings(settingsContext(options)), mergePatches(saved, options.overrides ?? {})), `${file} with the launch options`);
    const engine = await startEngineFor(effective, options);
    log.info(`settings from ${file}${options.overrides && Object.keys(options.overrides).length ? ' (with launch overrides)' : ''}`);
    return new Workstation(options, saved, effective, engine);
  }

  get engine(): Engine {
    return this.engineNow;
  }

  get settings(): Settings {
    return this.effective;
  }

  /** The configured reader name, else the operating-system user. */
  get actor(): string {
    return this.effective.audit.readerName || operatingSystemUser();
  }

  /** The Electron "Open files…" dialog's choice, copied into the inbox with progress events. */
  async copyIntoInbox(sources: string[]): Promise<number> {
    const results = await copyIntoInbox(this.effective.intake.inbox, sources, (done, total) =>
      this.emit({ type: 'progress', message: 'copying into the inbox', done, total }),
    );
    return results.filter((result) => result.written).length;
  }

  async close(): Promise<void> {
    await this.idle;
    this.stopForwarding();
    await this.engineNow.close();
  }

  private emit(event: EngineEvent): void {
    if (event.type === 'intake-status') this.lastIntakeStatus = event;
    for (const listener of this.listeners) listener(event);
  }

  private forwardEvents(engine: Engine): () => void {
    return engine.api.subscribe((event) => this.emit(event));
  }

  private audit(action: string, studyId: number | null, detail: Record<string, unknown> = {}): void {
    this.engineNow.store.audit.record(this.actor, action, studyId, detail);
  }

  private async updateSettings(patch: SettingsPatch): Promise<Settings> {
    const applying = this.idle.then(() => this.applySettings(patch));
    this.idle = applying.catch(() => undefined);
    return applying;
  }

  private async applySettings(patch: SettingsPatch): Promise<Settings> {
    let next: Settings;
    try {
      next = validateSettings(mergeSettings(this.effective, patch));
    } catch (error) {
      if (error instanceof SettingsFileError) throw new ApiError('INVALID_ARGUMENT', error.message);
      throw error;
    }
    const changed = changedFields(this.effective, next);
    if (changed.length === 0) return this.effective;
    if (changed.includes('model.folder')) {
      try {
        await loadModelCard(next.model.folder);
      } catch (error) {
        if (error instanceof ModelCardError) throw new ApiError('INVALID_ARGUMENT', `The model in ${next.model.folder} was refused: ${error.message}.`);
        throw error;
      }
    }
    const engineFields = changed.filter(isEngineField);
    // Another model alone is switched live: the engine re-scores the stored studies in the background.
    if (engineFields.length === 1 && engineFields[0] === 'model.folder') await this.useModel(next.model.folder);
    else if (engineFields.length > 0) await this.restartEngine(next);
    else if (changed.includes('intake.settleMs')) this.engineNow.setSettleMs(next.intake.settleMs);
    const saved = mergePatches(this.saved, patch);
    await writeSettingsFile(this.options.home, saved);
    this.saved = saved;
    this.effective = next;
    this.audit('settings-changed', null, Object.fromEntries(changed.map((field) => [field, valueAt(next, field)])));
    log.info(`settings changed: ${changed.join(', ')}`);
    this.emit({ type: 'settings-changed', settings: next });
    return next;
  }

  private async useModel(folder: string): Promise<void> {
    try {
      await this.engineNow.useModel(folder);
    } catch (error) {
      throw new ApiError('INVALID_ARGUMENT', `The model in ${folder} was refused: ${(error as Error).message}`);
    }
  }

  /** Closes the engine and starts one on the new settings; if that fails, the old settings come back and the reason is returned. */
  private async restartEngine(next: Settings): Promise<void> {
    this.stopForwarding();
    await this.engineNow.close();
    let engine: Engine;
    try {
      engine = await startEngineFor(next, this.options);
    } catch (error) {
      log.warn(`the engine could not start on the new settings, restoring the previous ones: ${(error as Error).message}`);
      this.engineNow = await startEngineFor(this.effective, this.options);
      this.stopForwarding = this.forwardEvents(this.engineNow);
      throw new ApiError('INVALID_ARGUMENT', `The new settings were not applied: ${(error as Error).message}`);
    }
    this.engineNow = engine;
    this.stopForwarding = this.forwardEvents(engine);
    this.lastIntakeStatus = null;
  }

  private status(): WorkstationStatus {
    return {
      inbox: this.effective.intake.inbox,
      home: this.options.home,
      logFolder: this.options.logFolder ?? null,
      provider: this.engineNow.provider,
      providerFallback: this.engineNow.providerFallback,
    };
  }

  private auditCsv(query: AuditQuery): string {
    const entries = this.engineNow.store.audit.list(query);
    this.audit('audit-exported', null, { entries: entries.length, filter: query });
    const header = formatCsvRow(['id', 'at', 'actor', 'action', 'studyId', 'detail']);
    return [header, ...entries.map((entry) => formatCsvRow([entry.id, entry.at, entry.actor, entry.action, entry.studyId, JSON.stringify(entry.detail)]))].join('\n') + '\n';
  }

  private createApi(): TriageApi {
    // Engine calls wait while a settings change swaps the engine, then go to the engine in force.
    const engine = async () => {
      await this.idle;
      return this.engineNow.api;
    };
    return {
      getModel: async () => (await engine()).getModel(),
      getNetworkStatus: async () => (await engine()).getNetworkStatus(),
      sendResults: async (studyId, destination) => {
        const status = await (await engine()).sendResults(studyId, destination);
        this.audit('results-sent', studyId, { destination });
        return status;
      },
      listStudies: async (query) => (await engine()).listStudies(query),
      getStudy: async (studyId) => {
        const detail = await (await engine()).getStudy(studyId);
        const actor = this.actor;
        if (this.lastOpened?.studyId !== studyId || this.lastOpened.actor !== actor) {
          this.audit('study-opened', studyId, { studyInstanceUid: detail.summary.studyInstanceUid });
          this.lastOpened = { actor, studyId };
        }
        return detail;
      },
      getSlicePixels: async (studyId, seriesUid, sliceIndex) => (await engine()).getSlicePixels(studyId, seriesUid, sliceIndex),
      getSliceCam: async (studyId, seriesUid, sliceIndex, cls) => (await engine()).getSliceCam(studyId, seriesUid, sliceIndex, cls),
      recordRead: async (read) => (await engine()).recordRead(read),
      importReads: async (format, csvText, reader) => {
        const result = await (await engine()).importReads(format, csvText, reader);
        this.audit('reads-imported', null, { format, imported: result.imported, unmatched: result.unmatched.length });
        return result;
      },
      compare: async (request) => (await engine()).compare(request),
      exportCompareCsv: async (request) => {
        const result = await (await engine()).compare(request);
        this.audit('compare-exported', null, { reference: result.reference, studies: result.studyCount });
        return compareToCsv(result);
      },
      listRejected: async () => (await engine()).listRejected(),
      listAudit: async (query) => {
        await engine();
        return this.engineNow.store.audit.list(query, AUDIT_SCREEN_LIMIT);
      },
      exportAuditCsv: async (query) => {
        await engine();
        return this.auditCsv(query);
      },
      getSettings: async () => this.effective,
      updateSettings: (patch) => this.updateSettings(patch),
      getStatus: async () => {
        await engine();
        return this.status();
      },
      addToInbox: async (relativePath, contentBase64) => {
        await engine();
        return writeIntoInbox(this.effective.intake.inbox, relativePath, Buffer.from(contentBase64, 'base64'));
      },
      openInboxFolder: () => this.options.openFolder(this.effective.intake.inbox),
      subscribe: (listener) => {
        this.listeners.add(listener);
        if (this.lastIntakeStatus?.paused) listener(this.lastIntakeStatus);
        return () => this.listeners.delete(listener);
      },
    };
  }
}

export function settingsContext(options: Pick<WorkstationOptions, 'home' | 'bundledModelDir'>): SettingsContext {
  return { home: options.home, bundledModelDir: options.bundledModelDir, join: path.join };
}

async function startEngineFor(settings: Settings, options: WorkstationOptions): Promise<Engine> {
  await mkdir(settings.intake.inbox, { recursive: true });
  await mkdir(path.dirname(settings.storage.database), { recursive: true });
  return startEngine({
    ...options.engine,
    inbox: settings.intake.inbox,
    dbPath: settings.storage.database,
    modelDir: settings.model.folder,
    providers: settings.model.providers.filter((provider) => provider !== 'cpu'),
    settleMs: settings.intake.settleMs,
    network: settings.network,
  });
}

function valueAt(settings: Settings, field: string): unknown {
  const [section, key] = field.split('.') as [keyof Settings, string];
  return (settings[section] as Record<string, unknown>)[key];
}

function operatingSystemUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown user';
  }
}
