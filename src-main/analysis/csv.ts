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

function splitRecords(text: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let cellWasQuoted = false;
  const endRecord = (): void => {
    cells.push(cell);
    // A line holding nothing at all is a blank line, not a record with one empty cell.
    if (!(cells.length === 1 && cells[0] === '' && !cellWasQuoted)) records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
    cellWasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
      cellWasQuoted = true;
    } else if (ch === '"') {
      throw new CsvError(`Line ${line}: a quote inside an unquoted field.`);
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      cellWasQuoted = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      cell += ch;
    }
  }
  if (quoted) throw new CsvError(`Line ${recordLine}: a quoted field is never closed.`);
  if (cell !== '' || cells.length > 0 || cellWasQuoted) endRecord();
  return records;
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
