import { ICH_CLASSES, isIchClass, type IchClass } from '../contract/classes.js';
import type { ReadInput, ReadsCsvFormat, SliceMark } from '../contract/dto.js';
import { CsvError, readCsv } from './csv.js';

/** One RSNA slice's labels, as far as the CSV gives them. */
export interface RsnaSliceLabels {
  sopInstanceUid: string;
  labels: Partial<Record<IchClass, boolean>>;
}

/** One CQ500 reader's read of one scan, named as in the CSV (e.g. CQ500-CT-0). */
export interface Cq500Read {
  name: string;
  reader: string;
  findings: Record<IchClass, boolean>;
}

export type ParsedReads = { format: 'rsna'; slices: RsnaSliceLabels[] } | { format: 'cq500'; reads: Cq500Read[] };

export class ReadsCsvError extends Error {
  override name = 'ReadsCsvError';
}

/** CQ500 finding codes of the six model classes. */
const CQ500_CODES: Record<string, IchClass> = {
  ICH: 'any',
  EDH: 'epidural',
  IPH: 'intraparenchymal',
  IVH: 'intraventricular',
  SAH: 'subarachnoid',
  SDH: 'subdural',
};

const FORMAT_NAMES: Record<ReadsCsvFormat, string> = {
  rsna: 'an RSNA labels CSV (ID,Label)',
  cq500: 'a CQ500 reads.csv (name,Category,R1:ICH,...)',
};

/**
 * Parses a reads CSV of the given format, row by row (a full RSNA label file has millions of rows);
 * a CSV of another known kind is named in the error before any row is read.
 */
export function parseReadsCsv(text: string, format: ReadsCsvFormat): ParsedReads {
  let rows: ReadsRows | null = null;
  try {
    readCsv(
      text,
      (header) => {
        const seen = recogniseHeader(header);
        if (seen !== format) {
          const looksLike = seen ? OTHER_CSV_NAMES[seen] : `columns ${header.slice(0, 4).join(',')}`;
          throw new ReadsCsvError(`This looks like ${looksLike}, expected ${FORMAT_NAMES[format]}.`);
        }
        rows = format === 'rsna' ? rsnaRows() : cq500Rows(header);
      },
      (cells, line) => rows!.add(cells, line),
    );
  } catch (error) {
    // Malformed CSV is the user's file, like a wrong header: one error type for callers to report.
    if (error instanceof CsvError) throw new ReadsCsvError(error.message);
    throw error;
  }
  return rows!.result();
}

/** Collects one format's reads as rows stream past. */
interface ReadsRows {
  add(cells: string[], line: number): void;
  result(): ParsedReads;
}

/** CSV kinds a user might pick by mistake, named in the error. */
const OTHER_CSV_NAMES: Record<ReadsCsvFormat | 'majority' | 'labels', string> = {
  ...FORMAT_NAMES,
  majority: 'a CQ500 majority_labels.csv (one consensus row per scan, no R1:/R2:/R3: reader columns)',
  labels: 'an evaluation labels.csv (filename,...)',
};

function recogniseHeader(header: string[]): keyof typeof OTHER_CSV_NAMES | null {
  if (header.length === 2 && header[0] === 'ID' && header[1] === 'Label') return 'rsna';
  if (header[0] === 'name' && header.some((column) => /^R\d+:ICH$/.test(column))) return 'cq500';
  if (header[0] === 'name' && header.includes('ICH')) return 'majority';
  if (header.includes('filename')) return 'labels';
  return null;
}

function parseBinary(value: string, line: number): boolean {
  const v = value.trim();
  if (v === '1') return true;
  if (v === '0') return false;
  throw new ReadsCsvError(`Line ${line}: label "${value}" is not 0 or 1.`);
}

/** Rows `ID_<sop>_<class>,<0|1>`; SOP ids contain underscores themselves, so split at the last one. */
function rsnaRows(): ReadsRows {
  const slices = new Map<string, RsnaSliceLabels>();
  return {
    add(cells, line) {
      const id = cells[0]!.trim();
      const cut = id.lastIndexOf('_');
      const sopInstanceUid = id.slice(0, cut);
      const cls = id.slice(cut + 1);
      if (cut <= 0 || !isIchClass(cls)) {
        throw new ReadsCsvError(`Line ${line}: ID "${id}" is not <SOPInstanceUID>_<class> with a class of ${ICH_CLASSES.join(', ')}.`);
      }
      const value = parseBinary(cells[1]!, line);
      const slice = slices.get(sopInstanceUid) ?? { sopInstanceUid, labels: {} };
      const previous = slice.labels[cls];
      if (previous !== undefined && previous !== value) {
        throw new ReadsCsvError(`Line ${line}: ${id} is labelled both 0 and 1.`);
      }
      slice.labels[cls] = value;
      slices.set(sopInstanceUid, slice);
    },
    result: () => ({ format: 'rsna', slices: [...slices.values()] }),
  };
}

/** One read per reader (R1, R2, ... as found in the header) per row; other columns are ignored. */
function cq500Rows(header: string[]): ReadsRows {
  const readers = [...new Set(header.map((c) => /^(R\d+):/.exec(c)?.[1]).filter((r): r is string => !!r))];
  const missing = readers.flatMap((reader) => Object.keys(CQ500_CODES).map((code) => `${reader}:${code}`)).filter((c) => !header.includes(c));
  if (missing.length) {
    throw new ReadsCsvError(`Missing column(s) ${missing.join(', ')}: every reader needs ${Object.keys(CQ500_CODES).join(', ')}.`);
  }
  const columns = readers.map((reader) => {
    const index = {} as Record<IchClass, number>;
    for (const [code, cls] of Object.entries(CQ500_CODES)) index[cls] = header.indexOf(`${reader}:${code}`);
    return { reader, index };
  });
  const reads: Cq500Read[] = [];
  return {
    add(cells, line) {
      const name = cells[0]!.trim();
      if (!name) throw new ReadsCsvError(`Line ${line}: the name is empty.`);
      for (const { reader, index } of columns) {
        const findings = {} as Record<IchClass, boolean>;
        for (const cls of ICH_CLASSES) findings[cls] = parseBinary(cells[index[cls]]!, line);
        reads.push({ name, reader, findings });
      }
    },
    result: () => ({ format: 'cq500', reads }),
  };
}

export interface SliceLocation {
  studyId: number;
  seriesInstanceUid: string;
  sliceIndex: number;
}

/** Lookups into the store, injected so that matching stays pure. */
export interface ReadLookups {
  /** The study whose PatientID or PatientName equals the name (e.g. CQ500-CT-0), or null. */
  findStudyByName(name: string): number | null;
  findStudyBySop(sopInstanceUid: string): SliceLocation | null;
}

export interface MatchOptions {
  /** Reader name for RSNA reads, which name none (default "RSNA"). */
  rsnaReader?: string;
}

export interface MatchedReads {
  /** Reads to store; the caller adds the source ("import:rsna", "import:cq500"). */
  reads: ReadInput[];
  unmatched: { key: string; reason: string }[];
}

/**
 * Turns parsed reads into per-study reads. RSNA: a study's finding is the OR over its labelled
 * slices (a class no slice mentions stays unset), and every positive slice label becomes a slice
 * mark. CQ500: one read per reader per name. Whatever matches no study is returned with why.
 */
export function matchReads(parsed: ParsedReads, lookups: ReadLookups, options: MatchOptions = {}): MatchedReads {
  return parsed.format === 'rsna'
    ? matchRsna(parsed.slices, lookups, options.rsnaReader ?? 'RSNA')
    : matchCq500(parsed.reads, lookups);
}

function matchRsna(slices: RsnaSliceLabels[], lookups: ReadLookups, reader: string): MatchedReads {
  const byStudy = new Map<number, ReadInput>();
  const unmatched: MatchedReads['unmatched'] = [];
  for (const slice of slices) {
    const location = lookups.findStudyBySop(slice.sopInstanceUid);
    if (!location) {
      unmatched.push({ key: slice.sopInstanceUid, reason: 'no stored slice has this SOPInstanceUID' });
      continue;
    }
    const read = byStudy.get(location.studyId) ?? { studyId: location.studyId, reader, findings: {}, note: '', sliceMarks: [] };
    for (const cls of ICH_CLASSES) {
      const label = slice.labels[cls];
      if (label === undefined) continue;
      read.findings[cls] = (read.findings[cls] ?? false) || label;
      if (label) read.sliceMarks.push({ sliceIndex: location.sliceIndex, seriesInstanceUid: location.seriesInstanceUid, cls } satisfies SliceMark);
    }
    byStudy.set(location.studyId, read);
  }
  return { reads: [...byStudy.values()], unmatched };
}

function matchCq500(parsedReads: Cq500Read[], lookups: ReadLookups): MatchedReads {
  const reads: ReadInput[] = [];
  const unmatched: MatchedReads['unmatched'] = [];
  const seen = new Set<string>();
  const studyOf = new Map<string, number | null>();
  for (const read of parsedReads) {
    const key = `${read.name} ${read.reader}`;
    if (seen.has(key)) {
      unmatched.push({ key, reason: 'a second row for this name: only the first is imported' });
      continue;
    }
    seen.add(key);
    if (!studyOf.has(read.name)) {
      const studyId = lookups.findStudyByName(read.name);
      studyOf.set(read.name, studyId);
      if (studyId === null) unmatched.push({ key: read.name, reason: 'no study has this PatientID or PatientName' });
    }
    const studyId = studyOf.get(read.name);
    if (studyId === null || studyId === undefined) continue;
    reads.push({ studyId, reader: read.reader, findings: { ...read.findings }, note: '', sliceMarks: [] });
  }
  return { reads, unmatched };
}
