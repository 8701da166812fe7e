/**
 * Option values shared by `npm start`, `ichtriage` and `ichtriage evaluate` (each parses its flags
 * with node:util parseArgs): one reading and one error message per kind of value.
 */

/** "cuda, webgpu" -> ['cuda', 'webgpu']. */
export function parseProviders(text: string): string[] {
  return text.split(',').map((p) => p.trim()).filter(Boolean);
}

/** A non-negative number of milliseconds, e.g. --settle. */
export function parseMilliseconds(flag: string, text: string): number {
  const ms = Number(text);
  if (!(ms >= 0) || !Number.isFinite(ms)) throw new Error(`${flag} must be a number of milliseconds, got "${text}"`);
  return ms;
}

/** "--max-file-mb 512" as bytes. */
export function parseMaxFileMb(text: string): number {
  const mb = Number(text);
  if (!(mb > 0) || !Number.isFinite(mb)) throw new Error(`--max-file-mb must be a positive number of megabytes, got "${text}"`);
  return Math.round(mb * 1024 * 1024);
}
