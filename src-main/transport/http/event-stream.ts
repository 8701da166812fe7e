import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TriageApi } from '../../contract/api.js';
import { ApiError } from '../../contract/errors.js';
import { sendApiError } from './api-errors.js';

/** Comment lines keep proxies and the browser from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A page holds one stream, so this allows several tabs while bounding what a token holder can open. */
export const MAX_EVENT_STREAMS = 8;

/**
 * GET /api/events: every EngineEvent as one SSE `data:` line of JSON, until the client goes away.
 * Each server has one launch token, so counting its open streams is counting them per token.
 */
export function createEventStreams(api: TriageApi): (request: IncomingMessage, response: ServerResponse) => void {
  let open = 0;
  return (request, response) => {
    if (open >= MAX_EVENT_STREAMS) {
      return sendApiError(response, new ApiError('TOO_MANY_STREAMS', `At most ${MAX_EVENT_STREAMS} event streams may be open at once.`));
    }
    open += 1;
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    response.write(': connected\n\n');
    const unsubscribe = api.subscribe((event) => {
      response.write(`data: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    let stopped = false;
    // Both the request and the response report the close; the slot must be freed once.
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      open -= 1;
      clearInterval(heartbeat);
      unsubscribe();
    };
    request.on('close', stop);
    response.on('close', stop);
  };
}
