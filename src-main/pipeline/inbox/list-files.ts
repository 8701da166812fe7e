import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Names that are never DICOM we should read: hidden files and files still being copied. */
export function isIgnoredName(filePath: string): boolean {
  const name = path.basename(filePath);
  return name.startsWith('.') || /\.(part|partial|tmp|crdownload|download)$/i.test(name) || /^(thumbs\.db|desktop\.ini)$/i.test(name);
}

/** Files under the given paths (folders recursively), sorted, without ignored names. */
export async function listFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  const visit = async (p: string): Promise<void> => {
    const info = await stat(p);
    if (info.isDirectory()) {
      const entries = await readdir(p);
      for (const entry of entries.sort()) {
        if (!isIgnoredName(entry)) await visit(path.join(p, entry));
      }
    } else if (info.isFile()) {
      files.push(path.resolve(p));
    }
  };
  for (const p of paths) {
    try {
      await visit(p);
    } catch (error) {
      throw new Error(`Cannot read ${p}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return files;
}
