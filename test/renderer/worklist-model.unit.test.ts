import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClassScores } from '../../src-main/contract/classes.js';
import type { StudySummary } from '../../src-main/contract/dto.js';
import { DEFAULT_FILTER, DEFAULT_SORT, formatAge, visibleStudies } from '../../src-renderer/stores/worklist-model.js';

function scores(any: number, subdural = 0): ClassScores {
  return { any, epidural: 0, intraparenchymal: 0, intraventricular: 0, subarachnoid: 0, subdural };
}

function study(id: number, fields: Partial<StudySummary>): StudySummary {
  return {
    studyId: id,
    studyInstanceUid: `2.25.${id}`,
    state: 'done',
    errorReason: null,
    receivedAt: `2026-03-0${id}T10:00:00.000Z`,
    triagedAt: null,
    patientName: `Patient ${id}`,
    patientId: `P${id}`,
    accessionNumber: `A${id}`,
    studyDescription: 'CT HEAD',
    studyDate: '20260301',
    sliceCount: 10 * id,
    seriesCount: 1,
    scores: scores(0.1),
    drivingSeriesUid: null,
    model: null,
    flagged: false,
    flaggedClasses: [],
    warningCount: 0,
    read: null,
    ...fields,
  };
}

const flaggedHigh = study(1, { scores: scores(0.97, 0.9), flagged: true, flaggedClasses: ['any', 'subdural'] });
const flaggedLow = study(2, { scores: scores(0.7), flagged: true, flaggedClasses: ['any'] });
const pending = study(3, { state: 'analysing', scores: null });
const negativeRead = study(4, { scores: scores(0.3), read: { reader: 'R1', recordedAt: '2026-03-05T00:00:00Z', findings: { any: false, epidural: false, intraparenchymal: false, intraventricular: false, subarachnoid: false, subdural: false } } });
const negative = study(5, { scores: scores(0.05) });
const failed = study(6, { state: 'error', scores: null, errorReason: 'NOT_CT' });
const all = [negative, failed, negativeRead, pending, flaggedLow, flaggedHigh];
const ids = (list: StudySummary[]) => list.map((s) => s.studyId);

describe('worklist model', () => {
  it('ranks flagged by score, then pending, then failed, then the rest by score', () => {
    assert.deepEqual(ids(visibleStudies(all, DEFAULT_FILTER, DEFAULT_SORT)), [1, 2, 3, 6, 4, 5]);
  });

  it('sorts by any column both ways, unscored below scored for a class score', () => {
    assert.deepEqual(ids(visibleStudies(all, DEFAULT_FILTER, { key: 'subdural', descending: true })).slice(0, 1), [1]);
    assert.deepEqual(ids(visibleStudies(all, DEFAULT_FILTER, { key: 'any', descending: true })), [1, 2, 4, 5, 3, 6]);
    assert.deepEqual(ids(visibleStudies(all, DEFAULT_FILTER, { key: 'slices', descending: false })), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(ids(visibleStudies(all, DEFAULT_FILTER, { key: 'received', descending: true })), [6, 5, 4, 3, 2, 1]);
    assert.deepEqual(ids(visibleStudies(all, DEFAULT_FILTER, { key: 'read', descending: true })).slice(0, 1), [4]);
  });

  it('filters flagged, unread, subtype, date range and text', () => {
    const f = (filter: Partial<typeof DEFAULT_FILTER>) => ids(visibleStudies(all, { ...DEFAULT_FILTER, ...filter }, DEFAULT_SORT));
    assert.deepEqual(f({ flaggedOnly: true }), [1, 2]);
    assert.deepEqual(f({ unreadOnly: true }), [1, 2, 3, 6, 5]);
    assert.deepEqual(f({ subtype: 'subdural' }), [1]);
    assert.deepEqual(f({ from: '2026-03-02', to: '2026-03-04' }), [2, 3, 4]);
    assert.deepEqual(f({ text: 'a5' }), [5]);
    assert.deepEqual(f({ text: 'patient 3' }), [3]);
  });

  it('formats the age since arrival', () => {
    const at = Date.parse('2026-03-01T10:00:00Z');
    assert.equal(formatAge('2026-03-01T10:00:00Z', at + 30_000), '<1 min');
    assert.equal(formatAge('2026-03-01T10:00:00Z', at + 5 * 60_000), '5 min');
    assert.equal(formatAge('2026-03-01T10:00:00Z', at + 185 * 60_000), '3 h 05 min');
    assert.equal(formatAge('2026-03-01T10:00:00Z', at + 50 * 3600_000), '2 d 2 h');
  });
});
