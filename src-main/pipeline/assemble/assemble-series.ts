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

function dropDuplicates(ordered: SeriesSlice[], warnings: CodedWarning[]): SeriesSlice[] {
  const kept: SeriesSlice[] = [];
  for (const slice of ordered) {
    const previous = kept[kept.length - 1];
    if (previous && slice.z - previous.z < DUPLICATE_MM) {
      warnings.push({
        code: 'DUPLICATE_SLICE',
        message: `Two slices at position ${slice.z.toFixed(2)} mm; kept one (${fileName(previous.path)}), skipped ${fileName(slice.path)}.`,
      });
      continue;
    }
    kept.push(slice);
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
  steps.forEach((step, i) => {
    if (step > spacing * GAP_FACTOR) {
      const count = Math.round(step / spacing) - 1;
      warnings.push({
        code: 'MISSING_SLICES',
        message: `Gap of ${step.toFixed(2)} mm after slice ${i + 1} of ${ordered.length} (about ${count} missing slice${count === 1 ? '' : 's'} at ${spacing.toFixed(2)} mm spacing).`,
      });
    } else if (Math.abs(step - spacing) > spacing * SPACING_TOLERANCE) {
      irregular = true;
    }
  });
  if (irregular) {
    warnings.push({ code: 'IRREGULAR_SPACING', message: `Slice spacing varies around ${spacing.toFixed(2)} mm.` });
  }
  return spacing;
}

function fileName(filePath: string): string {
  return filePath.split(/[\\/]/).pop()!;
}
