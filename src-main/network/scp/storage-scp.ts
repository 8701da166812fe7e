import dimse from 'dcmjs-dimse';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { log } from '../../log.js';
import type { NetworkSettings } from '../../contract/network-settings.js';
import { decidePresentationContext } from './negotiation.js';
import { ReceivedInstanceWriter } from './received-instance.js';

const { Scp, Dataset } = dimse;
const { CEchoResponse, CStoreResponse } = dimse.responses;
const { PresentationContextResult, RejectResult, RejectSource, RejectReason, Status } = dimse.constants;

// The library logs association details to the console on its own; we log what matters, without PHI.
dimse.log.setLevel('silent');

/** DIMSE statuses of C-STORE (PS3.4 B.2.3, PS3.7 C). */
export const CStoreStatus = {
  Success: Status.Success,
  /** Refused: Out of Resources. The sender keeps its copy and retries later. */
  OutOfResources: 0xa700,
  /** Error: Data Set does not match SOP Class (its UIDs disagree with the command's). */
  DatasetDoesNotMatchSopClass: 0xa900,
  /** Error: Cannot understand. */
  CannotUnderstand: 0xc000,
  /** SOP class of the command not the one its presentation context was negotiated for. */
  SopClassNotSupported: 0x0122,
  ProcessingFailure: 0x0110,
} as const;

/** Largest P-DATA PDU we accept (we announce it; every PDU is held whole in memory once). */
const MAX_PDU_LENGTH = 256 * 1024;

export interface StorageScpOptions {
  settings: Pick<NetworkSettings, 'aeTitle' | 'port' | 'bindAddress' | 'allowedCallingAeTitles' | 'allowedHosts' | 'maxAssociations'>;
  /** Folder inside the watched inbox where received instances are written. */
  intakeDir: string;
  /** A received instance is in the intake folder: queue it. */
  onInstance(filePath: string): Promise<void>;
  /** An association was released after storing instances of these series: they may be complete. */
  onSeriesMayBeComplete(seriesInstanceUids: string[]): void;
  /** False while intake cannot take more (storage fault): C-STORE is answered Out of Resources. */
  intakeAvailable(): boolean;
}

interface StoreOutcome {
  status: number;
  /** Why it failed, for the sender's Error Comment (no patient data). */
  comment?: string;
}

/** Counters of one association, logged when it ends. */
interface AssociationCounts {
  stored: number;
  refused: number;
}

/**
 * The C-STORE SCP (with C-ECHO): our own TCP server on the configured interface, each connection
 * served by a dcmjs-dimse Scp. dcmjs-dimse's Server cannot choose the interface nor set TCP_NODELAY,
 * so the socket is accepted here and handed to the Scp.
 */
export class StorageScp {
  private server: Server | null = null;
  private readonly associations = new Set<IntakeAssociation>();

  constructor(private readonly options: StorageScpOptions) {}

  /** Listens; resolves with the port (useful when the settings ask for a fixed one it is the same). */
  async start(port = this.options.settings.port): Promise<number> {
    await mkdir(this.options.intakeDir, { recursive: true });
    await this.removeInterruptedTransfers();
    const server = createServer((socket) => this.accept(socket));
    // Idle or half-open connections hold little, but cap them too so nothing grows without bound.
    server.maxConnections = this.options.settings.maxAssociations * 2;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(`The DICOM receiver cannot listen on ${this.options.settings.bindAddress}:${port} (${error.code ?? error.message})`)),
      );
      server.listen(port, this.options.settings.bindAddress, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => log.error(`DICOM listener error: ${error.message}`));
    this.server = server;
    const bound = (server.address() as AddressInfo).port;
    log.info(`DICOM C-STORE SCP ${this.options.settings.aeTitle} listening on ${this.options.settings.bindAddress}:${bound}`);
    return bound;
  }

  /** Temporary files of transfers cut off when the engine last stopped: their senders were never told Success. */
  private async removeInterruptedTransfers(): Promise<void> {
    const leftovers = (await readdir(this.options.intakeDir)).filter((name) => name.endsWith('.dcm.part'));
    await Promise.all(leftovers.map((name) => rm(path.join(this.options.intakeDir, name), { force: true })));
    if (leftovers.length > 0) log.info(`removed ${leftovers.length} interrupted DICOM transfers`);
  }

  get port(): number | null {
    return this.server ? (this.server.address() as AddressInfo).port : null;
  }

  /** Associations being served now. */
  get activeAssociations(): number {
    return [...this.associations].filter((a) => a.accepted).length;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const association of this.associations) association.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    // DIMSE is request/response with small command PDUs: Nagle's algorithm would hold each one back
    // until the peer's delayed ACK (dcmtk went from about 1,100 to 23 images/s without this).
    socket.setNoDelay(true);
    const association = new IntakeAssociation(socket, this.options, {
      admit: (calledAe, callingAe, peer) => this.admit(calledAe, callingAe, peer),
    });
    this.associations.add(association);
    association.on('close', () => this.associations.delete(association));
  }

  /** Null when the association may proceed, else the rejection and why (for the log). */
  private admit(calledAe: string, callingAe: string, peer: string): { result: number; source: number; reason: number; why: string } | null {
    const { aeTitle, allowedCallingAeTitles, allowedHosts, maxAssociations } = this.options.settings;
    if (allowedHosts.length > 0 && !allowedHosts.includes(peer)) {
      return { result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: RejectReason.NoReasonGiven, why: 'host not in the allow-list' };
    }
    if (calledAe.trim() !== aeTitle) {
      return { result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: RejectReason.CalledAeNotRecognized, why: `called AE title is not ours (${aeTitle})` };
    }
    if (allowedCallingAeTitles.length > 0 && !allowedCallingAeTitles.includes(callingAe.trim())) {
      return { result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: RejectReason.CallingAeNotRecognized, why: 'calling AE title not in the allow-list' };
    }
    if (this.activeAssociations >= maxAssociations) {
      return { result: RejectResult.Transient, source: RejectSource.ServiceProviderPresentation, reason: RejectReason.LocalLimitExceeded, why: `already serving ${maxAssociations} associations` };
    }
    return null;
  }
}

interface AssociationPolicy {
  admit(calledAe: string, callingAe: string, peer: string): { result: number; source: number; reason: number; why: string } | null;
}

/** One peer's association: negotiation, C-ECHO, C-STORE into the intake folder, release. */
class IntakeAssociation extends Scp {
  accepted = false;
  private label: string;
  private writer: ReceivedInstanceWriter | null = null;
  private outcome: StoreOutcome = { status: CStoreStatus.ProcessingFailure };
  private readonly queued: Promise<void>[] = [];
  private readonly seriesUids = new Set<string>();
  private readonly counts: AssociationCounts = { stored: 0, refused: 0 };

  constructor(
    private readonly socket: Socket,
    private readonly options: StorageScpOptions,
    private readonly policy: AssociationPolicy,
  ) {
    super(socket, { associationTimeout: 30_000, pduTimeout: 60_000 });
    this.label = peerAddress(socket);
    this.on('networkError', (error: Error) => log.warn(`DICOM association ${this.label}: ${error.message}`));
    this.on('close', () => {
      this.writer?.discard();
      this.writer = null;
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  override associationRequested(association: dimse.association.Association): void {
    const callingAe = association.getCallingAeTitle();
    this.label = `${callingAe.trim()}@${peerAddress(this.socket)}`;
    const refusal = this.policy.admit(association.getCalledAeTitle(), callingAe, peerAddress(this.socket));
    if (refusal) {
      log.warn(`DICOM association from ${this.label} refused: ${refusal.why}`);
      this.sendAssociationReject(refusal.result, refusal.source, refusal.reason);
      return;
    }
    association.setMaxPduLength(MAX_PDU_LENGTH);
    for (const { id } of association.getPresentationContexts()) {
      const context = association.getPresentationContext(id);
      const decision = decidePresentationContext(context.getAbstractSyntaxUid(), context.getTransferSyntaxUids());
      if (decision.accept) context.setResult(PresentationContextResult.Accept, decision.transferSyntaxUid);
      else if (decision.reason === 'abstract-syntax-not-supported') context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
      else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
    }
    this.accepted = true;
    this.sendAssociationAccept();
  }

  override cEchoRequest(request: dimse.requests.CEchoRequest, callback: (response: dimse.responses.CEchoResponse) => void): void {
    const response = CEchoResponse.fromRequest(request);
    response.setStatus(Status.Success);
    callback(response);
  }

  /** Where the dataset of a C-STORE goes while it arrives: its temporary file, or nowhere when it is refused up front. */
  override createStoreWritableStream(context: dimse.association.PresentationContext, request: dimse.requests.CStoreRequest): Writable {
    const sopInstanceUid = request.getAffectedSopInstanceUid();
    const sopClassUid = request.getAffectedSopClassUid();
    const refuse = (outcome: StoreOutcome) => {
      this.outcome = outcome;
      this.writer = null;
      return new Writable({ write: (_chunk, _encoding, done) => done() });
    };
    if (sopClassUid !== context.getAbstractSyntaxUid()) {
      return refuse({ status: CStoreStatus.SopClassNotSupported, comment: 'SOP class differs from the presentation context' });
    }
    if (sopInstanceUid.trim() === '') return refuse({ status: CStoreStatus.CannotUnderstand, comment: 'no Affected SOP Instance UID' });
    if (!this.options.intakeAvailable()) return refuse({ status: CStoreStatus.OutOfResources, comment: 'intake paused: storage unavailable' });
    this.writer = new ReceivedInstanceWriter(
      this.options.intakeDir,
      { sopClassUid, sopInstanceUid, transferSyntaxUid: context.getAcceptedTransferSyntaxUid()!, sourceAeTitle: this.label.split('@')[0]! },
    );
    return this.writer;
  }

  /** The dataset has fully arrived: check it, make it visible in the intake, and queue it. */
  override createDatasetFromStoreWritableStream(_writable: Writable, _context: dimse.association.PresentationContext, callback: (dataset: dimse.Dataset) => void): void {
    const writer = this.writer;
    this.writer = null;
    const answer = () => callback(new Dataset({}));
    if (!writer) return answer();
    writer
      .complete()
      .then((identity) => {
        if (identity?.seriesInstanceUid) this.seriesUids.add(identity.seriesInstanceUid);
        this.queued.push(this.options.onInstance(writer.finalPath!).catch((error: Error) => log.error(`could not queue a received instance: ${error.message}`)));
        this.outcome = { status: CStoreStatus.Success };
      })
      .catch((error: Error & { code?: string; status?: number }) => {
        writer.discard();
        this.outcome = storeFailure(error);
      })
      .finally(answer);
  }

  override cStoreRequest(request: dimse.requests.CStoreRequest, callback: (response: dimse.responses.CStoreResponse) => void): void {
    const response = CStoreResponse.fromRequest(request);
    response.setStatus(this.outcome.status);
    if (this.outcome.comment) response.setErrorComment(this.outcome.comment.slice(0, 64));
    if (this.outcome.status === CStoreStatus.Success) this.counts.stored++;
    else {
      this.counts.refused++;
      log.warn(`DICOM C-STORE from ${this.label} refused (0x${this.outcome.status.toString(16).padStart(4, '0')}): ${this.outcome.comment ?? ''}`);
    }
    this.outcome = { status: CStoreStatus.ProcessingFailure };
    callback(response);
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
    log.info(`DICOM association from ${this.label} released: ${this.counts.stored} instances stored, ${this.counts.refused} refused`);
    const seriesUids = [...this.seriesUids];
    // Every instance is queued before the signal, so the pipeline waits for all of them.
    void Promise.all(this.queued).then(() => {
      if (seriesUids.length > 0) this.options.onSeriesMayBeComplete(seriesUids);
    });
  }

  /** The peer aborted: close our side now (it waits for us to), dropping any half-received instance. */
  override abort(): void {
    log.warn(`DICOM association from ${this.label} aborted by the peer after ${this.counts.stored} instances`);
    this.socket.destroy();
  }
}

/** The DIMSE status a failed store is answered with; the sender keeps its copy in every case. */
function storeFailure(error: Error & { code?: string; status?: number }): StoreOutcome {
  if (error.status !== undefined) return { status: error.status, comment: error.message };
  if (error.code === 'ENOSPC' || error.code === 'EDQUOT' || error.code === 'EMFILE' || error.code === 'ENFILE') {
    return { status: CStoreStatus.OutOfResources, comment: `storage: ${error.code}` };
  }
  log.error(`DICOM C-STORE could not be written: ${error.code ?? error.message}`);
  return { status: CStoreStatus.ProcessingFailure, comment: `storage: ${error.code ?? 'error'}` };
}

/** IPv4 peers arrive as "::ffff:1.2.3.4" on a dual-stack socket; the allow-list names them plainly. */
function peerAddress(socket: Socket): string {
  return (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
