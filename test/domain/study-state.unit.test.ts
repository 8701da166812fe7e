import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { studyStateOf } from '../../src-main/domain/study-state.js';

describe('study state', () => {
  const series = (state: 'receiving' | 'queued' | 'analysing' | 'done' | 'error', errorReason: string | null = null) => ({ state, errorReason });

  it('follows the least advanced series, ignoring failed ones while others work', () => {
    assert.deepEqual(studyStateOf([series('done'), series('analysing')]), { state: 'analysing', errorReason: null });
    assert.deepEqual(studyStateOf([series('done'), series('error', 'x')]), { state: 'done', errorReason: null });
    assert.deepEqual(studyStateOf([series('receiving'), series('done')]), { state: 'receiving', errorReason: null });
  });

  it('fails only when every series failed, with their reasons', () => {
    assert.deepEqual(studyStateOf([series('error', 'no slices'), series('error', 'model broken')]), { state: 'error', errorReason: 'no slices; model broken' });
  });

  it('is receiving before any series exists', () => {
    assert.deepEqual(studyStateOf([]), { state: 'receiving', errorReason: null });
  });
});
