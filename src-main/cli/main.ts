import { parseArgs } from 'node:util';
import { parseMaxFileMb, parseMilliseconds, parseProviders } from '../app/option-values.js';
import { UsageError, type Io, type ParsedArgs } from './command.js';
import { escapeControlCharacters, setLogLevel } from '../log.js';
import { NETWORK_FLAG_OPTIONS, NETWORK_FLAGS_USAGE, networkSettingsFromFlags } from '../network/network-flags.js';
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


const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs one command; returns the exit code. Errors are one clear line, never a stack trace. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // `ichtriage triage --help` asks for the usage, as the usage itself says (evaluate has its own).
    const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    if (command !== 'evaluate' && options.some((arg) => arg === '--help' || arg === '-h')) {
      io.stdout(USAGE + '\n');
      return 0;
    }
    switch (command) {
      case 'triage':
        return await runTriage(parse(rest), io);
      case 'watch':
        return await runWatch(parse(rest), io);
      case 'info':
        return await runInfo(parse(rest), io);
      case 'evaluate': {
        const { runEvaluate } = await import('./evaluate-command.js');
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

/** An option value that does not parse is a usage error (exit code 2). */
function usage<T>(read: () => T): T {
  try {
    return read();
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
  return {
    positionals,
    json: values.json,
    phi: values.phi,
    model: values.model,
    db: values.db,
    settleMs: values.settle === undefined ? undefined : usage(() => parseMilliseconds('--settle', values.settle!)),
    providers: values.providers === undefined ? undefined : parseProviders(values.providers),
    maxFileBytes: values['max-file-mb'] === undefined ? undefined : usage(() => parseMaxFileMb(values['max-file-mb']!)),
    network: usage(() => networkSettingsFromFlags(values)),
  };
}
