import type { CompareResult } from '../contract/dto.js';
import { compareWithReference, type CompareStudy } from '../analysis/compare.js';
import type { ModelCard } from '../pipeline/infer/model-card.js';
import type { TriageStore } from '../store/triage-store.js';

/** Model vs readers over every triaged study that has reads; each reader's latest read counts. */
export function compareStudies(store: TriageStore, card: ModelCard, reference: string): CompareResult {
  const readsByStudy = new Map<number, CompareStudy['reads']>();
  for (const read of store.listReads()) {
    const reads = readsByStudy.get(read.studyId) ?? {};
    reads[read.reader] = read.findings;
    readsByStudy.set(read.studyId, reads);
  }
  const studies: CompareStudy[] = [];
  for (const row of store.listStudyRows()) {
    const reads = readsByStudy.get(row.id);
    if (reads && row.scores) studies.push({ studyId: row.id, studyInstanceUid: row.studyInstanceUid, scores: row.scores, reads });
  }
  return compareWithReference(studies, card.thresholds, reference);
}
