import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEngine, type Engine } from '../../src-main/app/engine.js';
import { setLogLevel, setLogSink } from '../../src-main/log.js';
import { SHARED_DATA } from '../helpers/paths.js';
import { until } from '../helpers/until.js';

const RSNA = path.join(SHARED_DATA, 'rsna-slices', 'dicom');
const MB = 1024 * 1024;

/**
 * The inbox is a jail: links are never followed (not to a file outside, not to a folder outside,
 * not in a loop), pipes are never opened for reading, files above the size limit are never read,
 * and each of them is recorded with its reason while the good files beside them are triaged.
 */
describe('the inbox is a jail', () => {
  let work: string;
  let inbox: string;
  let quarantine: string;
  let engine: Engine;
  const logLines: string[] = [];
  const rsnaFiles: string[] = [];

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-jail-'));
    inbox = path.join(work, 'inbox');
    quarantine = path.join(work, 'quarantine');
    const outside = path.join(work, 'outside');
    await mkdir(path.join(inbox, 'nested'), { recursive: true });
    await mkdir(path.join(outside, 'study'), { recursive: true });
    rsnaFiles.push(...(await readdir(RSNA)).sort().map((f) => path.join(RSNA, f)));
    // Good files: two RSNA slices in the inbox; a third only outside it, reachable through a link.
    await copyFile(rsnaFiles[0]!, path.join(inbox, 'good-1.dcm'));
    await copyFile(rsnaFiles[1]!, path.join(inbox, 'nested', 'good-2.dcm'));
    await copyFile(rsnaFiles[2]!, path.join(outside, 'study', 'outside.dcm'));
    await writeFile(path.join(outside, 'secret.txt'), 'not for the inbox\n');
    await symlink(path.join(outside, 'secret.txt'), path.join(inbox, 'link-to-outside-file'));
    await symlink(path.join(outside, 'study'), path.join(inbox, 'link-to-outside-folder'));
    await symlink('..', path.join(inbox, 'nested', 'loop'));
    await symlink(path.join(work, 'does-not-exist'), path.join(inbox, 'dangling'));
    execFileSync('mkfifo', [path.join(inbox, 'named-pipe')]);
    // Sparse: 300 MB long, no disk used; above the default 256 MB limit.
    await writeFile(path.join(inbox, 'huge.dcm'), '');
    await truncate(path.join(inbox, 'huge.dcm'), 300 * MB);
    // A name that tries to forge a log line.
    await writeFile(path.join(inbox, 'evil\nERROR forged line.dcm'), 'not DICOM at all '.repeat(20));

    setLogLevel('info');
    setLogSink((line) => logLines.push(line));
    engine = await startEngine({ dbPath: path.join(work, 'db.sqlite'), inbox, quarantineDir: quarantine, settleMs: 200, rescanMs: 500, providers: [] });
  });

  after(async () => {
    await engine.close();
    setLogSink((line) => process.stderr.write(line + '\n'));
    setLogLevel('error');
    await rm(work, { recursive: true, force: true });
  });

  const rejectionOf = (name: string) => engine.store.rejections.list().find((r) => path.relative(inbox, r.path) === name);

  it('triages the good files and nothing reached through a link', async () => {
    await until('both good slices triaged', () => engine.store.studies.list().filter((s) => s.state === 'done').length === 2);
    await until('every special entry recorded', () => engine.store.rejections.list().length === 7);
    // Several rescans later, still only the two studies of the inbox's own files.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const paths = engine.store.db.prepare(`SELECT path FROM instances ORDER BY path`).all() as { path: string }[];
    assert.deepEqual(paths.map((p) => path.relative(inbox, p.path)), ['good-1.dcm', path.join('nested', 'good-2.dcm')]);
  });

  it('records each link, pipe and oversize file with its reason, once', () => {
    for (const name of ['link-to-outside-file', 'link-to-outside-folder', path.join('nested', 'loop'), 'dangling']) {
      const rejection = rejectionOf(name);
      assert.equal(rejection?.code, 'NOT_REGULAR_FILE', name);
      assert.match(rejection!.reason, /symbolic link.*never followed/);
    }
    assert.equal(rejectionOf('named-pipe')?.code, 'NOT_REGULAR_FILE');
    assert.match(rejectionOf('named-pipe')!.reason, /named pipe/);
    assert.equal(rejectionOf('huge.dcm')?.code, 'TOO_LARGE');
    assert.match(rejectionOf('huge.dcm')!.reason, /300\.0 MB, above the 256\.0 MB limit/);
    assert.equal(rejectionOf('evil\nERROR forged line.dcm')?.code, 'NOT_DICOM');
    // Rescans do not record the same file again.
    assert.equal(engine.store.rejections.list().length, 7);
  });

  it('copies nothing from outside into quarantine and keeps only a reference to the oversize file', async () => {
    const entries = (await readdir(quarantine)).sort();
    assert.ok(!entries.some((name) => name.includes('secret') || name.includes('link')), entries.join(', '));
    const huge = engine.store.rejections.list().find((r) => r.code === 'TOO_LARGE')!;
    assert.match(huge.quarantinedPath!, /\.reason\.json$/);
    const reason = JSON.parse(await readFile(huge.quarantinedPath!, 'utf8'));
    assert.deepEqual([reason.source, reason.copied, reason.size], ['huge.dcm', false, 300 * MB]);
    assert.ok(!entries.some((name) => name.endsWith('huge.dcm')), 'the oversize file itself is not copied');
    // The forged name is quarantined under a name without the control character.
    assert.ok(entries.some((name) => /evil_ERROR forged line\.dcm$/.test(name)), entries.join(', '));
  });

  it('keeps every log line one JSON line, with inbox-relative names only', () => {
    assert.ok(logLines.length > 0);
    // Every captured line is one whole JSON object: a file name cannot forge a line.
    const entries = logLines.map((line) => JSON.parse(line) as { level: string; msg: string });
    assert.ok(entries.some((e) => e.msg.includes('evil\nERROR forged line.dcm')), 'the name is logged whole, inside its line');
    const rejected = entries.filter((e) => e.msg.startsWith('rejected '));
    assert.ok(rejected.length >= 7);
    // Only the start-up line says where the inbox is; no line about a file names more than its place in it.
    assert.deepEqual(entries.filter((e) => e.msg.includes(work) && !e.msg.startsWith('watching inbox ')), []);
  });

  it('leaves the inbox as it was', async () => {
    assert.deepEqual((await readdir(inbox)).sort(), ['dangling', 'evil\nERROR forged line.dcm', 'good-1.dcm', 'huge.dcm', 'link-to-outside-file', 'link-to-outside-folder', 'named-pipe', 'nested'].sort());
  });
});
