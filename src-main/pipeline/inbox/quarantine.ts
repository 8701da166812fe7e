import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RejectionCode } from '../../contract/warnings.js';

export interface QuarantineRecord {
  code: RejectionCode;
  reason: string;
  /** How the file is named in the reason file: the inbox-relative path, never more. */
  displayPath: string;
  /** Larger files are recorded by reference (the reason file only), never copied. */
  copyMaxBytes: number;
}

/** Well under the 255-byte file-name limit of common file systems, leaving room for the tag and suffixes. */
const MAX_NAME_BYTES = 120;

/**
 * Unreadable files are copied (never moved: the inbox belongs to the user) with a reason file
 * beside them; above `copyMaxBytes` only the reason file is written, naming the file by reference.
 * Both are written under a temporary name and renamed, so a full disk leaves no empty or partial
 * reason file. Returns the copy's path, or the reason file's when the file was not copied.
 * The source is opened without following links, so nothing outside the inbox is ever copied.
 */
export async function quarantineFile(filePath: string, quarantineDir: string, record: QuarantineRecord): Promise<string> {
  await mkdir(quarantineDir, { recursive: true });
  const tag = createHash('sha1').update(filePath).digest('hex').slice(0, 10);
  const target = path.join(quarantineDir, `${tag}-${safeFileName(path.basename(filePath))}`);
  const reasonPath = `${target}.reason.json`;
  const written: string[] = [];
  try {
    const copied = await copyIfSmall(filePath, target, record.copyMaxBytes, written);
    const reason = {
      source: record.displayPath,
      code: record.code,
      reason: record.reason,
      copied: copied.copied,
      size: copied.size,
      ...(copied.copied ? {} : { note: copied.why }),
      quarantinedAt: new Date().toISOString(),
    };
    await writeAtomically(reasonPath, JSON.stringify(reason, null, 2) + '\n', written);
    return copied.copied ? target : reasonPath;
  } catch (error) {
    await Promise.all(written.map((file) => rm(file, { force: true })));
    throw error;
  }
}

async function copyIfSmall(
  source: string,
  target: string,
  copyMaxBytes: number,
  written: string[],
): Promise<{ copied: true; size: number } | { copied: false; size: number | null; why: string }> {
  let handle;
  try {
    handle = await open(source, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { copied: false, size: null, why: `not copied: cannot open (${(error as NodeJS.ErrnoException).code})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { copied: false, size: null, why: 'not copied: not a regular file' };
    if (info.size > copyMaxBytes) return { copied: false, size: info.size, why: `not copied: larger than ${copyMaxBytes} bytes; the original stays in the inbox` };
    await writeAtomically(target, await handle.readFile(), written);
    return { copied: true, size: info.size };
  } finally {
    await handle.close();
  }
}

async function writeAtomically(target: string, data: string | Uint8Array, written: string[]): Promise<void> {
  const partial = `${target}.partial`;
  written.push(partial);
  await writeFile(partial, data, { flag: 'w' });
  await rename(partial, target);
  written.push(target);
}

/** Control characters and path separators out, and the name cut (on a character boundary) to fit. */
export function safeFileName(name: string): string {
  let safe = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029/\\]/g, '_');
  while (Buffer.byteLength(safe) > MAX_NAME_BYTES) safe = [...safe].slice(0, -1).join('');
  return safe || 'unnamed';
}

/** Rejections that mean the file cannot be read at all (as opposed to valid DICOM that is not for us). */
export const UNREADABLE_CODES: readonly RejectionCode[] = ['NOT_DICOM', 'TRUNCATED', 'DECODE_FAILED', 'UNSUPPORTED_TRANSFER_SYNTAX', 'NO_PIXEL_DATA', 'TOO_LARGE', 'ANALYSIS_FAILED'];
