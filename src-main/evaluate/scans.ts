import path from 'node:path';
import type { DicomPlacement } from './load-slice.js';

/** What grouping needs to know about one evaluated image. */
export interface GroupableImage {
  filename: string;
  /** Value of the labels CSV's scan column, if it has one. */
  scanValue: string | null;
  dicom: DicomPlacement | null;
}

export type ScanRule = 'column' | 'dicom-series' | 'filename' | 'single-image';

export interface Scan {
  /** e.g. "column:49", "dicom-series:1.2.3/1.2.3.4", "filename:0001", "single-image:images/000.png". */
  key: string;
  rule: ScanRule;
  /** Indices into the image list, in slice order when `ordered`, else in CSV order. */
  members: number[];
  /** True when every member has a distinct slice position, so a sequence model can run over them. */
  ordered: boolean;
}

/** PHE-SICH style `PPPP_SS.png`: patient PPPP, slice SS. */
const FILENAME_PATTERN = /^(\d+)_(\d+)/;

/**
 * Groups images into scans by the first rule that applies to each image:
 * 1. the labels CSV's scan column (--scan-column, else a `scan` or `patient` column);
 * 2. a DICOM image's StudyInstanceUID/SeriesInstanceUID;
 * 3. a file name starting `<digits>_<digits>` (PHE-SICH `PPPP_SS.png`): the first number;
 * 4. otherwise the image is a scan of its own (e.g. the Kaggle set).
 * Within a scan, slices are ordered by the first of these keys that every member has with distinct
 * values: DICOM position along the slice normal, InstanceNumber, the second number of the file name
 * pattern. A scan with no such key stays in CSV order and is marked unordered.
 */
export function groupIntoScans(images: readonly GroupableImage[]): Scan[] {
  const scans = new Map<string, Scan>();
  images.forEach((image, index) => {
    const { key, rule } = scanKeyOf(image);
    const scan = scans.get(key) ?? { key, rule, members: [], ordered: false };
    scan.members.push(index);
    scans.set(key, scan);
  });
  return [...scans.values()].map((scan) => orderScan(scan, images));
}

function scanKeyOf(image: GroupableImage): { key: string; rule: ScanRule } {
  if (image.scanValue !== null) return { key: `column:${image.scanValue}`, rule: 'column' };
  if (image.dicom) {
    return { key: `dicom-series:${image.dicom.studyInstanceUid}/${image.dicom.seriesInstanceUid}`, rule: 'dicom-series' };
  }
  const match = FILENAME_PATTERN.exec(path.basename(image.filename));
  if (match) return { key: `filename:${match[1]}`, rule: 'filename' };
  return { key: `single-image:${image.filename}`, rule: 'single-image' };
}

const ORDER_KEYS: ((image: GroupableImage) => number | null)[] = [
  (image) => image.dicom?.position ?? null,
  (image) => image.dicom?.instanceNumber ?? null,
  (image) => {
    const match = FILENAME_PATTERN.exec(path.basename(image.filename));
    return match ? Number(match[2]) : null;
  },
];

function orderScan(scan: Scan, images: readonly GroupableImage[]): Scan {
  if (scan.members.length < 2) return { ...scan, ordered: scan.members.length === 1 };
  for (const orderKey of ORDER_KEYS) {
    const keys = scan.members.map((i) => orderKey(images[i]!));
    if (keys.some((k) => k === null) || new Set(keys).size !== keys.length) continue;
    const members = scan.members.map((i, k) => ({ i, key: keys[k]! })).sort((a, b) => a.key - b.key);
    return { ...scan, members: members.map((m) => m.i), ordered: true };
  }
  return scan;
}
