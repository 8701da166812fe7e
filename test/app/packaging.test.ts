import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { minimatch } from 'minimatch';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * electron-builder.yml checked as far as can be done offline: electron-builder's own schema
 * validation, and the files, resources, icons and pruning patterns it names. Building installers
 * needs Electron and its headers downloaded (`npm run dist` on a machine with network).
 */
interface BuilderConfig {
  files: string[];
  asarUnpack: string[];
  extraResources: { from: string; to: string; filter: string[] }[];
  directories: { buildResources: string };
  linux: { icon: string; files: string[]; target: string[] };
  win: { icon: string; files: string[]; target: string[] };
  mac: { icon: string; files: string[]; target: string[] };
}

const require = createRequire(import.meta.url);
const configText = () => readFile(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8');
const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';

describe('electron-builder configuration', () => {
  it("passes electron-builder's own schema validation", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(): void }): Promise<void>;
    };
    const config = load(await configText());
    await validateConfiguration(config, { isEnabled: false, add: () => {} });
    // The validator does catch mistakes: an unknown option is refused.
    await assert.rejects(validateConfiguration({ ...(config as object), linx: {} }, { isEnabled: false, add: () => {} }), /linx/);
  });

  it('builds AppImage and deb, NSIS and dmg, from the production build only', async () => {
    const config = load(await configText()) as BuilderConfig;
    assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
    assert.deepEqual(config.win.target, ['nsis']);
    assert.deepEqual(config.mac.target, ['dmg']);
    const main = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')).main as string;
    const included = (file: string) => config.files.filter((p) => !p.startsWith('!')).some((p) => minimatch(file, p)) && !config.files.filter((p) => p.startsWith('!')).some((p) => minimatch(file, p.slice(1)));
    assert.ok(included(main), main);
    assert.ok(included('dist/preload/preload.cjs'));
    assert.ok(!included('dist/main/electron-main.mjs.map'));
    assert.ok(!included('src-main/app/workstation.ts'), 'no TypeScript sources');
    // electron-builder adds the production node_modules itself; the exclusions keep the TypeScript loader out.
    const excludedModule = (file: string) => config.files.some((p) => p.startsWith('!') && minimatch(file, p.slice(1)));
    assert.ok(excludedModule('node_modules/tsx/dist/esm/index.mjs') && excludedModule('node_modules/@esbuild/linux-x64/bin/esbuild'), 'no TypeScript loader');
    assert.ok(!excludedModule('node_modules/zod/index.js'), 'other packages stay');
    // No patient data ships: neither test fixtures nor anything from the data folders.
    for (const file of ['test/fixtures/rsna/ID_0001.dcm', 'bench/fixtures.ts', 'models/training/ichtrain/train.py', 'test-results/01-worklist-empty.png']) assert.ok(!included(file), file);
  });

  it('ships the bundled model as an extra resource and unpacks native modules from asar', async () => {
    const config = load(await configText()) as BuilderConfig;
    const [resource] = config.extraResources;
    const modelDirs = (await readdir(path.join(REPO_ROOT, resource!.from), { withFileTypes: true })).filter((e) => e.isDirectory() && existsSync(path.join(REPO_ROOT, resource!.from, e.name, 'model.json')));
    assert.equal(modelDirs.length, 1);
    const card = JSON.parse(await readFile(path.join(REPO_ROOT, 'models', modelDirs[0]!.name, 'model.json'), 'utf8'));
    for (const file of ['model.json', card.files.sliceCnn.path, card.files.scanLstm.path, 'MODEL_CARD.md']) {
      assert.ok(resource!.filter.some((pattern) => minimatch(`${modelDirs[0]!.name}/${file}`, pattern)), file);
    }
    assert.ok(!resource!.filter.some((pattern) => minimatch('training/ichtrain/train.py', pattern)), 'training code stays out');
    for (const native of ['node_modules/better-sqlite3/build/Release/better_sqlite3.node', `${ORT_BIN}/linux/x64/onnxruntime_binding.node`, `${ORT_BIN}/linux/x64/libonnxruntime.so.1`]) {
      assert.ok(config.asarUnpack.some((pattern) => minimatch(native, pattern)), native);
    }
  });

  it("prunes the other platforms' onnxruntime binaries from each installer", async () => {
    const config = load(await configText()) as BuilderConfig;
    const platforms = { linux: 'linux', win: 'win32', mac: 'darwin' } as const;
    for (const [key, own] of Object.entries(platforms) as [keyof typeof platforms, string][]) {
      const excluded = (file: string) => config[key].files.some((pattern) => pattern.startsWith('!') && minimatch(file, pattern.slice(1)));
      for (const other of Object.values(platforms)) {
        assert.equal(excluded(`${ORT_BIN}/${other}/x64/onnxruntime_binding.node`), other !== own, `${key}: ${other}`);
      }
    }
  });

  it('has the icons each platform names', async () => {
    const config = load(await configText()) as BuilderConfig;
    const assets = path.join(REPO_ROOT, config.directories.buildResources);
    assert.ok(existsSync(path.join(assets, config.win.icon)));
    assert.ok(existsSync(path.join(assets, config.mac.icon)));
    const linuxIcons = await readdir(path.join(assets, config.linux.icon));
    for (const size of [16, 32, 48, 64, 128, 256, 512]) assert.ok(linuxIcons.includes(`${size}x${size}.png`), `${size}x${size}.png`);
  });
});
