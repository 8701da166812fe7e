import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Real CT data, never copied into the repository (licences). */
export const SHARED_DATA = path.resolve(REPO_ROOT, '../shared/data');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');
