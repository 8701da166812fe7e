import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../../src-main/contract/errors.js';
import type { EngineEvent } from '../../src-main/contract/dto.js';
import { startHttpServer, type RunningHttpServer } from '../../src-main/transport/http/server.js';
import { createHttpApi } from '../../src-renderer/api/http-api.js';
import type { LiveApi, LiveState } from '../../src-renderer/api/live-api.js';
import { createRecordingApi, expectedCam, expectedPixels, type RecordingApi } from './contract-double.js';

describe('renderer HTTP client <-> browser-mode server', () => {
  let server: RunningHttpServer;
  let engine: RecordingApi;
  let client: LiveApi;

  before(async () => {
    engine = createRecordingApi();
    server = await startHttpServer({ api: engine, staticDir: null });
    client = createHttpApi({ origin: server.origin, token: server.token });
  });
  after(() => server.close());

  it('passes arguments through unchanged', async () => {
    await client.listStudies({ flaggedOnly: true, subtype: 'subdural', from: '2026-01-01' });
    await client.importReads('cq500', 'name,R1:ICH\nCQ500-CT-0,1\n', 'R1');
    assert.deepEqual(engine.calls.slice(-2), [
      { method: 'listStudies', args: [{ flaggedOnly: true, subtype: 'subdural', from: '2026-01-01' }] },
      { method: 'importReads', args: ['cq500', 'name,R1:ICH\nCQ500-CT-0,1\n', 'R1'] },
    ]);
  });

  it('carries Int16 HU pixels as binary, exactly', async () => {
    const pixels = await client.getSlicePixels(1, '1.2.3', 9);
    assert.equal(pixels.rows, 7);
    assert.equal(pixels.columns, 5);
    assert.ok(pixels.hu instanceof Int16Array);
    assert.deepEqual(pixels.hu, expectedPixels(1, 9));
  });

  it('carries Float32 CAM values as binary, exactly, with their class', async () => {
    const cam = await client.getSliceCam(1, '1.2.3', 4, 'subdural');
    assert.equal(cam.cls, 'subdural');
    assert.equal(cam.width, 8);
    assert.ok(cam.values instanceof Float32Array);
    assert.deepEqual(cam.values, expectedCam(4, 'subdural'));
  });

  it('turns engine errors into named ApiErrors', async () => {
    await assert.rejects(client.getStudy(99), (error: unknown) => error instanceof ApiError && error.code === 'NOT_FOUND' && /99/.test(error.message));
    await assert.rejects(client.getSlicePixels(2, 'x', 0), (error: unknown) => error instanceof ApiError && error.code === 'NOT_FOUND');
    await assert.rejects(
      client.recordRead({ studyId: 1, reader: '', findings: {}, note: '', sliceMarks: [] }),
      (error: unknown) => error instanceof ApiError && error.code === 'INVALID_ARGUMENT',
    );
  });

  it('hides unexpected failures behind INTERNAL without their text', async () => {
    await assert.rejects(client.compare({ reference: 'majority' }), (error: unknown) => {
      return error instanceof ApiError && error.code === 'INTERNAL' && !error.message.includes('boom');
    });
  });

  it('reports a wrong token as UNAUTHORIZED', async () => {
    const stranger = createHttpApi({ origin: server.origin, token: 'wrong' });
    await assert.rejects(stranger.getModel(), (error: unknown) => error instanceof ApiError && error.code === 'UNAUTHORIZED');
  });

  it('delivers events to subscribers live and closes the stream on the last unsubscribe', async () => {
    const states: LiveState[] = [];
    const stopState = client.onLiveState((state) => states.push(state));
    const received: EngineEvent[] = [];
    let stopWaiting = (): void => {};
    const connected = new Promise<void>((resolve) => {
      stopWaiting = client.onLiveState((state) => state === 'connected' && resolve());
    });
    const unsubscribe = client.subscribe((event) => received.push(event));
    await connected;
    stopWaiting();
    while (engine.listenerCount() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const event: EngineEvent = { type: 'progress', message: 'Analysing series', done: 3, total: 10 };
    engine.emit(event);
    engine.emit({ type: 'study-removed', studyId: 7 });
    while (received.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(received, [event, { type: 'study-removed', studyId: 7 }]);
    unsubscribe();
    while (engine.listenerCount() > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(states, ['disconnected', 'connected', 'disconnected']);
    stopState();
  });
});
