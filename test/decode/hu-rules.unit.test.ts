import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AIR_HU } from '../../src-main/domain/instance.js';
import { decodeDicom, readHeader } from '../../src-main/pipeline/decode/index.js';
import { el, syntheticCt, type SyntheticCtOptions, type SyntheticElement } from './synthetic-dicom.js';

function decodeHu(options: SyntheticCtOptions, writeOptions?: { fileMeta?: boolean; implicit?: boolean }) {
  const outcome = decodeDicom(syntheticCt(options, writeOptions), 'synthetic.dcm');
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.code}: ${outcome.reason}`);
  return { hu: Array.from(outcome.instance.hu), warnings: outcome.instance.warnings.map((w) => w.code) };
}

describe('stored values to HU', () => {
  it('rescales signed 16-bit values and maps everything below air to AIR_HU', () => {
    const { hu, warnings } = decodeHu({ patterns: [0, 1024, 1064, 4095, -2000, -1] });
    assert.deepEqual(hu, [-1024, 0, 40, 3071, AIR_HU, AIR_HU]);
    assert.deepEqual(warnings, []);
  });

  it('masks unused high bits and sign-extends a 12-bit signed value', () => {
    const { hu } = decodeHu({
      bitsStored: 12,
      signed: true,
      patterns: [0xf000 | 0x0fff, 0x0800, 0xa123, 0x07ff],
      extra: [el(0x0028, 0x1052, 'DS', '0')],
    });
    assert.deepEqual(hu, [-1, AIR_HU, 0x123, 2047]);
  });

  it('treats unsigned 12-bit values as unsigned even when bit 11 is set', () => {
    const { hu } = decodeHu({ bitsStored: 12, signed: false, patterns: [0x0800, 0x0fff, 0xf000], extra: [el(0x0028, 0x1052, 'DS', '-1024')] });
    assert.deepEqual(hu, [2048 - 1024, 4095 - 1024, -1024]);
  });

  it('sets PixelPaddingValue (and the PixelPaddingRangeLimit range) to AIR_HU before rescale', () => {
    const { hu } = decodeHu({
      patterns: [-2000, -1700, -1500, -1499, 0],
      extra: [el(0x0028, 0x0120, 'SS', [-2000]), el(0x0028, 0x0121, 'SS', [-1500]), el(0x0028, 0x1052, 'DS', '2000')],
    });
    assert.deepEqual(hu, [AIR_HU, AIR_HU, AIR_HU, 501, 2000]);
  });

  it('inverts MONOCHROME1 before rescale', () => {
    const { hu } = decodeHu({ bitsStored: 12, signed: false, photometric: 'MONOCHROME1', patterns: [0, 4095, 1000] });
    assert.deepEqual(hu, [3071, -1024, 3095 - 1024]);
  });

  it('rounds half up and clamps to the int16 range', () => {
    const { hu } = decodeHu({
      patterns: [1, -1, 3, -3, 30000],
      extra: [el(0x0028, 0x1052, 'DS', '0.25'), el(0x0028, 0x1053, 'DS', '0.5')],
    });
    // 0.75 -> 1, -0.25 -> 0, 1.75 -> 2, -1.25 -> -1, 15000.25 -> 15000
    assert.deepEqual(hu, [1, 0, 2, -1, 15000]);
    const clamped = decodeHu({ patterns: [30000], extra: [el(0x0028, 0x1052, 'DS', '0'), el(0x0028, 0x1053, 'DS', '10')] });
    assert.deepEqual(clamped.hu, [32767]);
  });

  it('fixes the RSNA 12-bit quirk (values +1000 wrapped at 4096, intercept -1000) and says so', () => {
    const { hu, warnings } = decodeHu({
      bitsStored: 12,
      signed: false,
      patterns: [0, 24, 3095, 4000],
      extra: [el(0x0028, 0x1052, 'DS', '0')],
    });
    assert.deepEqual(hu, [0, 24, 3095, 904 - 1000]);
    assert.deepEqual(warnings, ['RSNA_12BIT_FIXED']);
  });

  it('leaves 12-bit unsigned slices with a normal intercept alone', () => {
    const { hu, warnings } = decodeHu({ bitsStored: 12, signed: false, patterns: [1024, 1064], extra: [el(0x0028, 0x1052, 'DS', '-1024')] });
    assert.deepEqual(hu, [0, 40]);
    assert.deepEqual(warnings, []);
  });
});

describe('header attributes', () => {
  it('reads the first of multi-valued WindowCenter/WindowWidth in both notations', () => {
    for (const [center, width] of [
      ['[00040, 00040]', '[00080, 00080]'],
      ['40\\40', '80\\80'],
    ] as const) {
      const bytes = syntheticCt({ patterns: [0], extra: [el(0x0028, 0x1050, 'DS', center), el(0x0028, 0x1051, 'DS', width)] });
      const header = readHeader(bytes, 'synthetic.dcm');
      assert.ok(header.ok);
      assert.equal(header.header.WindowCenter, 40);
      assert.equal(header.header.WindowWidth, 80);
    }
  });

  it('reads a bare implicit-VR dataset (no preamble, no File Meta)', () => {
    const { hu } = decodeHu({ patterns: [1024, 1064] }, { fileMeta: false, implicit: true });
    assert.deepEqual(hu, [0, 40]);
  });

  it('reads a bare explicit-VR dataset', () => {
    const { hu } = decodeHu({ patterns: [1024, 1064] }, { fileMeta: false, implicit: false });
    assert.deepEqual(hu, [0, 40]);
  });

  it('warns about non-conforming UIDs but decodes', () => {
    const { warnings } = decodeHu({ patterns: [0], extra: [el(0x0008, 0x0018, 'UI', 'ID_e17326e0bd')] });
    assert.deepEqual(warnings, ['NON_CONFORMING_UID']);
  });
});

describe('rejections a sample file does not cover', () => {
  function rejection(options: SyntheticCtOptions) {
    const outcome = decodeDicom(syntheticCt(options), 'synthetic.dcm');
    assert.ok(!outcome.ok, 'must be rejected');
    return outcome;
  }

  it('multi-frame CT', () => {
    assert.equal(rejection({ rows: 1, columns: 1, patterns: [0, 0], extra: [el(0x0028, 0x0008, 'IS', '2')] }).code, 'MULTI_FRAME');
  });

  it('pixel data shorter than the image: a failure, never zero-filled', () => {
    const outcome = rejection({ rows: 4, columns: 4, patterns: [0, 0] });
    assert.equal(outcome.code, 'DECODE_FAILED');
    assert.match(outcome.reason, /holds 4 bytes, Rows x Columns x BitsAllocated describe 32/);
  });

  it('pixel data longer than the image (Rows too small for it): a failure, never a cropped image', () => {
    const outcome = rejection({ rows: 1, columns: 2, patterns: [0, 0, 0, 0] });
    assert.equal(outcome.code, 'DECODE_FAILED');
    assert.match(outcome.reason, /holds 8 bytes, Rows x Columns x BitsAllocated describe 4/);
  });

  it('a pixel description no writer produces: BitsStored, HighBit or PixelRepresentation out of range', () => {
    const cases: [SyntheticElement, RegExp][] = [
      [el(0x0028, 0x0101, 'US', [17]), /BitsStored 17 with BitsAllocated 16/],
      [el(0x0028, 0x0101, 'US', [0]), /BitsStored 0/],
      [el(0x0028, 0x0102, 'US', [7]), /HighBit 7 with BitsStored 16/],
      [el(0x0028, 0x0103, 'US', [7]), /PixelRepresentation 7/],
    ];
    for (const [element, reason] of cases) {
      const outcome = rejection({ patterns: [0, 0], extra: [element] });
      assert.equal(outcome.code, 'DECODE_FAILED');
      assert.match(outcome.reason, reason);
    }
  });

  it('an unknown transfer syntax', () => {
    const bytes = syntheticCt({ patterns: [0] });
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('1.2.840.10008.1.2.1\0');
    assert.ok(at > 0);
    bytes.set(new TextEncoder().encode('1.2.840.10008.1.2.4.99'), at); // same length as the padded UID
    const outcome = decodeDicom(bytes, 'synthetic.dcm');
    assert.equal(outcome.ok ? 'decoded' : outcome.code, 'UNSUPPORTED_TRANSFER_SYNTAX');
  });

  it('MR', () => {
    assert.equal(rejection({ patterns: [0], extra: [el(0x0008, 0x0060, 'CS', 'MR')] }).code, 'NOT_CT');
  });
});
