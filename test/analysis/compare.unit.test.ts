import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareToCsv, compareWithReference, type CompareStudy } from '../../src-main/analysis/compare.js';
import { ICH_CLASSES, type ClassScores } from '../../src-main/contract/classes.js';
import { ApiError } from '../../src-main/contract/errors.js';

const thresholds: ClassScores = { any: 0.5, epidural: 0.5, intraparenchymal: 0.5, intraventricular: 0.5, subarachnoid: 0.5, subdural: 0.5 };
const anyScore = (any: number): ClassScores => ({ ...thresholds, any, subdural: 0.1 });

// Only `any` is stated by the readers. Majority per study:
//   S1 .9: R1 T, R2 T, R3 F -> T      S2 .6: R1 T, R2 F, R3 F -> F     S3 .2: R1 F, R2 F -> F
//   S4 .4: R1 T, R3 T -> T            S5 .7: R1 T, R2 F -> 1-1 split -> F (not strictly more than half)
//   S6 .3: nobody read it -> left out
const studies: CompareStudy[] = [
  { studyId: 1, studyInstanceUid: '1.1', scores: anyScore(0.9), reads: { R1: { any: true }, R2: { any: true }, R3: { any: false } } },
  { studyId: 2, studyInstanceUid: '1.2', scores: anyScore(0.6), reads: { R1: { any: true }, R2: { any: false }, R3: { any: false } } },
  { studyId: 3, studyInstanceUid: '1.3', scores: anyScore(0.2), reads: { R1: { any: false }, R2: { any: false } } },
  { studyId: 4, studyInstanceUid: '1.4', scores: anyScore(0.4), reads: { R1: { any: true }, R3: { any: true } } },
  { studyId: 5, studyInstanceUid: '1.5', scores: anyScore(0.7), reads: { R1: { any: true }, R2: { any: false } } },
  { studyId: 6, studyInstanceUid: '1.6', scores: anyScore(0.3), reads: {} },
];

const row = (result: ReturnType<typeof compareWithReference>, cls: string, rater: string) => {
  const found = result.rows.find((r) => r.cls === cls && r.rater === rater);
  assert.ok(found, `no row ${cls}/${rater}`);
  return found;
};

describe('compareWithReference: majority', () => {
  const result = compareWithReference(studies, thresholds, 'majority');

  it('scores the model at the card threshold, with AUC', () => {
    // model calls (>= .5): S1 T, S2 T, S3 F, S4 F, S5 T against majority T, F, F, T, F
    // -> TP S1, FP S2 S5, TN S3, FN S4; accuracy 2/5, sensitivity 1/2, specificity 1/3
    // AUC: positives {.9, .4} vs negatives {.6, .2, .7}: .9 beats 3, .4 beats 1 -> 4/6
    const model = row(result, 'any', 'model');
    assert.deepEqual({ ...model, auc: null, specificity: null }, {
      cls: 'any', rater: 'model', n: 5, tp: 1, fp: 2, tn: 1, fn: 1, accuracy: 0.4, sensitivity: 0.5, specificity: null, auc: null,
    });
    assert.ok(Math.abs(model.specificity! - 1 / 3) < 1e-12);
    assert.ok(Math.abs(model.auc! - 4 / 6) < 1e-12);
  });

  it('scores each reader on the studies it read', () => {
    // R1: T T F T T vs T F F T F -> TP 2 (S1 S4), FP 2 (S2 S5), TN 1 (S3)
    assert.deepEqual(row(result, 'any', 'R1'), {
      cls: 'any', rater: 'R1', n: 5, tp: 2, fp: 2, tn: 1, fn: 0, accuracy: 0.6, sensitivity: 1, specificity: 1 / 3, auc: null,
    });
    // R2 read S1 S2 S3 S5: T/T, F/F, F/F, F/F -> TP 1, TN 3
    assert.deepEqual(row(result, 'any', 'R2'), {
      cls: 'any', rater: 'R2', n: 4, tp: 1, fp: 0, tn: 3, fn: 0, accuracy: 1, sensitivity: 1, specificity: 1, auc: null,
    });
    // R3 read S1 S2 S4: F/T (FN), F/F (TN), T/T (TP)
    assert.deepEqual(row(result, 'any', 'R3'), {
      cls: 'any', rater: 'R3', n: 3, tp: 1, fp: 0, tn: 1, fn: 1, accuracy: 2 / 3, sensitivity: 0.5, specificity: 1, auc: null,
    });
  });

  it('lists the model ROC and the disagreements', () => {
    // descending .9 P, .7 N, .6 N, .4 P, .2 N with P = 2, N = 3
    assert.deepEqual(result.roc.any, [
      { fpr: 0, tpr: 0, threshold: 1.9 },
      { fpr: 0, tpr: 0.5, threshold: 0.9 },
      { fpr: 1 / 3, tpr: 0.5, threshold: 0.7 },
      { fpr: 2 / 3, tpr: 0.5, threshold: 0.6 },
      { fpr: 2 / 3, tpr: 1, threshold: 0.4 },
      { fpr: 1, tpr: 1, threshold: 0.2 },
    ]);
    assert.deepEqual(result.disagreements, [
      { studyId: 2, studyInstanceUid: '1.2', cls: 'any', model: 0.6, reference: false },
      { studyId: 4, studyInstanceUid: '1.4', cls: 'any', model: 0.4, reference: true },
      { studyId: 5, studyInstanceUid: '1.5', cls: 'any', model: 0.7, reference: false },
    ]);
    assert.equal(result.studyCount, 5);
    assert.deepEqual(result.readers, ['R1', 'R2', 'R3']);
  });

  it('gives classes nobody stated empty rows, not invented zeros', () => {
    const subdural = row(result, 'subdural', 'model');
    assert.deepEqual([subdural.n, subdural.accuracy, subdural.auc], [0, null, null]);
    assert.deepEqual(result.roc.subdural, []);
    assert.equal(result.rows.length, ICH_CLASSES.length * 4);
  });
});

describe('compareWithReference: a reader as reference', () => {
  const result = compareWithReference(studies, thresholds, 'R1');

  it('uses that reader and leaves its own row out', () => {
    assert.deepEqual(result.rows.filter((r) => r.cls === 'any').map((r) => r.rater), ['model', 'R2', 'R3']);
    // R1 says T T F T T on S1..S5; model T T F F T -> TP 3, TN 1, FN 1 (S4); AUC: the one negative (.2) is lowest -> 1
    assert.deepEqual(row(result, 'any', 'model'), {
      cls: 'any', rater: 'model', n: 5, tp: 3, fp: 0, tn: 1, fn: 1, accuracy: 0.8, sensitivity: 0.75, specificity: 1, auc: 1,
    });
    // R3 on S1 S2 S4: F/T, F/T, T/T -> FN 2, TP 1, no negatives -> specificity undefined
    assert.deepEqual(row(result, 'any', 'R3'), {
      cls: 'any', rater: 'R3', n: 3, tp: 1, fp: 0, tn: 0, fn: 2, accuracy: 1 / 3, sensitivity: 1 / 3, specificity: null, auc: null,
    });
    assert.deepEqual(result.disagreements.map((d) => d.studyId), [4]);
  });

  it('rejects a reader with no reads and sorts reader names naturally', () => {
    assert.throws(
      () => compareWithReference(studies, thresholds, 'R9'),
      (e: Error) => e instanceof ApiError && e.code === 'INVALID_ARGUMENT' && /No reads by "R9".*one of R1, R2, R3/.test(e.message),
    );
    const two = compareWithReference([{ ...studies[0]!, reads: { R10: { any: true }, R2: { any: true } } }], thresholds, 'majority');
    assert.deepEqual(two.readers, ['R2', 'R10']);
  });
});

describe('compareToCsv', () => {
  it('writes one line per row, empty cells for undefined rates', () => {
    const csv = compareToCsv(compareWithReference(studies, thresholds, 'R1'));
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'reference,rater,class,n,tp,fp,tn,fn,accuracy,sensitivity,specificity,auc');
    assert.equal(lines.length, 1 + ICH_CLASSES.length * 3);
    assert.equal(lines[1], 'R1,model,any,5,3,0,1,1,0.8,0.75,1,1');
    assert.equal(lines[3], `R1,R3,any,3,1,0,0,2,${1 / 3},${1 / 3},,`);
  });
});
