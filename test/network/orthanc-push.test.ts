import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEngine, type Engine } from '../../src-main/app/engine.js';
import { setLogLevel } from '../../src-main/log.js';
import { CT_IMAGE_STORAGE } from '../../src-main/network/scp/negotiation.js';
import { dcmtk, startOrthanc, type Orthanc } from '../helpers/dicom-peers.js';
import { SHARED_DATA } from '../helpers/paths.js';
import { until } from '../helpers/until.js';

setLogLevel('error');

const CQ500 = path.join(SHARED_DATA, 'cq500', 'CQ500-CT-0');
const RSNA = path.join(SHARED_DATA, 'rsna-slices', 'dicom');
/** Far longer than the test may take: a study triaged in time was completed by the association's release. */
const SETTLE_MS = 600_000;

describe('Orthanc pushes studies to our C-STORE SCP', () => {
  let work: string;
  let engine: Engine;
  let orthanc: Orthanc;

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-orthanc-push-'));
    await mkdir(path.join(work, 'inbox'));
    engine = await startEngine({
      dbPath: path.join(work, 'db.sqlite'),
      inbox: path.join(work, 'inbox'),
      providers: [],
      settleMs: SETTLE_MS,
      network: { scpEnabled: true, port: 0, aeTitle: 'ICHTRIAGE', allowedCallingAeTitles: ['ORTHANC'] },
    });
    orthanc = await startOrthanc(path.join(work, 'orthanc'), { ichtriage: ['ICHTRIAGE', '127.0.0.1', engine.network!.scpPort!] });
    // The RSNA files omit the SOP Class UID (Type 1) from their dataset, and no SCU will send an
    // instance without one (Orthanc: "Unable to determine the SOP class"; storescu: "missing SOP
    // class"): the copies get it back from their own File Meta, nothing else changes.
    const rsna = path.join(work, 'rsna');
    await mkdir(rsna);
    for (const name of await readdir(RSNA)) {
      await copyFile(path.join(RSNA, name), path.join(rsna, name));
      const repaired = await dcmtk('dcmodify', ['-nb', '-i', `(0008,0016)=${CT_IMAGE_STORAGE}`, path.join(rsna, name)]);
      assert.equal(repaired.code, 0, repaired.stderr);
    }
    for (const folder of [CQ500, rsna]) {
      for (const name of await readdir(folder)) await orthanc.rest('POST', '/instances', await readFile(path.join(folder, name)));
    }
  });

  after(async () => {
    await orthanc?.stop();
    await engine?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('the pushed studies reach the worklist with scores, triaged on association release rather than after the settle time', async () => {
    const studies = await orthanc.rest<string[]>('GET', '/studies');
    assert.equal(studies.length, 6, 'CQ500-CT-0 and five RSNA studies in Orthanc');
    const started = Date.now();
    const job = await orthanc.rest<{ InstancesCount: number; FailedInstancesCount: number }>('POST', '/modalities/ichtriage/store', { Resources: studies, Synchronous: true });
    assert.equal(job.FailedInstancesCount, 0);
    assert.equal(job.InstancesCount, 243);
    await until('every pushed study triaged', () => engine.store.studies.list().filter((s) => s.state === 'done').length === 6, 240_000);
    assert.ok(Date.now() - started < SETTLE_MS, 'completed by the release signal');
    const worklist = await engine.api.listStudies({});
    assert.equal(worklist.length, 6);
    const model = await engine.api.getModel();
    assert.ok(model, 'the engine loaded its model');
    for (const study of worklist) {
      // Scored by the loaded model over every pushed slice: the study's score is its slices' maximum.
      assert.deepEqual(study.model, { name: model.name, version: model.version });
      const slices = (await engine.api.getStudy(study.studyId)).series.flatMap((s) => s.slices);
      assert.equal(slices.length, study.sliceCount);
      assert.equal(study.scores?.any, Math.max(...slices.map((s) => s.scores.any)), study.studyInstanceUid);
    }
    const cq500 = worklist.find((s) => s.patientId === 'CQ500-CT-0')!;
    assert.equal(cq500.sliceCount, 238);
    assert.deepEqual((await engine.api.listRejected()).length, 0);
  });
});
