import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { log } from '../log.js';
import { findBundledModel } from '../pipeline/infer/detector.js';
import { startHttpServer } from '../transport/http/server.js';
import { startFileLog } from './file-log.js';
import { LAUNCH_USAGE, parseLaunchOptions } from './launch-options.js';
import { ensureRendererBuilt, REPO_ROOT } from './renderer-build.js';
import { Workstation } from './workstation.js';

/**
 * Browser mode (no Electron): the workstation (engine watching the inbox, settings, audit), and the
 * renderer plus API on http://127.0.0.1:<port>. The printed URL carries the per-launch token in its
 * fragment; opening the page without it shows what to do.
 */
export async function runBrowserMode(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(LAUNCH_USAGE + '\n');
    return 0;
  }
  const options = parseLaunchOptions(argv);
  const fileLog = startFileLog(path.join(options.home, 'logs'));
  const staticDir = await ensureRendererBuilt();
  const workstation = await Workstation.start({
    home: options.home,
    bundledModelDir: findBundledModel(path.join(REPO_ROOT, 'models')),
    overrides: options.overrides,
    engine: options.engine,
    openFolder: async (folder) => openWithPlatform(folder),
    logFolder: fileLog.folder,
  });
  const server = await startHttpServer({ api: workstation.api, staticDir, port: options.port });
  const { engine } = workstation;

  process.stdout.write(`ichtriage: inbox ${workstation.settings.intake.inbox}\n`);
  process.stdout.write(`ichtriage: model ${engine.card.name} v${engine.card.version} on ${engine.provider}\n`);
  process.stdout.write(`ichtriage: open ${server.launchUrl}\n`);
  if (options.open) openWithPlatform(server.launchUrl);

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('shutting down');
  await server.close();
  await workstation.close();
  await fileLog.close();
  return 0;
}

/** A URL in the browser, a folder in the file manager. */
function openWithPlatform(target: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [target], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stdout.write(`ichtriage: could not open ${target}; open it yourself.\n`));
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
