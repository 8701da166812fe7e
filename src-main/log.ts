import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The engine's one logger: pino, one JSON object per line ({"level","time","msg", ...fields}).
 * Messages must never contain patient data (names, IDs, accession numbers, dates of birth): log
 * UIDs, counts and inbox-relative paths only. Structured fields are redacted on the way out as a
 * second line of defence, and JSON keeps a file name holding a newline on its own line.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Fields that carry patient data wherever they appear in a logged object. */
const PHI_FIELDS = ['PatientName', 'PatientID', 'PatientBirthDate', 'AccessionNumber', 'patientName', 'patientId', 'accessionNumber', 'patient'];
const REDACTED_PATHS = PHI_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

let level: LogLevel = (process.env.ICHTRIAGE_LOG as LogLevel | undefined) ?? 'info';
let destination: DestinationStream = pino.destination({ fd: 2, sync: true });
let logger = createLogger();

function createLogger(): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[PHI]' },
    },
    destination,
  );
}

/** Also exported to the environment, so worker threads started afterwards log at the same level. */
export function setLogLevel(next: LogLevel): void {
  level = next;
  process.env.ICHTRIAGE_LOG = next;
  logger.level = next;
}

/** Where log lines go (stderr by default): a log file, or a test's capture. */
export function setLogSink(write: (line: string) => void): void {
  destination = { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) };
  logger = createLogger();
}

type Fields = Record<string, unknown>;

export const log = {
  debug: (message: string, fields?: Fields) => logger.debug(fields ?? {}, message),
  info: (message: string, fields?: Fields) => logger.info(fields ?? {}, message),
  warn: (message: string, fields?: Fields) => logger.warn(fields ?? {}, message),
  error: (message: string, fields?: Fields) => logger.error(fields ?? {}, message),
};

// C0/C1 controls and the Unicode line/paragraph separators: text printed for people (not JSON)
// must stay one line whatever a file name holds.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One printed line is one line: control characters are written as \n, \r, \t or \u00XX escapes. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
