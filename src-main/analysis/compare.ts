import { ICH_CLASSES, type ClassScores, type IchClass } from '../contract/classes.js';
import type { ClassComparison, CompareResult, RocPoint } from '../contract/dto.js';
import { ApiError } from '../contract/errors.js';
import { formatCsvRow } from './csv-format.js';
import { confusionOfCalls, ratesOf, rocAuc, rocCurve } from './metrics.js';

/** Findings of one read; a class that is absent was not stated (e.g. a partial RSNA import). */
export type ReaderFindings = Partial<Record<IchClass, boolean>>;

/** One triaged study with its model scores and the latest read of each reader. */
export interface CompareStudy {
  studyId: number;
  studyInstanceUid: string;
  scores: ClassScores;
  /** Reader name -> that reader's latest findings on this study. */
  reads: Record<string, ReaderFindings>;
}

export const MAJORITY = 'majority';

/**
 * The seed paper's Table 5: the model (at the card thresholds, plus AUC) and every reader against a
 * reference, per class.
 * - reference "majority": per study and class, positive when strictly more than half of the readers
 *   who stated that class on that study said positive (so a 1-1 split is negative); studies nobody
 *   read are left out. Each reader is part of the majority it is compared with, as in CQ500.
 * - reference = a reader's name: that reader's reads; its own row is left out, since comparing a
 *   reader with itself is trivially perfect and would only crowd the table.
 * Each row counts the studies where both the rater and the reference state the class (n).
 * `readers` lists every reader seen, the reference reader included; `studyCount` the studies with a
 * reference for at least one class. Studies must be triaged (have scores); pass each reader's latest read.
 */
export function compareWithReference(studies: readonly CompareStudy[], thresholds: ClassScores, reference: string): CompareResult {
  const readers = [...new Set(studies.flatMap((study) => Object.keys(study.reads)))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  if (reference !== MAJORITY && !readers.includes(reference)) {
    throw new ApiError(
      'INVALID_ARGUMENT',
      `No reads by "${reference}" to compare with: use "${MAJORITY}"${readers.length ? ` or one of ${readers.join(', ')}` : ''}.`,
    );
  }
  const referenceOf = (study: CompareStudy, cls: IchClass): boolean | undefined =>
    reference === MAJORITY ? majorityOf(study, cls) : study.reads[reference]?.[cls];
  const raters = readers.filter((reader) => reader !== reference);

  const rows: ClassComparison[] = [];
  const roc = {} as Record<IchClass, RocPoint[]>;
  const disagreements: CompareResult['disagreements'] = [];
  const referenced = new Set<number>();
  for (const cls of ICH_CLASSES) {
    const judged = studies.flatMap((study) => {
      const truth = referenceOf(study, cls);
      return truth === undefined ? [] : [{ study, truth }];
    });
    const truths = judged.map((j) => j.truth);
    const scores = judged.map((j) => j.study.scores[cls]);
    const calls = scores.map((score) => score >= thresholds[cls]);
    rows.push({ ...comparison(cls, 'model', calls, truths), auc: rocAuc(scores, truths) });
    roc[cls] = rocCurve(scores, truths);
    judged.forEach(({ study, truth }, i) => {
      referenced.add(study.studyId);
      if (calls[i] !== truth) {
        disagreements.push({ studyId: study.studyId, studyInstanceUid: study.studyInstanceUid, cls, model: scores[i]!, reference: truth });
      }
    });
    for (const reader of raters) {
      const both = judged.flatMap(({ study, truth }) => {
        const call = study.reads[reader]?.[cls];
        return call === undefined ? [] : [{ call, truth }];
      });
      rows.push(comparison(cls, reader, both.map((b) => b.call), both.map((b) => b.truth)));
    }
  }
  return { reference, readers, studyCount: referenced.size, rows, roc, disagreements };
}

function majorityOf(study: CompareStudy, cls: IchClass): boolean | undefined {
  const calls = Object.values(study.reads).flatMap((findings) => (findings[cls] === undefined ? [] : [findings[cls]]));
  if (calls.length === 0) return undefined;
  return calls.filter(Boolean).length * 2 > calls.length;
}

function comparison(cls: IchClass, rater: string, calls: boolean[], truths: boolean[]): ClassComparison {
  const counts = confusionOfCalls(calls, truths);
  return { cls, rater, n: calls.length, ...counts, ...ratesOf(counts), auc: null };
}

const CSV_COLUMNS = ['reference', 'rater', 'class', 'n', 'tp', 'fp', 'tn', 'fn', 'accuracy', 'sensitivity', 'specificity', 'auc'];

/** The comparison table as CSV (one row per class and rater; empty cells where a rate is undefined). */
export function compareToCsv(result: CompareResult): string {
  const lines = [formatCsvRow(CSV_COLUMNS)];
  for (const row of result.rows) {
    lines.push(
      formatCsvRow([result.reference, row.rater, row.cls, row.n, row.tp, row.fp, row.tn, row.fn, row.accuracy, row.sensitivity, row.specificity, row.auc]),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
