import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAM_FLOOR, camToRgba, dragWindow, windowToRgba, WINDOW_PRESETS } from '../../src-renderer/features/viewer/render-slice.js';
import { readServerSentData } from '../../src-renderer/api/sse-reader.js';
import { SliceCache } from '../../src-renderer/features/viewer/slice-cache.js';

describe('slice rendering maths', () => {
  it('windows HU linearly between center -/+ width/2', () => {
    const out = new Uint8ClampedArray(5 * 4);
    windowToRgba(Int16Array.from([-1000, 0, 40, 80, 3000]), 40, 80, out);
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => out[i * 4]), [0, 0, 128, 255, 255]);
    assert.deepEqual([...out.slice(8, 12)], [128, 128, 128, 255]);
  });

  it('has the four presets of the issue on keys 1-4', () => {
    assert.deepEqual(
      WINDOW_PRESETS.map((p) => [p.key, p.center, p.width]),
      [['1', 40, 80], ['2', 80, 200], ['3', 40, 40], ['4', 600, 2800]],
    );
  });

  it('leaves a cold CAM transparent and makes a hot one opaque red', () => {
    const out = new Uint8ClampedArray(4 * 4);
    camToRgba(Float32Array.from([0, CAM_FLOOR, (1 + CAM_FLOOR) / 2, 1]), out);
    assert.equal(out[3], 0);
    assert.equal(out[7], 0);
    assert.ok(out[11]! > 0 && out[11]! < 128, `half-way alpha ${out[11]}`);
    assert.deepEqual([...out.slice(12, 16)], [240, 40, 30, 255]);
  });

  it('widens the window dragging right and raises the centre dragging down, never below width 1', () => {
    assert.deepEqual(dragWindow({ center: 40, width: 80 }, 10, 5), { center: 50, width: 120 });
    assert.deepEqual(dragWindow({ center: 40, width: 80 }, -100, 0).width, 1);
  });
});

describe('SSE reader', () => {
  it('yields the data of each event across chunk boundaries, skipping comments', async () => {
    const chunks = [': connected\n\ndata: {"a":', '1}\n\r\ndata: x\ndata: y\n\n: heartbeat\n\n'];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const seen: string[] = [];
    for await (const data of readServerSentData(body)) seen.push(data);
    assert.deepEqual(seen, ['{"a":1}', 'x\ny']);
  });
});

describe('slice cache', () => {
  it('loads once per key, evicts the least recently used, and forgets failures', async () => {
    const cache = new SliceCache<number>(2);
    let loads = 0;
    const load = (value: number) => () => (loads++, Promise.resolve(value));
    await cache.get('a', load(1));
    await cache.get('b', load(2));
    assert.equal(await cache.get('a', load(99)), 1);
    await cache.get('c', load(3)); // evicts b
    assert.equal(await cache.get('b', load(20)), 20);
    assert.equal(loads, 4);
    await assert.rejects(cache.get('bad', () => Promise.reject(new Error('x'))));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await cache.get('bad', load(5)), 5);
  });
});
