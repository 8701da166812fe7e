import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ICH_CLASSES } from '../../contract/classes.js';
import type { ModelCard } from '../../domain/model-card.js';

export class ModelCardError extends Error {
  override name = 'ModelCardError';
}

/**
 * Reads models/<name>/model.json and refuses a model whose card is incomplete or whose ONNX files
 * do not match the recorded sha256: running a model other than the one described would make
 * every threshold and preprocessing parameter a guess.
 */
export async function loadModelCard(modelDir: string): Promise<ModelCard> {
  const cardPath = path.join(modelDir, 'model.json');
  let raw: string;
  try {
    raw = await readFile(cardPath, 'utf8');
  } catch {
    throw new ModelCardError(`No model card at ${cardPath}`);
  }
  let card: ModelCard;
  try {
    card = JSON.parse(raw) as ModelCard;
  } catch (error) {
    throw new ModelCardError(`Model card ${cardPath} is not valid JSON: ${(error as Error).message}`);
  }
  validateCard(card, cardPath);
  for (const file of [card.files.sliceCnn, card.files.scanLstm]) {
    const filePath = path.join(modelDir, file.path);
    let actual: string;
    try {
      actual = await sha256File(filePath);
    } catch {
      throw new ModelCardError(`Model file ${filePath} named by ${cardPath} is missing`);
    }
    if (actual !== file.sha256) {
      throw new ModelCardError(
        `Model file ${filePath} does not match its card (sha256 ${actual}, card says ${file.sha256})`,
      );
    }
  }
  return card;
}

function validateCard(card: ModelCard, cardPath: string): void {
  const problem = (what: string): never => {
    throw new ModelCardError(`Model card ${cardPath}: ${what}`);
  };
  if (typeof card.name !== 'string' || typeof card.version !== 'string') problem('name and version are required');
  if (JSON.stringify(card.classes) !== JSON.stringify(ICH_CLASSES)) {
    problem(`classes must be ${ICH_CLASSES.join(', ')}`);
  }
  const input = card.input;
  if (!input || !Number.isInteger(input.size) || input.size <= 0) problem('input.size must be a positive integer');
  if (input.resize !== 'bilinear-half-pixel') problem(`unsupported input.resize "${String(input.resize)}"`);
  if (!Array.isArray(input.windows) || input.windows.length !== 3) problem('input.windows must list 3 windows');
  for (const w of input.windows) {
    if (!(Number.isFinite(w.center) && w.width > 0)) problem(`window ${w.name} needs a center and a positive width`);
  }
  if (input.mean?.length !== 3 || input.std?.length !== 3 || input.std.some((s) => !(s > 0))) {
    problem('input.mean and input.std need 3 values, std positive');
  }
  if (!(card.pngWindow?.width > 0)) problem('pngWindow needs a center and a positive width');
  if (card.pngWindow.saturatedHu !== undefined && !Number.isFinite(card.pngWindow.saturatedHu)) problem('pngWindow.saturatedHu must be a number of HU');
  if (card.input.huFloor !== undefined && !Number.isFinite(card.input.huFloor)) problem('input.huFloor must be a number of HU');
  if (!Number.isInteger(card.embeddingSize) || card.embeddingSize <= 0) problem('embeddingSize must be a positive integer');
  if (card.camSize?.length !== 2) problem('camSize must be [h, w]');
  for (const cls of ICH_CLASSES) {
    const t = card.thresholds?.[cls];
    if (!(typeof t === 'number' && t >= 0 && t <= 1)) problem(`threshold for ${cls} must be in [0, 1]`);
  }
  if (card.scanAggregation !== 'max') problem(`unsupported scanAggregation "${String(card.scanAggregation)}"`);
  if (!card.files?.sliceCnn?.sha256 || !card.files?.scanLstm?.sha256) problem('files.sliceCnn and files.scanLstm need path and sha256');
}

async function sha256File(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
