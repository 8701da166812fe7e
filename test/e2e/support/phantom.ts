import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

const run = promisify(execFile);

/** A synthetic positive head CT from the training engineer's phantom generator; returns its StudyInstanceUID. */
export async function generatePositivePhantom(outDir: string, slices: number, seed: number): Promise<{ dir: string; studyUid: string }> {
  await run('/usr/bin/python3', ['-m', 'ichtrain.phantom', '--out', outDir, '--series', '1', '--slices', String(slices), '--seed', String(seed), '--positive'], {
    env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT, 'models', 'training') },
  });
  const [header, row] = (await readFile(path.join(outDir, 'series.csv'), 'utf8')).trim().split(/\r?\n/).map((line) => line.split(','));
  const folder = row![header!.indexOf('folder')]!;
  const studyUid = row![header!.indexOf('study_uid')]!;
  if (!folder || !studyUid) throw new Error(`unexpected series.csv header: ${header!.join(',')}`);
  return { dir: path.join(outDir, folder), studyUid };
}
