import { parseArgs } from 'node:util';
import { parseProviders } from '../app/option-values.js';
import { UsageError, type Io } from './command.js';
import { setLogLevel } from '../log.js';
import { defaultModelDir } from '../pipeline/infer/index.js';
import { evaluate } from '../evaluate/evaluate.js';
import { formatEvaluation } from '../evaluate/format-report.js';
import type { PngWindow } from '../evaluate/png.js';

const PROGRESS_EVERY_MS = 5000;

export const EVALUATE_HELP = `Usage: ichtriage evaluate --labels CSV [options]
Measures the model on labelled images: per class AUC, sensitivity, specificity and accuracy at the
model card's thresholds, and the weighted log loss (any x2), at slice and scan level.

  --labels CSV         a "filename" column (relative to the CSV's folder) and any of the class
                       columns any, epidural, intraparenchymal, intraventricular, subarachnoid,
                       subdural with 0/1; a missing column or an empty cell is unknown (masked)
  --png-window C,W     window the PNG/JPEG images were rendered with (default: the model card's
                       pngWindow); grey level p becomes HU C - W/2 + p/255 * W. DICOM is decoded
                       to real HU.
  --bone-window C,W    window of the images in an optional "bone_filename" column: the same slice
                       rendered in a wide window (default 700,3200, CT-ICH's bone JPEGs). Pseudo-HU
                       then comes from the narrow window where its grey level is 3..252, else from
                       the bone window.
  --images DIR         the folder the filenames are relative to (default: the CSV's folder), e.g.
                       ../shared/data/rsna-slices/dicom for rsna-slices/labels.csv
  --scan-column NAME   the column naming each image's scan
  --model DIR          model folder (default: ICHTRIAGE_MODEL, else the bundled model)
  --batch N            slices per slice-CNN run (default 16)
  --providers LIST     execution providers to try before cpu, e.g. cuda,webgpu
  --json               machine-readable output (with every image's prediction)
  --quiet, --verbose   less / more on stderr

Scans: each image joins a scan by the first rule that applies: the --scan-column (else a "scan" or
"patient" column); a DICOM image's StudyInstanceUID/SeriesInstanceUID; a file name starting
<digits>_<digits> (PHE-SICH PPPP_SS.png: patient PPPP); otherwise the image is its own scan.
Scan score = max over its slices; its label is positive if any slice is, negative if all are.
Slices of a scan are ordered by DICOM position, else InstanceNumber, else the file name's second
number; ordered scans of 2+ slices are also scored by the sequence model (then max), over the
listed slices only: slices a CSV leaves out (e.g. CT-ICH's sparse subset) are not filled in.
Images that cannot be read are listed as rejected with the reason; none is dropped silently.`;

/** `ichtriage evaluate` (see EVALUATE_HELP). Exit code 0 when at least one image was evaluated. */
export async function runEvaluate(args: string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        labels: { type: 'string' },
        'png-window': { type: 'string' },
        'bone-window': { type: 'string' },
        model: { type: 'string' },
        'scan-column': { type: 'string' },
        images: { type: 'string' },
        batch: { type: 'string' },
        providers: { type: 'string' },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    io.stdout(EVALUATE_HELP + '\n');
    return 0;
  }
  if (!values.labels) throw new UsageError('evaluate needs --labels CSV (see ichtriage evaluate --help)');
  const batchSize = values.batch === undefined ? 16 : Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch must be a positive whole number');
  setLogLevel(values.verbose ? 'debug' : values.json || values.quiet ? 'error' : 'warn');

  let lastProgress = performance.now();
  const report = await evaluate({
    labelsPath: values.labels,
    modelDir: values.model ?? defaultModelDir(),
    ...(values['png-window'] ? { pngWindow: parseWindow(values['png-window'], '--png-window') } : {}),
    ...(values['bone-window'] ? { boneWindow: parseWindow(values['bone-window'], '--bone-window') } : {}),
    ...(values['scan-column'] ? { scanColumn: values['scan-column'] } : {}),
    ...(values.images ? { imagesDir: values.images } : {}),
    ...(values.providers ? { providers: parseProviders(values.providers) } : {}),
    batchSize,
    onProgress: (done, total) => {
      if (values.quiet || (done < total && performance.now() - lastProgress < PROGRESS_EVERY_MS)) return;
      lastProgress = performance.now();
      io.stderr(`evaluate: ${done}/${total} images read\n`);
    },
  });
  io.stdout(values.json ? JSON.stringify(report, null, 2) + '\n' : formatEvaluation(report));
  if (report.images.evaluated === 0) {
    const hint = values.images ? '' : '; if the files sit in a subfolder, name it with --images DIR';
    io.stderr(`ichtriage evaluate: no image could be evaluated (see the rejected list)${hint}\n`);
    return 1;
  }
  return 0;
}

function parseWindow(text: string, option: string): PngWindow {
  const parts = text.split(',').map((p) => Number(p.trim()));
  const [center, width] = parts;
  if (parts.length !== 2 || !Number.isFinite(center) || !Number.isFinite(width) || width! <= 0) {
    throw new UsageError(`${option} must be CENTER,WIDTH with a positive width, e.g. 40,130 (got "${text}")`);
  }
  return { center: center!, width: width! };
}
