import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEngine, type Engine } from '../../src-main/app/engine.js';
import { setLogLevel } from '../../src-main/log.js';
import { rewriteDicom } from '../helpers/dicom-edit.js';
import { SHARED_DATA } from '../helpers/paths.js';

setLogLevel('error');

const CQ500 = path.join(SHARED_DATA, 'cq500');
const STUDY_UID = '1.2.826.0.1.3680043.10.1234.1';

/**
 * One study with four series, built from real CQ500 slices: a thin axial series, a single thick
 * slice, a localizer and a sagittal reformat. The last two must be rejected with their reason.
 */
describe('a study with several series', () => {
  let engine: Engine;
  let inbox: string;

  before(async () => {
    inbox = await mkdtemp(path.join(os.tmpdir(), 'ichtriage-multi-'));
    const thin = (await readdir(path.join(CQ500, 'CQ500-CT-0'))).sort().slice(100, 112);
    await mkdir(path.join(inbox, 'thin'));
    for (const [i, f] of thin.entries()) {
      await rewriteDicom(path.join(CQ500, 'CQ500-CT-0', f), path.join(inbox, 'thin', f), {
        StudyInstanceUID: STUDY_UID,
        SeriesInstanceUID: `${STUDY_UID}.1`,
        SOPInstanceUID: `${STUDY_UID}.1.${i + 1}`,
      });
    }
    const single = path.join(CQ500, 'CQ500-CT-1_single_slice', 'CT000000.dcm');
    const series = (n: number, extra: Record<string, unknown>) =>
      rewriteDicom(single, path.join(inbox, `series${n}.dcm`), {
        StudyInstanceUID: STUDY_UID,
        SeriesInstanceUID: `${STUDY_UID}.${n}`,
        SOPInstanceUID: `${STUDY_UID}.${n}.1`,
        ...extra,
      });
    await series(2, {});
    await series(3, { ImageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] });
    await series(4, { ImageOrientationPatient: [0, 1, 0, 0, 0, -1] });
    engine = await startEngine({ dbPath: ':memory:', settleMs: 0, quarantineDir: null, providers: [] });
    await engine.ingestPaths([inbox]);
    await engine.whenIdle();
  });

  after(() => engine.close());

  it('triages every eligible axial series and scores the study as their maximum', async () => {
    const [study] = await engine.api.listStudies({});
    assert.equal(study!.studyInstanceUid, STUDY_UID);
    assert.equal(study!.state, 'done');
    assert.equal(study!.seriesCount, 2);
    assert.equal(study!.sliceCount, 13);
    const detail = await engine.api.getStudy(study!.studyId);
    const anyScores = detail.series.map((s) => s.scores!.any);
    assert.equal(study!.scores!.any, Math.max(...anyScores));
    const driving = detail.series.find((s) => s.seriesInstanceUid === study!.drivingSeriesUid)!;
    assert.equal(driving.scores!.any, Math.max(...anyScores));
  });

  it('rejects the localizer and the sagittal reformat, each with its reason', async () => {
    const rejected = await engine.api.listRejected();
    const byFile = Object.fromEntries(rejected.map((r) => [path.basename(r.path), r.code]));
    assert.deepEqual(byFile, { 'series3.dcm': 'LOCALIZER', 'series4.dcm': 'NON_AXIAL' });
  });
});
