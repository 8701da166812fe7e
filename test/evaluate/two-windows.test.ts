import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BRAIN_GREY_RANGE, combineWindows, DEFAULT_BONE_WINDOW } from '../../src-main/evaluate/two-windows.js';

const brainWindow = { center: 40, width: 120 };

describe('combineWindows', () => {
  it('takes the brain window inside its trusted grey range and the bone window outside it', () => {
    // brain grey 3 -> -20 + 3*120/255, 128 -> -20 + 128*120/255, 252 -> -20 + 252*120/255;
    // brain 0 / 2 / 253 / 255 -> bone window -900 + g*3200/255.
    const brain = [0, 2, BRAIN_GREY_RANGE[0], 128, BRAIN_GREY_RANGE[1], 253, 255];
    const bone = [10, 60, 70, 80, 90, 100, 200];
    const hu = combineWindows(brain, bone, brainWindow, DEFAULT_BONE_WINDOW);
    const expected = [
      -900 + (10 * 3200) / 255,
      -900 + (60 * 3200) / 255,
      -20 + (3 * 120) / 255,
      -20 + (128 * 120) / 255,
      -20 + (252 * 120) / 255,
      -900 + (100 * 3200) / 255,
      -900 + (200 * 3200) / 255,
    ];
    hu.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-3, `pixel ${i}: ${v} vs ${expected[i]}`));
  });

  it('refuses windows of different sizes', () => {
    assert.throws(() => combineWindows([1, 2], [1], brainWindow, DEFAULT_BONE_WINDOW), /differ in size/);
  });
});
