import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseCsv } from '../../src-main/analysis/csv.js';
import { matchReads, parseReadsCsv, ReadsCsvError, type ReadLookups } from '../../src-main/analysis/reads-csv.js';
import { SHARED_DATA } from '../helpers/paths.js';

const CQ500_READS = path.join(SHARED_DATA, 'cq500', 'reads.csv');
const noSops: ReadLookups['findStudyBySop'] = () => null;

describe('CQ500 reads.csv', () => {
  const parsed = parseReadsCsv(readFileSync(CQ500_READS, 'utf8'), 'cq500');

  it('gives one read per reader per name', () => {
    assert.equal(parsed.format, 'cq500');
    if (parsed.format !== 'cq500') return;
    assert.equal(parsed.reads.length, 491 * 3);
    // CQ500-CT-0,B2,1,0,0,0,0,1,... : R1 ICH=1 IPH=0 IVH=0 SDH=0 EDH=0 SAH=1; R2 and R3 all 0
    const ct0 = parsed.reads.filter((r) => r.name === 'CQ500-CT-0');
    assert.deepEqual(ct0, [
      { name: 'CQ500-CT-0', reader: 'R1', findings: { any: true, epidural: false, intraparenchymal: false, intraventricular: false, subarachnoid: true, subdural: false } },
      { name: 'CQ500-CT-0', reader: 'R2', findings: { any: false, epidural: false, intraparenchymal: false, intraventricular: false, subarachnoid: false, subdural: false } },
      { name: 'CQ500-CT-0', reader: 'R3', findings: { any: false, epidural: false, intraparenchymal: false, intraventricular: false, subarachnoid: false, subdural: false } },
    ]);
  });

  it('matches the one known study and reports every other name unmatched', () => {
    const lookups: ReadLookups = { findStudyByName: (name) => (name === 'CQ500-CT-0' ? 7 : null), findStudyBySop: noSops };
    const { reads, unmatched } = matchReads(parsed, lookups);
    assert.deepEqual(reads.map((r) => [r.studyId, r.reader, r.findings.any]), [
      [7, 'R1', true],
      [7, 'R2', false],
      [7, 'R3', false],
    ]);
    assert.equal(unmatched.length, 490);
    assert.ok(unmatched.every((u) => u.key.startsWith('CQ500-CT-') && u.key !== 'CQ500-CT-0' && /PatientID or PatientName/.test(u.reason)));
  });

  it('maps each code to its class, whatever the column order', () => {
    // R1's codes in a shuffled order, with an ignored column between them
    const text = 'name,R1:SDH,R1:ICH,Other,R1:EDH,R1:SAH,R1:IVH,R1:IPH\nCQ500-CT-5,1,1,9,0,0,1,0\n';
    const only = parseReadsCsv(text, 'cq500');
    assert.deepEqual(only.format === 'cq500' && only.reads[0]!.findings, {
      any: true, epidural: false, intraparenchymal: false, intraventricular: true, subarachnoid: false, subdural: true,
    });
  });

  it('reports a second row for the same name instead of importing it twice', () => {
    const text = 'name,R1:ICH,R1:IPH,R1:IVH,R1:SDH,R1:EDH,R1:SAH\nX,1,1,0,0,0,0\nX,0,0,0,0,0,0\n';
    const { reads, unmatched } = matchReads(parseReadsCsv(text, 'cq500'), { findStudyByName: () => 1, findStudyBySop: noSops });
    assert.equal(reads.length, 1);
    assert.equal(reads[0]!.findings.any, true);
    assert.deepEqual(unmatched, [{ key: 'X R1', reason: 'a second row for this name: only the first is imported' }]);
  });

  it('rejects a missing code column, a non-binary value and the wrong kind of CSV', () => {
    assert.throws(() => parseReadsCsv('name,R1:ICH,R1:IPH\nX,1,0\n', 'cq500'), /Missing column\(s\) R1:EDH, R1:IVH, R1:SAH, R1:SDH: every reader needs ICH/);
    assert.throws(() => parseReadsCsv('name,R1:ICH,R1:IPH,R1:IVH,R1:SDH,R1:EDH,R1:SAH\nX,1,0,0,0,0,0.7\n', 'cq500'), /Line 2: label "0.7" is not 0 or 1/);
    const majority = readFileSync(path.join(SHARED_DATA, 'cq500', 'majority_labels.csv'), 'utf8');
    assert.throws(() => parseReadsCsv(majority, 'cq500'), (e: Error) => e instanceof ReadsCsvError && /looks like a CQ500 majority_labels.csv/.test(e.message));
    assert.throws(() => parseReadsCsv(readFileSync(CQ500_READS, 'utf8'), 'rsna'), /This looks like a CQ500 reads.csv .*expected an RSNA labels CSV/);
  });
});

describe('RSNA ID,Label CSV', () => {
  // Real SOP ids of ../shared/data/rsna-slices/labels.csv; the first two are put in one study here.
  const labels = parseCsv(readFileSync(path.join(SHARED_DATA, 'rsna-slices', 'labels.csv'), 'utf8'));
  const sops = labels.rows.map((row) => row.cells[labels.header.indexOf('SOPInstanceUID')]!);
  const [sopA, sopB, sopC] = sops as [string, string, string];
  const classes = ['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'];
  const rowsOf = (sop: string, values: number[]): string => values.map((v, i) => `${sop}_${classes[i]},${v}`).join('\r\n');
  const text = [
    '\ufeffID,Label',
    rowsOf(sopA, [1, 0, 1, 0, 0, 0]),
    '',
    rowsOf(sopB, [1, 0, 0, 0, 1, 0]),
    `${sopC}_any,0`,
    'ID_000000000_any,1',
  ].join('\r\n');
  const locations: Record<string, { studyId: number; seriesInstanceUid: string; sliceIndex: number }> = {
    [sopA]: { studyId: 1, seriesInstanceUid: '1.2.3', sliceIndex: 4 },
    [sopB]: { studyId: 1, seriesInstanceUid: '1.2.3', sliceIndex: 9 },
    [sopC]: { studyId: 2, seriesInstanceUid: '1.2.4', sliceIndex: 0 },
  };
  const lookups: ReadLookups = { findStudyByName: () => null, findStudyBySop: (sop) => locations[sop] ?? null };

  it('splits the ID at the last underscore', () => {
    const parsed = parseReadsCsv(text, 'rsna');
    assert.equal(parsed.format, 'rsna');
    if (parsed.format !== 'rsna') return;
    assert.ok(sopA.startsWith('ID_'));
    assert.deepEqual(parsed.slices.map((s) => s.sopInstanceUid), [sopA, sopB, sopC, 'ID_000000000']);
    assert.deepEqual(parsed.slices[2]!.labels, { any: false });
  });

  it('ORs slices into a study read, keeps slice marks and reports unknown slices', () => {
    const { reads, unmatched } = matchReads(parseReadsCsv(text, 'rsna'), lookups, { rsnaReader: 'Dr A' });
    assert.deepEqual(reads, [
      {
        studyId: 1,
        reader: 'Dr A',
        // any: 1 OR 1; intraparenchymal: 1 OR 0; subarachnoid: 0 OR 1
        findings: { any: true, epidural: false, intraparenchymal: true, intraventricular: false, subarachnoid: true, subdural: false },
        note: '',
        sliceMarks: [
          { sliceIndex: 4, seriesInstanceUid: '1.2.3', cls: 'any' },
          { sliceIndex: 4, seriesInstanceUid: '1.2.3', cls: 'intraparenchymal' },
          { sliceIndex: 9, seriesInstanceUid: '1.2.3', cls: 'any' },
          { sliceIndex: 9, seriesInstanceUid: '1.2.3', cls: 'subarachnoid' },
        ],
      },
      // only `any` was given for this slice: the subtypes stay unset (unknown), not false
      { studyId: 2, reader: 'Dr A', findings: { any: false }, note: '', sliceMarks: [] },
    ]);
    assert.deepEqual(unmatched, [{ key: 'ID_000000000', reason: 'no stored slice has this SOPInstanceUID' }]);
  });

  it('names the reader RSNA by default', () => {
    assert.ok(matchReads(parseReadsCsv(text, 'rsna'), lookups).reads.every((r) => r.reader === 'RSNA'));
  });

  it('rejects bad IDs, bad labels, contradictions and the wrong kind of CSV', () => {
    assert.throws(() => parseReadsCsv('ID,Label\nID_abc_bleed,1\n', 'rsna'), /Line 2: ID "ID_abc_bleed" is not <SOPInstanceUID>_<class>/);
    assert.throws(() => parseReadsCsv('ID,Label\nID_abc_any,0.25\n', 'rsna'), /Line 2: label "0.25" is not 0 or 1/);
    assert.throws(() => parseReadsCsv('ID,Label\nID_abc_any,1\nID_abc_any,0\n', 'rsna'), /Line 3: ID_abc_any is labelled both 0 and 1/);
    assert.throws(() => parseReadsCsv(text, 'cq500'), /This looks like an RSNA labels CSV \(ID,Label\), expected a CQ500 reads.csv/);
    assert.throws(() => parseReadsCsv('filename,any\na.png,1\n', 'rsna'), /looks like an evaluation labels.csv/);
    assert.throws(() => parseReadsCsv('ID,Label\nID_abc_any,1,extra\n', 'rsna'), (e: Error) => e instanceof ReadsCsvError && /Line 2: 3 cells/.test(e.message));
  });
});
