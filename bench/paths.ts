import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_DATA_DIR = path.resolve(REPO_ROOT_DIR, '../shared/data');
