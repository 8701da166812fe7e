import dcmjs from 'dcmjs';
import dicomParser from 'dicom-parser';
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN } from '../../pipeline/decode/transfer-syntax.js';

/** Implementation Class UID of this application (under the UUID-derived root 2.25). */
const IMPLEMENTATION_CLASS_UID = '2.25.186640436120118446826361296152203916813';
const IMPLEMENTATION_VERSION_NAME = 'ICHTRIAGE_01';


/** A UID as PS3.5 9.1 writes it: digits and dots, at most 64 characters. */
function isConformingUid(uid: string): boolean {
  return uid.length <= 64 && /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(uid);
}

/**
 * Whether the dataset is the instance the command announced. Lenient where real senders differ
 * without harm: a dataset without SOP Class UID (RSNA keeps it in File Meta only), and a
 * non-conforming SOP Instance UID, which DICOM toolkits rewrite in the command (Orthanc announces
 * RSNA's "ID_0fe31b044" as "031044").
 */
function matchesCommand(identity: InstanceIdentity, command: { sopClassUid: string; sopInstanceUid: string }): boolean {
  const sameClass = identity.sopClassUid === '' || identity.sopClassUid === command.sopClassUid;
  const sameInstance = !isConformingUid(identity.sopInstanceUid) || identity.sopInstanceUid === command.sopInstanceUid;
  return sameClass && sameInstance;
}

/** A received dataset refused with this DIMSE status. */
export class StoreRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the dataset itself says, read from its first bytes (everything before the pixel data). */
export interface InstanceIdentity {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

/** Bytes of each dataset kept in memory to read its identity; the rest goes to disk only. */
const HEAD_BYTES = 256 * 1024;

/**
 * Receives one C-STORE dataset straight to a temporary file beside its final name (ignored by the
 * inbox watcher for its `.part` suffix), behind a Part 10 File Meta header, byte for byte as sent.
 * Each chunk is written synchronously as it arrives: nothing is buffered, so memory per association
 * is one PDU, and the socket is not read while the disk is busy (TCP slows the sender). Why not
 * asynchronous writes: each one is a thread-pool round trip, and on a busy 2-core machine those
 * hand-offs, not the disk, capped reception at about 200 images/s; a write into the page cache
 * takes microseconds. Like dcmtk's storescp (and Orthanc by default) it does not fsync each file.
 * The stream never errors: dcmjs-dimse would wait forever for a 'drain' that never comes.
 */
export class ReceivedInstanceWriter extends Writable {
  readonly tempPath: string;
  /** Where complete() put the instance: named by the dataset's own SOP Instance UID. */
  finalPath: string | null = null;
  private fd: number | null = null;
  private readonly head: Buffer[] = [];
  private headLength = 0;
  private datasetLength = 0;
  /** The first failure (open or write): later chunks are dropped and complete() reports it. */
  private failure: Error | null = null;

  constructor(
    private readonly intakeDir: string,
    private readonly meta: { sopClassUid: string; sopInstanceUid: string; transferSyntaxUid: string; sourceAeTitle: string },
  ) {
    super({ highWaterMark: 2 ** 30 });
    // Unique, and ignored by the inbox watcher for its suffix until it is renamed.
    this.tempPath = path.join(intakeDir, `${randomUUID()}.dcm.part`);
    try {
      this.fd = openSync(this.tempPath, 'w', 0o644);
      writeFully(this.fd, fileMetaHeader(this.meta));
    } catch (error) {
      this.failure = error as Error;
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (this.headLength < HEAD_BYTES) {
      this.head.push(chunk);
      this.headLength += chunk.length;
    }
    this.datasetLength += chunk.length;
    if (!this.failure) {
      try {
        writeFully(this.fd!, chunk);
      } catch (error) {
        this.failure = error as Error;
      }
    }
    callback();
  }

  /**
   * Waits for the last byte, then checks the dataset's own UIDs against the command's and renames
   * the file to its final name (atomic: the inbox never sees a half-written instance).
   */
  async complete(): Promise<InstanceIdentity | null> {
    await this.finished();
    if (this.failure) throw this.failure;
    closeSync(this.fd!);
    this.fd = null;
    const identity = this.readIdentity();
    if (identity && !matchesCommand(identity, this.meta)) throw new StoreRefusal(0xa900, 'dataset SOP Class/Instance UID differ from the command');
    this.finalPath = receivedInstancePath(this.intakeDir, identity?.sopInstanceUid || this.meta.sopInstanceUid);
    renameSync(this.tempPath, this.finalPath);
    return identity;
  }

  /** Removes the temporary file (a refused or aborted transfer leaves nothing behind). */
  discard(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.tempPath, { force: true });
  }

  private finished(): Promise<void> {
    if (this.writableFinished) return Promise.resolve();
    return new Promise((resolve) => this.once('finish', resolve));
  }

  /**
   * The dataset's SOP Class, SOP Instance and Series UIDs, or null when they cannot be read: a
   * deflated dataset, or a header longer than the bytes kept. Throws when the whole dataset was
   * kept and still does not parse (the sender sent something that is not a dataset).
   */
  private readIdentity(): InstanceIdentity | null {
    if (this.meta.transferSyntaxUid === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) return null;
    const head = Buffer.concat(this.head, this.headLength);
    let dataSet: dicomParser.DataSet;
    try {
      dataSet = dicomParser.parseDicom(head, { TransferSyntaxUID: this.meta.transferSyntaxUid, untilTag: 'x7fe00010' } as dicomParser.ParseDicomOptions);
    } catch (error) {
      if (this.datasetLength > head.length) return null;
      throw new StoreRefusal(0xc000, `dataset cannot be parsed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return {
      sopClassUid: dataSet.string('x00080016') ?? '',
      sopInstanceUid: dataSet.string('x00080018') ?? '',
      seriesInstanceUid: dataSet.string('x0020000e') ?? '',
    };
  }
}

/** Preamble, "DICM" and the File Meta group (PS3.10 7.1), written by dcmjs. */
function fileMetaHeader(meta: { sopClassUid: string; sopInstanceUid: string; transferSyntaxUid: string; sourceAeTitle: string }): Buffer {
  const dict = new dcmjs.data.DicomDict({
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: [meta.sopClassUid] },
    '00020003': { vr: 'UI', Value: [meta.sopInstanceUid] },
    '00020010': { vr: 'UI', Value: [meta.transferSyntaxUid] },
    '00020012': { vr: 'UI', Value: [IMPLEMENTATION_CLASS_UID] },
    '00020013': { vr: 'SH', Value: [IMPLEMENTATION_VERSION_NAME] },
    '00020016': { vr: 'AE', Value: [meta.sourceAeTitle] },
  });
  dict.dict = {};
  return Buffer.from(dict.write());
}

/**
 * Final file name of a received instance: its SOP Instance UID when that is a plain file name, else
 * a hash of it (the UID comes from the peer: real ones break the rules, e.g. RSNA's "ID_0fe31b044",
 * and none may reach outside the folder).
 */
export function receivedInstancePath(intakeDir: string, sopInstanceUid: string): string {
  const name = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(sopInstanceUid) ? sopInstanceUid : createHash('sha256').update(sopInstanceUid).digest('hex').slice(0, 40);
  return path.join(intakeDir, `${name}.dcm`);
}

function writeFully(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written);
}
