import { API_METHODS, type TriageApiMethod } from '../../contract/api.js';
import type { ApiErrorCode } from '../../contract/errors.js';

/**
 * The IPC channel of every contract method, derived from API_METHODS so that a new method gets
 * its channel without anyone writing one by hand.
 */
export const IPC_CHANNELS: Readonly<Record<TriageApiMethod, string>> = Object.freeze(
  Object.fromEntries(API_METHODS.map((method) => [method, `ichtriage:call:${method}`])) as Record<TriageApiMethod, string>,
);

/** Main -> renderer EngineEvents. */
export const EVENT_CHANNEL = 'ichtriage:event';

export function channelOf(method: string): string | null {
  return Object.hasOwn(IPC_CHANNELS, method) ? IPC_CHANNELS[method as TriageApiMethod] : null;
}

/**
 * Electron turns a rejected invoke into "Error invoking remote method ..." and drops the code, so
 * results travel in an envelope and the renderer rebuilds the named ApiError.
 */
export type IpcResult = { ok: true; value: unknown } | { ok: false; error: { code: ApiErrorCode; message: string } };
