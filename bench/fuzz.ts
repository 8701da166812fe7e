import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEngine } from '../src-main/app/engine.js';
import { REJECTION_CODES } from '../src-main/contract/warnings.js';
import { setLogLevel } from '../src-main/log.js';
import { decodeDicom, readHeader } from '../src-main/pipeline/decode/index.js';
import { mutantFileName, sampleMutants } from '../tools/fuzz/sample.js';
import { SHARED_DATA_DIR } from './paths.js';
import { RESULTS_FILE, writeResults } from './results-file.js';

/**
 * `npm run fuzz -- --count 10000 [--seed 1] [--engine-sample 500]`: the long fuzz run. Decodes
 * `count` seeded mutants of real files (no exception may escape), then drops `engine-sample` of
 * them beside the five good RSNA slices into a running engine and checks every file is accounted
 * for. Figures go to the `fuzz` section of bench/results.json. Not a test: it reports, and exits
 * non-zero only when something crashed or was lost.
 */
const { values } = parseArgs({
  options: { count: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' }, 'engine-sample': { type: 'string', default: '500' } },
});
const count = Number(values.count);
const seed = Number(values.seed);
const engineSample = Number(values['engine-sample']);
if (!(count > 0 && Number.isInteger(seed) && engineSample >= 0)) throw new Error('--count and --engine-sample must be positive numbers, --seed an integer');
setLogLevel('silent');

const started = Date.now();
const byCode: Record<string, number> = {};
const byKind: Record<string, { files: number; rejected: number; accepted: number }> = {};
const crashes: { mutant: string; error: string }[] = [];
let files = 0;
for (const mutant of sampleMutants(SHARED_DATA_DIR, count, seed, 30)) {
  files++;
  const kind = (byKind[mutant.kind] ??= { files: 0, rejected: 0, accepted: 0 });
  kind.files++;
  try {
    const outcome = decodeDicom(mutant.bytes, mutant.name);
    if (outcome.ok) kind.accepted++;
    else if (REJECTION_CODES.includes(outcome.code) && outcome.reason) {
      kind.rejected++;
      byCode[outcome.code] = (byCode[outcome.code] ?? 0) + 1;
    } else crashes.push({ mutant: mutant.name, error: `rejected without a known code and reason: ${outcome.code}` });
  } catch (error) {
    crashes.push({ mutant: mutant.name, error: String(error) });
  }
  if (files % 1000 === 0) process.stderr.write(`fuzz: ${files} of ${count} decoded, ${crashes.length} crashes\n`);
}
const decodeSeconds = (Date.now() - started) / 1000;

process.stderr.write(`fuzz: engine pass with ${engineSample} mutants beside 5 good RSNA slices\n`);
const engineFigures = await engineFuzz(engineSample, seed + 1);
const rejected = Object.values(byKind).reduce((sum, k) => sum + k.rejected, 0);
const accepted = Object.values(byKind).reduce((sum, k) => sum + k.accepted, 0);
const fuzz = {
  date: new Date().toISOString(),
  seed,
  decode: { files, crashes: crashes.length, rejectedWithReason: rejected, accepted, seconds: Math.round(decodeSeconds * 10) / 10, byKind, byCode, firstCrashes: crashes.slice(0, 10) },
  engine: engineFigures,
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
};
await writeResults({ fuzz });
process.stdout.write(JSON.stringify(fuzz, null, 2) + '\n');
process.stderr.write(`fuzz: wrote ${RESULTS_FILE}\n`);
process.exitCode = crashes.length === 0 && engineFigures.unaccounted === 0 && engineFigures.goodStudiesTriaged === engineFigures.goodStudies ? 0 : 1;

async function engineFuzz(sample: number, engineSeed: number) {
  const work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-fuzz-run-'));
  const folder = path.join(work, 'drop');
  await mkdir(folder);
  const rsna = path.join(SHARED_DATA_DIR, 'rsna-slices', 'dicom');
  const goodStudies = new Set<string>();
  for (const name of await readdir(rsna)) {
    await copyFile(path.join(rsna, name), path.join(folder, `good-${name}`));
    const header = readHeader(await readFile(path.join(rsna, name)), name);
    if (header.ok) goodStudies.add(header.header.StudyInstanceUID);
  }
  let index = 0;
  for (const mutant of sampleMutants(SHARED_DATA_DIR, sample, engineSeed, 30)) await writeFile(path.join(folder, mutantFileName(mutant, index++)), mutant.bytes);
  const engine = await startEngine({ dbPath: path.join(work, 'db.sqlite'), settleMs: 0, quarantineDir: path.join(work, 'quarantine'), providers: [] });
  const t0 = Date.now();
  try {
    await engine.ingestPaths([folder]);
    await engine.whenIdle();
    const outcomes = engine.store.db.prepare('SELECT outcome, COUNT(*) AS n FROM files GROUP BY outcome').all() as { outcome: string; n: number }[];
    const handled = outcomes.reduce((sum, o) => sum + o.n, 0);
    const goodStudiesTriaged = engine.store.studies.list()
      .filter((s) => goodStudies.has(s.studyInstanceUid) && s.state === 'done').length;
    return {
      files: sample + 5,
      outcomes: Object.fromEntries(outcomes.map((o) => [o.outcome, o.n])),
      unaccounted: sample + 5 - handled,
      goodStudies: goodStudies.size,
      goodStudiesTriaged,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
  } finally {
    await engine.close();
    await rm(work, { recursive: true, force: true });
  }
}
