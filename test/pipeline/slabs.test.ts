import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanSlice, planSlabs, seriesSliceThickness } from '../../src-main/pipeline/preprocess/slabs.js';

const positions = (count: number, spacing: number, start = 0): number[] => Array.from({ length: count }, (_, i) => start + i * spacing);

describe('planSlabs', () => {
  it('leaves a series of 2.5 mm or thicker alone', () => {
    assert.equal(planSlabs(positions(30, 5), 5), null);
    assert.equal(planSlabs(positions(30, 2.5), 2.5), null);
    assert.equal(planSlabs(positions(30, 2.5), null), null);
    assert.equal(planSlabs([12], 0.625), null);
  });

  it('judges thinness by the stated slice thickness too: tilted 2.5 mm and overlapping 5 mm slices are not thin', () => {
    const tilted = positions(30, 2.5 * Math.cos((20 * Math.PI) / 180)); // planes 2.35 mm apart
    assert.equal(planSlabs(tilted, 2.5), null);
    assert.equal(planSlabs(positions(30, 2.5 * 0.999), 5), null);
    assert.notEqual(planSlabs(tilted, null), null);
    assert.notEqual(planSlabs(tilted, 1.25), null);
  });

  it('groups 0.625 mm slices into 5 mm slabs of 8 and maps every slice to its slab', () => {
    const plan = planSlabs(positions(24, 0.625, -40), 0.625)!;
    assert.deepEqual(plan.slabs, [
      [0, 1, 2, 3, 4, 5, 6, 7],
      [8, 9, 10, 11, 12, 13, 14, 15],
      [16, 17, 18, 19, 20, 21, 22, 23],
    ]);
    assert.deepEqual(plan.slabOfSlice, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
  });

  it('groups by position, so a missing slice does not shift the later slabs', () => {
    const z = positions(17, 1.25).filter((_, i) => i !== 5); // 0..20 mm without 6.25 mm
    const plan = planSlabs(z, 1.25)!;
    assert.deepEqual(plan.slabs.map((s) => s.map((i) => z[i])), [
      [0, 1.25, 2.5, 3.75],
      [5, 7.5, 8.75],
      [10, 11.25, 12.5, 13.75],
      [15, 16.25, 17.5, 18.75, 20],
    ]);
  });

  it('merges a trailing slab thinner than half the thickness into the one before', () => {
    const plan = planSlabs(positions(18, 0.625), 0.625, 5)!; // 0..10.625 mm: 8 + 8 + 2 slices
    assert.deepEqual(plan.slabs.map((s) => s.length), [8, 10]);
    const kept = planSlabs(positions(21, 0.625), 0.625, 5)!; // 8 + 8 + 5 slices (2.5 mm): kept apart
    assert.deepEqual(kept.slabs.map((s) => s.length), [8, 8, 5]);
  });

  it('refuses positions that are not strictly increasing', () => {
    assert.throws(() => planSlabs([0, 1, 1, 2], null), /strictly increasing/);
  });
});

describe('seriesSliceThickness', () => {
  it('is the median thickness the headers state, ignoring those that state none', () => {
    const h = (t: number | null) => ({ SliceThickness: t });
    assert.equal(seriesSliceThickness([h(0.625), h(null), h(0.625), h(5), h(0)]), 0.625);
    assert.equal(seriesSliceThickness([h(null), h(0)]), null);
  });
});

describe('meanSlice', () => {
  it('averages HU pixel by pixel', () => {
    assert.deepEqual(Array.from(meanSlice([[0, 10, -1000], [20, 30, 1000], [40, 50, 0]])), [20, 30, 0]);
  });

  it('refuses slices of different sizes', () => {
    assert.throws(() => meanSlice([[1, 2], [1]]), /differ in size/);
  });
});
