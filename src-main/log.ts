/**
 * The engine's one logger. Messages must never contain patient data (names, IDs, accession
 * numbers, dates of birth): log UIDs, counts and file paths only.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

let threshold: LogLevel = (process.env.ICHTRIAGE_LOG as LogLevel | undefined) ?? 'info';
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

/** Also exported to the environment, so worker threads started afterwards log at the same level. */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
  process.env.ICHTRIAGE_LOG = level;
}

export function setLogSink(write: (line: string) => void): void {
  sink = write;
}

// C0/C1 controls and the Unicode line/paragraph separators: a file name holding a newline must not
// be able to forge a second log line.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One log line is one line: control characters are written as \n, \r, \t or \u00XX escapes. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function emit(level: LogLevel, message: string): void {
  if (ORDER[level] < ORDER[threshold]) return;
  sink(`${new Date().toISOString()} ${level.toUpperCase()} ${escapeControlCharacters(message)}`);
}

export const log = {
  debug: (message: string) => emit('debug', message),
  info: (message: string) => emit('info', message),
  warn: (message: string) => emit('warn', message),
  error: (message: string) => emit('error', message),
};
