import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ICH_CLASSES, type ClassScores, type IchClass } from '../src-main/contract/classes.js';
import type { StudyState, StudySummary } from '../src-main/contract/dto.js';
import { DEFAULT_FILTER, visibleStudies, type SortKey, type WorklistFilter, type WorklistSort } from '../src-renderer/stores/worklist-model.js';
import { REPO_ROOT_DIR } from './paths.js';

/**
 * The worklist's sort and filter (src-renderer/stores/worklist-model.ts) over 10,000 studies: median
 * and p95 of 25 runs per case, target < 50 ms each. Prints JSON and writes bench/worklist.json.
 */
const STUDIES = 10_000;
const RUNS = 25;

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticStudies(count: number): StudySummary[] {
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
      flagged: flaggedClasses.length > 0,
      flaggedClasses,
      warningCount: Math.floor(random() * 2),
      read: readAt
        ? { reader: 'R1', recordedAt: readAt, findings: Object.fromEntries(ICH_CLASSES.map((cls) => [cls, random() < 0.2])) as Record<IchClass, boolean> }
        : null,
    };
  });
}

function measure(run: () => unknown): { medianMs: number; p95Ms: number } {
  run(); // warm-up (JIT)
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { medianMs: round(times[Math.floor(RUNS / 2)]!), p95Ms: round(times[Math.ceil(RUNS * 0.95) - 1]!) };
}

const studies = syntheticStudies(STUDIES);
const byId = new Map(studies.map((study) => [study.studyId, study]));
const sorts: SortKey[] = ['priority', 'any', 'subdural', 'received', 'patient', 'accession', 'slices', 'state', 'read'];
const filters: Record<string, Partial<WorklistFilter>> = {
  flaggedOnly: { flaggedOnly: true },
  unreadOnly: { unreadOnly: true },
  subtypeSubdural: { subtype: 'subdural' },
  dateRange: { from: '2026-03-01', to: '2026-06-30' },
  text: { text: 'patient^12' },
  allCombined: { flaggedOnly: true, unreadOnly: true, subtype: 'intraparenchymal', from: '2026-02-01', to: '2026-09-30' },
};

const cases: Record<string, { medianMs: number; p95Ms: number }> = {};
for (const key of sorts) {
  const sort: WorklistSort = { key, descending: true };
  cases[`sort:${key}`] = measure(() => visibleStudies(studies, DEFAULT_FILTER, sort));
}
for (const [name, filter] of Object.entries(filters)) {
  cases[`filter:${name}`] = measure(() => visibleStudies(studies, { ...DEFAULT_FILTER, ...filter }, { key: 'priority', descending: true }));
}
// One SSE study-updated event: replace the row, then recompute the visible list as the store does.
let tick = 0;
cases['liveUpdate'] = measure(() => {
  const study = studies[tick++ % STUDIES]!;
  byId.set(study.studyId, { ...study, state: 'done' });
  return visibleStudies(byId.values(), DEFAULT_FILTER, { key: 'priority', descending: true });
});

const worst = Math.max(...Object.values(cases).map((c) => c.p95Ms));
const result = { studies: STUDIES, runs: RUNS, node: process.version, worstP95Ms: worst, target: '< 50 ms per sort/filter', cases };
await writeFile(path.join(REPO_ROOT_DIR, 'bench', 'worklist.json'), JSON.stringify(result, null, 2) + '\n');
process.stdout.write(JSON.stringify(result) + '\n');
