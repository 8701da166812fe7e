import { ICH_CLASSES, type ClassScores, type IchClass } from '../contract/classes.js';
import type { RocPoint } from '../contract/dto.js';

/** Binary outcome counts at one threshold. */
export interface ConfusionCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface Rates {
  accuracy: number | null;
  sensitivity: number | null;
  specificity: number | null;
}

/** Per-class labels of one sample; a class that is missing or null is unknown and skipped. */
export type ClassLabels = Partial<Record<IchClass, boolean | null>>;

/** The competition's class weights: `any` counts twice. */
export const LOG_LOSS_WEIGHTS: ClassScores = {
  any: 2,
  epidural: 1,
  intraparenchymal: 1,
  intraventricular: 1,
  subarachnoid: 1,
  subdural: 1,
};

const PROBABILITY_CLIP = 1e-7;

function checkPaired(scores: readonly number[], labels: readonly boolean[]): void {
  if (scores.length !== labels.length) {
    throw new Error(`${scores.length} scores but ${labels.length} labels`);
  }
}

/**
 * Area under the ROC curve as the Mann–Whitney U statistic: the chance that a random positive
 * scores above a random negative, ties counting one half (average ranks). Null when only one
 * class is present, because the area is then undefined.
 */
export function rocAuc(scores: readonly number[], labels: readonly boolean[]): number | null {
  checkPaired(scores, labels);
  const positives = labels.filter(Boolean).length;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    // Ranks are 1-based; a run of ties shares the mean of its ranks start+1 .. end+1.
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) if (labels[order[k]!]) positiveRankSum += averageRank;
    start = end + 1;
  }
  const u = positiveRankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

/**
 * ROC curve with one point per distinct score (tied scores collapse into one point), from
 * (0, 0) to (1, 1). A point's threshold is the score at which "score >= threshold" gives it; the
 * (0, 0) point, reached by no score, gets max score + 1 (sklearn's old convention; JSON has no
 * Infinity). Empty when only one class is present: the rates are undefined then.
 */
export function rocCurve(scores: readonly number[], labels: readonly boolean[]): RocPoint[] {
  checkPaired(scores, labels);
  const positives = labels.filter(Boolean).length;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return [];
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: scores[order[0]!]! + 1 }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    if (labels[order[k]!]) tp++;
    else fp++;
    const score = scores[order[k]!]!;
    const nextScore = k + 1 < order.length ? scores[order[k + 1]!] : undefined;
    if (nextScore !== score) points.push({ fpr: fp / negatives, tpr: tp / positives, threshold: score });
  }
  return points;
}

/** Counts with "score >= threshold" as the positive call. */
export function confusionAt(scores: readonly number[], labels: readonly boolean[], threshold: number): ConfusionCounts {
  checkPaired(scores, labels);
  return confusionOfCalls(
    scores.map((score) => score >= threshold),
    labels,
  );
}

/** Counts of binary calls (a reader's, or a model's after thresholding) against the truth. */
export function confusionOfCalls(calls: readonly boolean[], truth: readonly boolean[]): ConfusionCounts {
  if (calls.length !== truth.length) throw new Error(`${calls.length} calls but ${truth.length} labels`);
  const counts: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  calls.forEach((call, i) => {
    if (call) counts[truth[i] ? 'tp' : 'fp']++;
    else counts[truth[i] ? 'fn' : 'tn']++;
  });
  return counts;
}

/** Accuracy, sensitivity and specificity; each null when its denominator is zero. */
export function ratesOf(counts: ConfusionCounts): Rates {
  const { tp, fp, tn, fn } = counts;
  const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);
  return {
    accuracy: ratio(tp + tn, tp + fp + tn + fn),
    sensitivity: ratio(tp, tp + fn),
    specificity: ratio(tn, tn + fp),
  };
}

/**
 * The competition metric: per sample, the class-weighted mean of binary cross-entropies
 * (sum_k w_k * BCE_k / sum_k w_k over the classes whose label is known, so a masked class drops
 * out and the weights renormalise), then the mean over samples. Probabilities are clipped to
 * [1e-7, 1 - 1e-7]. Samples with no known label are left out; null when none is left.
 */
export function weightedLogLoss(
  predictions: readonly ClassScores[],
  labels: readonly ClassLabels[],
  weights: ClassScores = LOG_LOSS_WEIGHTS,
): number | null {
  if (predictions.length !== labels.length) throw new Error(`${predictions.length} predictions but ${labels.length} labels`);
  let total = 0;
  let samples = 0;
  predictions.forEach((prediction, i) => {
    let loss = 0;
    let weightSum = 0;
    for (const cls of ICH_CLASSES) {
      const label = labels[i]![cls];
      if (label === undefined || label === null) continue;
      const p = Math.min(Math.max(prediction[cls], PROBABILITY_CLIP), 1 - PROBABILITY_CLIP);
      loss += weights[cls] * -Math.log(label ? p : 1 - p);
      weightSum += weights[cls];
    }
    if (weightSum === 0) return;
    total += loss / weightSum;
    samples++;
  });
  return samples === 0 ? null : total / samples;
}

/**
 * The highest threshold whose sensitivity ("score >= threshold") reaches the target, i.e. the
 * most specific operating point that still finds the wanted share of positives. Candidates are the
 * positives' own scores. Null when there is no positive.
 */
export function thresholdForSensitivity(scores: readonly number[], labels: readonly boolean[], target: number): number | null {
  checkPaired(scores, labels);
  if (!(target >= 0 && target <= 1)) throw new Error(`Target sensitivity ${target} is not in [0, 1]`);
  const positiveScores = scores.filter((_, i) => labels[i]).sort((a, b) => b - a);
  const total = positiveScores.length;
  if (total === 0) return null;
  // The first distinct positive score (walking down) at which enough positives are found; all
  // positives tied at a score are found together. The lowest positive score always qualifies.
  // A tiny tolerance so that e.g. 7/10 >= 0.7 holds although 0.7 is not exact in binary.
  const k = positiveScores.findIndex(
    (score, i) => positiveScores[i + 1] !== score && (i + 1) / total >= target - 1e-12,
  );
  return positiveScores[k]!;
}
