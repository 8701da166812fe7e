import type { TriageApi } from '../../src-main/contract/api.js';
import { ICH_CLASSES, type IchClass } from '../../src-main/contract/classes.js';
import type { EngineEvent, SliceCam, SlicePixels } from '../../src-main/contract/dto.js';
import { ApiError } from '../../src-main/contract/errors.js';

/**
 * A TriageApi that records every call, for transport tests: what is under test is the hop (bytes,
 * errors, security), and the recording shows that a refused request never reached the engine.
 * Pixel and CAM values are a fixed function of their arguments, so a round trip can be checked exactly.
 */
export interface RecordingApi extends TriageApi {
  calls: { method: string; args: unknown[] }[];
  emit(event: EngineEvent): void;
  listenerCount(): number;
}

export function expectedPixels(studyId: number, sliceIndex: number, rows = 7, columns = 5): Int16Array {
  const hu = new Int16Array(rows * columns);
  for (let i = 0; i < hu.length; i++) hu[i] = ((i * 37 + studyId * 11 + sliceIndex) % 4000) - 2000;
  return hu;
}

export function expectedCam(sliceIndex: number, cls: IchClass, size = 8): Float32Array {
  const values = new Float32Array(size * size);
  const offset = ICH_CLASSES.indexOf(cls);
  for (let i = 0; i < values.length; i++) values[i] = ((i + sliceIndex + offset) % 17) / 16;
  return values;
}

export function createRecordingApi(): RecordingApi {
  const calls: { method: string; args: unknown[] }[] = [];
  const listeners = new Set<(event: EngineEvent) => void>();
  const record = (method: string, args: unknown[]): void => {
    calls.push({ method, args });
  };
  const missing = (studyId: number): ApiError => new ApiError('NOT_FOUND', `Study ${studyId} does not exist.`);
  return {
    calls,
    emit: (event) => listeners.forEach((listener) => listener(event)),
    listenerCount: () => listeners.size,
    async getModel() {
      record('getModel', []);
      return null;
    },
    async listStudies(query) {
      record('listStudies', [query]);
      return [];
    },
    async getStudy(studyId) {
      record('getStudy', [studyId]);
      throw missing(studyId);
    },
    async getSlicePixels(studyId, seriesInstanceUid, sliceIndex): Promise<SlicePixels> {
      record('getSlicePixels', [studyId, seriesInstanceUid, sliceIndex]);
      if (studyId !== 1) throw missing(studyId);
      return { rows: 7, columns: 5, hu: expectedPixels(studyId, sliceIndex) };
    },
    async getSliceCam(studyId, seriesInstanceUid, sliceIndex, cls): Promise<SliceCam> {
      record('getSliceCam', [studyId, seriesInstanceUid, sliceIndex, cls]);
      return { height: 8, width: 8, cls, values: expectedCam(sliceIndex, cls) };
    },
    async recordRead(read) {
      record('recordRead', [read]);
      throw new ApiError('INVALID_ARGUMENT', 'reader must not be empty');
    },
    async importReads(format, csvText, reader) {
      record('importReads', [format, csvText, reader]);
      return { format, imported: 0, unmatched: [] };
    },
    async compare(request) {
      record('compare', [request]);
      throw new Error('boom: not an ApiError');
    },
    async listRejected() {
      record('listRejected', []);
      return [];
    },
    async exportCompareCsv(request) {
      record('exportCompareCsv', [request]);
      return 'cls,rater\n';
    },
    async listAudit(query) {
      record('listAudit', [query]);
      return [];
    },
    async exportAuditCsv(query) {
      record('exportAuditCsv', [query]);
      return 'id,at,actor,action,studyId,detail\n';
    },
    async getSettings() {
      record('getSettings', []);
      throw new ApiError('NOT_FOUND', 'no settings in the contract double');
    },
    async updateSettings(patch) {
      record('updateSettings', [patch]);
      throw new ApiError('NOT_FOUND', 'no settings in the contract double');
    },
    async getStatus() {
      record('getStatus', []);
      return { inbox: '/inbox', home: '/home', logFolder: null, provider: 'cpu', providerFallback: null };
    },
    async addToInbox(relativePath, contentBase64) {
      record('addToInbox', [relativePath, contentBase64]);
      return { path: relativePath, written: true };
    },
    async openInboxFolder() {
      record('openInboxFolder', []);
    },
    async getNetworkStatus() {
      record('getNetworkStatus', []);
      return { scp: null, destinations: [], autoSendFlaggedTo: null, sends: [] };
    },
    async sendResults(studyId, destination) {
      record('sendResults', [studyId, destination]);
      throw new ApiError('NOT_FOUND', `No destination named ${destination}`);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
