import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assembleSeries, checkAxialSlice } from '../../src-main/pipeline/assemble/index.js';
import { ctHeader, seriesAt } from '../helpers/headers.js';

const codes = (warnings: { code: string }[]) => warnings.map((w) => w.code);

describe('assembleSeries', () => {
  it('orders slices by position along the normal, not by arrival or InstanceNumber', () => {
    const slices = seriesAt([10, 0, 5, 15]);
    const series = assembleSeries(slices);
    assert.deepEqual(series.slices.map((s) => s.z), [0, 5, 10, 15]);
    assert.equal(series.spacingMm, 5);
    assert.deepEqual(codes(series.warnings), []);
  });

  it('reports a missing slice with its size and keeps going', () => {
    const series = assembleSeries(seriesAt([0, 0.625, 1.25, 1.875, 3.125, 3.75]));
    assert.equal(series.slices.length, 6);
    assert.deepEqual(codes(series.warnings), ['MISSING_SLICES']);
    assert.match(series.warnings[0]!.message, /Gap of 1\.25 mm after slice 4 of 6 \(about 1 missing slice at 0\.63 mm/);
  });

  it('reports every gap of a series in one warning, consecutive slices as a range', () => {
    // Gaps after slices 2, and 4-6 (the pattern of the real GE series: thirteen 7 mm steps in a 4 mm series).
    const series = assembleSeries(seriesAt([0, 4, 11, 15, 22, 29, 36, 40, 44, 48, 52]));
    assert.deepEqual(codes(series.warnings), ['MISSING_SLICES']);
    assert.equal(series.warnings[0]!.message, 'Gaps of 7.00 mm after slices 2, 4–6 of 11 (about 4 missing slices at 4.00 mm spacing).');
  });

  it('reports repeated positions once for the series', () => {
    const series = assembleSeries(seriesAt([0, 0, 5, 5, 10, 10]));
    assert.equal(series.slices.length, 3);
    assert.deepEqual(codes(series.warnings), ['DUPLICATE_SLICE']);
    assert.match(series.warnings[0]!.message, /^3 slices repeat a position already present \(at 0\.00, 5\.00, 10\.00 mm\)/);
  });

  it('drops a second slice at the same position and says so', () => {
    const series = assembleSeries(seriesAt([0, 5, 5, 10]));
    assert.equal(series.slices.length, 3);
    assert.deepEqual(codes(series.warnings), ['DUPLICATE_SLICE']);
  });

  it('measures gantry tilt between the slice normal and the direction of travel', () => {
    const series = assembleSeries(seriesAt([0, 1, 2, 3], 15));
    assert.ok(Math.abs(series.tiltDegrees - 15) < 0.01, `tilt ${series.tiltDegrees}`);
    assert.deepEqual(codes(series.warnings), ['GANTRY_TILT']);
  });

  it('flags irregular spacing that is not a gap', () => {
    const series = assembleSeries(seriesAt([0, 5, 10, 14, 19, 25]));
    assert.deepEqual(codes(series.warnings), ['IRREGULAR_SPACING']);
  });

  it('falls back to InstanceNumber when there is no position, with a warning', () => {
    const slices = [3, 1, 2].map((n) => ({
      path: `/x/${n}.dcm`,
      header: ctHeader({ SOPInstanceUID: `9.${n}`, InstanceNumber: n, ImagePositionPatient: null, ImageOrientationPatient: null }),
    }));
    const series = assembleSeries(slices);
    assert.deepEqual(series.slices.map((s) => s.path), ['/x/1.dcm', '/x/2.dcm', '/x/3.dcm']);
    assert.deepEqual(codes(series.warnings), ['NO_POSITION']);
  });

  it('warns that a single slice gives the sequence model no context', () => {
    assert.deepEqual(codes(assembleSeries(seriesAt([0])).warnings), ['SINGLE_SLICE']);
  });
});

describe('checkAxialSlice', () => {
  it('accepts axial and tilted axial slices', () => {
    assert.equal(checkAxialSlice(ctHeader()), null);
    assert.equal(checkAxialSlice(seriesAt([0], 25)[0]!.header), null);
  });

  it('rejects localizers and sagittal/coronal reformats', () => {
    assert.equal(checkAxialSlice(ctHeader({ ImageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] }))?.code, 'LOCALIZER');
    assert.equal(checkAxialSlice(ctHeader({ ImageOrientationPatient: [0, 1, 0, 0, 0, -1] }))?.code, 'NON_AXIAL');
    assert.equal(checkAxialSlice(ctHeader({ ImageOrientationPatient: [1, 0, 0, 0, 0, -1] }))?.code, 'NON_AXIAL');
  });
});
