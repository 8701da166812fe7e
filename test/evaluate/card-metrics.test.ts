import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { ICH_CLASSES } from '../../src-main/contract/classes.js';
import { evaluate } from '../../src-main/evaluate/evaluate.js';
import type { LevelMetrics } from '../../src-main/evaluate/level-metrics.js';
import { setLogLevel } from '../../src-main/log.js';
import { defaultModelDir } from '../../src-main/pipeline/infer/detector.js';
import { loadModelCard } from '../../src-main/pipeline/infer/load-model-card.js';
import { SHARED_DATA } from '../helpers/paths.js';

setLogLevel('error');

interface CardClassMetrics {
  auc: number | null;
  sensitivity: number | null;
  specificity: number | null;
  positives: number;
  negatives: number;
}
type CardLevel = Partial<Record<string, CardClassMetrics>>;

/**
 * models/training/ichtrain/data/split.py: patients ranked by sha256("salt:patient")[:8] (big-endian,
 * then by name) and cut at the rounded cumulative fractions, so split sizes are exact.
 */
function splitPatients(patients: string[], fractions: Record<string, number>, salt: string): Map<string, string> {
  const names = Object.keys(fractions);
  const total = Object.values(fractions).reduce((a, b) => a + b, 0);
  const fold = (patient: string) => createHash('sha256').update(`${salt}:${patient}`).digest().readBigUInt64BE(0);
  const ranked = [...new Set(patients)]
    .map((patient) => ({ patient, fold: fold(patient) }))
    .sort((a, b) => (a.fold < b.fold ? -1 : a.fold > b.fold ? 1 : a.patient < b.patient ? -1 : a.patient > b.patient ? 1 : 0));
  const split = new Map<string, string>();
  let start = 0;
  let cumulative = 0;
  names.forEach((name, i) => {
    cumulative += fractions[name]! / total;
    const end = i === names.length - 1 ? ranked.length : Math.round(cumulative * ranked.length);
    for (const { patient } of ranked.slice(start, end)) split.set(patient, name);
    start = end;
  });
  return split;
}

function assertLevelMatches(name: string, ours: LevelMetrics, card: CardLevel): void {
  for (const cls of ICH_CLASSES) {
    const expected = card[cls];
    if (!expected) continue;
    const actual = ours.classes.find((c) => c.cls === cls);
    assert.ok(actual, `${name} ${cls}: no metrics`);
    assert.deepEqual([actual.positives, actual.n - actual.positives], [expected.positives, expected.negatives], `${name} ${cls} counts`);
    // torch (training) and onnxruntime (here) may differ in the last bits: allow one slice to flip.
    const close = (a: number | null, b: number | null, slack: number, what: string): void => {
      assert.ok(a === b || (a !== null && b !== null && Math.abs(a - b) <= slack + 1e-9), `${name} ${cls} ${what}: ${a} here, ${b} in the card`);
    };
    close(actual.auc, expected.auc, 0.02, 'AUC');
    close(actual.sensitivity, expected.sensitivity, 1 / Math.max(expected.positives, 1), 'sensitivity');
    close(actual.specificity, expected.specificity, 1 / Math.max(expected.negatives, 1), 'specificity');
  }
}

it('evaluate reproduces the model card PHE-SICH validation metrics (Python training vs TypeScript inference)', async (t) => {
  const modelDir = defaultModelDir();
  const card = await loadModelCard(modelDir);
  const config = (card.training as { config?: { phe_sich?: { use?: boolean; fractions?: Record<string, number>; salt?: string } } }).config;
  const expected = card.metrics['phe-sich-val'] as { cnn: CardLevel; final: CardLevel; scanLevel: CardLevel } | undefined;
  if (!config?.phe_sich?.use || !config.phe_sich.fractions || !expected) {
    t.skip(`model ${card.name} ${card.version} has no PHE-SICH validation split and metrics in its card to cross-check`);
    return;
  }
  // The training's PHE-SICH labels: a positive slice is intraparenchymal, its other subtypes unknown;
  // a negative slice is negative for every class.
  const pheDir = path.join(SHARED_DATA, 'phe-sich');
  const rows = readFileSync(path.join(pheDir, 'labels.csv'), 'utf8').trim().split(/\r?\n/).slice(1).map((line) => line.split(','));
  const patientOf = (filename: string): string => path.basename(filename).split('_')[0]!;
  const split = splitPatients(rows.map((r) => patientOf(r[0]!)), config.phe_sich.fractions, config.phe_sich.salt ?? 'phe-sich');
  const lines = rows
    .filter((r) => split.get(patientOf(r[0]!)) === 'val')
    .map((r) => `${path.join(pheDir, r[0]!)},${r[1] === '1' ? '1,,1,,,' : '0,0,0,0,0,0'}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-card-'));
  try {
    const labelsPath = path.join(dir, 'labels.csv');
    await writeFile(labelsPath, `filename,${ICH_CLASSES.join(',')}\n${lines.join('\n')}\n`);
    const report = await evaluate({ labelsPath, modelDir });
    assert.equal(report.images.rejected.length, 0);
    assert.equal(report.images.evaluated, (card.metrics['phe-sich-val'] as { slices: number }).slices);
    assert.ok(report.sequence, 'the PHE-SICH patients should form ordered scans');
    assertLevelMatches('slice CNN', report.slice, expected.cnn);
    assertLevelMatches('sequence slices', report.sequence.slice, expected.final);
    assertLevelMatches('sequence scans', report.sequence.scan, expected.scanLevel);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
