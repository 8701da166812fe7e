import type { CodedWarning } from '../../contract/warnings.js';
import type { InstanceHeader } from '../../domain/instance.js';
import type { AssembledSeries, SeriesSlice } from '../../domain/series.js';
import { angleDegrees, dot, median, sliceNormal, type Vec3 } from './geometry.js';

export interface AssemblyInput {
  path: string;
  header: InstanceHeader;
}

/** Two slices closer than this along the normal are the same position. */
const DUPLICATE_MM = 0.01;
/** A step this much larger than the usual spacing means slices are missing. */
const GAP_FACTOR = 1.5;
/** Spacing may wobble by this fraction (rounding in positions) before it is called irregular. */
const SPACING_TOLERANCE = 0.1;
const TILT_REPORT_DEGREES = 0.5;
const ORIENTATION_TOLERANCE_DEGREES = 1;

/**
 * Orders the slices of one series along the slice normal (not InstanceNumber, which may be
 * absent or wrong) and reports, as coded warnings, gaps, duplicates, tilt and irregular spacing.
 * All slices must share one SeriesInstanceUID and be eligible axial slices.
 */
export function assembleSeries(inputs: AssemblyInput[]): AssembledSeries {
  if (inputs.length === 0) throw new Error('assembleSeries needs at least one slice');
  const first = inputs[0]!.header;
  const warnings: CodedWarning[] = [];
  const positioned = inputs.every((s) => s.header.ImagePositionPatient && s.header.ImageOrientationPatient);

  let ordered: SeriesSlice[];
  let tiltDegrees = 0;
  let spacingMm: number | null = null;
  if (positioned) {
    const normal = sliceNormal(first.ImageOrientationPatient!);
    const inconsistent = inputs.some(
      (s) => angleDegrees(sliceNormal(s.header.ImageOrientationPatient!), normal) > ORIENTATION_TOLERANCE_DEGREES,
    );
    if (inconsistent) {
      warnings.push({ code: 'INCONSISTENT_ORIENTATION', message: 'Slices of this series have different orientations.' });
    }
    ordered = inputs
      .map((s) => ({ path: s.path, header: s.header, z: dot(s.header.ImagePositionPatient as Vec3, normal) }))
      .sort((a, b) => a.z - b.z);
    ordered = dropDuplicates(ordered, warnings);
    tiltDegrees = measureTilt(ordered, normal);
    if (tiltDegrees > TILT_REPORT_DEGREES) {
      warnings.push({ code: 'GANTRY_TILT', message: `Gantry tilt of ${tiltDegrees.toFixed(1)}°.` });
    }
    spacingMm = checkSpacing(ordered, warnings);
  } else {
    warnings.push({
      code: 'NO_POSITION',
      message: 'Slices have no ImagePositionPatient/ImageOrientationPatient; ordered by InstanceNumber, then file name.',
    });
    ordered = [...inputs]
      .sort(
        (a, b) =>
          (a.header.InstanceNumber ?? Infinity) - (b.header.InstanceNumber ?? Infinity) || a.path.localeCompare(b.path),
      )
      .map((s, index) => ({ path: s.path, header: s.header, z: index }));
  }
  if (ordered.length === 1) {
    warnings.push({ code: 'SINGLE_SLICE', message: 'Single-slice series: the sequence model sees no neighbouring slices.' });
  }
  return {
    StudyInstanceUID: first.StudyInstanceUID,
    SeriesInstanceUID: first.SeriesInstanceUID,
    slices: ordered,
    tiltDegrees,
    spacingMm,
    warnings,
  };
}

/** Keeps one slice per position; the skipped ones are reported in one warning for the series. */
function dropDuplicates(ordered: SeriesSlice[], warnings: CodedWarning[]): SeriesSlice[] {
  const kept: SeriesSlice[] = [];
  const skipped: { z: number; kept: string; skipped: string }[] = [];
  for (const slice of ordered) {
    const previous = kept[kept.length - 1];
    if (previous && slice.z - previous.z < DUPLICATE_MM) {
      skipped.push({ z: slice.z, kept: fileName(previous.path), skipped: fileName(slice.path) });
      continue;
    }
    kept.push(slice);
  }
  if (skipped.length === 1) {
    const [d] = skipped;
    warnings.push({ code: 'DUPLICATE_SLICE', message: `Two slices at position ${d!.z.toFixed(2)} mm; kept one (${d!.kept}), skipped ${d!.skipped}.` });
  } else if (skipped.length > 1) {
    const positions = skipped.map((d) => d.z.toFixed(2));
    const shown = positions.length > 6 ? `${positions.slice(0, 6).join(', ')} and ${positions.length - 6} more` : positions.join(', ');
    warnings.push({ code: 'DUPLICATE_SLICE', message: `${skipped.length} slices repeat a position already present (at ${shown} mm); one slice kept at each.` });
  }
  return kept;
}

/** Angle between the slice normal and the direction the slice positions advance in. */
function measureTilt(ordered: SeriesSlice[], normal: Vec3): number {
  if (ordered.length < 2) return angleDegrees(normal, [0, 0, 1]);
  const a = ordered[0]!.header.ImagePositionPatient!;
  const b = ordered[ordered.length - 1]!.header.ImagePositionPatient!;
  return angleDegrees([b[0] - a[0], b[1] - a[1], b[2] - a[2]], normal);
}

function checkSpacing(ordered: SeriesSlice[], warnings: CodedWarning[]): number | null {
  if (ordered.length < 2) return null;
  const steps = ordered.slice(1).map((s, i) => s.z - ordered[i]!.z);
  const spacing = median(steps);
  let irregular = false;
  const gaps: { after: number; step: number }[] = [];
  steps.forEach((step, i) => {
    if (step > spacing * GAP_FACTOR) gaps.push({ after: i + 1, step });
    else if (Math.abs(step - spacing) > spacing * SPACING_TOLERANCE) irregular = true;
  });
  if (gaps.length) warnings.push({ code: 'MISSING_SLICES', message: missingSlicesMessage(gaps, ordered.length, spacing) });
  if (irregular) {
    warnings.push({ code: 'IRREGULAR_SPACING', message: `Slice spacing varies around ${spacing.toFixed(2)} mm.` });
  }
  return spacing;
}

/** All gaps of a series in one sentence, consecutive slices as ranges: "after slices 15–27 of 28". */
function missingSlicesMessage(gaps: { after: number; step: number }[], sliceCount: number, spacing: number): string {
  const missing = gaps.reduce((sum, g) => sum + Math.round(g.step / spacing) - 1, 0);
  const ranges: string[] = [];
  for (let i = 0; i < gaps.length; ) {
    let j = i;
    while (j + 1 < gaps.length && gaps[j + 1]!.after === gaps[j]!.after + 1) j++;
    ranges.push(i === j ? `${gaps[i]!.after}` : `${gaps[i]!.after}–${gaps[j]!.after}`);
    i = j + 1;
  }
  const sizes = gaps.map((g) => g.step);
  const [low, high] = [Math.min(...sizes), Math.max(...sizes)];
  const size = high - low < 0.01 ? `${low.toFixed(2)} mm` : `${low.toFixed(2)}–${high.toFixed(2)} mm`;
  const where = gaps.length === 1 ? `Gap of ${size} after slice ${ranges[0]}` : `Gaps of ${size} after slices ${ranges.join(', ')}`;
  return `${where} of ${sliceCount} (about ${missing} missing slice${missing === 1 ? '' : 's'} at ${spacing.toFixed(2)} mm spacing).`;
}

function fileName(filePath: string): string {
  return filePath.split(/[\\/]/).pop()!;
}
