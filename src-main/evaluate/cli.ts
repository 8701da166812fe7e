import { parseArgs } from 'node:util';
import { UsageError, type Io } from '../cli/main.js';
import { setLogLevel } from '../log.js';
import { defaultModelDir } from '../pipeline/infer/detector.js';
import { evaluate } from './evaluate.js';
import { formatEvaluation } from './format-report.js';
import type { PngWindow } from './png.js';

const PROGRESS_EVERY_MS = 5000;

/**
 * `ichtriage evaluate --labels CSV [--png-window C,W] [--model DIR] [--scan-column NAME]
 * [--batch N] [--providers LIST] [--json]`. Exit code 0 when at least one image was evaluated.
 */
export async function runEvaluate(args: string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        labels: { type: 'string' },
        'png-window': { type: 'string' },
        model: { type: 'string' },
        'scan-column': { type: 'string' },
        batch: { type: 'string' },
        providers: { type: 'string' },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!values.labels) throw new UsageError('evaluate needs --labels CSV');
  const batchSize = values.batch === undefined ? 16 : Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch must be a positive whole number');
  setLogLevel(values.verbose ? 'debug' : values.json || values.quiet ? 'error' : 'warn');

  let lastProgress = performance.now();
  const report = await evaluate({
    labelsPath: values.labels,
    modelDir: values.model ?? defaultModelDir(),
    ...(values['png-window'] ? { pngWindow: parseWindow(values['png-window']) } : {}),
    ...(values['scan-column'] ? { scanColumn: values['scan-column'] } : {}),
    ...(values.providers ? { providers: values.providers.split(',').map((p) => p.trim()).filter(Boolean) } : {}),
    batchSize,
    onProgress: (done, total) => {
      if (values.quiet || (done < total && performance.now() - lastProgress < PROGRESS_EVERY_MS)) return;
      lastProgress = performance.now();
      io.stderr(`evaluate: ${done}/${total} images read\n`);
    },
  });
  io.stdout(values.json ? JSON.stringify(report, null, 2) + '\n' : formatEvaluation(report));
  if (report.images.evaluated === 0) {
    io.stderr('ichtriage evaluate: no image could be evaluated (see the rejected list)\n');
    return 1;
  }
  return 0;
}

function parseWindow(text: string): PngWindow {
  const parts = text.split(',').map((p) => Number(p.trim()));
  const [center, width] = parts;
  if (parts.length !== 2 || !Number.isFinite(center) || !Number.isFinite(width) || width! <= 0) {
    throw new UsageError(`--png-window must be CENTER,WIDTH with a positive width, e.g. 40,130 (got "${text}")`);
  }
  return { center: center!, width: width! };
}
