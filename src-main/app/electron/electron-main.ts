// The Electron main process entry, built by scripts/build.mjs into dist/main/electron-main.mjs (no
// TypeScript loader at run time). Only paths and the real `electron` module are decided here.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from '../../log.js';
import { findBundledModel } from '../../pipeline/infer/detector.js';
import { startFileLog } from '../file-log.js';
import { parseLaunchOptions } from '../launch-options.js';
import { Workstation } from '../workstation.js';
import { startDesktopApp } from './desktop-app.js';
import type { ElectronLike } from './electron-like.js';

// A computed specifier: electron is an optional dependency without types here (see electron-like.ts).
const desktop = (await import('electron' as string)) as ElectronLike;
// dist/main/electron-main.mjs -> dist/
const DIST = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// A packaged app carries the model as an extra resource; a built checkout uses the repository's models/.
const MODELS = desktop.app.isPackaged ? path.join((process as NodeJS.Process & { resourcesPath: string }).resourcesPath, 'models') : path.join(DIST, '..', 'models');

const options = parseLaunchOptions(process.argv.slice(desktop.app.isPackaged ? 1 : 2).filter((arg) => arg !== '--no-open'), {
  ...process.env,
  // Without ICHTRIAGE_HOME the user data folder is Electron's per-platform one.
  ICHTRIAGE_HOME: process.env.ICHTRIAGE_HOME ?? desktop.app.getPath('userData'),
});
const fileLog = startFileLog(path.join(options.home, 'logs'));

startDesktopApp(desktop, {
  home: options.home,
  rendererDir: path.join(DIST, 'renderer'),
  preloadPath: path.join(DIST, 'preload', 'preload.cjs'),
  licencesPath: path.join(DIST, 'THIRD_PARTY_LICENSES.txt'),
  startWorkstation: (openFolder) =>
    Workstation.start({ home: options.home, bundledModelDir: findBundledModel(MODELS), overrides: options.overrides, engine: options.engine, openFolder, logFolder: fileLog.folder }),
}).catch((error: unknown) => {
  log.error(`ichtriage could not start: ${error instanceof Error ? error.message : String(error)}`);
  desktop.app.exit(1);
});
