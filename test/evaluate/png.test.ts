import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encode } from 'fast-png';
import { PngError, pngToPseudoHu } from '../../src-main/evaluate/png.js';
import { SHARED_DATA } from '../helpers/paths.js';

const window = { center: 40, width: 130 };
// HU = 40 - 65 + p/255 * 130: p=0 -> -25, p=255 -> 105, p=51 -> -25 + 26 = 1
describe('pngToPseudoHu', () => {
  it('maps grey levels linearly through the window', () => {
    const png = encode({ width: 3, height: 1, channels: 1, depth: 8, data: new Uint8Array([0, 51, 255]) });
    const slice = pngToPseudoHu(png, window);
    assert.deepEqual([slice.rows, slice.columns, slice.warning], [1, 3, null]);
    assert.deepEqual(Array.from(slice.hu, (v) => Math.round(v * 1e4) / 1e4), [-25, 1, 105]);
  });

  it('reads saturated grey as the model card says (bone), and only saturated grey', () => {
    // as in ichtrain's test_png_grey_and_pseudo_hu: through 40/130, with 255 read as 1000 HU
    const png = encode({ width: 4, height: 1, channels: 1, depth: 8, data: new Uint8Array([0, 128, 254, 255]) });
    const asBone = pngToPseudoHu(png, { ...window, saturatedHu: 1000 });
    const atTop = pngToPseudoHu(png, window);
    assert.deepEqual(Array.from(asBone.hu.subarray(0, 3)), Array.from(atTop.hu.subarray(0, 3)));
    assert.deepEqual([asBone.hu[3], atTop.hu[3]], [1000, 105]);
  });

  it('uses R of grey stored as RGBA and ignores alpha', () => {
    const data = new Uint8Array([51, 51, 51, 0, 255, 255, 255, 128]);
    const slice = pngToPseudoHu(encode({ width: 2, height: 1, channels: 4, depth: 8, data }), window);
    assert.deepEqual(Array.from(slice.hu, (v) => Math.round(v * 1e4) / 1e4), [1, 105]);
    assert.equal(slice.warning, null);
  });

  it('converts tinted RGB to BT.601 luma and says so', () => {
    // luma of (100, 110, 90) = 29.9 + 64.57 + 10.26 = 104.73 -> HU -25 + 104.73 * 130/255 = 28.3922
    const slice = pngToPseudoHu(encode({ width: 1, height: 1, channels: 3, depth: 8, data: new Uint8Array([100, 110, 90]) }), window);
    assert.ok(Math.abs(slice.hu[0]! - 28.3922) < 1e-3);
    assert.match(slice.warning!, /differ by up to 20 of 255/);
  });

  it('scales 16-bit grey to 0..255 first', () => {
    const slice = pngToPseudoHu(encode({ width: 1, height: 1, channels: 1, depth: 16, data: new Uint16Array([65535]) }), window);
    assert.ok(Math.abs(slice.hu[0]! - 105) < 1e-4);
  });

  it('expands palette images through their palette and rejects low bit depths', () => {
    const indexed = encode({ width: 2, height: 1, channels: 1, depth: 8, data: new Uint8Array([0, 1]), palette: [[51, 51, 51], [255, 255, 255]] });
    assert.deepEqual(Array.from(pngToPseudoHu(indexed, window).hu, (v) => Math.round(v * 1e4) / 1e4), [1, 105]);
    const grey4 = encode({ width: 2, height: 1, channels: 1, depth: 4, data: new Uint8Array([0x0f]) });
    assert.throws(() => pngToPseudoHu(grey4, window), /4-bit grey PNG/);
  });

  it('reads the real PHE-SICH and Kaggle PNGs', () => {
    const phe = pngToPseudoHu(readFileSync(path.join(SHARED_DATA, 'phe-sich', 'images', '0001_00.png')), window);
    assert.deepEqual([phe.rows, phe.columns, phe.warning], [512, 512, null]);
    const kaggle = pngToPseudoHu(readFileSync(path.join(SHARED_DATA, 'kaggle-head-ct', 'images', '013.png')), window);
    assert.deepEqual([kaggle.rows, kaggle.columns], [601, 504]);
    assert.match(kaggle.warning!, /differ by up to 39 of 255/);
    assert.ok(kaggle.hu.every((v) => v >= -25 && v <= 105));
  });

  it('rejects what is not a PNG and a truncated PNG', () => {
    assert.throws(() => pngToPseudoHu(new Uint8Array([1, 2, 3, 4]), window), (e: Error) => e instanceof PngError && /not a readable PNG/.test(e.message));
    const real = readFileSync(path.join(SHARED_DATA, 'phe-sich', 'images', '0001_00.png'));
    assert.throws(() => pngToPseudoHu(real.subarray(0, real.length - 20), window), /not a readable PNG/);
  });
});
