import dimse from 'dcmjs-dimse';
import type { Destination } from '../../contract/network-settings.js';

const { Client, Dataset } = dimse;
const { CStoreRequest } = dimse.requests;
const { Status } = dimse.constants;

/** One C-STORE's answer from the destination. */
export interface StoreResult {
  sopInstanceUid: string;
  status: number;
}

/** The association could not be made or broke; worth another try later. */
export class AssociationFailure extends Error {
  constructor(
    message: string,
    /** A rejection the peer says is permanent (wrong AE title, not allowed): retrying will not help. */
    readonly permanent = false,
  ) {
    super(message);
  }
}

/** Naturalized dcmjs datasets (keywords as keys), written in Explicit VR Little Endian. */
export type NaturalDataset = Record<string, unknown>;

/**
 * Sends datasets to a destination over one association (C-STORE SCU, dcmjs-dimse) and resolves
 * with each instance's DIMSE status; rejects with AssociationFailure when the association is
 * refused or the connection fails before every instance was answered.
 */
export function storeInstances(destination: Destination, callingAeTitle: string, datasets: NaturalDataset[], timeoutMs = 30_000): Promise<StoreResult[]> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const results: StoreResult[] = [];
    let failure: AssociationFailure | null = null;
    for (const elements of datasets) {
      const request = new CStoreRequest(new Dataset(elements, '1.2.840.10008.1.2.1'));
      const sopInstanceUid = String(elements.SOPInstanceUID);
      request.on('response', (response: dimse.responses.CStoreResponse) => {
        if (response.getStatus() !== Status.Pending) results.push({ sopInstanceUid, status: response.getStatus() });
      });
      client.addRequest(request);
    }
    client.on('associationRejected', (rejection: { result: number; source: number; reason: number }) => {
      failure = new AssociationFailure(
        `${destination.name} (${destination.aeTitle}@${destination.host}:${destination.port}) rejected the association (result ${rejection.result}, source ${rejection.source}, reason ${rejection.reason})`,
        rejection.result === 1,
      );
    });
    client.on('networkError', (error: Error) => {
      failure ??= new AssociationFailure(`${destination.name} (${destination.host}:${destination.port}): ${error.message}`);
    });
    client.on('closed', () => {
      if (results.length === datasets.length) resolve(results);
      else reject(failure ?? new AssociationFailure(`${destination.name}: the connection closed after ${results.length} of ${datasets.length} instances`));
    });
    client.send(destination.host, destination.port, callingAeTitle, destination.aeTitle, {
      connectTimeout: timeoutMs,
      associationTimeout: timeoutMs,
      pduTimeout: timeoutMs,
    });
  });
}

export function isSuccess(status: number): boolean {
  // 0x0000 success; 0xB000, 0xB007, 0xB006 are warnings under which the instance was stored.
  return status === Status.Success || (status & 0xf000) === 0xb000;
}
