import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from '../log.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_DIR = path.join(REPO_ROOT, 'dist', 'renderer');

/** Builds the renderer with Vite the first time (a fresh checkout has no dist/); later starts reuse it. */
export async function ensureRendererBuilt(): Promise<string> {
  if (existsSync(path.join(RENDERER_DIR, 'index.html'))) return RENDERER_DIR;
  log.info('building the renderer (first start)…');
  const { build } = await import('vite');
  await build({ configFile: path.join(REPO_ROOT, 'vite.config.ts'), root: path.join(REPO_ROOT, 'src-renderer'), logLevel: 'warn' });
  if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) throw new Error(`vite build did not produce ${RENDERER_DIR}/index.html`);
  return RENDERER_DIR;
}
