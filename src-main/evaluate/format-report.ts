import type { EvaluationReport } from './evaluate.js';
import type { LevelMetrics } from './level-metrics.js';

const fixed = (value: number | null, digits = 3): string => (value === null ? '-' : value.toFixed(digits));

function levelTable(title: string, level: LevelMetrics): string[] {
  const lines = [`${title}: ${level.count} labelled, weighted log loss ${fixed(level.logLoss, 4)}`];
  lines.push(
    `  ${'class'.padEnd(17)}${['n', 'pos', 'AUC', 'thr', 'sens', 'spec', 'acc', 'TP', 'FP', 'TN', 'FN'].map((h) => h.padStart(7)).join('')}`,
  );
  for (const c of level.classes) {
    const cells = [
      String(c.n),
      String(c.positives),
      fixed(c.auc),
      // Card thresholds can be tiny (e.g. 0.0028 for a 0.95 sensitivity target): two significant digits.
      c.threshold >= 0.01 ? c.threshold.toFixed(3) : c.threshold.toExponential(1),
      fixed(c.sensitivity),
      fixed(c.specificity),
      fixed(c.accuracy),
      String(c.tp),
      String(c.fp),
      String(c.tn),
      String(c.fn),
    ];
    lines.push(`  ${c.cls.padEnd(17)}${cells.map((cell) => cell.padStart(7)).join('')}`);
  }
  return lines;
}

/** The human-readable form of an evaluation (the default output of `ichtriage evaluate`). */
export function formatEvaluation(report: EvaluationReport): string {
  const { images, scans } = report;
  const rules = Object.entries(scans.byRule)
    .map(([rule, count]) => `${count} by ${rule}`)
    .join(', ');
  const lines = [
    `Model ${report.model.name} ${report.model.version} (${report.model.dir}, ${report.model.provider})`,
    `Labels ${report.labels}: ${images.listed} images listed, ${images.evaluated} evaluated, ${images.rejected.length} rejected, ${images.warnings.length} with warnings`,
    `Classes labelled: ${report.classes.join(', ')}`,
    `PNG window assumed: centre ${report.pngWindow.center}, width ${report.pngWindow.width} (${report.pngWindow.source})` +
      (report.pngWindow.saturatedHu === undefined ? '' : `; grey 255 read as ${report.pngWindow.saturatedHu} HU`),
    ...(report.boneWindow ? [`Bone window (bone_filename): centre ${report.boneWindow.center}, width ${report.boneWindow.width}`] : []),
    `Scans: ${scans.count} (${rules || 'none'}${scans.scanColumn ? `; column "${scans.scanColumn}"` : ''}); sequence model on ${scans.sequenceScans} ordered multi-slice scans`,
    `Time: ${report.seconds.toFixed(1)} s with model loading (${fixed(images.evaluated / report.seconds, 1)} images/s)`,
    '',
    ...levelTable('Slice level (slice CNN)', report.slice),
    '',
    ...levelTable('Scan level (max over slices)', report.scan),
  ];
  if (report.sequence) {
    lines.push(
      '',
      ...levelTable('Slice level, sequence model (refined slices of ordered scans)', report.sequence.slice),
      '',
      ...levelTable('Scan level, sequence model (max over refined slices)', report.sequence.scan),
    );
  }
  if (images.rejected.length) {
    lines.push('', 'Rejected:', ...images.rejected.map((r) => `  ${r.filename} (line ${r.line}): ${r.reason}`));
  }
  if (images.warnings.length) {
    // The same warning on many images (e.g. every CT-ICH file) is said once, with its images.
    const byText = new Map<string, string[]>();
    for (const w of images.warnings) byText.set(w.warning, [...(byText.get(w.warning) ?? []), w.filename]);
    lines.push('', 'Warnings:', ...[...byText].map(([warning, files]) => `  ${files.join(', ')}: ${warning}`));
  }
  return lines.join('\n') + '\n';
}
