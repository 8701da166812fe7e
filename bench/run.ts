import { execFile } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { setLogLevel } from '../src-main/log.js';
import { decompressWithDcmtk, generatePhantomStudy, replicateSeries } from './fixtures.js';
import { measureCStoreToScores, measureReceiveRate } from './dicom-network.bench.js';
import { measureIngest, round } from './ingest.bench.js';
import { measureLatency } from './latency.bench.js';
import { REPO_ROOT_DIR, SHARED_DATA_DIR } from './paths.js';
import { RESULTS_FILE, writeResults } from './results-file.js';

const run = promisify(execFile);

/**
 * `npm run bench`: the engine's speed and memory figures on this machine, written to
 * bench/results.json (targets on a 2-core machine in README). Not a test: nothing here fails on time.
 */
setLogLevel('error');
const work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-bench-'));
const results: Record<string, unknown> = {
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: `${process.platform} ${os.release()}` },
  date: new Date().toISOString(),
};

const step = (name: string) => process.stderr.write(`bench: ${name}\n`);

step('ingest (decode + assemble) of CQ500-CT-0, JPEG lossless and decompressed');
const cq500Dir = path.join(SHARED_DATA_DIR, 'cq500', 'CQ500-CT-0');
const cq500 = (await readdir(cq500Dir)).filter((f) => f.endsWith('.dcm')).map((f) => path.join(cq500Dir, f));
const uncompressed = await decompressWithDcmtk(cq500, path.join(work, 'cq500-uncompressed'));
const ingestUncompressed = await measureIngest(uncompressed);
const ingestJpeg = await measureIngest(cq500);
results.ingest = {
  uncompressed: { ...ingestUncompressed, target: '>= 400 slices/s', ...(await sideBySideWithPydicom(uncompressed, ingestUncompressed)) },
  jpegLossless: { ...ingestJpeg, target: '>= 150 slices/s', ...(await sideBySideWithPydicom(cq500, ingestJpeg)) },
  peer: 'pydicom dcmread + pixel_array + apply_modality_lut on the same files, in the same run (bench/pydicom_ingest.py); goal ratio >= 1.0',
};
for (const [name, figure] of Object.entries(results.ingest as Record<string, { slicesPerSecond?: number; ratioToPydicom?: number }>)) {
  if (figure.slicesPerSecond) step(`ingest ${name}: ${figure.slicesPerSecond} slices/s, ${figure.ratioToPydicom ?? '?'}x pydicom`);
}

step('latency: 40-slice 512x512 study written into a watched inbox');
const study40 = await generatePhantomStudy(path.join(work, 'study40'), { slices: 40, seed: 7, positive: true });
results.latency = {
  settle250ms: await measureLatency(study40, 250),
  settleDefault3s: await measureLatency(study40, 3000),
  target: '<= 1.0 s from last slice to scores (engine processing, after the configured settle wait)',
};

step('DICOM: C-STORE receive rate (ours and dcmtk storescp), last C-STORE of a 40-slice study to its scores');
results.dicomNetwork = {
  receiveRateCq500JpegLossless: await measureReceiveRate(cq500, ['-xs']),
  receiveRateUncompressed: await measureReceiveRate(uncompressed, ['-R']),
  cStoreToScores: await measureCStoreToScores(study40),
};

step('peak RSS: triage of a 1,000-slice series (separate process)');
const big = path.join(work, 'series1000');
await replicateSeries(study40, 1000, big);
const child = await run(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT_DIR, 'bench', 'rss-child.ts'), big], { cwd: REPO_ROOT_DIR, maxBuffer: 1 << 20 });
const rss = JSON.parse(child.stdout.trim().split('\n').pop()!) as { slices: number; seconds: number; peakRssMB: number };
results.memory = { ...rss, peakRssMB: round(rss.peakRssMB, 1), seconds: round(rss.seconds, 1), target: '< 1024 MB' };

const worklistBench = path.join(REPO_ROOT_DIR, 'bench', 'worklist.bench.ts');
try {
  step('worklist sort/filter over 10,000 studies');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', worklistBench], { cwd: REPO_ROOT_DIR, maxBuffer: 1 << 20 });
  results.worklist = JSON.parse(stdout);
} catch (error) {
  results.worklist = { error: (error as Error).message.split('\n')[0] };
}

await writeResults(results);
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
step(`wrote ${RESULTS_FILE}`);

/** pydicom on the same files in the same run, and our speed as a multiple of its speed. */
async function sideBySideWithPydicom(files: string[], ours: { slicesPerSecond: number }): Promise<Record<string, unknown>> {
  const listing = path.join(work, `pydicom-files-${files.length}-${path.basename(path.dirname(files[0]!))}.txt`);
  await writeFile(listing, files.join('\n') + '\n');
  try {
    const { stdout } = await run('/usr/bin/python3', [path.join(REPO_ROOT_DIR, 'bench', 'pydicom_ingest.py'), listing], { maxBuffer: 1 << 20 });
    const pydicom = JSON.parse(stdout.trim()) as { slicesPerSecond: number };
    return { pydicom, ratioToPydicom: round(ours.slicesPerSecond / pydicom.slicesPerSecond, 2) };
  } catch (error) {
    // pydicom decodes JPEG Lossless only with GDCM (apt-get install python3-gdcm) or pylibjpeg.
    return { pydicom: { error: (error as Error).message.split('\n').filter(Boolean).pop() } };
  }
}
