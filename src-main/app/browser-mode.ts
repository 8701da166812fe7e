import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { log } from '../log.js';
import { startHttpServer } from '../transport/http/server.js';
import { startEngine } from './engine.js';
import { LAUNCH_USAGE, parseLaunchOptions } from './launch-options.js';
import { ensureRendererBuilt } from './renderer-build.js';

/**
 * Browser mode (no Electron): the engine watching the inbox, and the renderer plus API on
 * http://127.0.0.1:<port>. The printed URL carries the per-launch token in its fragment; opening the
 * page without it shows what to do.
 */
export async function runBrowserMode(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(LAUNCH_USAGE + '\n');
    return 0;
  }
  const options = parseLaunchOptions(argv);
  await mkdir(options.engine.inbox, { recursive: true });
  await mkdir(path.dirname(options.engine.dbPath), { recursive: true });
  const staticDir = await ensureRendererBuilt();
  const engine = await startEngine(options.engine);
  const server = await startHttpServer({ api: engine.api, staticDir, port: options.port });

  process.stdout.write(`ichtriage: inbox ${options.engine.inbox}\n`);
  process.stdout.write(`ichtriage: model ${engine.card.name} v${engine.card.version} on ${engine.provider}\n`);
  process.stdout.write(`ichtriage: open ${server.launchUrl}\n`);
  if (options.open) openInBrowser(server.launchUrl);

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('shutting down');
  await server.close();
  await engine.close();
  return 0;
}

function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stdout.write('ichtriage: could not open a browser; open the URL above yourself.\n'));
  child.unref();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runBrowserMode(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`ichtriage: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
