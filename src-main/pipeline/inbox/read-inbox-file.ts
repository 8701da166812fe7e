import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { RejectionCode } from '../../contract/warnings.js';

/** Default largest file read from the inbox: far above any CT slice (a 512² slice is ~0.5 MB). */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;

export type InboxRead = { ok: true; bytes: Uint8Array } | { ok: false; code: RejectionCode; reason: string };

/**
 * Reads one inbox file the way the inbox is a jail: a symbolic link is refused rather than
 * followed (O_NOFOLLOW, so a link swapped in after listing is refused too), a named pipe or device
 * is refused without blocking (O_NONBLOCK), and the size is checked on the open descriptor before a
 * byte is read.
 */
export async function readInboxFile(filePath: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<InboxRead> {
  let handle;
  try {
    handle = await open(filePath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return openFailure(error as NodeJS.ErrnoException);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, code: 'NOT_REGULAR_FILE', reason: notRegularFileReason(describeFileType(info)) };
    if (info.size > maxBytes) {
      return { ok: false, code: 'TOO_LARGE', reason: `${formatBytes(info.size)}, above the ${formatBytes(maxBytes)} limit for one file: not read` };
    }
    return { ok: true, bytes: await readCheckedSize(handle, info.size) };
  } catch (error) {
    return { ok: false, code: 'UNREADABLE', reason: `cannot read file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  } finally {
    await handle.close();
  }
}

/**
 * The `size` bytes just checked, by positioned reads, rather than `readFile`'s read-until-EOF: a file
 * that grows after the check cannot pass the size limit, and a 512² slice is read in 0.21 ms instead
 * of 0.28 ms (CQ500-CT-0 uncompressed, side by side). A file that shrank since is returned as far as
 * it goes.
 */
async function readCheckedSize(handle: FileHandle, size: number): Promise<Uint8Array> {
  // Never from Node's shared pool, so the pixel data keeps the alignment the decoder's views expect.
  const bytes = Buffer.allocUnsafeSlow(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return bytes.subarray(0, filled);
}

function openFailure(error: NodeJS.ErrnoException): InboxRead {
  // O_NOFOLLOW on a symbolic link fails with ELOOP.
  if (error.code === 'ELOOP') return { ok: false, code: 'NOT_REGULAR_FILE', reason: notRegularFileReason('symbolic link') };
  return { ok: false, code: 'UNREADABLE', reason: `cannot open file (${error.code ?? error.message})` };
}

export function describeFileType(info: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isDirectory(): boolean }): string {
  if (info.isSymbolicLink()) return 'symbolic link';
  if (info.isFIFO()) return 'named pipe';
  if (info.isSocket()) return 'socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'device';
  if (info.isDirectory()) return 'folder';
  return 'special file';
}

export function notRegularFileReason(kind: string): string {
  return `${kind}, not a regular file: skipped (links are never followed: the inbox is a jail)`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${bytes} bytes`;
}
