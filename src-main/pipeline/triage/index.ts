import { ICH_CLASSES, scoresFromArray, type ClassScores, type IchClass } from '../../contract/classes.js';

const CLASS_COUNT = ICH_CLASSES.length;

export interface SeriesScore {
  /** Scan score = max over slices, per class (the model card's scanAggregation). */
  scores: ClassScores;
  /** Index of the slice with the highest `any` probability. */
  mostSuspiciousSlice: number;
}

/** Aggregates per-slice probabilities (S*6, slice order) into the series score. */
export function scoreSeries(sliceProbs: Float32Array, sliceCount: number): SeriesScore {
  if (sliceCount === 0 || sliceProbs.length !== sliceCount * CLASS_COUNT) {
    throw new Error(`scoreSeries: ${sliceProbs.length} values for ${sliceCount} slices`);
  }
  const max = new Float64Array(CLASS_COUNT).fill(-Infinity);
  let mostSuspiciousSlice = 0;
  for (let s = 0; s < sliceCount; s++) {
    for (let k = 0; k < CLASS_COUNT; k++) {
      const p = sliceProbs[s * CLASS_COUNT + k]!;
      if (p > max[k]!) {
        max[k] = p;
        if (k === 0) mostSuspiciousSlice = s;
      }
    }
  }
  return { scores: scoresFromArray(max), mostSuspiciousSlice };
}

export interface StudyScore {
  scores: ClassScores;
  /** The series with the highest `any` score. */
  drivingSeriesUid: string;
}

/** A study's score is the maximum over its triaged series; the row names the series that drove it. */
export function scoreStudy(series: { seriesInstanceUid: string; scores: ClassScores }[]): StudyScore | null {
  if (series.length === 0) return null;
  const scores = {} as ClassScores;
  for (const cls of ICH_CLASSES) scores[cls] = Math.max(...series.map((s) => s.scores[cls]));
  const driving = series.reduce((best, s) => (s.scores.any > best.scores.any ? s : best));
  return { scores, drivingSeriesUid: driving.seriesInstanceUid };
}

/** Classes at or above their card threshold. */
export function flaggedClasses(scores: ClassScores, thresholds: ClassScores): IchClass[] {
  return ICH_CLASSES.filter((cls) => scores[cls] >= thresholds[cls]);
}
