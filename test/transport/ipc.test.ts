import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_METHODS } from '../../src-main/contract/api.js';
import type { EngineEvent } from '../../src-main/contract/dto.js';
import { ApiError } from '../../src-main/contract/errors.js';
import { setLogLevel, setLogSink } from '../../src-main/log.js';
import { createPreloadBridge, type IpcRendererLike, type PreloadBridge } from '../../src-main/preload/bridge.js';
import { EVENT_CHANNEL, IPC_CHANNELS } from '../../src-main/transport/ipc/channels.js';
import { serveIpc, type IpcInvokeEventLike, type IpcMainLike, type SenderFrameLike, type WebContentsLike } from '../../src-main/transport/ipc/serve-ipc.js';
import { createIpcApi, type IchtriageBridge } from '../../src-renderer/api/ipc-api.js';
import { BAD_CALLS } from './bad-arguments.js';
import { createRecordingApi, expectedCam, expectedPixels } from './contract-double.js';

// Compile-time: the renderer's view of window.ichtriage and the preload's bridge are the same type.
const bridgeTypesMatch: [PreloadBridge, IchtriageBridge] extends [IchtriageBridge, PreloadBridge] ? true : never = true;
void bridgeTypesMatch;

const APP_URL = 'file:///opt/ichtriage/dist/renderer/index.html';
type Listener = (event: unknown, ...args: unknown[]) => void;

/**
 * Electron cannot run here, so ipcMain / ipcRenderer / webContents are this in-memory pair: invoke
 * reaches the registered handler through structuredClone, as Electron's IPC does.
 */
function fakeElectron(frame: () => SenderFrameLike | null) {
  const handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const rendererListeners = new Map<string, Set<Listener>>();
  const invoked: string[] = [];
  const ipcMain: IpcMainLike = {
    handle: (channel, handler) => {
      assert.ok(!handlers.has(channel), `second handler for ${channel}`);
      handlers.set(channel, handler);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  const ipcRenderer: IpcRendererLike = {
    async invoke(channel, ...args) {
      invoked.push(channel);
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      return structuredClone(await handler({ senderFrame: frame() }, ...structuredClone(args)));
    },
    on: (channel, listener) => rendererListeners.set(channel, (rendererListeners.get(channel) ?? new Set()).add(listener)),
    removeListener: (channel, listener) => rendererListeners.get(channel)?.delete(listener),
  };
  const webContents: WebContentsLike = {
    send: (channel, ...args) => rendererListeners.get(channel)?.forEach((listener) => listener({ sender: 'ipc-event' }, ...structuredClone(args))),
    isDestroyed: () => false,
  };
  return { ipcMain, ipcRenderer, webContents, handlers, invoked };
}

function setup(frame: () => SenderFrameLike | null = () => ({ url: APP_URL, parent: null })) {
  const engine = createRecordingApi();
  const electron = fakeElectron(frame);
  const dispose = serveIpc(engine, electron.ipcMain, {
    isTrustedUrl: (url) => url === APP_URL,
    targets: () => [electron.webContents],
  });
  const client = createIpcApi(createPreloadBridge(electron.ipcRenderer));
  return { engine, electron, dispose, client };
}

describe('Electron IPC transport', () => {
  it('derives one distinct channel per contract method and registers exactly those', () => {
    const { electron } = setup();
    assert.deepEqual(Object.keys(IPC_CHANNELS).sort(), [...API_METHODS].sort());
    assert.equal(new Set(Object.values(IPC_CHANNELS)).size, API_METHODS.length);
    assert.deepEqual([...electron.handlers.keys()].sort(), Object.values(IPC_CHANNELS).sort());
  });

  it('round-trips every method with its arguments, typed arrays included', async () => {
    const { engine, client } = setup();
    assert.equal(await client.getModel(), null);
    assert.deepEqual(await client.listStudies({ unreadOnly: true }), []);
    const pixels = await client.getSlicePixels(1, '1.2.3', 5);
    assert.ok(pixels.hu instanceof Int16Array);
    assert.deepEqual(pixels.hu, expectedPixels(1, 5));
    const cam = await client.getSliceCam(1, '1.2.3', 5, 'epidural');
    assert.ok(cam.values instanceof Float32Array);
    assert.deepEqual(cam.values, expectedCam(5, 'epidural'));
    assert.deepEqual(await client.importReads('rsna', 'ID,Label\n', undefined), { format: 'rsna', imported: 0, unmatched: [] });
    assert.deepEqual(await client.listRejected(), []);
    assert.deepEqual(engine.calls[1], { method: 'listStudies', args: [{ unreadOnly: true }] });
    assert.deepEqual(engine.calls[2], { method: 'getSlicePixels', args: [1, '1.2.3', 5] });
  });

  it('carries ApiErrors by code and message, and hides unexpected ones behind INTERNAL', async () => {
    const { client } = setup();
    await assert.rejects(client.getStudy(12), (error: unknown) => error instanceof ApiError && error.code === 'NOT_FOUND' && /12/.test(error.message));
    await assert.rejects(client.compare({ reference: 'R1' }), (error: unknown) => error instanceof ApiError && error.code === 'INTERNAL' && !error.message.includes('boom'));
  });

  it('refuses wrong-typed arguments as INVALID_ARGUMENT before the engine, without logging a stack', async () => {
    const { engine, electron } = setup();
    const bridge = createPreloadBridge(electron.ipcRenderer);
    const logged: string[] = [];
    setLogLevel('debug');
    setLogSink((line) => logged.push(line));
    for (const { method, args } of BAD_CALLS) {
      const label = `${method}(${JSON.stringify(args).slice(1, -1)})`;
      const result = await bridge.call(method, args);
      assert.ok(!result.ok, label);
      assert.equal(result.error.code, 'INVALID_ARGUMENT', label);
      assert.match(result.error.message, new RegExp(`^Invalid call to ${method}: (argument \\d|arguments)`), label);
    }
    assert.deepEqual(engine.calls, []);
    assert.equal(logged.join('\n'), '');
    // The capture does see engine failures: a well-typed call the engine fails on is logged with its stack.
    assert.equal((await bridge.call('compare', [{ reference: 'R1' }])).ok, false);
    assert.ok(logged.some((line) => line.includes('boom') && /\\n\s+at /.test(line)), logged.join('\n'));
  });

  it('lets the preload reject unknown methods without touching IPC', async () => {
    const { electron } = setup();
    const bridge = createPreloadBridge(electron.ipcRenderer);
    for (const name of ['subscribe', 'constructor', '__proto__', 'hasOwnProperty', 'ichtriage:call:getModel', 'toString']) {
      const result = await bridge.call(name, []);
      assert.equal(result.ok, false, name);
    }
    assert.equal((await bridge.call('getModel', 'not-an-array' as unknown as unknown[])).ok, false);
    assert.deepEqual(electron.invoked, []);
  });

  it('refuses calls from untrusted, framed or missing sender frames before reaching the engine', async () => {
    for (const frame of [
      { url: 'https://evil.example/', parent: null },
      { url: APP_URL, parent: { url: APP_URL } },
      { url: 'file:///tmp/other.html', parent: null },
      null,
    ]) {
      const { engine, client } = setup(() => frame);
      await assert.rejects(client.listRejected(), (error: unknown) => error instanceof ApiError && error.code === 'UNAUTHORIZED');
      assert.equal(engine.calls.length, 0);
    }
  });

  it('forwards engine events to the page without the Electron event object, and stops on dispose', async () => {
    const { engine, client, dispose, electron } = setup();
    const received: unknown[] = [];
    const unsubscribe = client.subscribe((event) => received.push(event));
    const event: EngineEvent = { type: 'file-rejected', path: '/inbox/x.dcm', reason: 'Not a DICOM file' };
    engine.emit(event);
    assert.deepEqual(received, [event]);
    unsubscribe();
    engine.emit(event);
    assert.equal(received.length, 1);
    dispose();
    assert.equal(engine.listenerCount(), 0);
    assert.equal(electron.handlers.size, 0);
    assert.equal(EVENT_CHANNEL, 'ichtriage:event');
  });
});
