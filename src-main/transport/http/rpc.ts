import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_METHODS, type TriageApi, type TriageApiMethod } from '../../contract/api.js';
import { parseApiArguments } from '../../contract/arguments.js';
import { ApiError } from '../../contract/errors.js';
import { sendApiError, toApiError } from './api-errors.js';
import { BINARY_META_HEADER, encodeBinaryValue } from './binary-body.js';

/** CSV imports of a few thousand studies fit easily; anything bigger is refused before parsing. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function isApiMethod(name: string): name is TriageApiMethod {
  return (API_METHODS as readonly string[]).includes(name);
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError('INVALID_ARGUMENT', 'API calls must send Content-Type: application/json.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError('INVALID_ARGUMENT', `Request body exceeds ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError('INVALID_ARGUMENT', 'Request body is not valid JSON.');
  }
}

/** POST /api/call/<method> with body {"args": [...]}: one TriageApi call, JSON or binary answer. */
export async function handleCall(api: TriageApi, method: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    if (request.method !== 'POST') throw new ApiError('INVALID_ARGUMENT', 'API calls use POST.');
    if (!isApiMethod(method)) throw new ApiError('NOT_FOUND', `No API method "${method}".`);
    const body = (await readJsonBody(request)) as { args?: unknown } | null;
    if (!Array.isArray(body?.args)) {
      throw new ApiError('INVALID_ARGUMENT', 'Body must be {"args": [...]} with the method arguments.');
    }
    const args = parseApiArguments(method, body.args);
    const call = api[method] as (...a: unknown[]) => Promise<unknown>;
    const value = await call.apply(api, args);
    sendValue(response, value);
  } catch (error) {
    sendApiError(response, toApiError(error));
  }
}

/** Header values must be ASCII; JSON's \u escapes keep any other character intact. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sendValue(response: ServerResponse, value: unknown): void {
  const binary = encodeBinaryValue(value);
  if (binary) {
    response.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': binary.bytes.length,
      [BINARY_META_HEADER]: asciiJson(binary.meta),
      'Cache-Control': 'no-store',
    });
    response.end(binary.bytes);
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
