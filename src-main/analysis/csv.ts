import { CsvError as ParserError, parse } from 'csv-parse/sync';

/** A parsed CSV: the header row and the data rows, each with the 1-based line it started on. */
export interface CsvTable {
  header: string[];
  rows: { line: number; cells: string[] }[];
}

export class CsvError extends Error {
  override name = 'CsvError';
}

/**
 * RFC 4180 CSV (csv-parse): quoted fields with "" escapes and embedded commas/newlines, LF or CRLF
 * line ends, an optional UTF-8 BOM, blank lines skipped. Rows are handed over one at a time and
 * never collected, so a label file of millions of rows costs its text, not a table of it. Every
 * row must have as many cells as the header, so a truncated or shifted row is an error with its
 * line number rather than a silent misread. `onHeader` sees the (trimmed) header first and may
 * throw to refuse the file before any row is read.
 */
export function readCsv(text: string, onHeader: (header: string[]) => void, onRow: (cells: string[], line: number) => void): void {
  let header: string[] | null = null;
  try {
    parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: (record: string[], context: { lines: number }) => {
        if (!header) {
          header = record.map((cell) => cell.trim());
          onHeader(header);
          return null;
        }
        // csv-parse counts lines up to the record's end; line breaks inside quoted cells come before it.
        const line = context.lines - record.reduce((sum, cell) => sum + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
        if (record.length !== header.length) throw new CsvError(`Line ${line}: ${record.length} cells, but the header has ${header.length} columns.`);
        onRow(record, line);
        return null; // nothing is kept
      },
    });
  } catch (error) {
    if (error instanceof ParserError) throw new CsvError(`Line ${(error as ParserError & { lines: number }).lines}: ${PARSER_MESSAGES[error.code] ?? error.message}`);
    throw error;
  }
  if (!header) throw new CsvError('The CSV file is empty.');
}

/** The whole table, for small files (labels CSVs) that are used as a whole anyway. */
export function parseCsv(text: string): CsvTable {
  let header: string[] = [];
  const rows: CsvTable['rows'] = [];
  readCsv(
    text,
    (names) => (header = names),
    (cells, line) => rows.push({ line, cells }),
  );
  return { header, rows };
}

/** The parser's errors in the words a user fixing the file needs. */
const PARSER_MESSAGES: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field.',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed.',
  CSV_INVALID_CLOSING_QUOTE: 'text after a closing quote.',
};
