import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Workstation } from '../../src-main/app/workstation.js';
import type { EngineEvent } from '../../src-main/contract/dto.js';
import { ApiError } from '../../src-main/contract/errors.js';
import { setLogLevel } from '../../src-main/log.js';
import { defaultModelDir } from '../../src-main/pipeline/infer/detector.js';
import { createPreloadBridge, type IpcRendererLike } from '../../src-main/preload/bridge.js';
import { startHttpServer, type RunningHttpServer } from '../../src-main/transport/http/server.js';
import { serveIpc, type IpcInvokeEventLike, type IpcMainLike } from '../../src-main/transport/ipc/serve-ipc.js';
import { createHttpApi } from '../../src-renderer/api/http-api.js';
import { createIpcApi } from '../../src-renderer/api/ipc-api.js';
import type { LiveApi } from '../../src-renderer/api/live-api.js';
import { SHARED_DATA } from '../helpers/paths.js';
import { rawRequest } from './raw-http.js';

/**
 * One suite, both transports, the real engine inside the workstation: whatever the renderer gets
 * through HTTP or IPC must equal what the TriageApi answers in-process, typed arrays and named errors included.
 */
const SLICE_DIR = path.join(SHARED_DATA, 'cq500', 'CQ500-CT-1_single_slice');
const APP_URL = 'file:///app/dist/renderer/index.html';

/** Electron's IPC for Node: invoke reaches the handler through structuredClone (Electron cannot run here). */
function inMemoryIpc(): { ipcMain: IpcMainLike; ipcRenderer: IpcRendererLike; send(channel: string, payload: unknown): void } {
  const handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  return {
    ipcMain: { handle: (channel, handler) => handlers.set(channel, handler), removeHandler: (channel) => handlers.delete(channel) },
    ipcRenderer: {
      invoke: async (channel, ...args) => structuredClone(await handlers.get(channel)!({ senderFrame: { url: APP_URL, parent: null } }, ...structuredClone(args))),
      on: (channel, listener) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener)),
      removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
    },
    send: (channel, payload) => listeners.get(channel)?.forEach((listener) => listener({}, structuredClone(payload))),
  };
}

describe('the real engine over both transports', { timeout: 300_000 }, () => {
  let work: string;
  let workstation: Workstation;
  let server: RunningHttpServer;
  let stopIpc: () => void;
  const transports: Record<string, LiveApi> = {};

  before(async () => {
    setLogLevel('error');
    work = await mkdtemp(path.join(tmpdir(), 'ichtriage-transport-'));
    workstation = await Workstation.start({
      home: work,
      bundledModelDir: defaultModelDir(),
      overrides: { model: { providers: [] } },
      openFolder: async () => {},
    });
    await workstation.engine.ingestPaths([SLICE_DIR]);
    await workstation.engine.whenIdle();
    server = await startHttpServer({ api: workstation.api, staticDir: null });
    transports.http = createHttpApi({ origin: server.origin, token: server.token });
    const ipc = inMemoryIpc();
    stopIpc = serveIpc(workstation.api, ipc.ipcMain, { isTrustedUrl: (url) => url === APP_URL, targets: () => [{ send: ipc.send, isDestroyed: () => false }] });
    transports.ipc = createIpcApi(createPreloadBridge(ipc.ipcRenderer));
  });

  after(async () => {
    stopIpc?.();
    await server?.close();
    await workstation?.close();
    await rm(work, { recursive: true, force: true });
  });

  for (const name of ['http', 'ipc']) {
    describe(name, () => {
      it('answers list, study, model and rejections exactly as the engine does', async () => {
        const client = transports[name]!;
        const studies = await workstation.api.listStudies({});
        assert.equal(studies.length, 1);
        assert.deepEqual(await client.listStudies({}), studies);
        assert.deepEqual(await client.getStudy(studies[0]!.studyId), await workstation.api.getStudy(studies[0]!.studyId));
        assert.deepEqual(await client.getModel(), await workstation.api.getModel());
        assert.deepEqual(await client.listRejected(), await workstation.api.listRejected());
        assert.deepEqual(await client.getSettings(), await workstation.api.getSettings());
        assert.deepEqual(await client.getStatus(), await workstation.api.getStatus());
      });

      it('carries HU pixels and CAMs bit for bit', async () => {
        const client = transports[name]!;
        const [study] = await workstation.api.listStudies({});
        const detail = await workstation.api.getStudy(study!.studyId);
        const uid = detail.series[0]!.seriesInstanceUid;
        const direct = await workstation.api.getSlicePixels(study!.studyId, uid, 0);
        const viaTransport = await client.getSlicePixels(study!.studyId, uid, 0);
        assert.ok(viaTransport.hu instanceof Int16Array);
        assert.equal(viaTransport.hu.length, 512 * 512);
        assert.deepEqual(viaTransport, direct);
        const cam = await client.getSliceCam(study!.studyId, uid, 0, 'intraparenchymal');
        assert.ok(cam.values instanceof Float32Array);
        assert.deepEqual(cam, await workstation.api.getSliceCam(study!.studyId, uid, 0, 'intraparenchymal'));
      });

      it('turns engine refusals into named ApiErrors', async () => {
        const client = transports[name]!;
        await assert.rejects(client.getStudy(987654), (error: unknown) => error instanceof ApiError && error.code === 'NOT_FOUND');
        const [study] = await workstation.api.listStudies({});
        const uid = (await workstation.api.getStudy(study!.studyId)).series[0]!.seriesInstanceUid;
        await assert.rejects(client.getSliceCam(study!.studyId, uid, 0, 'bogus' as 'any'), (error: unknown) => error instanceof ApiError && error.code === 'INVALID_ARGUMENT');
      });

      it('records a read and pushes the updated study to subscribers', async () => {
        const client = transports[name]!;
        const [study] = await workstation.api.listStudies({});
        const events: EngineEvent[] = [];
        const unsubscribe = client.subscribe((event) => events.push(event));
        try {
          if (name === 'http') {
            // Wait until the stream is open, or the event could be missed.
            await new Promise<void>((resolve) => {
              const stop = client.onLiveState((state) => {
                if (state === 'connected') {
                  queueMicrotask(() => stop());
                  resolve();
                }
              });
            });
          }
          const read = await client.recordRead({ studyId: study!.studyId, reader: `reader-${name}`, findings: { intraparenchymal: true }, note: '', sliceMarks: [] });
          assert.equal(read.findings.any, true);
          const deadline = Date.now() + 10_000;
          while (!events.some((e) => e.type === 'study-updated' && e.study.read?.reader === `reader-${name}`)) {
            assert.ok(Date.now() < deadline, `no study-updated event over ${name}: ${JSON.stringify(events)}`);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        } finally {
          unsubscribe();
        }
      });
    });
  }

  it('lets no refused HTTP request write to the engine', async () => {
    const [study] = await workstation.api.listStudies({});
    const readsBefore = (await workstation.api.getStudy(study!.studyId)).reads.length;
    const body = JSON.stringify({ args: [{ studyId: study!.studyId, reader: 'attacker', findings: { any: true }, note: '', sliceMarks: [] }] });
    const attempt = (headers: Record<string, string>) =>
      rawRequest(server.port, { method: 'POST', path: '/api/call/recordRead', headers: { 'Content-Type': 'application/json', ...headers }, body });
    const auth = { Authorization: `Bearer ${server.token}` };
    assert.equal((await attempt({})).status, 401);
    assert.equal((await attempt({ Authorization: 'Bearer guess' })).status, 401);
    assert.equal((await attempt({ ...auth, Host: `attacker.example:${server.port}` })).status, 421);
    assert.equal((await attempt({ ...auth, Origin: 'http://attacker.example' })).status, 403);
    assert.equal((await attempt({ ...auth, 'Content-Type': 'text/plain' })).status, 400);
    assert.equal((await workstation.api.getStudy(study!.studyId)).reads.length, readsBefore);
    assert.equal((await attempt(auth)).status, 200);
    assert.equal((await workstation.api.getStudy(study!.studyId)).reads.length, readsBefore + 1);
  });
});
