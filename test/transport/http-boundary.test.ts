import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setLogLevel, setLogSink } from '../../src-main/log.js';
import { startHttpServer, type RunningHttpServer } from '../../src-main/transport/http/server.js';
import { BAD_CALLS } from './bad-arguments.js';
import { createRecordingApi, type RecordingApi } from './contract-double.js';
import { rawRequest } from './raw-http.js';

describe('browser-mode HTTP server boundary: arguments', () => {
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

    // The capture does see engine failures: a well-typed call the engine fails on is logged with its stack.
    assert.equal((await call('compare', JSON.stringify({ args: [{ reference: 'majority' }] }))).status, 500);
    assert.ok(logged.some((line) => line.includes('boom') && /\n\s+at /.test(line)), logged.join('\n'));
  });
});
