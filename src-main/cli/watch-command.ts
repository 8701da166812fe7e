import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startEngine } from '../app/engine.js';
import { UsageError, type Io, type ParsedArgs } from './command.js';

/** Runs the engine as a service on an inbox until SIGINT/SIGTERM; progress (no patient data) on stderr. */
export async function runWatch(args: ParsedArgs, io: Io): Promise<number> {
  const [inbox] = args.positionals;
  if (!inbox || args.positionals.length > 1) throw new UsageError('watch needs exactly one inbox folder');
  const dbPath = args.db ?? path.join(path.dirname(path.resolve(inbox)), 'ichtriage.sqlite');
  mkdirSync(inbox, { recursive: true });
  const engine = await startEngine({
    dbPath,
    inbox,
    ...(args.model ? { modelDir: args.model } : {}),
    ...(args.providers ? { providers: args.providers } : {}),
    ...(args.maxFileBytes ? { maxFileBytes: args.maxFileBytes } : {}),
    ...(args.settleMs !== undefined ? { settleMs: args.settleMs } : {}),
    ...(args.network ? { network: args.network } : {}),
  });
  if (engine.network?.scpPort != null) io.stderr(`ichtriage: receiving DICOM as ${engine.network.settings.aeTitle} on ${engine.network.settings.bindAddress}:${engine.network.scpPort}\n`);
  io.stderr(`ichtriage: watching ${path.resolve(inbox)} with ${engine.card.name} ${engine.card.version} on ${engine.provider}; database ${dbPath}\n`);
  engine.api.subscribe((event) => {
    if (event.type === 'study-updated') {
      const s = event.study;
      const score = s.scores ? ` any=${s.scores.any.toFixed(3)}${s.flagged ? ' CRITICAL' : ''}` : '';
      io.stderr(`study ${s.studyInstanceUid}: ${s.state}, ${s.sliceCount} slices${score}\n`);
    } else if (event.type === 'file-rejected') {
      io.stderr(`rejected ${event.path}: ${event.reason}\n`);
    }
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.stderr('ichtriage: stopping\n');
  await engine.close();
  return 0;
}
