import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { ClassScores } from '../../src-main/contract/classes.js';
import { modelIdentity, type ModelCard } from '../../src-main/domain/model-card.js';
import { TriageService } from '../../src-main/services/triage-service.js';
import { TriageStore } from '../../src-main/store/triage-store.js';
import { fakeCard } from '../helpers/fake-inference.js';
import { ctHeader } from '../helpers/headers.js';

const scores = (any: number): ClassScores => ({ any, epidural: 0, intraparenchymal: any, intraventricular: 0, subarachnoid: 0, subdural: 0 });
const thresholds = (any: number): ClassScores => ({ any, epidural: 0.5, intraparenchymal: 0.5, intraventricular: 0.5, subarachnoid: 0.5, subdural: 0.5 });

/** A study scored by `card` with this `any`, stored through the repositories as the pipeline would. */
function scoredStudy(store: TriageStore, uid: string, card: ModelCard, any: number): number {
  const header = ctHeader({ StudyInstanceUID: uid, SeriesInstanceUID: `${uid}.1`, SOPInstanceUID: `${uid}.1.1` });
  const modelId = store.models.ensure(modelIdentity(card), card.thresholds);
  const studyId = store.studies.ensure(header);
  const { seriesId } = store.series.ensure(studyId, header);
  store.series.saveTriage({ seriesId, modelId, tiltDegrees: 0, spacingMm: null, warnings: [], scores: scores(any), mostSuspiciousSlice: 0 });
  store.studies.saveScore(studyId, { scores: scores(any), drivingSeriesUid: header.SeriesInstanceUID }, { id: modelId, ...card });
  store.studies.setState(studyId, 'done', null);
  return studyId;
}

/** What the worklist shows while two models' results coexist, through the service and an in-memory store. */
describe('triage service with results of two models', () => {
  const older = fakeCard({ name: 'older', version: '1', thresholds: thresholds(0.5), files: { sliceCnn: { path: 'a', sha256: '1' }, scanLstm: { path: 'b', sha256: '1' } } });
  const current = fakeCard({ name: 'current', version: '2', thresholds: thresholds(0.9), files: { sliceCnn: { path: 'a', sha256: '2' }, scanLstm: { path: 'b', sha256: '2' } } });
  let store: TriageStore;
  let ids: { olderUnflagged: number; olderFlagged: number; currentScored: number };

  beforeEach(() => {
    store = new TriageStore(':memory:');
    ids = {
      olderUnflagged: scoredStudy(store, '1.1', older, 0.2),
      olderFlagged: scoredStudy(store, '1.2', older, 0.7),
      currentScored: scoredStudy(store, '1.3', current, 0.7),
    };
  });

  it('flags each study by the thresholds of the model that scored it, and names that model', async () => {
    const service = new TriageService(store, current);
    const byId = new Map((await service.listStudies({})).map((s) => [s.studyId, s]));
    assert.deepEqual(byId.get(ids.olderFlagged)!.model, { name: 'older', version: '1' });
    assert.equal(byId.get(ids.olderFlagged)!.flagged, true, '0.7 reaches the older model threshold 0.5');
    assert.deepEqual(byId.get(ids.currentScored)!.model, { name: 'current', version: '2' });
    assert.equal(byId.get(ids.currentScored)!.flagged, false, '0.7 is below the current model threshold 0.9');
    const detail = await service.getStudy(ids.olderFlagged);
    assert.equal(detail.model!.name, 'older');
    assert.equal(detail.model!.thresholds.any, 0.5);
    assert.match(detail.model!.intendedUse, /^Scored by an earlier model; current v2 re-scores it/);
  });

  it('compares readers with the running model only on the studies it scored', async () => {
    const service = new TriageService(store, current);
    for (const studyId of Object.values(ids)) store.reads.insert({ studyId, reader: 'R1', findings: { any: true }, note: '', sliceMarks: [], source: 'test' });
    const result = await service.compare({ reference: 'R1' });
    assert.equal(result.studyCount, 1);
  });

  it('re-scores flagged studies first, then the oldest', () => {
    const currentId = store.models.ensure(modelIdentity(current), current.thresholds);
    assert.deepEqual(
      store.studies.scoredByOtherModels(currentId).map((s) => s.id),
      [ids.olderFlagged, ids.olderUnflagged],
    );
  });
});
