import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startEngine, type Engine } from '../../src-main/app/engine.js';
import { setLogLevel } from '../../src-main/log.js';
import { SHARED_DATA } from '../helpers/paths.js';
import { until } from '../helpers/until.js';

setLogLevel('error');
const RSNA = path.join(SHARED_DATA, 'rsna-slices', 'dicom');

describe('watched inbox', () => {
  let work: string;
  let inbox: string;
  let engine: Engine;
  let rsnaFiles: string[];

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-inbox-'));
    inbox = path.join(work, 'inbox');
    await mkdir(inbox);
    rsnaFiles = (await readdir(RSNA)).sort().map((f) => path.join(RSNA, f));
    engine = await startEngine({ dbPath: path.join(work, 'db.sqlite'), inbox, settleMs: 300, rescanMs: 2000, providers: [] });
  });

  after(() => engine.close());

  it('waits for a file that is still being written instead of quarantining it', async () => {
    const bytes = await readFile(rsnaFiles[0]!);
    const target = path.join(inbox, 'arriving.dcm');
    await writeFile(target, bytes.subarray(0, bytes.length >> 1));
    await sleep(600); // longer than the watcher's stability window: the half file is seen and found truncated
    await appendFile(target, bytes.subarray(bytes.length >> 1));
    await until('the slice is triaged', () => engine.store.studies.list().some((s) => s.state === 'done'));
    assert.deepEqual(engine.store.rejections.list(), []);
  });

  it('takes files in nested folders and counts a file that arrives twice once', async () => {
    await mkdir(path.join(inbox, 'a', 'b'), { recursive: true });
    await copyFile(rsnaFiles[1]!, path.join(inbox, 'a', 'b', 'first.dcm'));
    await copyFile(rsnaFiles[1]!, path.join(inbox, 'a', 'again.dcm'));
    const outcomesOfA = () => engine.store.db.prepare(`SELECT outcome FROM files WHERE path LIKE '%/a/%' ORDER BY outcome`).all() as { outcome: string }[];
    await until('both copies handled', () => outcomesOfA().length === 2);
    await until('two studies triaged', () => engine.store.studies.list().filter((s) => s.state === 'done').length === 2);
    const outcomes = outcomesOfA();
    assert.deepEqual(outcomes.map((o) => o.outcome), ['duplicate', 'instance']);
    assert.deepEqual(engine.store.studies.list().map((s) => s.sliceCount), [1, 1]);
  });

  it('quarantines garbage as a copy with its reason and leaves the original where it was', async () => {
    const garbage = path.join(inbox, 'garbage.dcm');
    await writeFile(garbage, 'DICM? no.'.repeat(50));
    await until('the garbage is rejected', () => engine.store.rejections.list().length === 1, 15_000);
    const [rejection] = engine.store.rejections.list();
    assert.equal(rejection!.path, garbage);
    assert.equal(rejection!.code, 'NOT_DICOM');
    assert.equal(await readFile(garbage, 'utf8'), 'DICM? no.'.repeat(50));
    assert.equal(await readFile(rejection!.quarantinedPath!, 'utf8'), 'DICM? no.'.repeat(50));
    const reason = JSON.parse(await readFile(`${rejection!.quarantinedPath}.reason.json`, 'utf8'));
    assert.equal(reason.code, 'NOT_DICOM');
    // The reason file names the file by its inbox-relative path only.
    assert.equal(reason.source, 'garbage.dcm');
    assert.equal(reason.copied, true);
  });
});
