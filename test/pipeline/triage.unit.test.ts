import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoresFromArray } from '../../src-main/contract/classes.js';
import { flaggedClasses, scoreSeries, scoreStudy } from '../../src-main/pipeline/triage/index.js';

describe('triage scoring', () => {
  it('scores a series as the max over slices per class and finds the most suspicious slice', () => {
    const probs = Float32Array.from([
      0.1, 0.0, 0.1, 0.0, 0.0, 0.0, //
      0.9, 0.0, 0.2, 0.0, 0.0, 0.8, //
      0.5, 0.3, 0.7, 0.0, 0.0, 0.1,
    ]);
    const { scores, mostSuspiciousSlice } = scoreSeries(probs, 3);
    assert.equal(mostSuspiciousSlice, 1);
    assert.deepEqual(
      Object.values(scores).map((v) => Number(v.toFixed(3))),
      [0.9, 0.3, 0.7, 0, 0, 0.8],
    );
  });

  it('scores a study as the max over its series and names the series that drove it', () => {
    const a = { seriesInstanceUid: 'thin', scores: scoresFromArray([0.4, 0, 0.4, 0, 0.6, 0]) };
    const b = { seriesInstanceUid: 'thick', scores: scoresFromArray([0.7, 0.1, 0.2, 0, 0.1, 0]) };
    const study = scoreStudy([a, b])!;
    assert.equal(study.drivingSeriesUid, 'thick');
    assert.equal(study.scores.any, 0.7);
    assert.equal(study.scores.subarachnoid, 0.6);
    assert.equal(scoreStudy([]), null);
  });

  it('flags classes at or above their threshold', () => {
    const thresholds = scoresFromArray([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    assert.deepEqual(flaggedClasses(scoresFromArray([0.5, 0.1, 0.49, 0.9, 0, 0]), thresholds), ['any', 'intraventricular']);
  });

  it('refuses probabilities that do not match the slice count', () => {
    assert.throws(() => scoreSeries(new Float32Array(7), 1), /7 values for 1 slices/);
  });
});
