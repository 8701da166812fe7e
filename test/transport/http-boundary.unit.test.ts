import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../../src-main/contract/errors.js';
import { setLogLevel, setLogSink } from '../../src-main/log.js';
import { MAX_EVENT_STREAMS } from '../../src-main/transport/http/event-stream.js';
import { bodyLimitOf, MAX_CONCURRENT_UPLOADS } from '../../src-main/transport/http/rpc.js';
import { startHttpServer, type RunningHttpServer } from '../../src-main/transport/http/server.js';
import { createHttpApi } from '../../src-renderer/api/http-api.js';
import { BAD_CALLS } from './bad-arguments.js';
import { createRecordingApi, type RecordingApi } from './contract-double.js';
import { rawRequest } from './raw-http.js';

const MIB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

interface PartialUpload {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  /** Body bytes handed to the socket when the answer came. */
  sentBeforeAnswer: number;
}

/**
 * Sends up to `sendBytes` of a body and never ends it, so an answer can only come from a server
 * that refuses without waiting for (or buffering) the whole body.
 */
function uploadWithoutFinishing(port: number, path: string, headers: Record<string, string>, sendBytes: number): Promise<PartialUpload> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
      answered = true;
      const sentBeforeAnswer = sent;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), sentBeforeAnswer });
      });
    });
    // Once the server has answered and closed, further writes fail; that is the expected end.
    req.on('error', (error) => answered || reject(error));
    req.write('{"args":[{"reader":"');
    const pump = (): void => {
      while (!answered && sent < sendBytes) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

describe('browser-mode HTTP server boundary: arguments, body sizes, event streams', () => {
  let server: RunningHttpServer;
  let api: RecordingApi;
  let auth: Record<string, string>;
  const logged: string[] = [];

  before(async () => {
    setLogLevel('debug');
    setLogSink((line) => logged.push(line));
    api = createRecordingApi();
    server = await startHttpServer({ api, staticDir: null });
    auth = { Authorization: `Bearer ${server.token}` };
  });
  after(() => server.close());

  const call = (method: string, body: string) =>
    rawRequest(server.port, { method: 'POST', path: `/api/call/${method}`, headers: { ...auth, 'Content-Type': 'application/json' }, body });

  it('answers wrong-typed arguments with 400 INVALID_ARGUMENT, never reaching the engine or logging a stack', async () => {
    logged.length = 0;
    const callsBefore = api.calls.length;
    for (const { method, args } of BAD_CALLS) {
      const label = `${method}(${JSON.stringify(args).slice(1, -1)})`;
      const res = await call(method, JSON.stringify({ args }));
      assert.equal(res.status, 400, label);
      assert.match(String(res.headers['content-type']), /^application\/json/, label);
      const error = JSON.parse(res.body.toString()) as { code: string; message: string };
      assert.equal(error.code, 'INVALID_ARGUMENT', label);
      assert.match(error.message, new RegExp(`^Invalid call to ${method}: (argument \\d|arguments)`), label);
      assert.doesNotMatch(error.message, /\n\s+at /, label);
    }
    assert.equal(api.calls.length, callsBefore);
    assert.equal(logged.join('\n'), '');

    // The capture does see engine failures: a well-typed call the engine fails on is logged with its stack (escaped onto one line).
    assert.equal((await call('compare', JSON.stringify({ args: [{ reference: 'majority' }] }))).status, 500);
    assert.ok(logged.some((line) => line.includes('boom') && /\\n\s+at /.test(line)), logged.join('\n'));
  });

  // Only the first few bytes of the declared 50 MB are ever sent: a server that read on would hang here.
  it('refuses a body declared over the limit with 413 from its Content-Length alone', { timeout: 10_000 }, async () => {
    const callsBefore = api.calls.length;
    const res = await uploadWithoutFinishing(
      server.port,
      '/api/call/listStudies',
      { ...auth, 'Content-Type': 'application/json', 'Content-Length': String(50 * MIB) },
      0,
    );
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).code, 'REQUEST_TOO_LARGE');
    assert.equal(res.headers.connection, 'close');
    assert.equal(api.calls.length, callsBefore);
  });

  it('stops reading a chunked body once it passes the limit and answers 413', { timeout: 10_000 }, async () => {
    const callsBefore = api.calls.length;
    const willSend = 64 * MIB;
    const res = await uploadWithoutFinishing(server.port, '/api/call/recordRead', { ...auth, 'Content-Type': 'application/json' }, willSend);
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).code, 'REQUEST_TOO_LARGE');
    assert.ok(res.sentBeforeAnswer > bodyLimitOf('recordRead'), 'the answer came before the limit was even reached');
    assert.ok(res.sentBeforeAnswer < willSend / 4, `answered only after ${res.sentBeforeAnswer} bytes`);
    assert.equal(api.calls.length, callsBefore);
  });

  it(`receives at most ${MAX_CONCURRENT_UPLOADS} large uploads at once; the next gets 429 before its body is read`, { timeout: 10_000 }, async () => {
    const headers = { ...auth, 'Content-Type': 'application/json' };
    // Two uploads that never finish hold both slots.
    const holding = [0, 1].map(() => {
      const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/call/importReads', headers });
      req.on('error', () => {});
      req.write('{"args":["rsna","');
      return req;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const third = await uploadWithoutFinishing(server.port, '/api/call/importReads', headers, 8 * MIB);
    assert.equal(third.status, 429);
    assert.equal(JSON.parse(third.body).code, 'TOO_MANY_UPLOADS');
    assert.ok(third.sentBeforeAnswer < 8 * MIB);
    // A call that uploads nothing is not held up.
    assert.equal((await rawRequest(server.port, { method: 'POST', path: '/api/call/listRejected', headers, body: '{"args":[]}' })).status, 200);
    for (const req of holding) req.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const client = createHttpApi({ origin: server.origin, token: server.token });
    assert.deepEqual(await client.importReads('rsna', 'ID,Label\n'), { format: 'rsna', imported: 0, unmatched: [] });
  });

  it('keeps the larger limit for the one upload (a reads CSV), and only for it', { timeout: 10_000 }, async () => {
    const csvText = `ID,Label\n${'ID_0123456789_any,0\n'.repeat(Math.ceil((4 * bodyLimitOf('recordRead')) / 20))}`;
    assert.ok(csvText.length > bodyLimitOf('recordRead') && csvText.length < bodyLimitOf('importReads'));
    const client = createHttpApi({ origin: server.origin, token: server.token });
    assert.deepEqual(await client.importReads('rsna', csvText), { format: 'rsna', imported: 0, unmatched: [] });
    const received = api.calls.at(-1)!;
    assert.equal(received.method, 'importReads');
    assert.equal((received.args[1] as string).length, csvText.length);
    assert.equal(received.args[2], undefined, 'an omitted reader arrives as undefined, not null');

    await assert.rejects(
      client.recordRead({ studyId: 1, reader: 'R1', findings: {}, note: csvText, sliceMarks: [] }),
      (error: unknown) => error instanceof ApiError && error.code === 'REQUEST_TOO_LARGE',
    );
    const overUpload = await uploadWithoutFinishing(
      server.port,
      '/api/call/importReads',
      { ...auth, 'Content-Type': 'application/json', 'Content-Length': String(bodyLimitOf('importReads') + 1) },
      0,
    );
    assert.equal(overUpload.status, 413);
  });

  it(`caps event streams at ${MAX_EVENT_STREAMS} per token with 429, and a closed stream frees its slot`, async () => {
    const open = async (): Promise<{ status: number; controller: AbortController; body: string }> => {
      const controller = new AbortController();
      const res = await fetch(`${server.origin}/api/events`, { headers: auth, signal: controller.signal });
      return { status: res.status, controller, body: res.ok ? '' : await res.text() };
    };
    const streams = [];
    try {
      for (let i = 0; i < MAX_EVENT_STREAMS; i++) streams.push(await open());
      assert.deepEqual(
        streams.map((s) => s.status),
        Array(MAX_EVENT_STREAMS).fill(200),
      );
      const refused = await open();
      assert.equal(refused.status, 429);
      assert.equal(JSON.parse(refused.body).code, 'TOO_MANY_STREAMS');
      assert.equal(api.listenerCount(), MAX_EVENT_STREAMS);

      streams.shift()!.controller.abort();
      while (api.listenerCount() === MAX_EVENT_STREAMS) await new Promise((resolve) => setTimeout(resolve, 5));
      const reopened = await open();
      streams.push(reopened);
      assert.equal(reopened.status, 200);
      assert.equal((await open()).status, 429);
    } finally {
      for (const stream of streams) stream.controller.abort();
    }
    while (api.listenerCount() > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  });
});
