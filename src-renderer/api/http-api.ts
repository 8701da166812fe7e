import { API_METHODS, type TriageApi, type TriageApiMethod } from '../../src-main/contract/api.js';
import type { EngineEvent } from '../../src-main/contract/dto.js';
import { ApiError } from '../../src-main/contract/errors.js';
import { BINARY_META_HEADER, joinBinaryValue } from '../../src-main/contract/wire.js';
import { readServerSentData } from './sse-reader.js';
import type { LiveApi, LiveState } from './live-api.js';

const RECONNECT_MS = 1000;

export interface HttpApiOptions {
  /** e.g. http://127.0.0.1:41234, or '' for the page's own origin. */
  origin: string;
  token: string;
}

async function decodeResponse(response: Response): Promise<unknown> {
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok) {
    const body: unknown = type.startsWith('application/json') ? await response.json().catch(() => null) : null;
    throw body ? ApiError.fromJSON(body) : new ApiError('INTERNAL', `The server answered ${response.status}.`);
  }
  if (type.startsWith('application/octet-stream')) {
    const value = joinBinaryValue(response.headers.get(BINARY_META_HEADER), await response.arrayBuffer());
    if (!value) throw new ApiError('INTERNAL', 'Binary answer without a valid meta header.');
    return value;
  }
  return ((await response.json()) as { value: unknown }).value;
}

/** The TriageApi over browser-mode HTTP; one generic call per contract method, events over SSE. */
export function createHttpApi(options: HttpApiOptions): LiveApi {
  const headers = { Authorization: `Bearer ${options.token}` };
  const listeners = new Set<(event: EngineEvent) => void>();
  const stateListeners = new Set<(state: LiveState) => void>();
  let stream: AbortController | null = null;
  let state: LiveState = 'disconnected';

  const setState = (next: LiveState): void => {
    if (next === state) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  async function call(method: TriageApiMethod, args: unknown[]): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${options.origin}/api/call/${method}`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ args }),
      });
    } catch {
      throw new ApiError('INTERNAL', 'Cannot reach the ichtriage engine: is it still running?');
    }
    return decodeResponse(response);
  }

  async function runStream(controller: AbortController): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(`${options.origin}/api/events`, { headers, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`events answered ${response.status}`);
        setState('connected');
        for await (const data of readServerSentData(response.body)) {
          const event = JSON.parse(data) as EngineEvent;
          for (const listener of listeners) listener(event);
        }
      } catch {
        // fall through to reconnect unless aborted
      }
      if (controller.signal.aborted) break;
      setState('disconnected');
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  }

  const api = Object.fromEntries(API_METHODS.map((method) => [method, (...args: unknown[]) => call(method, args)])) as Omit<TriageApi, 'subscribe'>;
  return {
    ...api,
    notifiesNatively: false,
    subscribe(listener) {
      listeners.add(listener);
      if (!stream) {
        stream = new AbortController();
        void runStream(stream);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && stream) {
          stream.abort();
          stream = null;
          setState('disconnected');
        }
      };
    },
    onLiveState(listener) {
      stateListeners.add(listener);
      listener(state);
      return () => stateListeners.delete(listener);
    },
  };
}
