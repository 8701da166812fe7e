import type { TriageApiMethod } from '../../src-main/contract/api.js';

/**
 * Calls a page could send that break the contract's types, each of which both transports must refuse
 * with INVALID_ARGUMENT before the engine sees it. The first four rows are the red-team findings.
 */
const READ = { studyId: 1, reader: 'R1', findings: { subdural: true }, note: '', sliceMarks: [] };

export const BAD_CALLS: { method: TriageApiMethod; args: unknown[] }[] = [
  { method: 'listStudies', args: [null] },
  { method: 'recordRead', args: [null] },
  { method: 'compare', args: [null] },
  { method: 'getStudy', args: [null] },
  { method: 'listStudies', args: [] },
  { method: 'listStudies', args: ['flagged'] },
  { method: 'listStudies', args: [{ subtype: 'bleed' }] },
  { method: 'listStudies', args: [{ from: '29/11/2026' }] },
  { method: 'recordRead', args: [{ ...READ, studyId: '1' }] },
  { method: 'recordRead', args: [{ ...READ, findings: { subdural: 'yes' } }] },
  { method: 'recordRead', args: [{ ...READ, findings: { bleed: true } }] },
  { method: 'recordRead', args: [{ ...READ, sliceMarks: null }] },
  { method: 'recordRead', args: [{ ...READ, sliceMarks: [{ sliceIndex: -1, seriesInstanceUid: '1.2', cls: 'any' }] }] },
  { method: 'compare', args: [{ reference: 5 }] },
  { method: 'compare', args: [] },
  { method: 'getStudy', args: ['1'] },
  { method: 'getStudy', args: [1.5] },
  { method: 'getSlicePixels', args: [1, null, 0] },
  { method: 'getSliceCam', args: [1, '1.2.3', 0, 'bleed'] },
  { method: 'importReads', args: ['xml', 'ID,Label\n'] },
  { method: 'importReads', args: ['rsna', null] },
  { method: 'getModel', args: [1] },
  { method: 'updateSettings', args: [{ intake: { settleMs: -1 } }] },
  { method: 'updateSettings', args: [{ intake: { colour: 'red' } }] },
  { method: 'updateSettings', args: [{ printer: {} }] },
  { method: 'updateSettings', args: [{ notifications: { criticalClasses: ['bleed'] } }] },
  { method: 'addToInbox', args: ['a.dcm', 'not base64!'] },
  { method: 'listAudit', args: [{ from: 'yesterday' }] },
  { method: 'getNetworkStatus', args: [1] },
  { method: 'sendResults', args: ['1', 'PACS'] },
  { method: 'sendResults', args: [1, ''] },
  { method: 'sendResults', args: [1] },
];
