import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { API_METHODS } from '../../src-main/contract/api.js';
import { REPO_ROOT } from '../helpers/paths.js';

const run = promisify(execFile);
const DIST = path.join(REPO_ROOT, 'dist');
const MAIN = path.join(DIST, 'main', 'electron-main.mjs');

/** An Electron binary to launch the built app with: ELECTRON_PATH, else the optional `electron` package if its binary was downloaded. */
function electronBinary(): string | null {
  if (process.env.ELECTRON_PATH) return process.env.ELECTRON_PATH;
  try {
    const binary = createRequire(import.meta.url)('electron') as unknown;
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** The production build (`npm run build`) as a packaged app runs it: no TypeScript loader anywhere. */
describe('the production build', { timeout: 300_000 }, () => {
  let home: string;
  before(async () => {
    await run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT });
    home = await mkdtemp(path.join(tmpdir(), 'ichtriage-built-'));
  });
  after(() => rm(home, { recursive: true, force: true }));

  it('holds the main process, the inference worker, the preload, the renderer and the licences, and no TypeScript loader', async () => {
    for (const file of ['main/electron-main.mjs', 'main/inference-worker-entry.mjs', 'preload/preload.cjs', 'renderer/index.html', 'THIRD_PARTY_LICENSES.txt']) {
      assert.ok(existsSync(path.join(DIST, file)), file);
    }
    for (const bundle of ['main/electron-main.mjs', 'main/inference-worker-entry.mjs', 'preload/preload.cjs']) {
      const code = await readFile(path.join(DIST, bundle), 'utf8');
      assert.doesNotMatch(code, /from ["']tsx|import\(["']tsx|["']\.[^"']*\.ts["']/, `${bundle} loads TypeScript`);
    }
    const licences = await readFile(path.join(DIST, 'THIRD_PARTY_LICENSES.txt'), 'utf8');
    for (const name of ['onnxruntime-node', 'better-sqlite3', 'zod', 'chokidar']) assert.match(licences, new RegExp(`^## ${name} `, 'm'), name);
    assert.equal(JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')).main, 'dist/main/electron-main.mjs');
  });

  it('runs the built main process under plain Node with a stand-in electron: engine, worker and IPC start, the window loads, and it quits', async () => {
    // Electron's binary cannot be installed here: the stand-in module replaces `electron` (see test/app/electron-stand-in.mjs).
    await writeFile(path.join(home, 'settings.json'), JSON.stringify({ model: { providers: [] } }));
    const report = path.join(home, 'report.json');
    await run(process.execPath, ['--import', path.join(REPO_ROOT, 'test', 'app', 'electron-stand-in-loader.mjs'), MAIN], {
      cwd: home,
      env: { ...process.env, ICHTRIAGE_HOME: home, ICHTRIAGE_STAND_IN_REPORT: report, ICHTRIAGE_LOG: 'warn', NODE_OPTIONS: '' },
      timeout: 120_000,
    });
    const seen = JSON.parse(await readFile(report, 'utf8'));
    assert.equal(seen.loadedFile, path.join(DIST, 'renderer', 'index.html'));
    assert.equal(seen.webPreferences.preload, path.join(DIST, 'preload', 'preload.cjs'));
    assert.equal(seen.webPreferences.sandbox, true);
    assert.deepEqual(seen.ipcChannels.sort(), API_METHODS.map((method) => `ichtriage:call:${method}`).sort());
    assert.deepEqual(seen.menu, ['File', 'Edit', 'View', 'Help']);
    assert.equal(seen.status.ok, true);
    assert.equal(seen.status.value.provider, 'cpu');
    assert.equal(seen.status.value.inbox, path.join(home, 'inbox'));
    assert.ok(existsSync(path.join(home, 'logs', 'ichtriage.log')), 'the log is written in the user data folder');
  });

  it('launches in Electron, shows the worklist and quits (where an Electron binary exists)', async (t) => {
    const binary = electronBinary();
    if (!binary) {
      t.skip('no Electron binary: set ELECTRON_PATH or install the optional electron package where its binary can be downloaded (it cannot on this machine)');
      return;
    }
    const { _electron } = await import('playwright-core');
    const app = await _electron.launch({ executablePath: binary, args: [REPO_ROOT], env: { ...process.env, ICHTRIAGE_HOME: home } as Record<string, string> });
    try {
      const page = await app.firstWindow();
      await page.waitForSelector('[data-testid=worklist][data-status=ready]', { timeout: 120_000 });
    } finally {
      await app.close();
    }
  });
});
