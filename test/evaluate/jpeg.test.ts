import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeJpegGrey, hasJpegSignature, JpegError } from '../../src-main/evaluate/jpeg.js';
import { SHARED_DATA } from '../helpers/paths.js';

const BRAIN_JPEG = path.join(SHARED_DATA, 'ct-ich-jpg', 'brain', '049_21.jpg');

describe('decodeJpegGrey', () => {
  it('decodes a real grey CT-ICH JPEG to the grey levels PIL (libjpeg-turbo) gives', () => {
    const bytes = readFileSync(BRAIN_JPEG);
    assert.ok(hasJpegSignature(bytes));
    const image = decodeJpegGrey(bytes);
    assert.deepEqual([image.rows, image.columns], [650, 650]);
    // Row 300, columns 300..319, as decoded by PIL 9 (Image.open(...) in mode L) on the same file.
    const expected = [114, 120, 122, 119, 117, 112, 106, 103, 104, 107, 107, 107, 103, 106, 108, 109, 107, 103, 100, 98];
    assert.deepEqual(Array.from(image.grey.subarray(650 * 300 + 300, 650 * 300 + 320)), expected);
  });

  it('rejects what is not a decodable JPEG', () => {
    assert.equal(hasJpegSignature(new Uint8Array([0x89, 0x50, 0x4e, 0x47])), false);
    const bytes = readFileSync(BRAIN_JPEG);
    assert.throws(() => decodeJpegGrey(bytes.subarray(0, 20)), JpegError);
    assert.throws(() => decodeJpegGrey(new Uint8Array([0xff, 0xd8, 0xff, 0xd9])), JpegError);
  });
});
