import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { escapeControlCharacters, log, setLogLevel, setLogSink } from '../src-main/log.js';

describe('log lines', () => {
  const lines: string[] = [];
  setLogSink((line) => lines.push(line));
  setLogLevel('info');
  after(() => setLogSink((line) => process.stderr.write(line + '\n')));

  it('are one JSON object each, whatever the message holds', () => {
    log.warn('rejected evil\nERROR forged.dcm: NOT_DICOM');
    const last = lines.at(-1)!;
    assert.ok(!last.includes('\n'));
    assert.deepEqual({ ...JSON.parse(last), time: 't' }, { level: 'warn', time: 't', msg: 'rejected evil\nERROR forged.dcm: NOT_DICOM' });
  });

  it('redact patient data in structured fields, however deep', () => {
    log.info('study stored', { study: { patient: { PatientName: 'DOE^JOHN' }, PatientID: 'P1' }, AccessionNumber: 'A1', sliceCount: 3 });
    const entry = JSON.parse(lines.at(-1)!);
    assert.deepEqual([entry.study.patient, entry.study.PatientID, entry.AccessionNumber, entry.sliceCount], ['[PHI]', '[PHI]', '[PHI]', 3]);
    assert.ok(!lines.at(-1)!.includes('DOE'));
  });

  it('printed for people, stay one line: controls and line separators escaped, other text kept', () => {
    assert.equal(escapeControlCharacters('a\nERROR forged\r\tb\u0000c\u2028d\u0085 é ✓'), 'a\\nERROR forged\\r\\tb\\u0000c\\u2028d\\u0085 é ✓');
  });
});
