/** A parsed CSV: the header row and the data rows, each with the 1-based line it started on. */
export interface CsvTable {
  header: string[];
  rows: { line: number; cells: string[] }[];
}

export class CsvError extends Error {
  override name = 'CsvError';
}

/**
 * RFC 4180 CSV: quoted fields (with "" escapes and embedded commas/newlines), LF or CRLF line ends,
 * an optional UTF-8 BOM. Blank lines are skipped. Every row must have as many cells as the header,
 * so a truncated or shifted row is an error with its line number rather than a silent misread.
 */
export function parseCsv(text: string): CsvTable {
  const records = splitRecords(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const first = records.shift();
  if (!first) throw new CsvError('The CSV file is empty.');
  const header = first.cells.map((cell) => cell.trim());
  const rows = records.map((record) => {
    if (record.cells.length !== header.length) {
      throw new CsvError(`Line ${record.line}: ${record.cells.length} cells, but the header has ${header.length} columns.`);
    }
    return record;
  });
  return { header, rows };
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Index-based scanning (slices, not per-character concatenation): RSNA label files run to millions of rows. */
function splitRecords(text: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  const n = text.length;
  let pos = 0;
  let line = 1;
  while (pos < n) {
    const recordLine = line;
    const cells: string[] = [];
    let anyQuoted = false;
    for (;;) {
      if (text.charCodeAt(pos) === QUOTE) {
        anyQuoted = true;
        let value = '';
        let start = pos + 1;
        for (;;) {
          const close = text.indexOf('"', start);
          if (close < 0) throw new CsvError(`Line ${recordLine}: a quoted field is never closed.`);
          value += text.slice(start, close);
          line += countLineFeeds(text, start, close);
          if (text.charCodeAt(close + 1) !== QUOTE) {
            pos = close + 1;
            break;
          }
          value += '"';
          start = close + 2;
        }
        cells.push(value);
        const next = text.charCodeAt(pos);
        if (pos < n && next !== COMMA && next !== LF && next !== CR) throw new CsvError(`Line ${line}: text after a closing quote.`);
      } else {
        let end = pos;
        for (; end < n; end++) {
          const c = text.charCodeAt(end);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) throw new CsvError(`Line ${line}: a quote inside an unquoted field.`);
        }
        cells.push(text.slice(pos, end));
        pos = end;
      }
      if (pos < n && text.charCodeAt(pos) === COMMA) {
        pos++;
        continue;
      }
      if (pos < n) {
        pos += text.charCodeAt(pos) === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
        line++;
      }
      break;
    }
    // A line holding nothing at all is a blank line, not a record with one empty cell.
    if (!(cells.length === 1 && cells[0] === '' && !anyQuoted)) records.push({ line: recordLine, cells });
  }
  return records;
}

function countLineFeeds(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** One CSV line (no line end), quoting cells that need it. */
export function formatCsvRow(cells: readonly (string | number | null)[]): string {
  return cells
    .map((cell) => {
      const text = cell === null ? '' : String(cell);
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',');
}
