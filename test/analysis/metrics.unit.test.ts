import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClassScores } from '../../src-main/contract/classes.js';
import {
  confusionAt,
  confusionOfCalls,
  ratesOf,
  rocAuc,
  rocCurve,
  thresholdForSensitivity,
  weightedLogLoss,
} from '../../src-main/analysis/metrics.js';

const close = (actual: number | null, expected: number, eps = 1e-9): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) < eps, `${actual} != ${expected}`);
};

describe('rocAuc', () => {
  it('counts ordered pairs without ties', () => {
    // ascending: 0.1 N (rank 1), 0.35 P (2), 0.4 N (3), 0.8 P (4); positive rank sum 6,
    // U = 6 - 2*3/2 = 3, AUC = 3 / (2*2) = 0.75
    close(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
  });

  it('gives tied scores the average rank (half a pair)', () => {
    // 0.2 N rank 1; 0.5 P and 0.5 N share ranks 2,3 -> 2.5; 0.9 P rank 4.
    // positive rank sum 2.5 + 4 = 6.5, U = 6.5 - 3 = 3.5, AUC = 3.5 / 4 = 0.875
    close(rocAuc([0.2, 0.5, 0.5, 0.9], [false, true, false, true]), 0.875);
    // all tied: every pair is half -> 0.5
    close(rocAuc([0.3, 0.3, 0.3], [true, false, false]), 0.5);
  });

  it('is 0 for a perfectly inverted ranking', () => {
    close(rocAuc([0.9, 0.1], [false, true]), 0);
  });

  it('is null when one class is absent', () => {
    assert.equal(rocAuc([0.2, 0.7], [true, true]), null);
    assert.equal(rocAuc([0.2, 0.7], [false, false]), null);
    assert.equal(rocAuc([], []), null);
  });

  it('rejects unpaired input', () => {
    assert.throws(() => rocAuc([0.1], [true, false]), /1 scores but 2 labels/);
  });
});

describe('rocCurve', () => {
  it('has one point per distinct score, from (0,0) to (1,1)', () => {
    // descending: 0.9 P -> tp 1 fp 0; the tie at 0.5 (P and N) collapses -> tp 2 fp 1; 0.2 N -> tp 2 fp 2.
    // P = 2, N = 2.
    assert.deepEqual(rocCurve([0.2, 0.5, 0.5, 0.9], [false, true, false, true]), [
      { fpr: 0, tpr: 0, threshold: 1.9 },
      { fpr: 0, tpr: 0.5, threshold: 0.9 },
      { fpr: 0.5, tpr: 1, threshold: 0.5 },
      { fpr: 1, tpr: 1, threshold: 0.2 },
    ]);
  });

  it('is empty when one class is absent', () => {
    assert.deepEqual(rocCurve([0.1, 0.2], [true, true]), []);
  });
});

describe('confusion and rates', () => {
  it('calls score >= threshold positive', () => {
    // threshold 0.5: calls F T T T against F T F T -> tp 2 (0.5, 0.9), fp 1 (0.5), tn 1 (0.2), fn 0
    const counts = confusionAt([0.2, 0.5, 0.5, 0.9], [false, true, false, true], 0.5);
    assert.deepEqual(counts, { tp: 2, fp: 1, tn: 1, fn: 0 });
    // accuracy 3/4, sensitivity 2/2, specificity 1/2
    assert.deepEqual(ratesOf(counts), { accuracy: 0.75, sensitivity: 1, specificity: 0.5 });
  });

  it('counts binary calls', () => {
    assert.deepEqual(confusionOfCalls([true, false, false], [false, true, false]), { tp: 0, fp: 1, tn: 1, fn: 1 });
  });

  it('gives null rates when a denominator is zero', () => {
    assert.deepEqual(ratesOf({ tp: 0, fp: 0, tn: 0, fn: 0 }), { accuracy: null, sensitivity: null, specificity: null });
    // no positives: sensitivity undefined; specificity 3/5, accuracy 3/5
    assert.deepEqual(ratesOf({ tp: 0, fp: 2, tn: 3, fn: 0 }), { accuracy: 0.6, sensitivity: null, specificity: 0.6 });
  });
});

const scores = (any: number, others: number): ClassScores => ({
  any,
  epidural: others,
  intraparenchymal: others,
  intraventricular: others,
  subarachnoid: others,
  subdural: others,
});

describe('weightedLogLoss', () => {
  it('weights any twice and renormalises over known classes', () => {
    const negatives = { epidural: false, intraparenchymal: false, intraventricular: false, subarachnoid: false, subdural: false };
    // sample 1, all known: any p=.9 y=1 -> -ln .9 = 0.1053605157; five others p=.5 y=0 -> 5 * 0.6931471806 = 3.4657359028
    //   (2 * 0.1053605157 + 3.4657359028) / 7 = 3.6764569342 / 7 = 0.5252081335
    // sample 2, only any known: p=.2 y=0 -> 2 * -ln .8 / 2 = 0.2231435513
    // sample 3, nothing known (null/missing): left out
    // mean over 2 samples = (0.5252081335 + 0.2231435513) / 2 = 0.3741758424
    const loss = weightedLogLoss(
      [scores(0.9, 0.5), scores(0.2, 0.7), scores(0.5, 0.5)],
      [{ any: true, ...negatives }, { any: false, epidural: null }, {}],
    );
    close(loss, 0.3741758424, 1e-9);
  });

  it('clips probabilities to [1e-7, 1 - 1e-7]', () => {
    // p = 0 with y = 1 for every class -> -ln(1e-7) = 16.1180956510 for each, weighted mean is the same
    const allPositive = { any: true, epidural: true, intraparenchymal: true, intraventricular: true, subarachnoid: true, subdural: true };
    close(weightedLogLoss([scores(0, 0)], [allPositive]), 16.118095651, 1e-8);
    // p = 1 with y = 1 -> -ln(1 - 1e-7) ~ 1.00000005e-7
    close(weightedLogLoss([scores(1, 1)], [allPositive]), 1.00000005e-7, 1e-14);
  });

  it('is null when no label is known', () => {
    assert.equal(weightedLogLoss([scores(0.5, 0.5)], [{}]), null);
    assert.equal(weightedLogLoss([], []), null);
  });
});

describe('thresholdForSensitivity', () => {
  // positives score 0.9, 0.7, 0.7, 0.3; negatives 0.8 and 0.1 do not matter
  const s = [0.9, 0.8, 0.7, 0.7, 0.3, 0.1];
  const y = [true, false, true, true, true, false];

  it('picks the highest threshold that reaches the target', () => {
    // at 0.9: 1/4 = 0.25; at 0.7: 3/4 = 0.75 (both tied positives at once); at 0.3: 4/4
    assert.equal(thresholdForSensitivity(s, y, 0.25), 0.9);
    assert.equal(thresholdForSensitivity(s, y, 0.5), 0.7);
    assert.equal(thresholdForSensitivity(s, y, 0.75), 0.7);
    assert.equal(thresholdForSensitivity(s, y, 0.8), 0.3);
    assert.equal(thresholdForSensitivity(s, y, 1), 0.3);
    assert.equal(thresholdForSensitivity(s, y, 0), 0.9);
  });

  it('meets decimal targets exactly reached', () => {
    // 10 positives 1.0, 0.9, ..., 0.1: 7/10 first reached at the 7th highest, 0.4
    const tenth = Array.from({ length: 10 }, (_, i) => (10 - i) / 10);
    assert.equal(thresholdForSensitivity(tenth, tenth.map(() => true), 0.7), 0.4);
  });

  it('is null without positives and rejects bad targets', () => {
    assert.equal(thresholdForSensitivity([0.1], [false], 0.9), null);
    assert.throws(() => thresholdForSensitivity(s, y, 1.5), /not in \[0, 1\]/);
  });
});
