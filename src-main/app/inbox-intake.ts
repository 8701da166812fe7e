import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InboxCopyResult } from '../contract/dto.js';
import { ApiError } from '../contract/errors.js';
import { listFiles } from '../pipeline/inbox/index.js';

/**
 * Files dropped on the window or chosen with "Open files…" are copied into the inbox, never moved:
 * the originals stay untouched, and the watcher picks the copies up like any other arrival. Each copy
 * is written under a hidden name (which the watcher ignores) and then published with link(), which
 * fails rather than overwrite a file already there.
 */

/** "CQ500-CT-0/CT 4cc sec 150cc D3D on/CT000001.dcm" as safe path segments inside the inbox, or an error. */
export function inboxRelativePath(relativePath: string): string[] {
  const segments = relativePath.split(/[\\/]+/).filter((segment) => segment !== '' && segment !== '.');
  if (segments.length === 0) throw new ApiError('INVALID_ARGUMENT', 'The file needs a name.');
  for (const segment of segments) {
    // Never climb out of the inbox, nor write a name the watcher would skip or a drive letter.
    if (segment === '..' || segment.startsWith('.') || /[\u0000-\u001f:]/.test(segment)) {
      throw new ApiError('INVALID_ARGUMENT', `"${relativePath}" cannot be copied into the inbox: "${segment}" is not allowed in a file name there.`);
    }
  }
  return segments;
}

/** Writes `content` to <inbox>/<relativePath>; an identical file already there is left alone, a different one gets a numbered name. */
export async function writeIntoInbox(inbox: string, relativePath: string, content: Buffer): Promise<InboxCopyResult> {
  const segments = inboxRelativePath(relativePath);
  const folder = path.join(inbox, ...segments.slice(0, -1));
  await mkdir(folder, { recursive: true });
  const name = segments[segments.length - 1]!;
  const staging = path.join(folder, `.ichtriage-${randomBytes(6).toString('hex')}.part`);
  await writeFile(staging, content, { flag: 'wx' });
  try {
    const { name: stem, ext } = path.parse(name);
    for (let copy = 0; copy < 1000; copy++) {
      const candidate = copy === 0 ? name : `${stem} (${copy})${ext}`;
      const target = path.join(folder, candidate);
      if (await sameContent(target, content)) return { path: path.relative(inbox, target), written: false };
      try {
        await link(staging, target);
        return { path: path.relative(inbox, target), written: true };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    throw new ApiError('INVALID_ARGUMENT', `The inbox already holds 1000 different files named ${name}.`);
  } finally {
    await rm(staging, { force: true });
  }
}

async function sameContent(file: string, content: Buffer): Promise<boolean> {
  try {
    const info = await lstat(file);
    return info.isFile() && info.size === content.length && content.equals(await readFile(file));
  } catch {
    return false;
  }
}

/**
 * Copies files and whole folders (chosen in the Electron "Open files…" dialog) into the inbox, each
 * folder under its own name, reporting progress per file. Copying reads the originals only.
 */
export async function copyIntoInbox(inbox: string, sources: string[], onProgress: (done: number, total: number) => void): Promise<InboxCopyResult[]> {
  const plan: { source: string; relativePath: string }[] = [];
  for (const source of sources) {
    const base = path.dirname(path.resolve(source));
    for (const file of await listFiles([source])) plan.push({ source: file, relativePath: path.relative(base, file) });
  }
  const results: InboxCopyResult[] = [];
  onProgress(0, plan.length);
  for (const [index, item] of plan.entries()) {
    const info = await lstat(item.source);
    // Links, pipes and devices are not copied: the inbox would only record them as skipped.
    if (info.isFile()) results.push(await writeIntoInbox(inbox, item.relativePath, await readFile(item.source)));
    onProgress(index + 1, plan.length);
  }
  return results;
}
