import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Real DICOM peers for the network tests: dcmtk's command-line tools and an Orthanc server, all on
 * loopback, each with its own files in a temporary folder and stopped by its PID.
 * (scripts/ensure-system-deps.sh installs dcmtk, orthanc and orthanc-gdcm.)
 */

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a dcmtk tool. TCP_NODELAY=1: without it dcmtk leaves Nagle's algorithm on and every
 * request waits for a delayed ACK (about 40 ms per image on loopback).
 */
export function dcmtk(tool: string, args: string[], timeoutMs = 120_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(tool, args, { env: { ...process.env, TCP_NODELAY: '1' }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Where the Part 10 dataset starts: after the preamble, "DICM" and the File Meta group (its length is its first element). */
export function datasetOffset(part10: Buffer): number {
  if (part10.toString('latin1', 128, 132) !== 'DICM' || part10.readUInt16LE(132) !== 0x0002 || part10.readUInt16LE(134) !== 0x0000) {
    throw new Error('not a Part 10 file with a File Meta group length');
  }
  return 144 + part10.readUInt32LE(140);
}

export interface Orthanc {
  pid: number;
  httpUrl: string;
  dicomPort: number;
  aeTitle: string;
  /** A REST call; JSON in and out unless raw bytes are given. */
  rest<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  /** Raw bytes of a REST resource (e.g. /instances/{id}/file). */
  restBytes(route: string): Promise<Buffer>;
  stop(): Promise<void>;
}

/**
 * Starts Orthanc on loopback with its own storage in `dir`, knowing one remote modality per entry
 * of `modalities` (name → [AE title, host, port]). Resolves once its REST API answers.
 */
export async function startOrthanc(dir: string, modalities: Record<string, [string, string, number]>): Promise<Orthanc> {
  await mkdir(path.join(dir, 'storage'), { recursive: true });
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const aeTitle = 'ORTHANC';
  const config = {
    Name: 'ichtriage-test',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'storage'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: aeTitle,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    HttpBindAddress: '127.0.0.1',
    DicomCheckCalledAet: false,
    DicomModalities: modalities,
    Plugins: ['/usr/share/orthanc/plugins/libOrthancGdcm.so'],
    StableAge: 1,
  };
  const configPath = path.join(dir, 'orthanc.json');
  await writeFile(configPath, JSON.stringify(config));
  // Debian installs it in /usr/sbin, which a non-root PATH lacks.
  const binary = existsSync('/usr/sbin/Orthanc') ? '/usr/sbin/Orthanc' : 'Orthanc';
  const child: ChildProcess = spawn(binary, [configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const pid = child.pid!;
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const rest = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const isBytes = body instanceof Uint8Array;
    const response = await fetch(httpUrl + route, {
      method,
      ...(body === undefined ? {} : { body: isBytes ? new Blob([new Uint8Array(body)]) : JSON.stringify(body) }),
      headers: isBytes ? { 'Content-Type': 'application/dicom' } : {},
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Orthanc ${method} ${route}: ${response.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await rest('GET', '/system');
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
        throw new Error(`Orthanc did not start: ${(error as Error).message}\n${stderr}`);
      }
      await sleep(200);
    }
  }
  return {
    pid,
    httpUrl,
    dicomPort,
    aeTitle,
    rest,
    async restBytes(route) {
      const response = await fetch(httpUrl + route);
      if (!response.ok) throw new Error(`Orthanc GET ${route}: ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    },
    async stop() {
      if (child.exitCode === null) {
        process.kill(pid, 'SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        if (child.exitCode === null) process.kill(pid, 'SIGKILL');
      }
    },
  };
}
