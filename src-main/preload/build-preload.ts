import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PRELOAD_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'preload.ts');

/**
 * Sandboxed Electron preloads are one CommonJS script that may require only 'electron': bundle the
 * bridge (and the channel map it imports) into exactly that.
 */
export async function buildPreload(outfile: string): Promise<string> {
  const { build } = await import('esbuild');
  await build({ entryPoints: [PRELOAD_ENTRY], bundle: true, platform: 'node', format: 'cjs', external: ['electron'], outfile, logLevel: 'warning' });
  return outfile;
}
