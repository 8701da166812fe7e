import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvError, parseCsv } from '../../src-main/analysis/csv.js';
import { formatCsvRow } from '../../src-main/analysis/csv-format.js';

describe('parseCsv', () => {
  it('handles a BOM, CRLF, blank lines, quotes with commas, escaped quotes and newlines', () => {
    const text = '\ufeffname,note\r\n\r\nA,"x, y"\r\n"B ""b""","two\nlines"\n\n';
    assert.deepEqual(parseCsv(text), {
      header: ['name', 'note'],
      rows: [
        { line: 3, cells: ['A', 'x, y'] },
        { line: 4, cells: ['B "b"', 'two\nlines'] },
      ],
    });
  });

  it('keeps an empty quoted cell and a last line without a newline', () => {
    assert.deepEqual(parseCsv('a\n""\nz').rows, [
      { line: 2, cells: [''] },
      { line: 3, cells: ['z'] },
    ]);
  });

  it('rejects ragged rows, stray quotes and unclosed quotes with the line', () => {
    assert.throws(() => parseCsv('a,b\n1,2\n3\n'), (e: Error) => e instanceof CsvError && /Line 3: 1 cells/.test(e.message));
    assert.throws(() => parseCsv('a\nx"y\n'), /Line 2: a quote inside an unquoted field/);
    assert.throws(() => parseCsv('a\n"open\n'), /Line 2: a quoted field is never closed/);
    assert.throws(() => parseCsv('a,b\n"x"y,1\n'), /Line 2: text after a closing quote/);
    assert.throws(() => parseCsv(''), /empty/);
  });

  it('counts lines inside quoted cells for later line numbers', () => {
    assert.deepEqual(parseCsv('a\n"1\n2"\nz\n').rows.map((r) => r.line), [2, 4]);
    assert.throws(() => parseCsv('a,b\n"1\n2",3\n4\n'), /Line 4: 1 cells/);
  });
});

describe('formatCsvRow', () => {
  it('quotes only cells that need it and writes null as empty', () => {
    assert.equal(formatCsvRow(['a', 'b,c', 'say "hi"', 1.5, null]), 'a,"b,c","say ""hi""",1.5,');
  });

  it('round-trips through parseCsv', () => {
    const cells = ['R1, senior', 'x"y', 'line\nbreak'];
    assert.deepEqual(parseCsv(`h1,h2,h3\n${formatCsvRow(cells)}\n`).rows[0]!.cells, cells);
  });
});
