import { z } from 'zod';

/**
 * The DICOM node's settings: our own Application Entity (where the C-STORE SCP listens and who may
 * call it) and the remote nodes results are sent to. One zod schema with every default here; the
 * settings store mounts it as its `network` section (contract/settings.ts), the CLI fills it from
 * flags. Pure zod (no Node API) since the renderer's settings screen uses it too.
 */

/** An IPv4 or IPv6 address, as zod checks it (no host names: the allow-list compares peer addresses). */
const ipAddress = (what: string) => z.union([z.ipv4(), z.ipv6()], { error: `${what} must be an IP address` });

/** AE titles are 1–16 characters of the default repertoire, no backslash, not all spaces (PS3.5 6.2). */
export const AeTitleSchema = z
  .string()
  .max(16, 'an AE title has at most 16 characters')
  .regex(/^[\x20-\x5b\x5d-\x7e]+$/, 'an AE title uses printable ASCII without backslash')
  .refine((title) => title.trim().length > 0, 'an AE title cannot be empty or only spaces')
  .transform((title) => title.trim());

const hostSchema = z.string().min(1).max(253);
const portSchema = z.int().min(1).max(65535);
/** Our listening port; 0 asks the system for a free one (tests, several instances on one machine). */
const listenPortSchema = z.int().min(0).max(65535);

export const DestinationSchema = z.object({
  /** What the user calls it ("PACS"), unique among destinations. */
  name: z.string().min(1).max(64),
  aeTitle: AeTitleSchema,
  host: hostSchema,
  port: portSchema,
});
export type Destination = z.infer<typeof DestinationSchema>;

/** The fields, each with its default (the settings store's `network` section; patches take them partially). */
export const NetworkSettingsFields = z.strictObject({
    /** Whether the C-STORE SCP runs at all. */
    scpEnabled: z.boolean().default(false),
    /** Our called AE title; associations addressed to another title are refused. */
    aeTitle: AeTitleSchema.default('ICHTRIAGE'),
    port: listenPortSchema.default(11112),
    /** Interface to listen on; anything but loopback exposes the node to the network (the UI warns). */
    bindAddress: ipAddress('the bind address').default('127.0.0.1'),
    /** When non-empty, only these calling AE titles may associate. */
    allowedCallingAeTitles: z.array(AeTitleSchema).default([]),
    /** When non-empty, only these peer IP addresses may connect. */
    allowedHosts: z.array(ipAddress('an allowed host')).default([]),
    /** Associations served at once; more are refused (transient, local limit exceeded) so memory stays bounded. */
    maxAssociations: z.int().min(1).max(256).default(32),
    /** Where results (SR + key images) can be sent. */
    destinations: z.array(DestinationSchema).default([]),
    /** Name of the destination flagged studies are sent to automatically once triaged; null: on demand only. */
    autoSendFlaggedTo: z.string().nullable().default(null),
});

/** Rules across fields: destination names are unique, and the automatic destination is one of them. */
export function checkNetworkSettings(settings: z.output<typeof NetworkSettingsFields>, context: z.RefinementCtx, path: string[] = []): void {
  const names = settings.destinations.map((d) => d.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) context.addIssue({ code: 'custom', path: [...path, 'destinations'], message: `destination name "${duplicate}" is used twice` });
  if (settings.autoSendFlaggedTo !== null && !names.includes(settings.autoSendFlaggedTo)) {
    context.addIssue({ code: 'custom', path: [...path, 'autoSendFlaggedTo'], message: `no destination is named "${settings.autoSendFlaggedTo}"` });
  }
}

export const NetworkSettingsSchema = NetworkSettingsFields.superRefine((settings, context) => checkNetworkSettings(settings, context));

export type NetworkSettings = z.output<typeof NetworkSettingsSchema>;
export type NetworkSettingsInput = z.input<typeof NetworkSettingsSchema>;

export const DEFAULT_NETWORK_SETTINGS: NetworkSettings = NetworkSettingsSchema.parse({});

/** Settings from any source (store, flags), or an Error naming the first field that is wrong. */
export function parseNetworkSettings(input: unknown): NetworkSettings {
  const result = NetworkSettingsSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new Error(`Invalid network settings: ${issue.path.join('.') || 'settings'}: ${issue.message}`);
}

/** Loopback only (127.0.0.0/8 or ::1): anything else lets other machines reach the SCP. */
export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || address === '::ffff:127.0.0.1';
}

/** "DESTINATION AE@host:port", as the CLI takes it: `--send-to PACS=ORTHANC@10.0.0.5:4242`. */
export function parseDestination(text: string): Destination {
  const match = /^([^=]+)=([^@]+)@(.+):(\d+)$/.exec(text);
  if (!match) throw new Error(`a destination is NAME=AE_TITLE@HOST:PORT, got "${text}"`);
  const result = DestinationSchema.safeParse({ name: match[1], aeTitle: match[2], host: match[3], port: Number(match[4]) });
  if (!result.success) throw new Error(`destination "${text}": ${result.error.issues[0]!.message}`);
  return result.data;
}
