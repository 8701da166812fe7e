import chokidar, { type FSWatcher } from 'chokidar';
import path from 'node:path';
import { log } from '../../log.js';
import { isIgnoredName } from './list-files.js';

export interface InboxWatcher {
  /** Resolves once the existing contents have been reported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Reports files in the inbox (nested folders too) once their size has stopped changing, both the
 * ones present at start (so work resumes after a restart) and new ones. Never writes to the inbox.
 * Links are reported as themselves, never followed (the inbox is a jail; a loop cannot recurse),
 * and a watch error is logged, never fatal: the periodic rescan still finds every file.
 */
export function watchInbox(inbox: string, onFile: (filePath: string) => void, stabilityMs = 150): InboxWatcher {
  const watcher: FSWatcher = chokidar.watch(path.resolve(inbox), {
    ignored: (p: string) => isIgnoredName(p) && path.resolve(p) !== path.resolve(inbox),
    ignoreInitial: false,
    persistent: true,
    followSymlinks: false,
    awaitWriteFinish: { stabilityThreshold: stabilityMs, pollInterval: Math.max(25, Math.round(stabilityMs / 3)) },
  });
  watcher.on('add', (p: string) => onFile(path.resolve(p)));
  watcher.on('change', (p: string) => onFile(path.resolve(p)));
  watcher.on('error', (error: unknown) => log.warn(`inbox watch error (the periodic rescan covers it): ${(error as Error).message ?? String(error)}`));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}
