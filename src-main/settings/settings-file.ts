import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defaultSettings, mergeSettings, settingsPatchSchema, settingsSchema, type Settings, type SettingsContext, type SettingsPatch } from '../contract/settings.js';

export class SettingsFileError extends Error {
  override name = 'SettingsFileError';
}

export const SETTINGS_FILE_NAME = 'settings.json';

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'settings'}: ${issue.message}`).join('; ');
}

/** The settings in force: the defaults with what <home>/settings.json holds over them. */
export async function readSettingsFile(context: SettingsContext): Promise<Settings> {
  const file = path.join(context.home, SETTINGS_FILE_NAME);
  return validateSettings(mergeSettings(defaultSettings(context), await readSavedSettings(context.home)), file);
}

/**
 * What <home>/settings.json holds: only the settings the user changed, so that a default (such as
 * the bundled model's folder) follows the installed version. A file without a newer section still
 * loads. A file that is not JSON, names an unknown section or field, or holds an invalid value is
 * refused with the file and the field named: silently resetting a clinician's inbox or model would
 * be worse than not starting.
 */
export async function readSavedSettings(home: string): Promise<SettingsPatch> {
  const file = path.join(home, SETTINGS_FILE_NAME);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SettingsFileError(`Settings file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch (error) {
    throw new SettingsFileError(`Settings file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const patch = settingsPatchSchema.safeParse(stored);
  if (!patch.success) throw new SettingsFileError(`Settings file ${file}: ${describe(patch.error)}`);
  return patch.data;
}

export function validateSettings(settings: Settings, where = 'settings'): Settings {
  const result = settingsSchema.safeParse(settings);
  if (!result.success) throw new SettingsFileError(`${where}: ${describe(result.error)}`);
  return result.data;
}

/** Written whole to a temporary file and renamed over the old one, so a crash never leaves half a file. */
export async function writeSettingsFile(home: string, settings: SettingsPatch): Promise<void> {
  await mkdir(home, { recursive: true });
  const file = path.join(home, SETTINGS_FILE_NAME);
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
