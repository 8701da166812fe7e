// The production build's targets, one function each (scripts/build.mjs runs them all; tests build
// single targets into a temporary folder).
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const node = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning', absWorkingDir: ROOT };
// ESM bundles of our code only: npm packages stay in node_modules (native onnxruntime-node and
// better-sqlite3, codecs that load their wasm files from their own folder).
const esm = { ...node, format: 'esm', packages: 'external' };

/** dist/main/electron-main.mjs: the Electron main process. */
export function buildMain(dist) {
  return build({ ...esm, entryPoints: ['src-main/app/electron/electron-main.ts'], outfile: path.join(dist, 'main', 'electron-main.mjs') });
}

/** dist/main/inference-worker-entry.mjs: beside the main bundle, where InferenceClient's `new URL('./inference-worker-entry.mjs', import.meta.url)` finds it. */
export function buildWorker(dist) {
  return build({ ...esm, entryPoints: ['src-main/pipeline/infer/inference-worker.ts'], outfile: path.join(dist, 'main', 'inference-worker-entry.mjs') });
}

/** dist/preload/preload.cjs: sandboxed preloads are one CommonJS script that may require only 'electron'. */
export async function buildPreload(dist) {
  const outfile = path.join(dist, 'preload', 'preload.cjs');
  await build({ ...node, format: 'cjs', entryPoints: ['src-main/preload/preload.ts'], external: ['electron'], outfile });
  return outfile;
}

/** dist/renderer/: the Svelte renderer. */
export async function buildRenderer(dist) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(ROOT, 'vite.config.ts'), root: path.join(ROOT, 'src-renderer'), logLevel: 'warn', build: { outDir: path.join(dist, 'renderer') } });
}

/** dist/THIRD_PARTY_LICENSES.txt: every production dependency (as npm installed them) with its licence text, shown from About. */
export async function writeLicences(dist) {
  const folders = productionPackageFolders().filter((folder) => folder !== ROOT);
  const sections = [];
  for (const folder of [...new Set(folders)].sort()) {
    const pkg = JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8'));
    const text = await readLicenceFile(folder);
    sections.push(`## ${pkg.name} ${pkg.version}\nLicence: ${typeof pkg.license === 'string' ? pkg.license : JSON.stringify(pkg.license ?? 'not stated')}\n\n${text ?? '(no licence file in the package)'}\n`);
  }
  await writeFile(path.join(dist, 'THIRD_PARTY_LICENSES.txt'), `Third-party software in ichtriage\n\n${sections.join('\n')}`);
}

function productionPackageFolders() {
  let listing;
  try {
    listing = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    // npm ls exits 1 when an optional dependency (electron where it cannot be downloaded) is missing; the listing is still complete.
    listing = error.stdout ?? '';
  }
  return listing.split('\n').filter(Boolean);
}

async function readLicenceFile(folder) {
  for (const name of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'license', 'license.md', 'COPYING']) {
    try {
      return (await readFile(path.join(folder, name), 'utf8')).trim();
    } catch {
      // try the next spelling
    }
  }
  return null;
}
