import path from 'node:path';
import { log } from '../log.js';
import type { TriagePipeline } from '../pipeline/compose.js';
import type { ModelCard } from '../pipeline/infer/model-card.js';
import type { TriageService } from '../services/triage-service.js';
import type { TriageStore } from '../store/triage-store.js';
import { StorageScp } from './scp/storage-scp.js';
import { isLoopbackAddress, parseNetworkSettings, type NetworkSettings, type NetworkSettingsInput } from './settings.js';

/** Received instances go here, inside the watched inbox, so a restart finds them like any other file. */
export const RECEIVED_FOLDER = 'dicom-received';

export interface NetworkNodeDependencies {
  /** The watched inbox; the SCP needs one to write into. */
  inbox: string | null;
  pipeline: TriagePipeline;
  store: TriageStore;
  service: TriageService;
  card: ModelCard;
}

export interface NetworkNode {
  readonly settings: NetworkSettings;
  /** The port the C-STORE SCP listens on, or null when it is off. */
  readonly scpPort: number | null;
  close(): Promise<void>;
}

/** The DICOM node of the engine: the C-STORE SCP feeding the pipeline. */
export async function startNetworkNode(input: NetworkSettingsInput, deps: NetworkNodeDependencies): Promise<NetworkNode> {
  const settings = parseNetworkSettings(input);
  let scp: StorageScp | null = null;
  let scpPort: number | null = null;
  if (settings.scpEnabled) {
    if (!deps.inbox) throw new Error('The DICOM C-STORE SCP needs an inbox folder to receive into');
    if (!isLoopbackAddress(settings.bindAddress)) {
      log.warn(`the DICOM SCP listens on ${settings.bindAddress}, reachable from other machines: restrict it with an allow-list of AE titles and hosts`);
    }
    scp = new StorageScp({
      settings,
      intakeDir: path.join(deps.inbox, RECEIVED_FOLDER),
      onInstance: (filePath) => deps.pipeline.offer([filePath]),
      onSeriesMayBeComplete: (uids) => deps.pipeline.seriesMayBeComplete(uids),
      intakeAvailable: () => !deps.pipeline.intakeStatus.paused,
    });
    scpPort = await scp.start();
  }
  return {
    settings,
    scpPort,
    async close() {
      await scp?.close();
    },
  };
}
