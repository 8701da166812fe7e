import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LabelsError, parseLabelsCsv } from '../../src-main/evaluate/labels.js';

describe('parseLabelsCsv', () => {
  it('resolves filenames against the CSV folder, masks missing columns and empty cells', () => {
    const file = parseLabelsCsv('filename,subdural,any,note\na/1.png,1,,x\n/abs/2.png,0,1.0,y\n', '/data/set');
    assert.deepEqual(file.classes, ['any', 'subdural']);
    assert.equal(file.scanColumn, null);
    assert.deepEqual(file.images, [
      { line: 2, filename: 'a/1.png', path: path.resolve('/data/set/a/1.png'), bonePath: null, labels: { subdural: true }, scanValue: null },
      { line: 3, filename: '/abs/2.png', path: path.resolve('/abs/2.png'), bonePath: null, labels: { any: true, subdural: false }, scanValue: null },
    ]);
  });

  it('resolves a bone_filename column against the CSV folder; an empty cell means no bone window', () => {
    const file = parseLabelsCsv('filename,bone_filename,any\nbrain/1.jpg,bone/1.jpg,1\nbrain/2.jpg,,0\n', '/data/set');
    assert.deepEqual(
      file.images.map((image) => image.bonePath),
      [path.resolve('/data/set/bone/1.jpg'), null],
    );
  });

  it('takes the scan from --scan-column, else a scan or patient column', () => {
    assert.equal(parseLabelsCsv('filename,any,patient\nx.dcm,1,49\n', '/d').images[0]!.scanValue, '49');
    assert.equal(parseLabelsCsv('filename,any,series\nx.dcm,1,s7\n', '/d', 'series').images[0]!.scanValue, 's7');
    assert.throws(() => parseLabelsCsv('filename,any\nx.dcm,1\n', '/d', 'series'), /no column "series"/);
    assert.throws(() => parseLabelsCsv('filename,any,patient\nx.dcm,1,\n', '/d'), /Line 2: the patient column is empty/);
  });

  it('rejects what would mislead: no filename, no class, bad values, duplicates', () => {
    assert.throws(() => parseLabelsCsv('ID,Label\nID_1_any,1\n', '/d'), /no "filename" column \(this looks like an RSNA ID,Label CSV: import it as reads\); its columns are ID, Label\./);
    assert.throws(() => parseLabelsCsv('filename,fracture\nx.png,1\n', '/d'), /none of the class columns/);
    assert.throws(() => parseLabelsCsv('filename,any\nx.png,0.4\n', '/d'), (e: Error) => e instanceof LabelsError && /Line 2: any is "0.4"/.test(e.message));
    assert.throws(() => parseLabelsCsv('filename,any\nx.png,1\n./x.png,0\n', '/d'), /Line 3: \.\/x\.png is already listed on line 2/);
    assert.throws(() => parseLabelsCsv('filename,any\n', '/d'), /lists no images/);
  });
});
