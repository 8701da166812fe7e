import { execFileSync } from 'node:child_process';
import { mkdtemp, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  remountReadOnly(): void;
  unmount(): Promise<void>;
}

/**
 * A small real tmpfs (a real full disk, a real read-only file system) when this process may mount
 * one (root, as in CI); null otherwise, so the caller can say what it did instead.
 */
export async function mountTmpfs(sizeBytes: number): Promise<Tmpfs | null> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    await rmdir(dir);
    return null;
  }
  return {
    dir,
    remountReadOnly: () => execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' }),
    unmount: async () => {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      await rmdir(dir);
    },
  };
}
