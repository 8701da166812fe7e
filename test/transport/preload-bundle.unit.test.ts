import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import vm from 'node:vm';
import { API_METHODS } from '../../src-main/contract/api.js';
import { buildPreload } from '../../scripts/build-targets.mjs';
import { EVENT_CHANNEL, IPC_CHANNELS } from '../../src-main/contract/wire.js';

describe('preload bundle', () => {
  it('is one CommonJS script that requires only electron and exposes only the bridge', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ichtriage-preload-'));
    try {
      const code = await readFile(await buildPreload(dir), 'utf8');
      const required: string[] = [];
      const exposed: Record<string, unknown> = {};
      const invoked: string[] = [];
      const listened: string[] = [];
      // Run it as Electron's sandboxed preload would, with a stand-in for the electron module.
      const electron = {
        contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
        ipcRenderer: {
          invoke: async (channel: string) => (invoked.push(channel), { ok: true, value: null }),
          on: (channel: string) => listened.push(channel),
          removeListener: () => undefined,
        },
      };
      const module = { exports: {} };
      vm.runInNewContext(code, { module, exports: module.exports, require: (name: string) => (required.push(name), electron) });
      assert.deepEqual(required, ['electron']);
      assert.deepEqual(Object.keys(exposed), ['ichtriage']);
      const bridge = exposed.ichtriage as { call(method: string, args: unknown[]): Promise<{ ok: boolean }>; onEvent(listener: () => void): () => void };
      assert.deepEqual(Object.keys(bridge).sort(), ['call', 'onEvent']);
      for (const method of API_METHODS) assert.equal((await bridge.call(method, [])).ok, true);
      assert.deepEqual(invoked, API_METHODS.map((method) => IPC_CHANNELS[method]));
      assert.equal((await bridge.call('send', [])).ok, false);
      bridge.onEvent(() => undefined);
      assert.deepEqual(listened, [EVENT_CHANNEL]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
