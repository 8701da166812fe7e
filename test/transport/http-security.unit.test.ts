import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHttpServer, type RunningHttpServer } from '../../src-main/transport/http/server.js';
import { createRecordingApi, type RecordingApi } from './contract-double.js';
import { rawRequest } from './raw-http.js';

const SECRET = 'SECRET-OUTSIDE-THE-STATIC-ROOT';

describe('browser-mode HTTP server security', () => {
  let server: RunningHttpServer;
  let api: RecordingApi;
  let dir: string;
  let auth: Record<string, string>;
  let ownHost: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ichtriage-http-'));
    await mkdir(path.join(dir, 'renderer', 'assets'), { recursive: true });
    await writeFile(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>ichtriage</title>');
    await writeFile(path.join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
    await writeFile(path.join(dir, 'secret.txt'), SECRET);
    api = createRecordingApi();
    server = await startHttpServer({ api, staticDir: path.join(dir, 'renderer') });
    auth = { Authorization: `Bearer ${server.token}` };
    ownHost = `127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const callJson = (extra: Record<string, string> = {}, method = 'listRejected') =>
    rawRequest(server.port, {
      method: 'POST',
      path: `/api/call/${method}`,
      headers: { 'Content-Type': 'application/json', ...extra },
      body: JSON.stringify({ args: [] }),
    });

  it('answers a well-formed call with the token (the baseline the attacks differ from)', async () => {
    const before = api.calls.length;
    const res = await callJson(auth);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body.toString()), { value: [] });
    assert.equal(api.calls.length, before + 1);
  });

  it('uses a long random token per launch', async () => {
    assert.match(server.token, /^[A-Za-z0-9_-]{40,}$/);
    const other = await startHttpServer({ api, staticDir: null });
    try {
      assert.notEqual(other.token, server.token);
    } finally {
      await other.close();
    }
    assert.equal(server.launchUrl, `http://127.0.0.1:${server.port}/#token=${server.token}`);
  });

  it('listens on loopback only', async (t) => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((nic) => nic && nic.family === 'IPv4' && !nic.internal);
    if (!external) return t.skip('no non-loopback IPv4 interface on this machine');
    await assert.rejects(
      new Promise((resolve, reject) => {
        const socket = connect(server.port, external.address, () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', reject);
      }),
      /ECONNREFUSED/,
    );
  });

  it('refuses an API call without a token, before it reaches the engine', async () => {
    const before = api.calls.length;
    const res = await callJson();
    assert.equal(res.status, 401);
    assert.equal(JSON.parse(res.body.toString()).code, 'UNAUTHORIZED');
    assert.equal(api.calls.length, before);
  });

  it('refuses wrong tokens, of the same and of other lengths, and other schemes', async () => {
    const wrongSameLength = server.token.slice(0, -1) + (server.token.endsWith('A') ? 'B' : 'A');
    for (const header of [`Bearer ${wrongSameLength}`, 'Bearer x', `Bearer ${server.token}x`, `Basic ${server.token}`, server.token]) {
      const res = await callJson({ Authorization: header });
      assert.equal(res.status, 401, header);
    }
  });

  it('does not accept the token from the query string or a cookie', async () => {
    const viaQuery = await rawRequest(server.port, {
      method: 'POST',
      path: `/api/call/listRejected?token=${server.token}`,
      headers: { 'Content-Type': 'application/json' },
      body: '{"args":[]}',
    });
    assert.equal(viaQuery.status, 401);
    const viaCookie = await callJson({ Cookie: `token=${server.token}` });
    assert.equal(viaCookie.status, 401);
  });

  it('refuses a foreign Host header (DNS rebinding), even with the token', async () => {
    const before = api.calls.length;
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, `127.0.0.1.evil.example:${server.port}`]) {
      const res = await callJson({ ...auth, Host: host });
      assert.equal(res.status, 421, host);
      const page = await rawRequest(server.port, { path: '/', headers: { Host: host } });
      assert.equal(page.status, 421, host);
    }
    assert.equal(api.calls.length, before);
    for (const host of [ownHost, `localhost:${server.port}`]) {
      assert.equal((await callJson({ ...auth, Host: host })).status, 200, host);
    }
  });

  it('refuses a cross-site POST and GET by Origin, even with the token', async () => {
    const before = api.calls.length;
    for (const origin of ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, 'null', `https://127.0.0.1:${server.port}`]) {
      assert.equal((await callJson({ ...auth, Origin: origin })).status, 403, origin);
      const events = await rawRequest(server.port, { path: '/api/events', headers: { ...auth, Origin: origin } });
      assert.equal(events.status, 403, origin);
      const page = await rawRequest(server.port, { path: '/', headers: { Origin: origin } });
      assert.equal(page.status, 403, origin);
    }
    assert.equal((await callJson({ ...auth, 'Sec-Fetch-Site': 'cross-site' })).status, 403);
    assert.equal((await callJson({ ...auth, 'Sec-Fetch-Site': 'same-site' })).status, 403);
    assert.equal(api.calls.length, before);
    assert.equal((await callJson({ ...auth, Origin: `http://${ownHost}`, 'Sec-Fetch-Site': 'same-origin' })).status, 200);
  });

  it('refuses a form-style (text/plain) POST, the one kind a page can send without a preflight', async () => {
    const res = await rawRequest(server.port, {
      method: 'POST',
      path: '/api/call/listRejected',
      headers: { ...auth, 'Content-Type': 'text/plain' },
      body: '{"args":[]}',
    });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body.toString()).code, 'INVALID_ARGUMENT');
  });

  it('fails CORS preflights and never sends Access-Control-* headers', async () => {
    const preflight = await rawRequest(server.port, {
      method: 'OPTIONS',
      path: '/api/call/listRejected',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    assert.equal(preflight.status, 403);
    const responses = [preflight, await callJson(auth), await callJson(), await rawRequest(server.port, { path: '/' })];
    for (const res of responses) {
      const cors = Object.keys(res.headers).filter((name) => name.startsWith('access-control-'));
      assert.deepEqual(cors, []);
    }
  });

  it('requires the token for the event stream and streams events with it', async () => {
    const refused = await rawRequest(server.port, { path: '/api/events' });
    assert.equal(refused.status, 401);
    const wrong = await rawRequest(server.port, { path: '/api/events', headers: { Authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    assert.equal(api.listenerCount(), 0);

    const controller = new AbortController();
    const res = await fetch(`${server.origin}/api/events`, { headers: auth, signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(': connected')) text += new TextDecoder().decode((await reader.read()).value);
    api.emit({ type: 'study-removed', studyId: 42 });
    while (!text.includes('study-removed')) text += new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /data: \{"type":"study-removed","studyId":42\}\n\n/);
    controller.abort();
  });

  it('keeps static paths inside the renderer folder (path traversal)', async () => {
    const attacks = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '/index.html%00.js',
      `/${encodeURIComponent(path.join(dir, 'secret.txt'))}`,
      '//etc/passwd',
      '/%ff',
    ];
    for (const attack of attacks) {
      const res = await rawRequest(server.port, { path: attack });
      assert.equal(res.status, 404, attack);
      assert.ok(!res.body.toString().includes(SECRET), attack);
    }
    const ok = await rawRequest(server.port, { path: '/assets/app.js' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['content-type'], 'text/javascript; charset=utf-8');
  });

  it('sends a strict CSP and the other security headers on pages and API answers', async () => {
    for (const res of [await rawRequest(server.port, { path: '/' }), await callJson(auth), await callJson()]) {
      const csp = String(res.headers['content-security-policy']);
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
      assert.deepEqual(directives.get('default-src'), ["'self'"]);
      assert.deepEqual(directives.get('script-src'), ["'self'"]);
      assert.deepEqual(directives.get('connect-src'), ["'self'"]);
      assert.deepEqual(directives.get('img-src'), ["'self'", 'data:', 'blob:']);
      assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
      assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
    }
  });

  it('serves only GET/HEAD on static paths and only known API methods', async () => {
    assert.equal((await rawRequest(server.port, { method: 'POST', path: '/' })).status, 405);
    const unknown = await callJson(auth, 'constructor');
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.body.toString()).code, 'NOT_FOUND');
    const proto = await callJson(auth, '__proto__');
    assert.equal(proto.status, 404);
    const getCall = await rawRequest(server.port, { path: '/api/call/listRejected', headers: auth });
    assert.equal(getCall.status, 400);
  });
});
