import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { decodeDicom, readHeader } from '../../src-main/pipeline/decode/index.js';
import { dataPath, listFilesRecursively } from './data-paths.js';
import { FOLDER_EXPECTATIONS, SAMPLE_EXPECTATIONS, isSkippedTextFile, type Expectation } from './sample-expectations.js';

const SAMPLES_ROOT = dataPath('dicom-samples');
const sampleFiles = listFilesRecursively(SAMPLES_ROOT)
  .map((path) => relative(SAMPLES_ROOT, path).split('\\').join('/'))
  .filter((file) => !isSkippedTextFile(file));

function expectationFor(file: string): Expectation | undefined {
  const folder = Object.keys(FOLDER_EXPECTATIONS).find((prefix) => file.startsWith(prefix));
  return folder ? FOLDER_EXPECTATIONS[folder]!.expectation : SAMPLE_EXPECTATIONS[file];
}

describe('every file in dicom-samples decodes or is rejected as expected', () => {
  it('the expectation table covers exactly the files present', () => {
    const unlisted = sampleFiles.filter((file) => expectationFor(file) === undefined);
    assert.deepEqual(unlisted, [], 'files without an expectation');
    const missing = Object.keys(SAMPLE_EXPECTATIONS).filter((file) => !sampleFiles.includes(file));
    assert.deepEqual(missing, [], 'expectations for files that are not there');
    for (const [prefix, { count }] of Object.entries(FOLDER_EXPECTATIONS)) {
      assert.equal(sampleFiles.filter((file) => file.startsWith(prefix)).length, count, prefix);
    }
  });

  for (const file of sampleFiles) {
    it(file, () => {
      const expected = expectationFor(file);
      if (expected === undefined) return; // reported by the coverage test above
      const bytes = readFileSync(`${SAMPLES_ROOT}/${file}`);
      const outcome = decodeDicom(bytes, file);
      const header = readHeader(bytes, file);
      if (typeof expected === 'string') {
        assert.equal(outcome.ok ? 'decoded' : outcome.code, expected, outcome.ok ? '' : outcome.reason);
        assert.ok(!outcome.ok && outcome.reason.length > 0, 'a rejection says why');
        // The header-only path rejects the same way unless the reason lies in the pixels.
        if (!header.ok) assert.equal(header.code, expected);
        return;
      }
      assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.code}: ${outcome.reason}`);
      assert.deepEqual(outcome.instance.warnings.map((w) => w.code).sort(), [...expected.warnings].sort());
      assert.ok(header.ok, 'readHeader accepts what decodeDicom decodes');
      assert.deepEqual(header.warnings, outcome.instance.warnings);
      assert.equal(outcome.instance.hu.length, header.header.Rows * header.header.Columns);
    });
  }
});
