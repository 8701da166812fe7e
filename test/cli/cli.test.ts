import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { TriageReport } from '../../src-main/cli/triage-command.js';
import { REPO_ROOT, SHARED_DATA } from '../helpers/paths.js';
import { cli } from '../helpers/run-cli.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin', 'ichtriage.mjs');

describe('ichtriage triage --json on real data', () => {
  it('prints every study with scores, the missing-slice warning and tilt, and drops nothing silently', { timeout: 180_000 }, async () => {
    const { stdout } = await run(process.execPath, [BIN, 'triage', path.join(SHARED_DATA, 'cq500'), path.join(SHARED_DATA, 'rsna-slices'), '--json'], {
      maxBuffer: 64 << 20,
    });
    const report = JSON.parse(stdout) as TriageReport;
    assert.ok(report.model.name && report.model.version);
    // CQ500-CT-0 (238 slices), CQ500-CT-1 (one slice), five RSNA slices.
    assert.equal(report.studies.length, 7);
    assert.deepEqual(report.studies.map((s) => s.rank), [1, 2, 3, 4, 5, 6, 7]);
    const anyScores = report.studies.map((s) => s.scores!.any);
    assert.deepEqual(anyScores, [...anyScores].sort((a, b) => b - a));
    const cq500 = report.studies.find((s) => s.sliceCount === 238)!;
    assert.equal(cq500.slices.length, 238);
    assert.ok(cq500.seriesInstanceUid);
    assert.ok(cq500.warnings.some((w) => w.code === 'MISSING_SLICES'));
    assert.ok(cq500.warnings.some((w) => w.code === 'GANTRY_TILT' && /8\.5°/.test(w.message)));
    for (const study of report.studies) {
      assert.equal(typeof study.flagged, 'boolean');
      assert.equal(Object.keys(study.scores!).length, 6);
    }
    // The CSV files beside the DICOM are reported, not silently skipped.
    assert.deepEqual(report.rejected.map((r) => path.basename(r.path)).sort(), ['labels.csv', 'majority_labels.csv', 'reads.csv']);
    assert.ok(report.rejected.every((r) => r.reason.startsWith('NOT_DICOM')));
  });
});

describe('ichtriage errors and info', () => {
  it('answers a usage error with one line, the usage, and exit code 2', async () => {
    const result = await cli(['triage']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^ichtriage: triage needs at least one file or folder\n/);
  });

  it('prints the usage for --help after a command, with exit code 0', async () => {
    for (const command of ['triage', 'watch', 'info']) {
      const result = await cli([command, '--help']);
      assert.equal(result.code, 0, command);
      assert.match(result.stdout, /^Usage:\n  ichtriage triage <paths\.\.\.>/, command);
      assert.equal(result.stderr, '', command);
    }
  });

  it('answers a missing model with one clear line and exit code 1', async () => {
    const result = await cli(['triage', path.join(SHARED_DATA, 'rsna-slices'), '--model', '/nonexistent/model']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'ichtriage: error: No model card at /nonexistent/model/model.json\n');
  });

  it('answers a path that does not exist with one clear line', async () => {
    const result = await cli(['triage', '/nonexistent/folder']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^ichtriage: error: Cannot read \/nonexistent\/folder: ENOENT\n$/);
  });

  it('info shows the header without patient data unless --phi is given', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-info-'));
    const file = path.join(work, 'slice.dcm');
    await copyFile(path.join(SHARED_DATA, 'cq500', 'CQ500-CT-1_single_slice', 'CT000000.dcm'), file);
    const plain = await cli(['info', file, '--json']);
    assert.equal(plain.code, 0);
    assert.doesNotMatch(plain.stdout, /CQ500-CT-1/);
    const info = JSON.parse(plain.stdout);
    assert.equal(info.header.Modality, 'CT');
    assert.equal(info.triage.eligible, true);
    const withPhi = await cli(['info', file, '--json', '--phi']);
    assert.match(withPhi.stdout, /"PatientID": "CQ500-CT-1"/);
  });

  it('info says why a file cannot be used', async () => {
    const result = await cli(['info', path.join(SHARED_DATA, 'dicom-samples', 'debian', 'US-PAL-8-10x-echo.dcm')]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /not usable: (NOT_CT|COLOUR_IMAGE|MULTI_FRAME)/);
  });
});
