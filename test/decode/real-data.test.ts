import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeDicom, readHeader } from '../../src-main/pipeline/decode/index.js';
import { dataPath } from './data-paths.js';

function dicomFiles(relativeDir: string): string[] {
  return readdirSync(dataPath(relativeDir))
    .filter((name) => name.endsWith('.dcm'))
    .sort()
    .map((name) => join(dataPath(relativeDir), name));
}

function decodeOk(path: string) {
  const outcome = decodeDicom(readFileSync(path), path);
  assert.ok(outcome.ok, outcome.ok ? '' : `${path}: ${outcome.code}: ${outcome.reason}`);
  return outcome.instance;
}

const codes = (warnings: { code: string }[]) => warnings.map((w) => w.code).sort();

describe('CQ500 (JPEG Lossless, tilted, padding -2000)', () => {
  const files = dicomFiles('cq500/CQ500-CT-0');

  it('decodes all 238 slices of CQ500-CT-0 without warnings', () => {
    assert.equal(files.length, 238);
    for (const path of files) {
      const instance = decodeOk(path);
      assert.deepEqual(codes(instance.warnings), [], path);
      assert.equal(instance.hu.length, 512 * 512);
    }
  });

  it('reads the header: syntax, tilted orientation, spacing, padding handled as air', () => {
    const instance = decodeOk(files[99]!);
    const header = instance.header;
    assert.equal(header.Modality, 'CT');
    assert.equal(header.TransferSyntaxUID, '1.2.840.10008.1.2.4.70');
    assert.equal(header.Rows, 512);
    assert.ok(header.ImagePositionPatient && header.ImageOrientationPatient && header.PixelSpacing);
    // Gantry tilt shows as a column direction leaving the axial plane (cosines 0, 0.989, -0.148).
    const columnZ = header.ImageOrientationPatient[5];
    assert.ok(Math.abs(columnZ) > 0.1, `column z cosine ${columnZ}`);
    // Corner pixels are outside the field of view (stored -2000 = PixelPaddingValue).
    assert.equal(instance.hu[0], -1024);
  });

  it('decodes the 5 mm explicit little endian slice of CQ500-CT-1', () => {
    const [path] = dicomFiles('cq500/CQ500-CT-1_single_slice');
    assert.deepEqual(codes(decodeOk(path!).warnings), []);
  });
});

describe('RSNA slices (non-conforming UIDs, 12-bit unsigned and int16, multi-valued windows)', () => {
  const files = dicomFiles('rsna-slices/dicom');

  it('decodes all five with NON_CONFORMING_UID only (their intercept -1024 needs no 12-bit fix)', () => {
    assert.equal(files.length, 5);
    for (const path of files) {
      const instance = decodeOk(path);
      assert.deepEqual(codes(instance.warnings), ['NON_CONFORMING_UID'], path);
      assert.match(instance.header.SOPInstanceUID, /^ID_[0-9a-f]+$/);
    }
  });

  it('takes the first value of a multi-valued WindowCenter', () => {
    const path = files.find((file) => file.includes('ID_4f3e8c5c1'))!;
    const header = readHeader(readFileSync(path), path);
    assert.ok(header.ok);
    assert.equal(header.header.WindowCenter, 47);
    assert.equal(header.header.WindowWidth, 80);
  });
});

describe('CT-ICH (MATLAB Secondary Capture, pixels already HU)', () => {
  it('decodes all 26 slices with SECONDARY_CAPTURE_HU and no geometry', () => {
    const files = dicomFiles('ct-ich/hemo_subset');
    assert.equal(files.length, 26);
    for (const path of files) {
      const instance = decodeOk(path);
      assert.deepEqual(codes(instance.warnings), ['SECONDARY_CAPTURE_HU'], path);
      assert.equal(instance.header.ImagePositionPatient, null);
      assert.equal(instance.header.PixelSpacing, null);
      assert.equal(instance.header.Modality, 'OT');
    }
  });

  it('rejects the segmentation masks stored the same way (values are not HU)', () => {
    for (const path of dicomFiles('ct-ich/Masks_subset')) {
      const outcome = decodeDicom(readFileSync(path), path);
      assert.equal(outcome.ok ? 'decoded' : outcome.code, 'NOT_CT', path);
    }
  });
});
