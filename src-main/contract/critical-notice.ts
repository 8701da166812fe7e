import { CLASS_LABELS, type IchClass } from './classes.js';
import type { Settings, StudySummary } from './dto.js';

/** What a critical-finding notification says, in Electron (main process) and in browser mode alike. */
export interface CriticalNotice {
  studyId: number;
  title: string;
  body: string;
}

/**
 * The notice for a study, or null when it is not critical under these settings: notifications on,
 * the study flagged, and one of its flagged classes among the critical ones. The study is named by
 * its number and description; the patient's name only when the user enabled it, since a
 * notification shows on screen to whoever passes by.
 */
export function criticalNotice(study: StudySummary, settings: Settings['notifications']): CriticalNotice | null {
  if (!settings.enabled || !study.flagged || !study.scores) return null;
  if (!study.flaggedClasses.some((cls) => settings.criticalClasses.includes(cls))) return null;
  // The top class: the highest-scoring flagged subtype, else `any`.
  const subtypes = study.flaggedClasses.filter((cls) => cls !== 'any');
  const top: IchClass = subtypes.length ? subtypes.reduce((best, cls) => (study.scores![cls] > study.scores![best] ? cls : best)) : 'any';
  const name = settings.showPatientNames && study.patientName ? `${study.patientName} · ` : '';
  const label = `${name}Study ${study.studyId}${study.studyDescription ? ` (${study.studyDescription})` : ''}`;
  return { studyId: study.studyId, title: `Critical finding: ${CLASS_LABELS[top]}`, body: `${label}: ${CLASS_LABELS[top]} ${Math.round(study.scores[top] * 100)}%` };
}

/** Repeated results for a study (another series, a read, a re-triage) notify once, for as long as this object lives. */
export class CriticalNotifier {
  private readonly notified = new Set<number>();

  noticeFor(study: StudySummary, settings: Settings['notifications']): CriticalNotice | null {
    if (this.notified.has(study.studyId)) return null;
    const notice = criticalNotice(study, settings);
    if (notice) this.notified.add(study.studyId);
    return notice;
  }
}
