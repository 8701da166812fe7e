import type { StudyState } from '../contract/dto.js';

const PROGRESS: readonly StudyState[] = ['receiving', 'queued', 'analysing', 'done'];

/**
 * A study's state follows its least advanced series; series that failed are ignored unless all
 * did, and then the study failed with their reasons.
 */
export function studyStateOf(series: { state: StudyState; errorReason: string | null }[]): { state: StudyState; errorReason: string | null } {
  if (series.length === 0) return { state: 'receiving', errorReason: null };
  if (series.every((s) => s.state === 'error')) {
    return { state: 'error', errorReason: series.map((s) => s.errorReason).filter(Boolean).join('; ') || 'all series failed' };
  }
  const active = series.filter((s) => s.state !== 'error').map((s) => s.state);
  const least = active.reduce((a, b) => (PROGRESS.indexOf(b) < PROGRESS.indexOf(a) ? b : a));
  return { state: least, errorReason: null };
}
