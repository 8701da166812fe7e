import { ICH_CLASSES, type IchClass } from '../../src-main/contract/classes.js';
import type { StudyState, StudySummary } from '../../src-main/contract/dto.js';

/**
 * The worklist's filtering and ordering as pure functions over StudySummary, so they can be
 * benchmarked in Node (bench/worklist.bench.ts) on 10,000 studies.
 */
export type SortKey =
  | 'priority'
  | IchClass
  | 'state'
  | 'received'
  | 'patient'
  | 'accession'
  | 'description'
  | 'slices'
  | 'read';

export interface WorklistSort {
  key: SortKey;
  descending: boolean;
}

export interface WorklistFilter {
  flaggedOnly: boolean;
  unreadOnly: boolean;
  /** Only studies flagged for this subtype. */
  subtype: IchClass | null;
  /** Inclusive YYYY-MM-DD bounds on the arrival date (UTC, as receivedAt). */
  from: string | null;
  to: string | null;
  /** Case-insensitive match on patient name/ID, accession or description. */
  text: string;
}

export const DEFAULT_FILTER: WorklistFilter = { flaggedOnly: false, unreadOnly: false, subtype: null, from: null, to: null, text: '' };
export const DEFAULT_SORT: WorklistSort = { key: 'priority', descending: true };

const STATE_ORDER: Record<StudyState, number> = { error: 0, receiving: 1, queued: 2, analysing: 3, done: 4 };

export function matchesFilter(study: StudySummary, filter: WorklistFilter, text = filter.text.trim().toLowerCase()): boolean {
  if (filter.flaggedOnly && !study.flagged) return false;
  if (filter.unreadOnly && study.read !== null) return false;
  if (filter.subtype && !study.flaggedClasses.includes(filter.subtype)) return false;
  if (filter.from || filter.to) {
    const day = study.receivedAt.slice(0, 10);
    if (filter.from && day < filter.from) return false;
    if (filter.to && day > filter.to) return false;
  }
  if (text) {
    const haystack = `${study.patientName}\n${study.patientId}\n${study.accessionNumber}\n${study.studyDescription}`.toLowerCase();
    if (!haystack.includes(text)) return false;
  }
  return true;
}

/**
 * Priority (the default order): flagged studies by `any` score, then studies still without a score
 * (they may be critical and are new), then studies the engine could not triage (someone must read
 * them unaided, so they must not sink to the bottom), then the rest by `any`; ties go to the
 * earliest arrival, which has waited longest.
 */
function priorityRank(study: StudySummary): number {
  if (study.scores === null) return study.state === 'error' ? 1.5 : 2;
  return (study.flagged ? 3 : 0) + study.scores.any;
}

type Key = number | string;

function sortKeyOf(study: StudySummary, key: SortKey): Key {
  switch (key) {
    case 'priority':
      return priorityRank(study);
    case 'state':
      return STATE_ORDER[study.state];
    case 'received':
      return study.receivedAt;
    case 'patient':
      return study.patientName.toLowerCase();
    case 'accession':
      return study.accessionNumber.toLowerCase();
    case 'description':
      return study.studyDescription.toLowerCase();
    case 'slices':
      return study.sliceCount;
    case 'read':
      return study.read ? study.read.recordedAt : '';
    default:
      // A class score; studies without scores sort below every scored one.
      return study.scores ? study.scores[key] : -1;
  }
}

/** Sorts a copy; keys are computed once per study (a decorate-sort-undecorate), not per comparison. */
export function sortStudies(studies: readonly StudySummary[], sort: WorklistSort): StudySummary[] {
  const direction = sort.descending ? -1 : 1;
  const decorated = studies.map((study) => ({ study, key: sortKeyOf(study, sort.key), arrival: study.receivedAt }));
  decorated.sort((a, b) => {
    if (a.key !== b.key) return (a.key < b.key ? -1 : 1) * direction;
    if (a.arrival !== b.arrival) return a.arrival < b.arrival ? -1 : 1;
    return a.study.studyId - b.study.studyId;
  });
  return decorated.map((entry) => entry.study);
}

export function visibleStudies(studies: Iterable<StudySummary>, filter: WorklistFilter, sort: WorklistSort): StudySummary[] {
  const text = filter.text.trim().toLowerCase();
  const kept: StudySummary[] = [];
  for (const study of studies) if (matchesFilter(study, filter, text)) kept.push(study);
  return sortStudies(kept, sort);
}

/** "4 min", "3 h 05 min", "2 d 4 h": how long since the first file arrived. */
export function formatAge(receivedAt: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(receivedAt)) / 60_000));
  if (minutes < 1) return '<1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Subtypes only (the `any` column is the headline score). */
export const SUBTYPES = ICH_CLASSES.filter((cls) => cls !== 'any');
