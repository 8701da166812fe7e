import type { ServerResponse } from 'node:http';
import { ApiError, type ApiErrorCode } from '../../contract/errors.js';
import { log } from '../../log.js';

const STATUS: Record<ApiErrorCode, number> = {
  NOT_FOUND: 404,
  INVALID_ARGUMENT: 400,
  PIXELS_UNAVAILABLE: 410,
  MODEL_UNAVAILABLE: 503,
  UNAUTHORIZED: 401,
  REQUEST_TOO_LARGE: 413,
  TOO_MANY_STREAMS: 429,
  TOO_MANY_UPLOADS: 429,
  INTERNAL: 500,
};

/** Anything that is not an ApiError becomes INTERNAL; its message stays in the log (engine messages carry no PHI). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  log.error('api call failed', { err: error });
  return new ApiError('INTERNAL', 'The engine failed on this request; see the application log.');
}

export function sendApiError(response: ServerResponse, error: ApiError): void {
  const body = JSON.stringify(error.toJSON());
  response.writeHead(STATUS[error.code], {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(body);
}
