import { ICH_CLASSES, type ClassScores, type IchClass } from '../src-main/contract/classes.js';
import type { StudyState, StudySummary } from '../src-main/contract/dto.js';

/** Deterministic synthetic worklist rows (no real patient data) for the worklist benchmarks. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticStudies(count: number): StudySummary[] {
  const random = mulberry32(42);
  const states: StudyState[] = ['done', 'done', 'done', 'done', 'done', 'done', 'analysing', 'queued', 'receiving', 'error'];
  const start = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: count }, (_, i) => {
    const state = states[Math.floor(random() * states.length)]!;
    const scores = state === 'done' ? (Object.fromEntries(ICH_CLASSES.map((cls) => [cls, random() ** 3])) as ClassScores) : null;
    const flaggedClasses = scores ? ICH_CLASSES.filter((cls) => scores[cls] > 0.5) : [];
    const readAt = random() < 0.3 ? new Date(start + random() * 3e10).toISOString() : null;
    return {
      studyId: i + 1,
      studyInstanceUid: `2.25.${i}`,
      state,
      errorReason: state === 'error' ? 'NO_PIXEL_DATA: no slice could be decoded' : null,
      receivedAt: new Date(start + random() * 3e10).toISOString(),
      triagedAt: scores ? new Date(start + random() * 3e10).toISOString() : null,
      patientName: `PATIENT^${Math.floor(random() * 1e6)}`,
      patientId: `P${Math.floor(random() * 1e7)}`,
      accessionNumber: `A${i}`,
      studyDescription: random() < 0.5 ? 'CT HEAD WO CONTRAST' : 'CT BRAIN PLAIN',
      studyDate: '20260101',
      sliceCount: 30 + Math.floor(random() * 300),
      seriesCount: 1 + Math.floor(random() * 3),
      scores,
      drivingSeriesUid: scores ? `2.25.${i}.1` : null,
      model: scores ? { name: 'synthetic', version: '0' } : null,
      flagged: flaggedClasses.length > 0,
      flaggedClasses,
      warningCount: Math.floor(random() * 2),
      read: readAt
        ? { reader: 'R1', recordedAt: readAt, findings: Object.fromEntries(ICH_CLASSES.map((cls) => [cls, random() < 0.2])) as Record<IchClass, boolean> }
        : null,
    };
  });
}

