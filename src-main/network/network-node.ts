import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { TriageApi } from '../contract/api.js';
import { ApiError } from '../contract/errors.js';
import { log } from '../log.js';
import type { TriagePipeline } from '../pipeline/compose.js';
import type { TriageService } from '../services/triage-service.js';
import type { TriageStore } from '../store/triage-store.js';
import { ResultSender } from './results/result-sender.js';
import { StorageScp } from './scp/storage-scp.js';
import { isLoopbackAddress, parseNetworkSettings, type NetworkSettings, type NetworkSettingsInput } from '../contract/network-settings.js';

/** Received instances go here, inside the watched inbox, so a restart finds them like any other file. */
const RECEIVED_FOLDER = 'dicom-received';

export interface NetworkNodeDependencies {
  /** The watched inbox; the SCP needs one to write into. */
  inbox: string | null;
  pipeline: TriagePipeline;
  store: TriageStore;
  service: TriageService;
}

export interface NetworkNode extends Pick<TriageApi, 'getNetworkStatus' | 'sendResults'> {
  readonly settings: NetworkSettings;
  /** The port the C-STORE SCP listens on, or null when it is off. */
  readonly scpPort: number | null;
  close(): Promise<void>;
}

/**
 * The DICOM node of the engine: the C-STORE SCP feeding the pipeline, and the results (SR + key
 * images) sent back to the configured destinations, on demand or automatically for flagged studies.
 */
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
  const sender = new ResultSender({
    callingAeTitle: settings.aeTitle,
    destinations: settings.destinations,
    // The model that scored the study, at send time (the engine may have switched models since it
    // started); a study still waiting to be re-scored by the current model is not sent under its name.
    provenance: (scoredBy) => {
      const card = deps.pipeline.card;
      if (scoredBy.name !== card.name || scoredBy.version !== card.version) {
        throw new ApiError('MODEL_UNAVAILABLE', `This study was scored by ${scoredBy.name} ${scoredBy.version} and is being re-scored by ${card.name} ${card.version}; send it when that is done.`);
      }
      return {
        manufacturer: 'ichtriage (open source)',
        deviceName: settings.aeTitle,
        deviceUid: deviceUid(settings.aeTitle),
        modelName: card.name,
        modelVersion: card.version,
        modelFiles: Object.values(card.files).map((file) => ({ name: path.basename(file.path), sha256: file.sha256 })),
      };
    },
    api: deps.service,
    store: deps.store,
    onStatus: (status) => deps.service.emit({ type: 'result-send', status }),
  });
  const autoSent = new Set<number>();
  const destination = settings.autoSendFlaggedTo;
  const unsubscribe = destination
    ? deps.service.subscribe((event) => {
        if (event.type !== 'study-updated' || event.study.state !== 'done' || !event.study.flagged || autoSent.has(event.study.studyId)) return;
        autoSent.add(event.study.studyId);
        sender.send(event.study.studyId, destination, 'flagged').catch((error: Error) => log.error(`automatic send of study ${event.study.studyId} failed: ${error.message}`));
      })
    : () => {};
  const node: NetworkNode = {
    settings,
    scpPort,
    async getNetworkStatus() {
      return {
        scp: scpPort === null ? null : { aeTitle: settings.aeTitle, bindAddress: settings.bindAddress, port: scpPort, reachableFromOtherMachines: !isLoopbackAddress(settings.bindAddress) },
        destinations: settings.destinations.map(({ name, aeTitle, host, port }) => ({ name, aeTitle, host, port })),
        autoSendFlaggedTo: settings.autoSendFlaggedTo,
        sends: sender.list(),
      };
    },
    sendResults: (studyId, destinationName) => sender.send(studyId, destinationName, 'user'),
    async close() {
      unsubscribe();
      sender.close();
      await scp?.close();
    },
  };
  deps.service.attachNetwork(node);
  return node;
}

/** A stable UID for this node (SR device observer): derived from the host and AE title under 2.25. */
function deviceUid(aeTitle: string): string {
  const hash = createHash('sha256').update(`${os.hostname()}\u0000${aeTitle}`).digest('hex');
  return `2.25.${BigInt(`0x${hash.slice(0, 30)}`).toString()}`;
}
