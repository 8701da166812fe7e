import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { REPO_ROOT, SHARED_DATA } from '../helpers/paths.js';

const CQ500 = path.join(SHARED_DATA, 'cq500', 'CQ500-CT-0');
const RSNA = path.join(SHARED_DATA, 'rsna-slices', 'dicom');

function startWatcher(inbox: string, db: string): ChildProcess {
  return spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'ichtriage.mjs'), 'watch', inbox, '--db', db, '--settle', '1000', '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env },
  });
}

function query<T>(db: string, sql: string): T {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare(sql).get() as T;
  } finally {
    conn.close();
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (child.exitCode !== null) throw new Error(`watcher exited (${child.exitCode}) while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('crash recovery', () => {
  it('after SIGKILL mid-ingest, a restart triages every study exactly once', { timeout: 240_000 }, async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-crash-'));
    const inbox = path.join(work, 'inbox');
    const db = path.join(work, 'db.sqlite');
    await mkdir(path.join(inbox, 'cq500'), { recursive: true });
    await mkdir(path.join(inbox, 'rsna'), { recursive: true });

    const first = startWatcher(inbox, db);
    let stderr = '';
    first.stderr!.on('data', (chunk) => (stderr += chunk));
    const cq500 = (await readdir(CQ500)).sort();
    const rsna = (await readdir(RSNA)).sort();
    for (const f of rsna) await copyFile(path.join(RSNA, f), path.join(inbox, 'rsna', f));
    for (const f of cq500) await copyFile(path.join(CQ500, f), path.join(inbox, 'cq500', f));
    const expectedSlices = cq500.length + rsna.length;

    const stored = () => {
      try {
        return query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM instances').n;
      } catch {
        return 0;
      }
    };
    await waitFor('some slices stored', () => stored() >= 40, 120_000, first).catch((error) => {
      throw new Error(`${(error as Error).message}\n${stderr}`);
    });
    first.kill('SIGKILL');
    await exited(first);
    const before = stored();
    assert.ok(before < expectedSlices, `killed too late: ${before} of ${expectedSlices} slices already stored`);

    const second = startWatcher(inbox, db);
    second.stderr!.on('data', (chunk) => (stderr += chunk));
    try {
      const allDone = () =>
        query<{ n: number }>(db, `SELECT COUNT(*) AS n FROM series WHERE state = 'done'`).n === 6 &&
        query<{ n: number }>(db, `SELECT COUNT(*) AS n FROM series WHERE state != 'done'`).n === 0;
      await waitFor('all six studies triaged', allDone, 180_000, second).catch((error) => {
        throw new Error(`${(error as Error).message}\n${stderr}`);
      });
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }

    assert.equal(stored(), expectedSlices, 'every slice stored once');
    assert.equal(query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM studies').n, 6);
    assert.equal(query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM studies WHERE scores IS NULL').n, 0);
    assert.equal(query<{ n: number }>(db, 'SELECT MAX(triage_count) AS n FROM series').n, 1, 'no series triaged twice');
    assert.equal(query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM rejections').n, 0);
    assert.equal(query<{ n: number }>(db, `SELECT COUNT(*) AS n FROM audit WHERE action = 'series-triaged'`).n, 6);
  });
});
