import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_METHODS, type TriageApi, type TriageApiMethod } from '../../contract/api.js';
import { parseApiArguments } from '../../contract/arguments.js';
import { ApiError } from '../../contract/errors.js';
import { sendApiError, toApiError } from './api-errors.js';
import { BINARY_META_HEADER, splitBinaryValue } from '../../contract/wire.js';

const MIB = 1024 * 1024;
/** Every call but an upload is a few hundred bytes of JSON; the cap keeps concurrent large bodies from filling memory. */
const CALL_BODY_LIMIT = 1 * MIB;
/** Methods that upload a file: a reads CSV of a few thousand studies fits easily; a dropped DICOM file travels as base64 (4/3 of its size, up to 72 MB). */
const UPLOAD_BODY_LIMITS: Partial<Record<TriageApiMethod, number>> = { importReads: 64 * MIB, addToInbox: 96 * MIB };

/**
 * Upload calls whose bodies are being received at once. Each may hold its whole limit in memory,
 * so without a cap a few concurrent uploads could take the engine to gigabytes; the rest get 429.
 */
export const MAX_CONCURRENT_UPLOADS = 2;
let uploadsInFlight = 0;

export function bodyLimitOf(method: TriageApiMethod): number {
  return UPLOAD_BODY_LIMITS[method] ?? CALL_BODY_LIMIT;
}

export function isApiMethod(name: string): name is TriageApiMethod {
  return (API_METHODS as readonly string[]).includes(name);
}

function tooLarge(method: TriageApiMethod, limit: number): ApiError {
  return new ApiError('REQUEST_TOO_LARGE', `A call to ${method} may carry at most ${limit / MIB} MiB.`);
}

/**
 * Collects the body up to its method's limit. A declared Content-Length over the limit is refused before
 * reading; a body that grows past it stops being read at once (paused, not drained or buffered).
 * No for-await here: leaving it early destroys the socket, and the 413 would never arrive.
 */
function readBody(request: IncomingMessage, method: TriageApiMethod): Promise<Buffer> {
  const limit = bodyLimitOf(method);
  if (Number(request.headers['content-length']) > limit) return Promise.reject(tooLarge(method, limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        request.pause();
        chunks.length = 0;
        reject(tooLarge(method, limit));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    // The client went away mid-body: nobody is left to answer, and it is no engine fault to log.
    request.on('error', () => reject(new ApiError('INVALID_ARGUMENT', 'The request body was cut off.')));
  });
}

async function readJsonBody(request: IncomingMessage, method: TriageApiMethod): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError('INVALID_ARGUMENT', 'API calls must send Content-Type: application/json.');
  }
  const body = await readBody(request, method);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError('INVALID_ARGUMENT', 'Request body is not valid JSON.');
  }
}

/** Reads the body; an upload method's body only while fewer than MAX_CONCURRENT_UPLOADS are being read. */
async function readUploadGated(request: IncomingMessage, method: TriageApiMethod): Promise<unknown> {
  if (!(method in UPLOAD_BODY_LIMITS)) return readJsonBody(request, method);
  if (uploadsInFlight >= MAX_CONCURRENT_UPLOADS) {
    throw new ApiError('TOO_MANY_UPLOADS', `At most ${MAX_CONCURRENT_UPLOADS} large uploads are received at once.`);
  }
  uploadsInFlight++;
  try {
    return await readJsonBody(request, method);
  } finally {
    uploadsInFlight--;
  }
}

/** POST /api/call/<method> with body {"args": [...]}: one TriageApi call, JSON or binary answer. */
export async function handleCall(api: TriageApi, method: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    if (request.method !== 'POST') throw new ApiError('INVALID_ARGUMENT', 'API calls use POST.');
    if (!isApiMethod(method)) throw new ApiError('NOT_FOUND', `No API method "${method}".`);
    const body = (await readUploadGated(request, method)) as { args?: unknown } | null;
    if (!Array.isArray(body?.args)) {
      throw new ApiError('INVALID_ARGUMENT', 'Body must be {"args": [...]} with the method arguments.');
    }
    const args = parseApiArguments(method, body.args);
    const call = api[method] as (...a: unknown[]) => Promise<unknown>;
    const value = await call.apply(api, args);
    sendValue(response, value);
  } catch (error) {
    const apiError = toApiError(error);
    // The rest of an oversized body is never read, so this connection cannot carry another request.
    if (apiError.code === 'REQUEST_TOO_LARGE') response.setHeader('Connection', 'close');
    sendApiError(response, apiError);
  }
}

/** Header values must be ASCII; JSON's \u escapes keep any other character intact. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sendValue(response: ServerResponse, value: unknown): void {
  const binary = splitBinaryValue(value);
  if (binary) {
    const bytes = Buffer.from(binary.data.buffer, binary.data.byteOffset, binary.data.byteLength);
    response.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': bytes.length,
      [BINARY_META_HEADER]: asciiJson(binary.meta),
      'Cache-Control': 'no-store',
    });
    response.end(bytes);
    return;
  }
  const body = JSON.stringify({ value: value ?? null });
  response.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(body);
}
