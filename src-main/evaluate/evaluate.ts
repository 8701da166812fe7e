import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClassLabels } from '../analysis/metrics.js';
import { ICH_CLASSES, scoresFromArray, type ClassScores, type IchClass } from '../contract/classes.js';
import { Detector, runScanSequence, SliceBatch } from '../pipeline/infer/index.js';
import { LabelsError, parseLabelsCsv, type LabelledImage, type LabelsFile } from './labels.js';
import { levelMetrics, maxScores, scanLabels, type LevelMetrics } from './level-metrics.js';
import { loadSlice, type DicomPlacement } from './load-slice.js';
import type { PngWindow } from './png.js';
import { groupIntoScans, type Scan, type ScanRule } from './scans.js';
import { DEFAULT_BONE_WINDOW } from './two-windows.js';

export interface EvaluateOptions {
  labelsPath: string;
  modelDir: string;
  /** Window the PNGs were rendered with; default: the model card's pngWindow. */
  pngWindow?: PngWindow;
  /** Window of the bone_filename images; default DEFAULT_BONE_WINDOW. */
  boneWindow?: PngWindow;
  /** Labels CSV column naming each image's scan (see groupIntoScans for the default rule). */
  scanColumn?: string;
  /** Folder the CSV's filenames are relative to; default: the CSV's folder. */
  imagesDir?: string;
  /** Slices per slice-CNN run. */
  batchSize?: number;
  providers?: string[];
  onProgress?: (done: number, total: number) => void;
}

/** The result of `ichtriage evaluate`; its JSON form is the `--json` output. */
export interface EvaluationReport {
  model: { name: string; version: string; dir: string; provider: string };
  labels: string;
  pngWindow: PngWindow & { source: 'option' | 'model card' };
  /** Window of the bone-window images, null when the labels name none. */
  boneWindow: PngWindow | null;
  /** Class columns of the labels CSV; the other classes are unknown. */
  classes: IchClass[];
  images: {
    listed: number;
    evaluated: number;
    rejected: { filename: string; line: number; reason: string }[];
    warnings: { filename: string; warning: string }[];
  };
  scans: { count: number; byRule: Partial<Record<ScanRule, number>>; scanColumn: string | null; sequenceScans: number };
  /** Per image, slice CNN probabilities. */
  slice: LevelMetrics;
  /** Per scan, max over its slices' CNN probabilities. */
  scan: LevelMetrics;
  /**
   * The sequence model over the ordered multi-slice scans (null when there is none): per slice of
   * those scans with its refined probabilities, and per scan with their max (the model's scan score).
   */
  sequence: { slice: LevelMetrics; scan: LevelMetrics } | null;
  predictions: { filename: string; scan: string; cnn: ClassScores; sequence: ClassScores | null }[];
  seconds: number;
}

interface EvaluatedSlice {
  image: LabelledImage;
  dicom: DicomPlacement | null;
  cnn: ClassScores;
  cnnProbs: Float32Array;
  embedding: Float32Array;
  sequence: ClassScores | null;
}

const CLASS_COUNT = ICH_CLASSES.length;

function withSaturation(window: PngWindow, saturatedHu: number | undefined): PngWindow {
  return saturatedHu === undefined ? window : { ...window, saturatedHu };
}

/**
 * Runs the model over every image of a labels CSV and measures it at slice level and scan level
 * (max over slices, and for ordered multi-slice scans also after the sequence model). An image that
 * cannot be read or decoded is listed as rejected with its reason.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationReport> {
  const started = performance.now();
  const labelsPath = path.resolve(options.labelsPath);
  const imagesDir = path.resolve(options.imagesDir ?? path.dirname(labelsPath));
  const labelsFile = readLabels(labelsPath, imagesDir, await readFile(labelsPath, 'utf8'), options.scanColumn);
  const detector = await Detector.load(options.modelDir, options.providers ? { providers: options.providers } : {});
  try {
    const card = detector.card;
    // A declared window says how the images were exported; how saturated grey is read stays the model's.
    const pngWindow = options.pngWindow ? withSaturation(options.pngWindow, card.pngWindow.saturatedHu) : card.pngWindow;
    const boneWindow = labelsFile.images.some((image) => image.bonePath) ? (options.boneWindow ?? DEFAULT_BONE_WINDOW) : null;
    const { slices, rejected, warnings } = await runSliceCnn(detector, labelsFile.images, pngWindow, boneWindow, options);
    const scans = groupIntoScans(slices.map((s) => ({ filename: s.image.filename, scanValue: s.image.scanValue, dicom: s.dicom })));
    const sequenceScans = scans.filter((scan) => scan.ordered && scan.members.length > 1);
    for (const scan of sequenceScans) await runSequence(detector, scan, slices);

    const byRule: Partial<Record<ScanRule, number>> = {};
    for (const scan of scans) byRule[scan.rule] = (byRule[scan.rule] ?? 0) + 1;
    const scanOf = new Map<number, string>();
    scans.forEach((scan) => scan.members.forEach((i) => scanOf.set(i, scan.key)));
    return {
      model: { name: card.name, version: card.version, dir: options.modelDir, provider: detector.provider },
      labels: labelsPath,
      pngWindow: { ...pngWindow, source: options.pngWindow ? 'option' : 'model card' },
      boneWindow,
      classes: labelsFile.classes,
      images: { listed: labelsFile.images.length, evaluated: slices.length, rejected, warnings },
      scans: { count: scans.length, byRule, scanColumn: labelsFile.scanColumn, sequenceScans: sequenceScans.length },
      slice: levelMetrics(
        slices.map((s) => s.cnn),
        slices.map((s) => s.image.labels),
        card.thresholds,
      ),
      scan: levelMetrics(
        scans.map((scan) => maxScores(scan.members.map((i) => slices[i]!.cnn))),
        scans.map((scan) => labelsOfScan(scan, slices)),
        card.thresholds,
      ),
      sequence: sequenceScans.length ? sequenceMetrics(sequenceScans, slices, card.thresholds) : null,
      predictions: slices.map((s, i) => ({ filename: s.image.filename, scan: scanOf.get(i)!, cnn: s.cnn, sequence: s.sequence })),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await detector.close();
  }
}

function readLabels(labelsPath: string, imagesDir: string, text: string, scanColumn: string | undefined): LabelsFile {
  try {
    return parseLabelsCsv(text, imagesDir, scanColumn);
  } catch (error) {
    if (error instanceof LabelsError) throw new LabelsError(`${labelsPath}: ${error.message}`);
    throw error;
  }
}

/** Loads each image and runs the slice CNN in batches (the engine's own SliceBatch), keeping only what later steps need. */
async function runSliceCnn(
  detector: Detector,
  images: LabelledImage[],
  pngWindow: PngWindow,
  boneWindow: PngWindow | null,
  options: EvaluateOptions,
): Promise<{ slices: EvaluatedSlice[] } & Pick<EvaluationReport['images'], 'rejected' | 'warnings'>> {
  const batch = new SliceBatch(detector, options.batchSize ?? 16);
  const pending: { image: LabelledImage; dicom: DicomPlacement | null }[] = [];
  const evaluated: EvaluatedSlice[] = [];
  const rejected: EvaluationReport['images']['rejected'] = [];
  const warnings: EvaluationReport['images']['warnings'] = [];
  let read = 0;

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const outputs = await batch.run();
    pending.forEach(({ image, dicom }, slot) => {
      const { probs, embedding } = outputs[slot]!;
      checkProbabilities(probs, `slice CNN on ${image.filename}`);
      evaluated.push({ image, dicom, cnn: scoresFromArray(probs), cnnProbs: probs, embedding, sequence: null });
    });
    pending.length = 0;
    batch.clear();
    options.onProgress?.(read, images.length);
  };

  for (const image of images) {
    const bone = image.bonePath && boneWindow ? { path: image.bonePath, window: boneWindow } : null;
    const slice = await loadSlice(image.path, pngWindow, bone);
    read++;
    if (!slice.ok) {
      rejected.push({ filename: image.filename, line: image.line, reason: slice.reason });
      continue;
    }
    if (slice.warning) warnings.push({ filename: image.filename, warning: slice.warning });
    batch.add(slice.hu, slice.rows, slice.columns);
    pending.push({ image, dicom: slice.dicom });
    if (batch.size === batch.capacity) await flush();
  }
  await flush();
  return { slices: evaluated, rejected, warnings };
}

function labelsOfScan(scan: Scan, slices: EvaluatedSlice[]): ClassLabels {
  return scanLabels(scan.members.map((i) => slices[i]!.image.labels));
}

function sequenceMetrics(scans: Scan[], slices: EvaluatedSlice[], thresholds: ClassScores): NonNullable<EvaluationReport['sequence']> {
  const members = scans.flatMap((scan) => scan.members);
  return {
    slice: levelMetrics(
      members.map((i) => slices[i]!.sequence!),
      members.map((i) => slices[i]!.image.labels),
      thresholds,
    ),
    scan: levelMetrics(
      scans.map((scan) => maxScores(scan.members.map((i) => slices[i]!.sequence!))),
      scans.map((scan) => labelsOfScan(scan, slices)),
      thresholds,
    ),
  };
}

/** The sequence model over one ordered scan (as the engine runs it); stores each slice's refined probabilities. */
async function runSequence(detector: Detector, scan: Scan, slices: EvaluatedSlice[]): Promise<void> {
  const members = scan.members.map((i) => slices[i]!);
  const refined = await runScanSequence((e, p, s) => detector.runScan(e, p, s), members, detector.card.embeddingSize);
  checkProbabilities(refined, `sequence model on scan ${scan.key}`);
  members.forEach((slice, k) => (slice.sequence = scoresFromArray(refined, k * CLASS_COUNT)));
}

/** A NaN or out-of-range output is a broken model or runtime; metrics over it would be meaningless. */
function checkProbabilities(probs: Float32Array, what: string): void {
  if (!probs.every((p) => p >= 0 && p <= 1)) {
    throw new Error(`The ${what} gave values outside [0, 1] (${Array.from(probs.slice(0, CLASS_COUNT)).join(', ')}): the model or runtime is broken`);
  }
}
