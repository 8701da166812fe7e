import { API_METHODS, type TriageApi } from '../../src-main/contract/api.js';
import type { EngineEvent } from '../../src-main/contract/dto.js';
import { ApiError } from '../../src-main/contract/errors.js';
import type { IpcResult } from '../../src-main/contract/wire.js';
import type { LiveApi } from './live-api.js';

/** `window.ichtriage` as the Electron preload exposes it (src-main/preload/bridge.ts; a type test keeps the two equal). */
export interface IchtriageBridge {
  call(method: string, args: unknown[]): Promise<IpcResult>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
}

/** The TriageApi over the Electron preload bridge; IPC lives as long as the window, so it is always connected. */
export function createIpcApi(bridge: IchtriageBridge): LiveApi {
  const api = Object.fromEntries(
    API_METHODS.map((method) => [
      method,
      async (...args: unknown[]) => {
        const result = await bridge.call(method, args);
        if (!result.ok) throw ApiError.fromJSON(result.error);
        return result.value;
      },
    ]),
  ) as Omit<TriageApi, 'subscribe'>;
  return {
    ...api,
    notifiesNatively: true,
    subscribe: (listener) => bridge.onEvent(listener),
    onLiveState(listener) {
      listener('connected');
      return () => {};
    },
  };
}
