import dcmjs from 'dcmjs';
import { readFile } from 'node:fs/promises';
import type { TriageApi } from '../../contract/api.js';
import { ICH_CLASSES } from '../../contract/classes.js';
import type { ResultSendStatus, StudyDetail } from '../../contract/dto.js';
import { ApiError } from '../../contract/errors.js';
import { log } from '../../log.js';
import type { TriageStore } from '../../store/triage-store.js';
import { AssociationFailure, isSuccess, storeInstances, type NaturalDataset } from '../scu/store-scu.js';
import type { Destination } from '../../contract/network-settings.js';
import { buildKeyImage } from './key-image.js';
import { buildMeasurementReport, FINDING_CODES, type ClassResult } from './measurement-report.js';
import { readNatural, type ResultProvenance, type SliceReference } from './result-context.js';

/** Waits before each retry (ms); the last failure after these is final. */
export const DEFAULT_RETRY_DELAYS_MS = [2_000, 10_000, 30_000, 120_000];

export interface ResultSenderOptions {
  callingAeTitle: string;
  destinations: Destination[];
  /** Who made the results, for the model that scored the study (may refuse, e.g. while it is re-scored). */
  provenance: (scoredBy: { name: string; version: string }) => ResultProvenance;
  api: Pick<TriageApi, 'getStudy' | 'getSlicePixels' | 'getSliceCam'>;
  store: TriageStore;
  onStatus(status: ResultSendStatus): void;
  retryDelaysMs?: number[];
}

/**
 * Builds a study's results (one TID 1500 SR, one Secondary Capture per key slice) and sends them
 * by C-STORE to a destination, retrying with backoff. The objects are built once per send, so a
 * retry resends the same UIDs and the destination never holds duplicates.
 */
export class ResultSender {
  private readonly statuses = new Map<string, ResultSendStatus>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: ResultSenderOptions) {}

  list(): ResultSendStatus[] {
    return [...this.statuses.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** Starts a send and resolves with its status after the first attempt. */
  async send(studyId: number, destinationName: string, trigger: ResultSendStatus['trigger'] = 'user'): Promise<ResultSendStatus> {
    const destination = this.options.destinations.find((d) => d.name === destinationName);
    if (!destination) throw new ApiError('NOT_FOUND', `No DICOM destination named "${destinationName}" is configured.`);
    const key = `${studyId}\u0000${destinationName}`;
    const current = this.statuses.get(key);
    if (current && (current.state === 'sending' || current.state === 'retrying')) return current;
    const study = await this.options.api.getStudy(studyId);
    if (study.summary.state !== 'done' || !study.summary.scores) {
      throw new ApiError('INVALID_ARGUMENT', `Study ${studyId} is not triaged yet (${study.summary.state}); its results can be sent once it is.`);
    }
    const objects = await this.buildResults(study);
    const status: ResultSendStatus = {
      studyId,
      destination: destinationName,
      state: 'sending',
      trigger,
      attempts: 0,
      objectCount: objects.length,
      lastError: null,
      nextAttemptAt: null,
      updatedAt: new Date().toISOString(),
    };
    this.publish(key, status);
    return this.attempt(key, destination, objects, 0);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async attempt(key: string, destination: Destination, objects: NaturalDataset[], retry: number): Promise<ResultSendStatus> {
    const previous = this.statuses.get(key)!;
    let error: string | null = null;
    let permanent = false;
    try {
      const results = await storeInstances(destination, this.options.callingAeTitle, objects);
      const refused = results.filter((r) => !isSuccess(r.status));
      if (refused.length > 0) {
        error = `${destination.name} refused ${refused.length} of ${results.length} objects (status 0x${refused[0]!.status.toString(16).padStart(4, '0')})`;
        // A refusal for lack of resources may pass; the others (A9xx, Cxxx) will not.
        permanent = refused.every((r) => (r.status & 0xff00) !== 0xa700);
      }
    } catch (failure) {
      error = (failure as Error).message;
      permanent = failure instanceof AssociationFailure && failure.permanent;
    }
    const attempts = previous.attempts + 1;
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    if (error === null) {
      this.options.store.audit.record('engine', 'results-sent', previous.studyId, { destination: destination.name, objects: objects.length });
      return this.publish(key, { ...previous, state: 'sent', attempts, lastError: null, nextAttemptAt: null });
    }
    log.warn(`sending results of study ${previous.studyId} to ${destination.name} failed (attempt ${attempts}): ${error}`);
    if (permanent || retry >= delays.length || this.closed) {
      this.options.store.audit.record('engine', 'results-send-failed', previous.studyId, { destination: destination.name, error });
      return this.publish(key, { ...previous, state: 'failed', attempts, lastError: error, nextAttemptAt: null });
    }
    const delay = delays[retry]!;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(key, destination, objects, retry + 1);
    }, delay);
    this.timers.add(timer);
    return this.publish(key, { ...previous, state: 'retrying', attempts, lastError: error, nextAttemptAt: new Date(Date.now() + delay).toISOString() });
  }

  private publish(key: string, status: ResultSendStatus): ResultSendStatus {
    const stamped = { ...status, updatedAt: new Date().toISOString() };
    this.statuses.set(key, stamped);
    this.options.onStatus(stamped);
    return stamped;
  }

  /** The SR over every class, and one key image per distinct key slice of the driving series. */
  private async buildResults(study: StudyDetail): Promise<NaturalDataset[]> {
    const series = study.series.find((s) => s.seriesInstanceUid === study.summary.drivingSeriesUid) ?? study.series[0]!;
    const seriesRow = this.options.store.series.findByUid(study.summary.studyId, series.seriesInstanceUid)!;
    const instances = new Map(this.options.store.instances.ofSeries(seriesRow.id).map((i) => [i.sopInstanceUid, i]));
    const reference = (sliceIndex: number): SliceReference => {
      const instance = instances.get(series.slices[sliceIndex]!.sopInstanceUid)!;
      return { sopClassUid: instance.header.SOPClassUID, sopInstanceUid: instance.sopInstanceUid, seriesInstanceUid: series.seriesInstanceUid };
    };
    const classes: ClassResult[] = ICH_CLASSES.map((cls) => {
      const top = series.slices.reduce((best, s) => (s.scores[cls] > series.slices[best]!.scores[cls] ? s.index : best), 0);
      return { cls, probability: study.summary.scores![cls], flagged: study.summary.flaggedClasses.includes(cls), keySlice: reference(top) };
    });
    const sourcePath = instances.get(classes[0]!.keySlice.sopInstanceUid)!.path;
    let source: NaturalDataset;
    try {
      source = readNatural(await readFile(sourcePath));
    } catch (error) {
      throw new ApiError('PIXELS_UNAVAILABLE', `The study's source file can no longer be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    }
    const { uid } = dcmjs.data.DicomMetaDictionary;
    const provenance = this.options.provenance(study.model ?? { name: '', version: '' });
    const report = buildMeasurementReport({ source, classes, provenance, seriesInstanceUid: uid(), sopInstanceUid: uid() });
    // Key images: the flagged classes' key slices, or the `any` key slice when nothing is flagged.
    const shown = classes.filter((c) => c.flagged);
    const keyClasses = shown.length > 0 ? shown : [classes[0]!];
    const bySlice = new Map<string, ClassResult>();
    for (const result of keyClasses) if (!bySlice.has(result.keySlice.sopInstanceUid)) bySlice.set(result.keySlice.sopInstanceUid, result);
    const keyImageSeries = uid();
    const keyImages: NaturalDataset[] = [];
    for (const result of bySlice.values()) {
      const index = series.slices.findIndex((s) => s.sopInstanceUid === result.keySlice.sopInstanceUid);
      const [pixels, cam] = await Promise.all([
        this.options.api.getSlicePixels(study.summary.studyId, series.seriesInstanceUid, index),
        this.options.api.getSliceCam(study.summary.studyId, series.seriesInstanceUid, index, result.cls),
      ]);
      keyImages.push(
        await buildKeyImage({
          source,
          slice: result.keySlice,
          pixels,
          cam,
          label: `${FINDING_CODES[result.cls].meaning} p=${result.probability.toFixed(2)}`,
          provenance,
          seriesInstanceUid: keyImageSeries,
          sopInstanceUid: uid(),
          instanceNumber: keyImages.length + 1,
        }),
      );
    }
    return [report, ...keyImages];
  }
}
