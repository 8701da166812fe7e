import type { CodedWarning } from '../contract/warnings.js';
import type { InstanceHeader } from './instance.js';

/** One slice of an assembled series: where its file is and where it sits along the scan. */
export interface SeriesSlice {
  path: string;
  header: InstanceHeader;
  /** Position along the slice normal in mm (or the fallback order index when there is no position). */
  z: number;
}

/** An axial CT series ready for triage, slices ordered from inferior to superior. */
export interface AssembledSeries {
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  slices: SeriesSlice[];
  /** Gantry tilt in degrees (0 when none). */
  tiltDegrees: number;
  /** Median spacing between consecutive slice positions, mm (null for one slice). */
  spacingMm: number | null;
  warnings: CodedWarning[];
}
