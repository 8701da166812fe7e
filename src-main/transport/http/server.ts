import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TriageApi } from '../../contract/api.js';
import { ApiError } from '../../contract/errors.js';
import { sendApiError, toApiError } from './api-errors.js';
import { createEventStreams } from './event-stream.js';
import { handleCall } from './rpc.js';
import { hostAllowed, newLaunchToken, originAllowed, setSecurityHeaders, tokenMatches } from './security.js';
import { serveStatic } from './static-files.js';

/**
 * Browser mode: the TriageApi over localhost HTTP.
 *   POST /api/call/<method>  body {"args": [...]}  ->  {"value": ...} JSON, or octet-stream for
 *                            typed-array values (see contract/wire.ts); errors are ApiError JSON
 *                            {code, message} with a matching status.
 *   GET  /api/events         text/event-stream of EngineEvent JSON.
 *   GET  anything else       the built renderer from `staticDir` (no token needed: it holds no data).
 * Every /api request needs `Authorization: Bearer <token>`; the page is opened as
 * `http://127.0.0.1:<port>/#token=<token>` and keeps the token in sessionStorage.
 */
export interface HttpServerOptions {
  api: TriageApi;
  /** Folder with the built renderer (index.html + assets); null serves the API only. */
  staticDir: string | null;
  /** 0 picks a free port. */
  port?: number;
  /** Tests pass a fixed token; otherwise a fresh random one per launch. */
  token?: string;
}

export interface RunningHttpServer {
  port: number;
  token: string;
  /** Origin of the server, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The URL to open: carries the token in its fragment. */
  launchUrl: string;
  close(): Promise<void>;
}

function refuse(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(message);
}

interface RouteContext {
  options: HttpServerOptions;
  token: string;
  port: number;
  handleEvents: (request: IncomingMessage, response: ServerResponse) => void;
}

async function route({ options, token, port, handleEvents }: RouteContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  setSecurityHeaders(response);
  if (!hostAllowed(request, port)) return refuse(response, 421, 'Unknown Host header.');
  // CORS preflights are refused outright: nothing here is meant for another origin.
  if (request.method === 'OPTIONS') return refuse(response, 403, 'Cross-origin requests are not allowed.');
  if (!originAllowed(request, port)) return refuse(response, 403, 'Cross-origin requests are not allowed.');

  const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
    if (!tokenMatches(request, token)) {
      return sendApiError(response, new ApiError('UNAUTHORIZED', 'Missing or wrong launch token: reopen the URL printed by ichtriage.'));
    }
    if (url.pathname === '/api/events' && request.method === 'GET') return handleEvents(request, response);
    const call = /^\/api\/call\/([A-Za-z]+)$/.exec(url.pathname);
    if (call) return handleCall(options.api, call[1]!, request, response);
    return sendApiError(response, new ApiError('NOT_FOUND', `No API route ${url.pathname}.`));
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, 405, 'Method not allowed.');
  if (!options.staticDir) return refuse(response, 404, 'Not found');
  return serveStatic(options.staticDir, url.pathname, request.method, response);
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const token = options.token ?? newLaunchToken();
  const handleEvents = createEventStreams(options.api);
  let port = 0;
  const server = createServer((request, response) => {
    route({ options, token, port, handleEvents }, request, response).catch((error: unknown) => {
      if (!response.headersSent) sendApiError(response, toApiError(error));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    token,
    origin,
    launchUrl: `${origin}/#token=${token}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Open SSE streams would hold close() forever.
        server.closeAllConnections();
      }),
  };
}
