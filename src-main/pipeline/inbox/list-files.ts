import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { log } from '../../log.js';

/** Names that are never DICOM we should read: hidden files and files still being copied. */
export function isIgnoredName(filePath: string): boolean {
  const name = path.basename(filePath);
  return name.startsWith('.') || /\.(part|partial|tmp|crdownload|download)$/i.test(name) || /^(thumbs\.db|desktop\.ini)$/i.test(name);
}

/**
 * Everything but folders under the given paths, sorted, without ignored names. The paths named
 * here are resolved (the caller chose them); inside them nothing is followed: a symbolic link, pipe
 * or device is listed as itself so the pipeline can record why it is skipped, and a link loop or a
 * dangling link cannot break the listing. A subfolder that cannot be read is logged and skipped.
 */
export async function listFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  const visit = async (p: string): Promise<void> => {
    const info = await lstat(p);
    if (!info.isDirectory()) {
      files.push(p);
      return;
    }
    let entries: string[];
    try {
      entries = await readdir(p);
    } catch (error) {
      log.warn(`cannot list folder ${path.basename(p)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      return;
    }
    for (const entry of entries.sort()) {
      if (isIgnoredName(entry)) continue;
      try {
        await visit(path.join(p, entry));
      } catch {
        // Gone between readdir and lstat: nothing to list.
      }
    }
  };
  for (const p of paths) {
    let root: string;
    try {
      root = await realpath(p);
    } catch (error) {
      throw new Error(`Cannot read ${p}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    await visit(root);
  }
  return files;
}
