import type { CompareResult } from '../contract/dto.js';
import { compareWithReference, type CompareStudy } from '../analysis/compare.js';
import type { ClassScores } from '../contract/classes.js';
import type { TriageStore } from '../store/triage-store.js';

/**
 * The running model vs readers over every study it scored that has reads (studies another model
 * scored wait for their re-scoring); each reader's latest read counts.
 */
export function compareStudies(store: TriageStore, model: { id: number; thresholds: ClassScores }, reference: string): CompareResult {
  const readsByStudy = new Map<number, CompareStudy['reads']>();
  for (const read of store.reads.list()) {
    const reads = readsByStudy.get(read.studyId) ?? {};
    reads[read.reader] = read.findings;
    readsByStudy.set(read.studyId, reads);
  }
  const studies: CompareStudy[] = [];
  for (const row of store.studies.list()) {
    const reads = readsByStudy.get(row.id);
    if (reads && row.scores && row.modelId === model.id) studies.push({ studyId: row.id, studyInstanceUid: row.studyInstanceUid, scores: row.scores, reads });
  }
  return compareWithReference(studies, model.thresholds, reference);
}
