import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClassScores } from '../../src-main/contract/classes.js';
import { levelMetrics, maxScores, scanLabels } from '../../src-main/evaluate/level-metrics.js';

const thresholds: ClassScores = { any: 0.5, epidural: 0.3, intraparenchymal: 0.5, intraventricular: 0.5, subarachnoid: 0.5, subdural: 0.5 };
const flat = (any: number, epidural: number): ClassScores => ({ ...thresholds, any, epidural, subdural: 0.5 });

describe('levelMetrics', () => {
  it('reports only labelled classes, at the card thresholds', () => {
    // any: scores .8 .4 .6 labels T T F -> at .5: TP (.8), FN (.4), FP (.6); AUC: .8>.6 yes, .4>.6 no -> 1/2
    // epidural: known on sample 1 only (F, .2 < .3) -> TN, AUC undefined
    // a fourth sample with no known label counts nowhere
    const metrics = levelMetrics(
      [flat(0.8, 0.2), flat(0.4, 0.9), flat(0.6, 0.9), flat(0.9, 0.9)],
      [{ any: true, epidural: false }, { any: true }, { any: false }, {}],
      thresholds,
    );
    assert.equal(metrics.count, 3);
    assert.deepEqual(metrics.classes.map((c) => c.cls), ['any', 'epidural']);
    assert.deepEqual(metrics.classes[0], {
      cls: 'any', n: 3, positives: 2, threshold: 0.5, auc: 0.5, tp: 1, fp: 1, tn: 0, fn: 1, accuracy: 1 / 3, sensitivity: 0.5, specificity: 0,
    });
    assert.deepEqual(metrics.classes[1], {
      cls: 'epidural', n: 1, positives: 0, threshold: 0.3, auc: null, tp: 0, fp: 0, tn: 1, fn: 0, accuracy: 1, sensitivity: null, specificity: 1,
    });
    assert.ok(metrics.logLoss !== null && metrics.logLoss > 0);
  });
});

describe('scan aggregation', () => {
  it('labels a scan positive if any slice is, negative only if all are known negative', () => {
    assert.deepEqual(scanLabels([{ any: false, subdural: false }, { any: true }, { any: false, subdural: false }]), { any: true });
    assert.deepEqual(scanLabels([{ any: false }, { any: false }]), { any: false });
    assert.deepEqual(scanLabels([]), {});
  });

  it('takes the max per class', () => {
    assert.deepEqual(maxScores([flat(0.1, 0.7), flat(0.6, 0.2)]), { ...thresholds, any: 0.6, epidural: 0.7, subdural: 0.5 });
  });
});
