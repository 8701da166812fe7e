import { createHash } from 'node:crypto';
import type { ClassScores, IchClass } from '../contract/classes.js';

/** An HU window: values in [center - width/2, center + width/2] map linearly to [0, 1]. */
export interface HuWindow {
  name: string;
  center: number;
  width: number;
}

/**
 * models/<name>/model.json: everything the engine needs to run the model exactly as it was
 * trained. Written by models/training/export.py; checked by loadModelCard().
 */
export interface ModelCard {
  name: string;
  version: string;
  /** Must equal ICH_CLASSES. */
  classes: IchClass[];
  input: {
    /** Square side the slice is resized to (256). */
    size: number;
    /** "bilinear-half-pixel": torch interpolate(mode="bilinear", align_corners=False, antialias=False). */
    resize: 'bilinear-half-pixel';
    /** One window per input channel, in channel order. */
    windows: HuWindow[];
    /** Per-channel (x - mean) / std after windowing to [0, 1]. */
    mean: number[];
    std: number[];
    /**
     * HU below it are read as it before windowing (the bottom of pngWindow: full-range input then
     * holds nothing a windowed image read back could not). Absent: no floor.
     */
    huFloor?: number;
  };
  /**
   * Window assumed for already-windowed 8-bit PNG input: pixel p becomes HU center - width/2 + p/255 * width;
   * saturatedHu, when set, is what p = 255 (at or above the window's top, mostly bone) becomes instead.
   */
  pngWindow: { center: number; width: number; saturatedHu?: number };
  /** Embedding length E of slice_cnn.onnx (input of the sequence model). */
  embeddingSize: number;
  /** [h, w] of the cam output. */
  camSize: [number, number];
  /** Operating point per class, chosen on validation data. */
  thresholds: ClassScores;
  scanAggregation: 'max';
  files: {
    sliceCnn: { path: string; sha256: string };
    scanLstm: { path: string; sha256: string };
  };
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
  intendedUse: string;
  limitations: string[];
}

/** Which model produced a result: recorded with every stored slice, series and study result. */
export interface ModelIdentity {
  name: string;
  version: string;
  /** sha256 over both network files' sha256 (the card's file hashes), so a retrained model with the same name and version differs. */
  sha256: string;
}

export function modelIdentity(card: ModelCard): ModelIdentity {
  const sha256 = createHash('sha256').update(`${card.files.sliceCnn.sha256}\n${card.files.scanLstm.sha256}`).digest('hex');
  return { name: card.name, version: card.version, sha256 };
}
