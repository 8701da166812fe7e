import path from 'node:path';
import { CsvError, parseCsv, type CsvTable } from '../analysis/csv.js';
import type { ClassLabels } from '../analysis/metrics.js';
import { ICH_CLASSES, type IchClass } from '../contract/classes.js';

/** One row of an evaluation labels CSV. */
export interface LabelledImage {
  /** 1-based CSV line, for messages. */
  line: number;
  /** As written in the CSV (relative to the CSV's folder, or absolute). */
  filename: string;
  /** Resolved path of the image. */
  path: string;
  /** Resolved path of the same slice in a bone window (`bone_filename` column), or null. */
  bonePath: string | null;
  /** Per class: true/false, or absent when the column is missing or the cell is empty (unknown). */
  labels: ClassLabels;
  /** Value of the scan grouping column, when the CSV has one. */
  scanValue: string | null;
}

export interface LabelsFile {
  images: LabelledImage[];
  /** The class columns the CSV has; the others are unknown for every image. */
  classes: IchClass[];
  /** The column that groups images into scans, or null. */
  scanColumn: string | null;
}

export class LabelsError extends Error {
  override name = 'LabelsError';
}

/** Optional column naming a second, bone-window rendering of each slice (CT-ICH's JPEG pairs). */
export const BONE_FILENAME_COLUMN = 'bone_filename';

/** Columns that name the scan an image belongs to when no --scan-column is given, in this order. */
export const SCAN_COLUMNS = ['scan', 'patient'] as const;

/**
 * Reads a labels CSV: a `filename` column relative to the CSV's folder and any of the six class
 * columns with 0/1 (an empty cell is unknown), optionally a `bone_filename` column (the same slice
 * in a bone window; an empty cell means none). Other columns are ignored unless named as the scan
 * column. A duplicated filename is an error: it would count one image twice.
 */
export function parseLabelsCsv(text: string, csvDir: string, scanColumnOption?: string): LabelsFile {
  let table: CsvTable;
  try {
    table = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvError) throw new LabelsError(error.message);
    throw error;
  }
  const { header, rows } = table;
  const filenameIndex = header.indexOf('filename');
  if (filenameIndex < 0) {
    const hint =
      header[0] === 'ID'
        ? ' (this looks like an RSNA ID,Label CSV: import it as reads)'
        : header[0] === 'name'
          ? ' (this looks like a CQ500 reads or labels CSV, one row per scan: import it as reads)'
          : '';
    const columns = header.length > 6 ? `${header.slice(0, 6).join(', ')} and ${header.length - 6} more` : header.join(', ');
    throw new LabelsError(`The labels CSV has no "filename" column${hint}; its columns are ${columns}.`);
  }
  const classes = ICH_CLASSES.filter((cls) => header.includes(cls));
  if (classes.length === 0) throw new LabelsError(`The labels CSV has none of the class columns ${ICH_CLASSES.join(', ')}.`);
  const boneIndex = header.indexOf(BONE_FILENAME_COLUMN);
  const scanColumn = scanColumnOption ?? SCAN_COLUMNS.find((c) => header.includes(c)) ?? null;
  const scanIndex = scanColumn === null ? -1 : header.indexOf(scanColumn);
  if (scanColumn !== null && scanIndex < 0) throw new LabelsError(`The labels CSV has no column "${scanColumn}" to group scans by.`);

  const seen = new Map<string, number>();
  const images = rows.map(({ line, cells }): LabelledImage => {
    const filename = cells[filenameIndex]!.trim();
    if (!filename) throw new LabelsError(`Line ${line}: the filename is empty.`);
    const resolved = path.resolve(csvDir, filename);
    const first = seen.get(resolved);
    if (first !== undefined) throw new LabelsError(`Line ${line}: ${filename} is already listed on line ${first}.`);
    seen.set(resolved, line);
    const labels: ClassLabels = {};
    for (const cls of classes) {
      const value = cells[header.indexOf(cls)]!.trim();
      if (value === '') continue;
      const number = Number(value);
      if (number !== 0 && number !== 1) throw new LabelsError(`Line ${line}: ${cls} is "${value}", not 0, 1 or empty.`);
      labels[cls] = number === 1;
    }
    const boneFilename = boneIndex < 0 ? '' : cells[boneIndex]!.trim();
    const bonePath = boneFilename ? path.resolve(csvDir, boneFilename) : null;
    const scanValue = scanIndex < 0 ? null : cells[scanIndex]!.trim() || null;
    if (scanIndex >= 0 && scanValue === null) throw new LabelsError(`Line ${line}: the ${scanColumn} column is empty.`);
    return { line, filename, path: resolved, bonePath, labels, scanValue };
  });
  if (images.length === 0) throw new LabelsError('The labels CSV lists no images.');
  return { images, classes, scanColumn };
}
