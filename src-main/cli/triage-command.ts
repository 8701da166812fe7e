import type { CodedWarning } from '../contract/warnings.js';
import type { ClassScores, IchClass } from '../contract/classes.js';
import { startEngine } from '../app/engine.js';
import { UsageError, type Io, type ParsedArgs } from './command.js';

/** The JSON of `ichtriage triage --json` (documented in README). */
export interface TriageReport {
  model: { name: string; version: string };
  studies: {
    rank: number;
    studyInstanceUid: string;
    seriesInstanceUid: string | null;
    sliceCount: number;
    scores: ClassScores | null;
    flagged: boolean;
    flaggedClasses: IchClass[];
    warnings: (CodedWarning & { seriesInstanceUid: string })[];
    slices: { sopInstanceUid: string; z: number; scores: ClassScores }[];
  }[];
  rejected: { path: string; reason: string }[];
}

export async function runTriage(args: ParsedArgs, io: Io): Promise<number> {
  if (args.positionals.length === 0) throw new UsageError('triage needs at least one file or folder');
  const engine = await startEngine({
    dbPath: args.db ?? ':memory:',
    ...(args.model ? { modelDir: args.model } : {}),
    ...(args.providers ? { providers: args.providers } : {}),
    ...(args.maxFileBytes ? { maxFileBytes: args.maxFileBytes } : {}),
    settleMs: 0,
    quarantineDir: null,
  });
  try {
    await engine.ingestPaths(args.positionals);
    await engine.whenIdle();
    const report = await buildReport(engine.api, engine.card);
    io.stdout(args.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
    return 0;
  } finally {
    await engine.close();
  }
}

async function buildReport(api: Awaited<ReturnType<typeof startEngine>>['api'], card: { name: string; version: string }): Promise<TriageReport> {
  const studies = (await api.listStudies({})).filter((s) => s.scores !== null || s.state === 'error');
  const rows: TriageReport['studies'] = [];
  for (const summary of studies) {
    const detail = await api.getStudy(summary.studyId);
    const driving = detail.series.find((s) => s.seriesInstanceUid === summary.drivingSeriesUid) ?? null;
    rows.push({
      rank: rows.length + 1,
      studyInstanceUid: summary.studyInstanceUid,
      seriesInstanceUid: summary.drivingSeriesUid,
      sliceCount: summary.sliceCount,
      scores: summary.scores,
      flagged: summary.flagged,
      flaggedClasses: summary.flaggedClasses,
      warnings: detail.series.flatMap((s) => s.warnings.map((w) => ({ ...w, seriesInstanceUid: s.seriesInstanceUid }))),
      slices: (driving?.slices ?? []).map((s) => ({ sopInstanceUid: s.sopInstanceUid, z: s.z, scores: s.scores })),
    });
  }
  const rejected = (await api.listRejected()).map((r) => ({ path: r.path, reason: `${r.code}: ${r.reason}` }));
  return { model: { name: card.name, version: card.version }, studies: rows, rejected };
}

function formatReport(report: TriageReport): string {
  const lines = [`Model ${report.model.name} ${report.model.version} — triage aid, not a diagnosis`, ''];
  lines.push('rank  any    flags                          slices  study');
  for (const s of report.studies) {
    const any = s.scores ? s.scores.any.toFixed(3) : '  -  ';
    const flags = s.flagged ? `CRITICAL ${s.flaggedClasses.filter((c) => c !== 'any').join(',')}` : '';
    lines.push(`${String(s.rank).padEnd(5)} ${any}  ${flags.padEnd(30)} ${String(s.sliceCount).padEnd(7)} ${s.studyInstanceUid}`);
    for (const w of s.warnings) lines.push(`      ! ${w.code}: ${w.message}`);
  }
  if (report.rejected.length) {
    lines.push('', `Rejected (${report.rejected.length}):`);
    for (const r of report.rejected) lines.push(`  ${r.path}: ${r.reason}`);
  }
  return lines.join('\n') + '\n';
}
