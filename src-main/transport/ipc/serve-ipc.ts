import type { TriageApi } from '../../contract/api.js';
import { API_METHODS } from '../../contract/api.js';
import { parseApiArguments } from '../../contract/arguments.js';
import { ApiError } from '../../contract/errors.js';
import { log } from '../../log.js';
import { EVENT_CHANNEL, IPC_CHANNELS, type IpcResult } from '../../contract/wire.js';

/** The parts of Electron's main-process IPC this module uses (so it can be tested without Electron). */
export interface SenderFrameLike {
  url: string;
  /** null for a top-level frame. */
  parent: unknown;
}
export interface IpcInvokeEventLike {
  senderFrame: SenderFrameLike | null;
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<IpcResult>): void;
  removeHandler(channel: string): void;
}
export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface ServeIpcOptions {
  /** True only for URLs of the app's own renderer (e.g. its file:// index.html). */
  isTrustedUrl(url: string): boolean;
  /** Windows that receive EngineEvents. */
  targets(): WebContentsLike[];
}

function failure(error: unknown): IpcResult {
  if (error instanceof ApiError) return { ok: false, error: error.toJSON() };
  log.error('ipc call failed', { err: error });
  return { ok: false, error: { code: 'INTERNAL', message: 'The engine failed on this request; see the application log.' } };
}

/** Registers one handler per contract method and forwards events; returns a function that undoes both. */
export function serveIpc(api: TriageApi, ipcMain: IpcMainLike, options: ServeIpcOptions): () => void {
  for (const method of API_METHODS) {
    ipcMain.handle(IPC_CHANNELS[method], async (event, ...args) => {
      const frame = event.senderFrame;
      // Only the app's own top-level page may call: not an iframe, not a page navigated elsewhere.
      if (!frame || frame.parent !== null || !options.isTrustedUrl(frame.url)) {
        return failure(new ApiError('UNAUTHORIZED', 'IPC call from an untrusted frame was refused.'));
      }
      try {
        const call = api[method] as (...a: unknown[]) => Promise<unknown>;
        return { ok: true, value: await call.apply(api, parseApiArguments(method, args)) };
      } catch (error) {
        return failure(error);
      }
    });
  }
  const unsubscribe = api.subscribe((event) => {
    for (const target of options.targets()) {
      if (!target.isDestroyed()) target.send(EVENT_CHANNEL, event);
    }
  });
  return () => {
    unsubscribe();
    for (const method of API_METHODS) ipcMain.removeHandler(IPC_CHANNELS[method]);
  };
}
