import type { EngineEvent } from '../contract/dto.js';
import { channelOf, EVENT_CHANNEL, type IpcResult } from '../contract/wire.js';

/** The parts of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** What the preload exposes as `window.ichtriage`: nothing but contract calls and events. */
export interface PreloadBridge {
  call(method: string, args: unknown[]): Promise<IpcResult>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
}

export function createPreloadBridge(ipcRenderer: IpcRendererLike): PreloadBridge {
  return {
    async call(method, args) {
      const channel = typeof method === 'string' ? channelOf(method) : null;
      // The page never names a channel: unknown methods stop here, before reaching main.
      if (!channel) return { ok: false, error: { code: 'INVALID_ARGUMENT', message: `No API method "${String(method)}".` } };
      if (!Array.isArray(args)) return { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'Arguments must be an array.' } };
      return (await ipcRenderer.invoke(channel, ...args)) as IpcResult;
    },
    onEvent(listener) {
      // Hand the page the event only, never Electron's IpcRendererEvent (it exposes `sender`).
      const forward = (_event: unknown, payload: unknown): void => listener(payload as EngineEvent);
      ipcRenderer.on(EVENT_CHANNEL, forward);
      return () => {
        ipcRenderer.removeListener(EVENT_CHANNEL, forward);
      };
    },
  };
}
