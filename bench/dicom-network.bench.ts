import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEngine } from '../src-main/app/engine.js';
import { StorageScp } from '../src-main/network/scp/storage-scp.js';
import { DEFAULT_NETWORK_SETTINGS } from '../src-main/contract/network-settings.js';
import { modelIdentity } from '../src-main/domain/model-card.js';
import { dcmtk, freePort } from '../test/helpers/dicom-peers.js';
import { round } from './ingest.bench.js';

export interface ReceiveRate {
  instances: number;
  /** Best of the runs: the machine is shared, the best run is the least disturbed one. */
  imagesPerSecond: number;
  runsImagesPerSecond: number[];
}

const RUNS = 3;

/** Times storescu pushing the files (one association per sender) to an SCP on loopback. */
async function pushRate(files: string[], port: number, calledAe: string, senders: number, proposal: string[]): Promise<ReceiveRate> {
  const rates: number[] = [];
  const share = Math.ceil(files.length / senders);
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: senders }, (_, s) => dcmtk('storescu', ['-aec', calledAe, ...proposal, '127.0.0.1', String(port), ...files.slice(s * share, (s + 1) * share)])),
    );
    const seconds = (performance.now() - started) / 1000;
    const failed = results.find((r) => r.code !== 0);
    if (failed) throw new Error(`storescu failed: ${failed.stderr.slice(0, 300)}`);
    rates.push(round(files.length / seconds, 0));
  }
  return { instances: files.length, imagesPerSecond: Math.max(...rates), runsImagesPerSecond: rates };
}

/**
 * C-STORE receive rate of our SCP (dcmjs-dimse, files into the intake folder) and of dcmtk's
 * storescp on the same files, same sender and same machine, one association and four at once.
 */
export async function measureReceiveRate(files: string[], proposal: string[]): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-bench-scp-'));
  try {
    const ours = new StorageScp({
      settings: { ...DEFAULT_NETWORK_SETTINGS, port: 0 },
      intakeDir: path.join(work, 'ours'),
      onInstance: async () => {},
      onSeriesMayBeComplete: () => {},
      intakeAvailable: () => true,
    });
    const ourPort = await ours.start();
    const oursOne = await pushRate(files, ourPort, 'ICHTRIAGE', 1, proposal);
    const oursFour = await pushRate(files, ourPort, 'ICHTRIAGE', 4, proposal);
    await ours.close();

    await mkdir(path.join(work, 'storescp'));
    const storescpPort = await freePort();
    const storescp = spawn('storescp', ['-aet', 'STORESCP', '+xa', '-od', path.join(work, 'storescp'), String(storescpPort)], { stdio: 'ignore', env: { ...process.env, TCP_NODELAY: '1' } });
    try {
      await sleep(500);
      const dcmtkOne = await pushRate(files, storescpPort, 'STORESCP', 1, proposal);
      const dcmtkFour = await pushRate(files, storescpPort, 'STORESCP', 4, proposal);
      return {
        oneAssociation: { ichtriage: oursOne, dcmtkStorescp: dcmtkOne },
        fourAssociations: { ichtriage: oursFour, dcmtkStorescp: dcmtkFour },
        target: '>= 500 images/s',
      };
    } finally {
      process.kill(storescp.pid!, 'SIGTERM');
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * A study pushed by C-STORE into the engine's SCP: seconds from storescu's end (its last C-STORE
 * answered and the association released) to the study's scores, with the default 3 s settle time
 * (the release, not the settle timer, completes the series).
 */
export async function measureCStoreToScores(files: string[], settleMs = 3000): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-bench-cstore-'));
  const inbox = path.join(work, 'inbox');
  await mkdir(inbox);
  const engine = await startEngine({ dbPath: path.join(work, 'db.sqlite'), inbox, settleMs, providers: [], network: { scpEnabled: true, port: 0 } });
  try {
    const done = new Promise<number>((resolve) => {
      engine.api.subscribe((event) => {
        if (event.type === 'study-updated' && event.study.state === 'done' && event.study.sliceCount === files.length) resolve(performance.now());
      });
    });
    const sent = await dcmtk('storescu', ['-aec', 'ICHTRIAGE', '-R', '127.0.0.1', String(engine.network!.scpPort), ...files]);
    const lastStore = performance.now();
    if (sent.code !== 0) throw new Error(`storescu failed: ${sent.stderr.slice(0, 300)}`);
    const seconds = ((await done) - lastStore) / 1000;
    return { model: modelIdentity(engine.card), slices: files.length, settleMs, lastCStoreToScoresS: round(seconds), target: '<= 1.0 s' };
  } finally {
    await engine.close();
    await rm(work, { recursive: true, force: true });
  }
}
