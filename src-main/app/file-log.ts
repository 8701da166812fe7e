import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { setLogSink } from '../log.js';

export const LOG_FILE_NAME = 'ichtriage.log';

/**
 * The engine's log written to <home>/logs/ichtriage.log as well as stderr, rotated at 10 MB or
 * daily, gzip-compressed, the newest 10 files kept. The log carries UIDs, counts and inbox-relative
 * paths only (see src-main/log.ts): never patient data.
 */
export function startFileLog(folder: string, write: (line: string) => void = (line) => process.stderr.write(line + '\n')): { folder: string; close(): Promise<void> } {
  mkdirSync(folder, { recursive: true });
  const stream: RotatingFileStream = createStream(LOG_FILE_NAME, { path: folder, size: '10M', interval: '1d', maxFiles: 10, compress: 'gzip', mode: 0o600 });
  stream.on('error', (error) => write(`log file ${path.join(folder, LOG_FILE_NAME)} failed: ${error.message}`));
  setLogSink((line) => {
    write(line);
    stream.write(line + '\n');
  });
  return {
    folder,
    close: () =>
      new Promise<void>((resolve) => {
        setLogSink(write);
        stream.end(() => resolve());
      }),
  };
}
