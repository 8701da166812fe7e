import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startEngine, type Engine } from '../../src-main/app/engine.js';
import type { EngineEvent } from '../../src-main/contract/dto.js';
import { setLogLevel } from '../../src-main/log.js';
import { REPO_ROOT, SHARED_DATA } from '../helpers/paths.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';
import { until } from '../helpers/until.js';

setLogLevel('silent');
const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin', 'ichtriage.mjs');
const RSNA = path.join(SHARED_DATA, 'rsna-slices', 'dicom');

/** Fills a disk until it has no room (ENOSPC): 1 MB chunks, then single pages. */
async function fillUp(file: string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (const chunk of [1 << 20, 4096]) {
      const bytes = Buffer.alloc(chunk, 1);
      for (;;) {
        try {
          await handle.write(bytes);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    await handle.close().catch(() => {});
  }
}

describe('disk full while studies arrive', () => {
  let work: string;
  let tmpfs: Tmpfs | null;
  let engine: Engine;
  const events: EngineEvent[] = [];
  let makeFull: () => Promise<void>;
  let makeRoom: () => Promise<void>;

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-full-'));
    await mkdir(path.join(work, 'inbox'));
    tmpfs = await mountTmpfs(4 << 20);
    const dbPath = path.join(tmpfs?.dir ?? work, 'db.sqlite');
    engine = await startEngine({ dbPath, inbox: path.join(work, 'inbox'), settleMs: 200, storageRetryMs: 300, providers: [] });
    engine.api.subscribe((event) => events.push(event));
    if (tmpfs) {
      // A real full disk: the database's file system has no byte left.
      const filler = path.join(tmpfs.dir, 'filler');
      makeFull = () => fillUp(filler);
      makeRoom = () => rm(filler);
    } else {
      // Not root here: SQLite's own page limit raises the same SQLITE_FULL.
      process.stderr.write('# disk full simulated with PRAGMA max_page_count (no permission to mount a tmpfs)\n');
      const pages = () => engine.store.db.pragma('page_count', { simple: true }) as number;
      makeFull = async () => void engine.store.db.pragma(`max_page_count = ${pages()}`);
      makeRoom = async () => void engine.store.db.pragma('max_page_count = 1073741823');
    }
  });

  after(async () => {
    await engine.close();
    await tmpfs?.unmount();
    await rm(work, { recursive: true, force: true });
  });

  it('pauses intake with a visible status, loses nothing, and resumes when space returns', { timeout: 120_000 }, async () => {
    await makeFull();
    const files = (await readdir(RSNA)).sort();
    for (const name of files) await copyFile(path.join(RSNA, name), path.join(work, 'inbox', name));

    await until('intake paused', () => engine.intakeStatus().paused, 30_000);
    const paused = events.find((e) => e.type === 'intake-status' && e.paused);
    assert.ok(paused && paused.type === 'intake-status');
    assert.match(paused.reason!, /database cannot be written \(SQLITE_FULL/);
    // A UI that connects now is told at once.
    const late: EngineEvent[] = [];
    engine.api.subscribe((event) => late.push(event))();
    assert.equal(late[0]?.type === 'intake-status' && late[0].paused, true);
    // Several retries later: still paused, nothing recorded as handled or rejected, the engine alive.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(engine.intakeStatus().paused, true);
    assert.equal(engine.store.rejections.list().length, 0);
    assert.equal((engine.store.db.prepare('SELECT COUNT(*) AS n FROM files').get() as { n: number }).n, 0);

    await makeRoom();
    await until('intake resumed', () => !engine.intakeStatus().paused, 30_000);
    await until('every slice triaged', () => engine.store.studies.list().filter((s) => s.state === 'done').length === files.length, 60_000);
    assert.ok(events.some((e) => e.type === 'intake-status' && !e.paused));
    assert.equal(engine.store.rejections.list().length, 0);
  });
});

describe('a database that cannot be used is refused at open, in one line naming the file', () => {
  let work: string;

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-db-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  async function triageWith(dbPath: string): Promise<{ code: number; stderr: string }> {
    try {
      await run(process.execPath, [BIN, 'triage', '--db', dbPath, RSNA]);
      return { code: 0, stderr: '' };
    } catch (error) {
      const failed = error as { code: number; stderr: string };
      return { code: failed.code, stderr: failed.stderr };
    }
  }

  function assertOneLine(stderr: string, dbPath: string, codes: RegExp): void {
    const lines = stderr.split('\n').filter((line) => line.startsWith('ichtriage:') || /^\s+at /.test(line));
    assert.equal(lines.length, 1, stderr);
    assert.ok(lines[0]!.includes(`Database ${dbPath} cannot be used`), String(lines[0]));
    assert.match(lines[0]!, codes);
  }

  it('a database corrupted mid-file', { timeout: 120_000 }, async () => {
    const dbPath = path.join(work, 'corrupt.sqlite');
    assert.equal((await triageWith(dbPath)).code, 0);
    const handle = await open(dbPath, 'r+');
    const { size } = await handle.stat();
    // Keep the header page; overwrite the second half with noise.
    const noise = Buffer.alloc(Math.floor(size / 2));
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) & 0xff;
    await handle.write(noise, 0, noise.length, size - noise.length);
    await handle.close();
    const { code, stderr } = await triageWith(dbPath);
    assert.equal(code, 1);
    assertOneLine(stderr, dbPath, /SQLITE_CORRUPT|integrity check failed/);
  });

  it('a read-only database', { timeout: 120_000 }, async (t) => {
    const tmpfs = await mountTmpfs(4 << 20);
    let dbPath: string;
    if (tmpfs) {
      dbPath = path.join(tmpfs.dir, 'db.sqlite');
      assert.equal((await triageWith(dbPath)).code, 0);
      tmpfs.remountReadOnly();
    } else if (process.getuid?.() !== 0) {
      dbPath = path.join(work, 'readonly.sqlite');
      assert.equal((await triageWith(dbPath)).code, 0);
      await (await import('node:fs/promises')).chmod(dbPath, 0o444);
    } else {
      t.skip('root without permission to mount: a read-only file cannot be made here');
      return;
    }
    try {
      const { code, stderr } = await triageWith(dbPath);
      assert.equal(code, 1);
      assertOneLine(stderr, dbPath, /SQLITE_READONLY|SQLITE_CANTOPEN/);
    } finally {
      await tmpfs?.unmount();
    }
  });
});
