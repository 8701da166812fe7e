import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NETWORK_FLAG_OPTIONS, NETWORK_FLAGS_USAGE, networkSettingsFromFlags } from '../network/network-flags.js';
import type { EngineOptions } from './engine.js';

/**
 * Settings shared by browser mode and Electron: where the inbox and database live, which model and
 * port to use. Flags win over environment variables, which win over the per-user defaults.
 */
export interface LaunchOptions {
  home: string;
  engine: EngineOptions & { inbox: string };
  port: number;
  open: boolean;
}

export const LAUNCH_USAGE = `Usage: npm start -- [options]   (or: node --import tsx src-main/app/browser-mode.ts [options])
  --inbox DIR     folder to watch for DICOM files     (env ICHTRIAGE_INBOX, default <home>/inbox)
  --db FILE       SQLite database                      (env ICHTRIAGE_DB, default <home>/ichtriage.sqlite)
  --model DIR     model folder with model.json         (env ICHTRIAGE_MODEL, default: the bundled model)
  --port N        browser-mode port on 127.0.0.1       (env ICHTRIAGE_PORT, default: a free port)
  --settle MS     quiet time before a series counts as complete (default 3000)
  --max-file-mb N largest file read from the inbox     (env ICHTRIAGE_MAX_FILE_MB, default 256)
  --no-open       print the URL but do not open a browser
${NETWORK_FLAGS_USAGE}
<home> is ICHTRIAGE_HOME, else $XDG_DATA_HOME/ichtriage, else ~/.local/share/ichtriage.`;

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ICHTRIAGE_HOME) return path.resolve(env.ICHTRIAGE_HOME);
  const dataHome = env.XDG_DATA_HOME || path.join(homedir(), '.local', 'share');
  return path.join(dataHome, 'ichtriage');
}

export function parseLaunchOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): LaunchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      inbox: { type: 'string' },
      db: { type: 'string' },
      model: { type: 'string' },
      port: { type: 'string' },
      settle: { type: 'string' },
      'max-file-mb': { type: 'string' },
      'no-open': { type: 'boolean', default: false },
      ...NETWORK_FLAG_OPTIONS,
    },
    strict: true,
  });
  const home = defaultHome(env);
  const port = Number(values.port ?? env.ICHTRIAGE_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got "${values.port ?? env.ICHTRIAGE_PORT}"`);
  const settle = values.settle === undefined ? undefined : Number(values.settle);
  if (settle !== undefined && !(settle >= 0)) throw new Error(`--settle must be a number of milliseconds, got "${values.settle}"`);
  const maxFileBytes = parseMaxFileMb(values['max-file-mb'] ?? env.ICHTRIAGE_MAX_FILE_MB);
  const model = values.model ?? env.ICHTRIAGE_MODEL;
  const network = networkSettingsFromFlags(values);
  return {
    home,
    port,
    open: !values['no-open'],
    engine: {
      inbox: path.resolve(values.inbox ?? env.ICHTRIAGE_INBOX ?? path.join(home, 'inbox')),
      dbPath: path.resolve(values.db ?? env.ICHTRIAGE_DB ?? path.join(home, 'ichtriage.sqlite')),
      ...(model ? { modelDir: path.resolve(model) } : {}),
      ...(settle !== undefined ? { settleMs: settle } : {}),
      ...(maxFileBytes !== undefined ? { maxFileBytes } : {}),
      ...(network ? { network } : {}),
    },
  };
}

/** "--max-file-mb 512" as bytes; undefined keeps the engine's default. */
export function parseMaxFileMb(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const mb = Number(text);
  if (!(mb > 0) || !Number.isFinite(mb)) throw new Error(`--max-file-mb must be a positive number of megabytes, got "${text}"`);
  return Math.round(mb * 1024 * 1024);
}
