export { defaultModelDir, Detector } from './detector.js';
export { runScanSequence } from './scan-sequence.js';
export { SliceBatch, type SliceOutput } from './slice-batch.js';
