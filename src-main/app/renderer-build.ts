import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from '../log.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_DIR = path.join(REPO_ROOT, 'dist', 'renderer');
const RENDERER_SOURCES = [path.join(REPO_ROOT, 'src-renderer'), path.join(REPO_ROOT, 'src-main', 'contract'), path.join(REPO_ROOT, 'vite.config.ts')];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const info = statSync(target);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/**
 * Builds the renderer with Vite when dist/renderer is missing or older than its sources (a fresh
 * checkout, or a pull that changed the UI); otherwise reuses it. A packaged app ships only dist/.
 */
export async function ensureRendererBuilt(): Promise<string> {
  const index = path.join(RENDERER_DIR, 'index.html');
  const sourcesPresent = existsSync(RENDERER_SOURCES[0]!);
  const stale = !existsSync(index) || (sourcesPresent && Math.max(...RENDERER_SOURCES.map(newestMtime)) > statSync(index).mtimeMs);
  if (!stale) return RENDERER_DIR;
  log.info('building the renderer…');
  const { build } = await import('vite');
  await build({ configFile: path.join(REPO_ROOT, 'vite.config.ts'), root: path.join(REPO_ROOT, 'src-renderer'), logLevel: 'warn' });
  if (!existsSync(index)) throw new Error(`vite build did not produce ${index}`);
  return RENDERER_DIR;
}
