import { ApiError, type ApiErrorCode } from '../../src-main/contract/errors.js';

/** What the user can do about each named error. */
const ADVICE: Record<ApiErrorCode, string> = {
  NOT_FOUND: 'It may have been removed; go back to the worklist and reopen it.',
  INVALID_ARGUMENT: 'Check the values you entered and try again.',
  PIXELS_UNAVAILABLE: 'The image files were moved or deleted after triage; copy the study into the inbox again to view it.',
  MODEL_UNAVAILABLE: 'The detection model could not be loaded; check the model folder given at start-up.',
  UNAUTHORIZED: 'Reopen the full URL printed in the terminal (it carries the access token).',
  REQUEST_TOO_LARGE: 'Split the file into smaller parts and import them one at a time.',
  TOO_MANY_UPLOADS: 'Other large files are being received; try again when they are done.',
  TOO_MANY_STREAMS: 'Close other ichtriage tabs or windows, then reload this one.',
  INTERNAL: 'Try again; if it persists, look at the terminal or application log.',
};

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} ${ADVICE[error.code]}`;
  return `${error instanceof Error ? error.message : String(error)} ${ADVICE.INTERNAL}`;
}
