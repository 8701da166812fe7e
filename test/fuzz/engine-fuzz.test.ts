import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEngine, type Engine } from '../../src-main/app/engine.js';
import { REJECTION_CODES } from '../../src-main/contract/warnings.js';
import { setLogLevel } from '../../src-main/log.js';
import { readHeader } from '../../src-main/pipeline/decode/index.js';
import { mutantFileName, sampleMutants } from '../../tools/fuzz/sample.js';
import { SHARED_DATA } from '../helpers/paths.js';

setLogLevel('silent');
const RSNA = path.join(SHARED_DATA, 'rsna-slices', 'dicom');
const MUTANTS = 200;

/**
 * Mutants dropped in with five good RSNA slices: the engine keeps triaging the good studies, and
 * every mutant ends stored or rejected with a code (nothing lost, nothing pending).
 */
describe('engine fuzz: mutants beside good studies', () => {
  let work: string;
  let engine: Engine;
  let goodFiles: string[];
  let mutantFiles: string[];

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-fuzz-'));
    const folder = path.join(work, 'drop');
    await mkdir(folder);
    goodFiles = [];
    for (const name of (await readdir(RSNA)).sort()) {
      goodFiles.push(path.join(folder, `good-${name}`));
      await copyFile(path.join(RSNA, name), goodFiles[goodFiles.length - 1]!);
    }
    mutantFiles = [];
    for (const [index, mutant] of [...sampleMutants(SHARED_DATA, MUTANTS, 4242, 30)].entries()) {
      mutantFiles.push(path.join(folder, mutantFileName(mutant, index)));
      await writeFile(mutantFiles[mutantFiles.length - 1]!, mutant.bytes);
    }
    engine = await startEngine({ dbPath: path.join(work, 'db.sqlite'), settleMs: 0, quarantineDir: path.join(work, 'quarantine'), providers: [] });
    await engine.ingestPaths([folder]);
    await engine.whenIdle();
  });

  after(async () => {
    await engine.close();
    await rm(work, { recursive: true, force: true });
  });

  it('triages every good study', async () => {
    const studies = engine.store.studies.list();
    const goodUids = new Set<string>();
    for (const file of goodFiles) {
      const header = readHeader(await readFile(file), file);
      assert.ok(header.ok);
      goodUids.add(header.header.StudyInstanceUID);
    }
    const good = studies.filter((s) => goodUids.has(s.studyInstanceUid));
    assert.equal(good.length, 5, `good studies: ${studies.map((s) => s.studyInstanceUid).join(', ')}`);
    assert.ok(good.every((s) => s.state === 'done' && s.scores !== null));
  });

  it('accounts for every mutant: stored, a duplicate, or rejected with a known code and a reason', () => {
    const outcomes = new Map(
      (engine.store.db.prepare('SELECT path, outcome FROM files').all() as { path: string; outcome: string }[]).map((row) => [row.path, row.outcome]),
    );
    const rejections = new Map(engine.store.rejections.list().map((r) => [r.path, r]));
    for (const file of mutantFiles) {
      const outcome = outcomes.get(file);
      assert.ok(outcome === 'instance' || outcome === 'duplicate' || outcome === 'rejected', `${path.basename(file)}: ${outcome ?? 'not accounted for'}`);
      if (outcome === 'rejected') {
        const rejection = rejections.get(file);
        assert.ok(rejection && REJECTION_CODES.includes(rejection.code) && rejection.reason.length > 0, `${path.basename(file)}: rejected without a code`);
      }
    }
    assert.equal(outcomes.size, MUTANTS + goodFiles.length);
    // The sample is not trivially all-bad or all-good.
    const counts = [...outcomes.values()].reduce((acc, o) => acc.set(o, (acc.get(o) ?? 0) + 1), new Map<string, number>());
    assert.ok((counts.get('rejected') ?? 0) > MUTANTS / 2 && (counts.get('instance') ?? 0) > goodFiles.length, JSON.stringify([...counts]));
  });

  it('leaves no series unfinished', () => {
    assert.deepEqual(engine.store.series.unfinished(), []);
  });
});
