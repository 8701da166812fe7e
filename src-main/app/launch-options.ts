import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SettingsPatch } from '../contract/settings.js';
import { NetworkSettingsSchema } from '../contract/network-settings.js';
import { NETWORK_FLAG_OPTIONS, NETWORK_FLAGS_USAGE, networkSettingsFromFlags } from '../network/network-flags.js';
import type { EngineOptions } from './engine.js';
import { parseMaxFileMb, parseMilliseconds } from './option-values.js';

/**
 * The launch of browser mode and Electron: the user data folder (<home>, which holds settings.json),
 * the port, and overrides of the saved settings. Flags win over environment variables, which win
 * over <home>/settings.json (for this run only: overrides are never saved), which wins over the defaults.
 */
export interface LaunchOptions {
  home: string;
  /** Only what a flag or environment variable named. */
  overrides: SettingsPatch;
  engine: Pick<EngineOptions, 'maxFileBytes'>;
  port: number;
  open: boolean;
}

export const LAUNCH_USAGE = `Usage: npm start -- [options]   (or: node --import tsx src-main/app/browser-mode.ts [options])
  --inbox DIR     folder to watch for DICOM files     (env ICHTRIAGE_INBOX, default <home>/inbox)
  --db FILE       SQLite database                      (env ICHTRIAGE_DB, default <home>/ichtriage.sqlite)
  --model DIR     model folder with model.json         (env ICHTRIAGE_MODEL, default: the bundled model)
  --port N        browser-mode port on 127.0.0.1       (env ICHTRIAGE_PORT, default: a free port)
  --settle MS     quiet time before a series counts as complete (default 3000)
The inbox, database, model and settle time are settings (<home>/settings.json, changed on the
Settings screen); these flags and variables override them for this run without saving.
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
  const settle = values.settle === undefined ? undefined : parseMilliseconds('--settle', values.settle);
  const maxFileMb = values['max-file-mb'] ?? env.ICHTRIAGE_MAX_FILE_MB;
  const maxFileBytes = maxFileMb === undefined ? undefined : parseMaxFileMb(maxFileMb);
  const model = values.model ?? env.ICHTRIAGE_MODEL;
  const inbox = values.inbox ?? env.ICHTRIAGE_INBOX;
  const database = values.db ?? env.ICHTRIAGE_DB;
  const overrides: SettingsPatch = {};
  if (inbox || settle !== undefined) overrides.intake = { ...(inbox ? { inbox: path.resolve(inbox) } : {}), ...(settle !== undefined ? { settleMs: settle } : {}) };
  if (database) overrides.storage = { database: path.resolve(database) };
  if (model) overrides.model = { folder: path.resolve(model) };
  const network = networkSettingsFromFlags(values);
  if (network) overrides.network = NetworkSettingsSchema.parse(network);
  return {
    home,
    port,
    open: !values['no-open'],
    overrides,
    engine: maxFileBytes !== undefined ? { maxFileBytes } : {},
  };
}

