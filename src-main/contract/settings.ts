import { z } from 'zod';
import { ICH_CLASSES, type IchClass } from './classes.js';
import { checkNetworkSettings, NetworkSettingsFields } from './network-settings.js';

/**
 * The workstation's settings, one zod schema per section. Pure (zod and the contract only), since
 * the API contract and the renderer's types come from here. Every section is a strict object, so
 * an unknown key is an error, and brings its own defaults: adding a section (e.g. the DICOM network
 * node's `network`) is one line in SETTINGS_SECTIONS.
 */

/** Where the defaults of path settings live; the settings store supplies the platform's path join. */
export interface SettingsContext {
  /** The user data folder (ICHTRIAGE_HOME, else the platform's per-user data folder). */
  home: string;
  /** The bundled model's folder. */
  bundledModelDir: string;
  join(...parts: string[]): string;
}

interface Section<S extends z.ZodObject> {
  schema: S;
  defaults(context: SettingsContext): z.output<S>;
}

function section<S extends z.ZodObject>(schema: S, defaults: (context: SettingsContext) => NoInfer<z.output<S>>): Section<S> {
  return { schema, defaults };
}

/** Execution providers onnxruntime-node can be asked for; cpu is always tried last anyway. */
export const EXECUTION_PROVIDERS = ['cuda', 'dml', 'webgpu', 'coreml', 'cpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

const folder = z.string().trim().min(1, 'a folder is required');

export const SETTINGS_SECTIONS = {
  intake: section(
    z.strictObject({
      /** The watched folder; dropped and opened files are copied into it. */
      inbox: folder,
      /** A series is complete after this long without a new slice. */
      settleMs: z.int().min(0).max(600_000),
    }),
    ({ home, join }) => ({ inbox: join(home, 'inbox'), settleMs: 3000 }),
  ),
  storage: section(z.strictObject({ database: z.string().trim().min(1, 'a file is required') }), ({ home, join }) => ({ database: join(home, 'ichtriage.sqlite') })),
  model: section(
    z.strictObject({
      folder,
      /** Tried in this order before cpu. */
      providers: z.array(z.enum(EXECUTION_PROVIDERS)).refine((list) => new Set(list).size === list.length, 'a provider is listed twice'),
    }),
    ({ bundledModelDir }) => ({ folder: bundledModelDir, providers: ['cuda', 'dml', 'webgpu', 'coreml'] as ExecutionProvider[] }),
  ),
  notifications: section(
    z.strictObject({
      enabled: z.boolean(),
      /** A flagged study notifies when one of its flagged classes is one of these. */
      criticalClasses: z.array(z.enum(ICH_CLASSES)),
      /** Off by default: a notification can be seen by anyone passing the screen. */
      showPatientNames: z.boolean(),
    }),
    () => ({ enabled: true, criticalClasses: ['any'] as IchClass[], showPatientNames: false }),
  ),
  audit: section(
    z.strictObject({
      /** Who the audit trail names; empty: the operating-system user. */
      readerName: z.string().trim().max(200),
    }),
    () => ({ readerName: '' }),
  ),
  /** The DICOM node (contract/network-settings.ts): our AE, who may call it, where results go. */
  network: section(NetworkSettingsFields, () => NetworkSettingsFields.parse({})),
};

type Sections = typeof SETTINGS_SECTIONS;
export type SettingsSection = keyof Sections;
export type Settings = { [K in SettingsSection]: z.output<Sections[K]['schema']> };
/** What updateSettings and the settings file carry: any sections, any of their fields. */
export type SettingsPatch = { [K in SettingsSection]?: Partial<Settings[K]> };

const sectionNames = Object.keys(SETTINGS_SECTIONS) as SettingsSection[];

function mapSections<T>(make: <K extends SettingsSection>(name: K) => T): Record<SettingsSection, T> {
  return Object.fromEntries(sectionNames.map((name) => [name, make(name)])) as Record<SettingsSection, T>;
}

/** A complete, valid settings object. */
export const settingsSchema = z
  .strictObject(mapSections((name) => SETTINGS_SECTIONS[name].schema))
  .superRefine((settings, context) => checkNetworkSettings((settings as unknown as Settings).network, context, ['network'])) as unknown as z.ZodType<Settings>;

/** A patch: unknown sections and unknown fields are errors, every field is optional. */
export const settingsPatchSchema = z.strictObject(mapSections((name) => SETTINGS_SECTIONS[name].schema.partial().optional())) as unknown as z.ZodType<SettingsPatch>;

export function defaultSettings(context: SettingsContext): Settings {
  return mapSections((name) => SETTINGS_SECTIONS[name].defaults(context)) as Settings;
}

/** The patch applied over the settings (section by section, field by field); not yet validated. */
export function mergeSettings(settings: Settings, patch: SettingsPatch): Settings {
  return mapSections((name) => ({ ...settings[name], ...patch[name] })) as Settings;
}

/** Two patches as one, the second winning field by field. */
export function mergePatches(first: SettingsPatch, second: SettingsPatch): SettingsPatch {
  const merged: Record<string, object> = {};
  for (const name of sectionNames) {
    if (first[name] || second[name]) merged[name] = { ...first[name], ...second[name] };
  }
  return merged as SettingsPatch;
}

/** The fields whose value differs, as "section.field". */
export function changedFields(before: Settings, after: Settings): string[] {
  return sectionNames.flatMap((name) =>
    Object.keys(after[name])
      .filter((field) => JSON.stringify((before[name] as Record<string, unknown>)[field]) !== JSON.stringify((after[name] as Record<string, unknown>)[field]))
      .map((field) => `${name}.${field}`),
  );
}
