import { createHash } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RejectionCode } from '../../contract/warnings.js';

/** Unreadable files are copied (never moved: the inbox belongs to the user) with a reason beside them. */
export async function quarantineFile(filePath: string, quarantineDir: string, code: RejectionCode, reason: string): Promise<string> {
  await mkdir(quarantineDir, { recursive: true });
  const tag = createHash('sha1').update(filePath).digest('hex').slice(0, 10);
  const target = path.join(quarantineDir, `${tag}-${path.basename(filePath)}`);
  await copyFile(filePath, target);
  await writeFile(
    `${target}.reason.json`,
    JSON.stringify({ source: filePath, code, reason, quarantinedAt: new Date().toISOString() }, null, 2) + '\n',
  );
  return target;
}

/** Rejections that mean the file cannot be read at all (as opposed to valid DICOM that is not for us). */
export const UNREADABLE_CODES: readonly RejectionCode[] = ['NOT_DICOM', 'TRUNCATED', 'DECODE_FAILED', 'UNSUPPORTED_TRANSFER_SYNTAX', 'NO_PIXEL_DATA'];
