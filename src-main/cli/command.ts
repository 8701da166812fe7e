import type { NetworkSettingsInput } from '../contract/network-settings.js';

/** What every `ichtriage` command shares: its output streams, its parsed options, its usage error. */

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface ParsedArgs {
  positionals: string[];
  json: boolean;
  phi: boolean;
  model: string | undefined;
  db: string | undefined;
  settleMs: number | undefined;
  providers: string[] | undefined;
  maxFileBytes: number | undefined;
  /** The DICOM node (watch only), when a --dicom-* or --send-to flag asks for it. */
  network: NetworkSettingsInput | undefined;
}
