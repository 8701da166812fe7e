import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeDicom, decodeFile, readHeader } from '../../src-main/pipeline/decode/index.js';
import { dataPath } from './data-paths.js';

const workDir = mkdtempSync(join(tmpdir(), 'decode-test-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

/** Deterministic bytes (xorshift32), so a failure reproduces. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

describe('files still being written are TRUNCATED', () => {
  const sources = ['cq500/CQ500-CT-0/CT000100.dcm', 'rsna-slices/dicom/ID_0fe31b044_intraparenchymal_subarachnoid.dcm'];
  for (const source of sources) {
    const whole = readFileSync(dataPath(source));
    const cuts = [0, 60, 140, 700, Math.floor(whole.length / 2), whole.length - 1000, whole.length - 1];
    for (const cut of cuts) {
      it(`${source} cut at ${cut} of ${whole.length} bytes`, async () => {
        const path = join(workDir, `cut-${cut}.dcm`);
        writeFileSync(path, whole.subarray(0, cut));
        const outcome = await decodeFile(path);
        assert.equal(outcome.ok ? 'decoded' : outcome.code, 'TRUNCATED', outcome.ok ? '' : outcome.reason);
        const header = readHeader(readFileSync(path), path);
        assert.equal(header.ok ? 'ok' : header.code, 'TRUNCATED');
      });
    }
  }

  it('the whole file decodes (control)', async () => {
    assert.ok((await decodeFile(dataPath(sources[0]!))).ok);
  });
});

describe('not DICOM', () => {
  for (const [length, seed] of [
    [64, 1],
    [200, 2],
    [4096, 3],
    [600_000, 4],
  ] as const) {
    it(`${length} random bytes`, () => {
      const outcome = decodeDicom(pseudoRandomBytes(length, seed), 'random.bin');
      assert.equal(outcome.ok ? 'decoded' : outcome.code, 'NOT_DICOM');
    });
  }

  it('a PNG', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...pseudoRandomBytes(500, 9)]);
    assert.equal((decodeDicom(png, 'x.png') as { code: string }).code, 'NOT_DICOM');
  });

  it('a missing file', async () => {
    const outcome = await decodeFile(join(workDir, 'does-not-exist.dcm'));
    assert.equal(outcome.ok ? 'decoded' : outcome.code, 'UNREADABLE');
    assert.match(outcome.ok ? '' : outcome.reason, /ENOENT/);
  });
});

describe('corrupt compressed pixels', () => {
  it('a JPEG Lossless frame with its markers destroyed is DECODE_FAILED, not zeros', () => {
    const bytes = new Uint8Array(readFileSync(dataPath('cq500/CQ500-CT-0/CT000100.dcm')));
    // The frame starts with the JPEG SOI marker FFD8 right after the first fragment's item header.
    const soi = bytes.findIndex((value, index) => value === 0xff && bytes[index + 1] === 0xd8 && bytes[index + 2] === 0xff);
    assert.ok(soi > 0);
    bytes.fill(0, soi, soi + 64);
    const outcome = decodeDicom(bytes, 'corrupt.dcm');
    assert.equal(outcome.ok ? 'decoded' : outcome.code, 'DECODE_FAILED');
    // The header-only path never expands pixels, so it still reads this file.
    assert.ok(readHeader(bytes, 'corrupt.dcm').ok);
  });
});
