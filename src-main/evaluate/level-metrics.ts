import { confusionAt, ratesOf, rocAuc, weightedLogLoss, type ClassLabels, type ConfusionCounts, type Rates } from '../analysis/metrics.js';
import { ICH_CLASSES, type ClassScores, type IchClass } from '../contract/classes.js';

export interface ClassMetrics extends ConfusionCounts, Rates {
  cls: IchClass;
  /** Samples whose label for this class is known. */
  n: number;
  positives: number;
  threshold: number;
  auc: number | null;
}

export interface LevelMetrics {
  /** Samples with at least one known label. */
  count: number;
  /** Weighted log loss (any x2) over the known labels. */
  logLoss: number | null;
  /** Only classes with at least one known label. */
  classes: ClassMetrics[];
}

/** Per-class AUC and operating-point rates at the thresholds, and the weighted log loss, of one level. */
export function levelMetrics(predictions: readonly ClassScores[], labels: readonly ClassLabels[], thresholds: ClassScores): LevelMetrics {
  const classes: ClassMetrics[] = [];
  for (const cls of ICH_CLASSES) {
    const known = labels.flatMap((label, i) => {
      const value = label[cls];
      return value === undefined || value === null ? [] : [{ score: predictions[i]![cls], value }];
    });
    if (known.length === 0) continue;
    const scores = known.map((k) => k.score);
    const truth = known.map((k) => k.value);
    const counts = confusionAt(scores, truth, thresholds[cls]);
    classes.push({
      cls,
      n: known.length,
      positives: truth.filter(Boolean).length,
      threshold: thresholds[cls],
      auc: rocAuc(scores, truth),
      ...counts,
      ...ratesOf(counts),
    });
  }
  const count = labels.filter((label) => ICH_CLASSES.some((cls) => label[cls] !== undefined && label[cls] !== null)).length;
  return { count, logLoss: weightedLogLoss(predictions, labels), classes };
}

/** A scan's label per class: positive if any slice is, negative if every slice is known negative, else unknown. */
export function scanLabels(sliceLabels: readonly ClassLabels[]): ClassLabels {
  const labels: ClassLabels = {};
  for (const cls of ICH_CLASSES) {
    const values = sliceLabels.map((l) => l[cls]);
    if (values.some((v) => v === true)) labels[cls] = true;
    else if (values.length > 0 && values.every((v) => v === false)) labels[cls] = false;
  }
  return labels;
}

/** Per-class max over slices: the model contract's scan aggregation. */
export function maxScores(slices: readonly ClassScores[]): ClassScores {
  const scores = {} as ClassScores;
  for (const cls of ICH_CLASSES) scores[cls] = Math.max(...slices.map((s) => s[cls]));
  return scores;
}
