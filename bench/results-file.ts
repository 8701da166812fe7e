import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT_DIR } from './paths.js';

export const RESULTS_FILE = path.join(REPO_ROOT_DIR, 'bench', 'results.json');

/**
 * Writes these sections into bench/results.json, keeping the sections other runs wrote
 * (`npm run bench` and `npm run fuzz` each own their own sections).
 */
export async function writeResults(sections: Record<string, unknown>): Promise<void> {
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    // First run, or an unreadable file: start afresh.
  }
  await writeFile(RESULTS_FILE, JSON.stringify({ ...existing, ...sections }, null, 2) + '\n');
}
