import { parseDestination, parseNetworkSettings, type NetworkSettingsInput } from '../contract/network-settings.js';

/**
 * The DICOM node's command-line flags, shared by `npm start` and `ichtriage watch` (parseArgs
 * option specs and their meaning). For `npm start` they override the settings' `network` section
 * for one run, as the other launch flags do; `ichtriage watch` has no settings file.
 */
export const NETWORK_FLAG_OPTIONS = {
  'dicom-port': { type: 'string' },
  'ae-title': { type: 'string' },
  'dicom-bind': { type: 'string' },
  'allow-ae': { type: 'string', multiple: true },
  'allow-host': { type: 'string', multiple: true },
  'send-to': { type: 'string', multiple: true },
  'auto-send': { type: 'string' },
} as const;

export const NETWORK_FLAGS_USAGE = `DICOM node:
  --dicom-port N          receive studies by C-STORE on this port (turns the SCP on)
  --ae-title AE           our AE title (default ICHTRIAGE)
  --dicom-bind ADDR       interface to listen on (default 127.0.0.1; anything else is reachable from the network)
  --allow-ae AE           only this calling AE title may send (repeat for more)
  --allow-host IP         only this peer address may connect (repeat for more)
  --send-to NAME=AE@HOST:PORT   a destination for results (SR + key images; repeat for more)
  --auto-send NAME        send flagged studies' results to this destination automatically`;

export interface NetworkFlagValues {
  'dicom-port'?: string | undefined;
  'ae-title'?: string | undefined;
  'dicom-bind'?: string | undefined;
  'allow-ae'?: string[] | undefined;
  'allow-host'?: string[] | undefined;
  'send-to'?: string[] | undefined;
  'auto-send'?: string | undefined;
}

/** The node's settings from flags, or undefined when no flag asks for the node; throws naming the bad flag. */
export function networkSettingsFromFlags(values: NetworkFlagValues): NetworkSettingsInput | undefined {
  const given = Object.keys(NETWORK_FLAG_OPTIONS).some((flag) => values[flag as keyof NetworkFlagValues] !== undefined);
  if (!given) return undefined;
  const port = values['dicom-port'] === undefined ? undefined : Number(values['dicom-port']);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new Error(`--dicom-port must be a port number, got "${values['dicom-port']}"`);
  const input: NetworkSettingsInput = {
    scpEnabled: port !== undefined,
    ...(port !== undefined ? { port } : {}),
    ...(values['ae-title'] !== undefined ? { aeTitle: values['ae-title'] } : {}),
    ...(values['dicom-bind'] !== undefined ? { bindAddress: values['dicom-bind'] } : {}),
    allowedCallingAeTitles: values['allow-ae'] ?? [],
    allowedHosts: values['allow-host'] ?? [],
    destinations: (values['send-to'] ?? []).map(parseDestination),
    autoSendFlaggedTo: values['auto-send'] ?? null,
  };
  parseNetworkSettings(input); // a wrong value is reported now, naming its field, not at engine start
  return input;
}
