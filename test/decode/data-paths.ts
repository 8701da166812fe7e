import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, from this file's location (tests may run from any cwd). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared real data set, never copied into the repository. */
export const DATA_ROOT = resolve(REPO_ROOT, '..', 'shared', 'data');
export const GOLDEN_DIR = join(REPO_ROOT, 'test', 'fixtures', 'golden-hu');

export function dataPath(relative: string): string {
  return join(DATA_ROOT, relative);
}

export function listFilesRecursively(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .flatMap((name) => {
      const path = join(directory, name);
      return statSync(path).isDirectory() ? listFilesRecursively(path) : [path];
    });
}
