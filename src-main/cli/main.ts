import { parseArgs } from 'node:util';
import { parseMaxFileMb } from '../app/launch-options.js';
import { escapeControlCharacters, setLogLevel } from '../log.js';
import { NETWORK_FLAG_OPTIONS, NETWORK_FLAGS_USAGE, networkSettingsFromFlags } from '../network/network-flags.js';
import type { NetworkSettingsInput } from '../network/settings.js';
import { runInfo } from './info-command.js';
import { runTriage } from './triage-command.js';
import { runWatch } from './watch-command.js';

export const USAGE = `Usage:
  ichtriage triage <paths...> [--json] [--model DIR] [--db FILE]   triage DICOM files/folders, print the ranked worklist
  ichtriage watch <inbox> [--db FILE] [--model DIR] [--settle MS]   run the engine as a service on an inbox
  ichtriage info <file> [--phi]                                    show what the engine sees in a file
  ichtriage evaluate --labels CSV [--png-window C,W] [--model DIR] [--json]
                                                                   measure the model on labelled images
Options: --providers cuda,webgpu (execution providers to try before cpu), --max-file-mb N (largest file
         read, default 256), --verbose, --help
watch also takes the ${NETWORK_FLAGS_USAGE}`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs one command; returns the exit code. Errors are one clear line, never a stack trace. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'triage':
        return await runTriage(parse(rest), io);
      case 'watch':
        return await runWatch(parse(rest), io);
      case 'info':
        return await runInfo(parse(rest), io);
      case 'evaluate': {
        const { runEvaluate } = await import('../evaluate/cli.js');
        return await runEvaluate(rest, io);
      }
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`ichtriage: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    // Libraries may throw strings or plain objects: still one line, never a stack.
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`ichtriage: error: ${escapeControlCharacters(message.split('\n')[0] ?? '')}\n`);
    return 1;
  }
}

export interface ParsedArgs {
  positionals: string[];
  json: boolean;
  phi: boolean;
  model: string | undefined;
  db: string | undefined;
  settleMs: number | undefined;
  providers: string[] | undefined;
  maxFileBytes: number | undefined;
  /** The DICOM node (watch only), when a --dicom-* or --send-to flag asks for it. */
  network: NetworkSettingsInput | undefined;
}

function parseMaxFile(text: string | undefined): number | undefined {
  try {
    return parseMaxFileMb(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parse(args: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        phi: { type: 'boolean', default: false },
        model: { type: 'string' },
        db: { type: 'string' },
        settle: { type: 'string' },
        providers: { type: 'string' },
        'max-file-mb': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        ...NETWORK_FLAG_OPTIONS,
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  setLogLevel(values.verbose ? 'debug' : values.json || values.quiet ? 'error' : 'warn');
  const settleMs = values.settle === undefined ? undefined : Number(values.settle);
  if (settleMs !== undefined && !(settleMs >= 0)) throw new UsageError(`--settle must be a number of milliseconds`);
  return {
    positionals,
    json: values.json,
    phi: values.phi,
    model: values.model,
    db: values.db,
    settleMs,
    providers: values.providers?.split(',').map((p) => p.trim()).filter(Boolean),
    maxFileBytes: parseMaxFile(values['max-file-mb']),
    network: parseNetworkFlags(values),
  };
}

function parseNetworkFlags(values: Parameters<typeof networkSettingsFromFlags>[0]): NetworkSettingsInput | undefined {
  try {
    return networkSettingsFromFlags(values);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
