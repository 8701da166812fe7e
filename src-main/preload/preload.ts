/**
 * Electron preload (bundled to CommonJS by scripts/build-targets.mjs, since sandboxed preloads
 * cannot load ES modules): exposes the contract bridge and nothing else.
 */
import { createPreloadBridge, type IpcRendererLike } from './bridge.js';

interface ElectronPreloadModule {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: IpcRendererLike;
}

// `require`, not import: electron is an optional dependency and has no types installed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const electron = require('electron') as ElectronPreloadModule;
electron.contextBridge.exposeInMainWorld('ichtriage', createPreloadBridge(electron.ipcRenderer));
