import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src-main/cli/main.js';
import { ICH_CLASSES } from '../../src-main/contract/classes.js';
import type { EvaluationReport } from '../../src-main/evaluate/evaluate.js';
import { setLogLevel } from '../../src-main/log.js';
import { defaultModelDir } from '../../src-main/pipeline/infer/detector.js';
import { loadModelCard } from '../../src-main/pipeline/infer/load-model-card.js';
import { SHARED_DATA } from '../helpers/paths.js';

setLogLevel('error');

const KAGGLE = path.join(SHARED_DATA, 'kaggle-head-ct', 'images');
const PHE = path.join(SHARED_DATA, 'phe-sich', 'images');

/** Runs the CLI as `ichtriage evaluate ...` does (the default model: ICHTRIAGE_MODEL or models/<name>). */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['evaluate', ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('ichtriage evaluate on real PNGs', () => {
  let dir: string;
  let labels: string;
  let report: EvaluationReport;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-evaluate-'));
    await writeFile(path.join(dir, 'not-an-image.png'), 'this is text, not a PNG or DICOM');
    // Kaggle: two positives, two negatives (009 is a tinted RGB), each its own scan; PHE-SICH patient
    // 0001: four slices (listed out of order) making one ordered scan, two of them positive; then a
    // missing file and a non-image, which must come back as rejected.
    const rows = [
      [path.join(KAGGLE, '000.png'), 1],
      [path.join(KAGGLE, '009.png'), 1],
      [path.join(KAGGLE, '100.png'), 0],
      [path.join(KAGGLE, '101.png'), 0],
      [path.join(PHE, '0001_13.png'), 1],
      [path.join(PHE, '0001_10.png'), 0],
      [path.join(PHE, '0001_12.png'), 1],
      [path.join(PHE, '0001_11.png'), 0],
      ['missing.png', 1],
      ['not-an-image.png', 0],
    ];
    labels = path.join(dir, 'labels.csv');
    await writeFile(labels, `filename,any\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const result = await run(['--labels', labels, '--json', '--batch', '3']);
    assert.equal(result.code, 0, `evaluate failed (is there a model? set ICHTRIAGE_MODEL or bundle one under models/): ${result.stderr}`);
    report = JSON.parse(result.stdout) as EvaluationReport;
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists every unreadable image as rejected with its reason', () => {
    assert.deepEqual([report.images.listed, report.images.evaluated], [10, 8]);
    assert.deepEqual(report.images.rejected.map((r) => [r.filename, r.line]), [
      ['missing.png', 10],
      ['not-an-image.png', 11],
    ]);
    assert.match(report.images.rejected[0]!.reason, /cannot read file \(ENOENT\)/);
    assert.match(report.images.rejected[1]!.reason, /^NOT_DICOM/);
    assert.deepEqual(report.images.warnings.map((w) => path.basename(w.filename)), ['009.png']);
  });

  it('groups the PHE-SICH slices into one ordered scan and runs the sequence model on it', () => {
    assert.deepEqual(report.scans.byRule, { 'single-image': 4, filename: 1 });
    assert.equal(report.scans.sequenceScans, 1);
    const phe = report.predictions.filter((p) => p.scan === 'filename:0001');
    assert.equal(phe.length, 4);
    assert.ok(phe.every((p) => p.sequence !== null));
    assert.ok(report.predictions.filter((p) => p.scan.startsWith('single-image:')).every((p) => p.sequence === null));
    // scan level: 4 Kaggle scans + 1 PHE scan (positive: two of its slices are)
    const anyScan = report.scan.classes.find((c) => c.cls === 'any')!;
    assert.deepEqual([anyScan.n, anyScan.positives], [5, 3]);
    assert.deepEqual([report.sequence!.scan.count, report.sequence!.scan.classes[0]!.positives], [1, 1]);
    assert.deepEqual([report.sequence!.slice.count, report.sequence!.slice.classes[0]!.positives], [4, 2]);
  });

  it('counts slices and scans consistently with the thresholds', () => {
    const anySlice = report.slice.classes.find((c) => c.cls === 'any')!;
    assert.deepEqual(report.classes, ['any']);
    assert.deepEqual([anySlice.n, anySlice.positives, anySlice.tp + anySlice.fp + anySlice.tn + anySlice.fn], [8, 4, 8]);
    const called = report.predictions.filter((p) => p.cnn.any >= anySlice.threshold).length;
    assert.equal(anySlice.tp + anySlice.fp, called);
    for (const p of report.predictions) for (const cls of ICH_CLASSES) assert.ok(p.cnn[cls] >= 0 && p.cnn[cls] <= 1, `${p.filename} ${cls} ${p.cnn[cls]}`);
    assert.ok(report.slice.logLoss !== null && report.slice.logLoss > 0, `log loss ${report.slice.logLoss}`);
    assert.equal(report.pngWindow.source, 'model card');
  });

  it('gives the same predictions whatever the batch size', async () => {
    const again = JSON.parse((await run(['--labels', labels, '--json', '--batch', '16'])).stdout) as EvaluationReport;
    again.predictions.forEach((p, i) => {
      const first = report.predictions[i]!;
      assert.equal(p.filename, first.filename);
      for (const cls of ICH_CLASSES) assert.ok(Math.abs(p.cnn[cls] - first.cnn[cls]) < 1e-5, `${p.filename} ${cls}`);
    });
  });

  it('uses --png-window and prints a readable table by default', async () => {
    const result = await run(['--labels', labels, '--png-window', '40,80', '--quiet']);
    assert.equal(result.code, 0);
    // A declared window says how the images were exported; saturated grey is still read as the card says.
    const saturated = (await loadModelCard(defaultModelDir())).pngWindow.saturatedHu;
    const readAs = saturated === undefined ? '\n' : `; grey 255 read as ${saturated} HU\n`;
    assert.ok(result.stdout.includes(`PNG window assumed: centre 40, width 80 (option)${readAs}`), result.stdout);
    assert.match(result.stdout, /Slice level \(slice CNN\): 8 labelled/);
    assert.match(result.stdout, /Slice level, sequence model/);
    assert.match(result.stdout, /Scan level, sequence model/);
    assert.match(result.stdout, /Rejected:\n {2}missing\.png \(line 10\): cannot read file/);
  });
});

describe('ichtriage evaluate: usage', () => {
  it('documents the labels format and the scan grouping rule in --help', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--labels CSV/);
    assert.match(help.stdout, /Scans: each image joins a scan by the first rule that applies/);
  });

  it('explains a missing --labels and a bad window', async () => {
    assert.equal((await run([])).code, 2);
    assert.match((await run([])).stderr, /evaluate needs --labels CSV/);
    const wrongCsv = path.join(SHARED_DATA, 'cq500', 'reads.csv');
    const notLabels = await run(['--labels', wrongCsv]);
    assert.equal(notLabels.code, 1);
    assert.equal(
      notLabels.stderr,
      `ichtriage: error: ${wrongCsv}: The labels CSV has no "filename" column (this looks like a CQ500 reads or labels CSV, one row per scan: import it as reads); its columns are name, Category, R1:ICH, R1:IPH, R1:IVH, R1:SDH and 38 more.\n`,
    );
    const bad = await run(['--labels', 'x.csv', '--png-window', '40']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--png-window must be CENTER,WIDTH/);
  });
});

describe('ichtriage evaluate: where the images are', () => {
  const RSNA_LABELS = path.join(SHARED_DATA, 'rsna-slices', 'labels.csv');

  it('reads images from --images when the CSV lists them relative to another folder', async () => {
    const result = await run(['--labels', RSNA_LABELS, '--images', path.join(SHARED_DATA, 'rsna-slices', 'dicom'), '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as EvaluationReport;
    assert.equal(report.images.evaluated, 5);
    assert.deepEqual(report.images.rejected, []);
  });

  it('says to use --images when no listed file exists beside the CSV', async () => {
    const result = await run(['--labels', RSNA_LABELS, '--json']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /name it with --images DIR/);
  });
});

describe('ichtriage evaluate on CT-ICH JPEG window pairs', () => {
  const CT_ICH = path.join(SHARED_DATA, 'ct-ich-jpg');
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-evaluate-jpeg-'));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('combines each brain JPEG with its bone JPEG and scores the patient as one ordered scan', async () => {
    // Patient 49, slices 19..22 (listed out of order); 20..22 are haemorrhage. A row whose bone
    // file is missing must come back rejected, not be read as the brain window alone.
    const rows = [21, 19, 22, 20].map((n) => `brain/049_${n}.jpg,bone/049_${n}.jpg,49,${n >= 20 ? 1 : 0}`);
    rows.push('brain/049_18.jpg,bone/missing.jpg,49,0');
    const labels = path.join(dir, 'labels.csv');
    await writeFile(labels, `filename,bone_filename,patient,any\n${rows.join('\n')}\n`);
    const result = await run(['--labels', labels, '--images', CT_ICH, '--png-window', '40,120', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as EvaluationReport;
    assert.deepEqual([report.images.listed, report.images.evaluated], [5, 4]);
    assert.match(report.images.rejected[0]!.reason, /^bone window: cannot read file/);
    assert.deepEqual(report.boneWindow, { center: 700, width: 3200 });
    assert.equal(report.scans.sequenceScans, 1);
    assert.ok(report.sequence);

    const brainOnly = path.join(dir, 'brain-only.csv');
    await writeFile(brainOnly, `filename,patient,any\n${rows.slice(0, 4).map((r) => r.split(',').filter((_, i) => i !== 1).join(',')).join('\n')}\n`);
    const alone = JSON.parse((await run(['--labels', brainOnly, '--images', CT_ICH, '--png-window', '40,120', '--json'])).stdout) as EvaluationReport;
    assert.equal(alone.boneWindow, null);
    const differs = alone.predictions.some((p, i) => Math.abs(p.cnn.any - report.predictions[i]!.cnn.any) > 1e-4);
    assert.ok(differs, 'the bone window should change the input (skull and air are outside the brain window)');
  });

  it('checks --bone-window like --png-window', async () => {
    const bad = await run(['--labels', 'x.csv', '--bone-window', '700']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--bone-window must be CENTER,WIDTH/);
  });
});
