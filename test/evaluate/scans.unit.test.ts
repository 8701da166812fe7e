import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupIntoScans, type GroupableImage } from '../../src-main/evaluate/scans.js';

const png = (filename: string, scanValue: string | null = null): GroupableImage => ({ filename, scanValue, dicom: null });
const dicom = (filename: string, series: string, position: number | null, instanceNumber: number | null): GroupableImage => ({
  filename,
  scanValue: null,
  dicom: { studyInstanceUid: '1.2', seriesInstanceUid: series, position, instanceNumber },
});

describe('groupIntoScans', () => {
  it('groups PPPP_SS.png by patient and orders by slice number; other PNGs are their own scans', () => {
    const scans = groupIntoScans([png('images/0002_10.png'), png('images/0001_02.png'), png('images/000.png'), png('images/0002_09.png')]);
    assert.deepEqual(scans, [
      { key: 'filename:0002', rule: 'filename', members: [3, 0], ordered: true },
      { key: 'filename:0001', rule: 'filename', members: [1], ordered: true },
      { key: 'single-image:images/000.png', rule: 'single-image', members: [2], ordered: true },
    ]);
  });

  it('groups DICOM by series and orders by position, else InstanceNumber', () => {
    const scans = groupIntoScans([
      dicom('a.dcm', 's1', 10, 1),
      dicom('b.dcm', 's1', -5, 2),
      dicom('c.dcm', 's2', null, 7),
      dicom('d.dcm', 's2', null, 3),
      dicom('e.dcm', 's1', 2.5, 3),
    ]);
    assert.deepEqual(scans, [
      { key: 'dicom-series:1.2/s1', rule: 'dicom-series', members: [1, 4, 0], ordered: true },
      { key: 'dicom-series:1.2/s2', rule: 'dicom-series', members: [3, 2], ordered: true },
    ]);
  });

  it('puts the scan column first and leaves a scan without distinct order keys unordered', () => {
    const scans = groupIntoScans([png('x.png', 'p1'), dicom('y.dcm', 's9', 1, 1), png('z.png', 'p1')]);
    assert.deepEqual(scans[0], { key: 'column:p1', rule: 'column', members: [0, 2], ordered: false });
    // equal positions fall back to InstanceNumber; equal everything stays unordered
    const tied = groupIntoScans([dicom('a.dcm', 's', 0, 2), dicom('b.dcm', 's', 0, 1)]);
    assert.deepEqual(tied[0]!.members, [1, 0]);
    assert.equal(groupIntoScans([dicom('a.dcm', 's', 0, 1), dicom('b.dcm', 's', 0, 1)])[0]!.ordered, false);
  });
});
