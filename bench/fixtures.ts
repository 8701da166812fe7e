import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { rewriteDicom } from '../test/helpers/dicom-edit.js';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT_DIR } from './paths.js';

const run = promisify(execFile);

/** Writes synthetic head-CT DICOM series with the training pipeline's phantom generator. */
export async function generatePhantomStudy(
  outDir: string,
  options: { slices: number; seed: number; positive?: boolean; series?: number },
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const args = ['-m', 'ichtrain.phantom', '--out', outDir, '--series', String(options.series ?? 1), '--slices', String(options.slices), '--seed', String(options.seed)];
  if (options.positive) args.push('--positive');
  await run('/usr/bin/python3', args, {
    env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT_DIR, 'models', 'training') },
    maxBuffer: 64 * 1024 * 1024,
  });
  return listDicom(outDir);
}

export async function listDicom(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.dcm')) files.push(path.join(entry.parentPath, entry.name));
  }
  return files.sort();
}

/** Decompresses DICOM files to explicit little endian with dcmtk (for the uncompressed ingest figure). */
export async function decompressWithDcmtk(files: string[], outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const out: string[] = [];
  for (const file of files) {
    const target = path.join(outDir, path.basename(file));
    await run('dcmdjpeg', [file, target]);
    out.push(target);
  }
  return out;
}

/**
 * A long series from a short one: the source slices repeated with new SOPInstanceUIDs,
 * positions 0.625 mm apart and a SliceThickness of 0.625 mm, as a scanner writes a thin series (rendering 1,000 phantom slices in Python would take minutes).
 */
export async function replicateSeries(sources: string[], count: number, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const seriesUid = `2.25.${Date.now()}`;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const target = path.join(outDir, `IM${String(i + 1).padStart(4, '0')}.dcm`);
    await rewriteDicom(sources[i % sources.length]!, target, {
      SeriesInstanceUID: seriesUid,
      SOPInstanceUID: `${seriesUid}.${i + 1}`,
      InstanceNumber: i + 1,
      ImagePositionPatient: [-125, -125, i * 0.625],
      SliceThickness: 0.625,
    });
    out.push(target);
  }
  return out;
}
