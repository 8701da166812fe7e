"""Cross-validation: every development patient scored once, by a CNN that never trained on it."""
import copy
import dataclasses
import json

import numpy as np
import pytest
import torch
from torch.optim.swa_utils import AveragedModel

import ichtrain.crossval as crossval
from ichtrain.compare import Validation, scan_auc
from ichtrain.config import complete_config
from ichtrain.heldout_sequence import smoothed_probs
from ichtrain.metrics import auc
from ichtrain.preprocess import resize_bilinear, window_channels
from ichtrain.slices import SliceTable

CONFIG = {
    'seed': 4, 'run_dir': 'unused', 'png_window': {'center': 40, 'width': 130},
    'ct_ich': {'use': True}, 'phe_sich': {'use': False},
    'cnn': {'width': 8, 'batch': 4, 'work_size': 32, 'phases': [{'size': 32, 'epochs': 1, 'lr': 0.002}]},
    'lstm': {'pca_dim': 4, 'hidden': 4, 'layers': 1, 'epochs': 1, 'lr': 0.001},
    'thresholds': {'any_sensitivity': 0.95, 'subtype_sensitivity': 0.9},
    'export': {'out': 'unused', 'name': 'n', 'version': '0', 'limitations': ['t']},
}


def fold_table(fold: int, rng) -> SliceTable:
    """Two patients of four slices, a bright blob (a 'bleed') on the positive ones."""
    images, labels = [], []
    for i in range(8):
        hu = rng.normal(30, 5, (256, 256)).astype(np.float32)
        positive = i % 2 == 0
        if positive:
            hu[100:140, 100:140] = 70
        images.append(hu)
        labels.append([1, positive, 0, 0, 0, 0] if positive else [0] * 6)
    return SliceTable(f'ct-ich-fold{fold}', images, np.array(labels, np.float32), np.ones((8, 6), bool),
                      np.array([0] * 4 + [1] * 4), np.array(list(range(4)) * 2), [f'f{fold}a', f'f{fold}b'],
                      [resize_bilinear(window_channels(hu), 256) for hu in images])


@pytest.fixture
def by_fold():
    rng = np.random.default_rng(1)
    return {f'fold{k}': [fold_table(k, rng)] for k in (1, 2, 3)}


def test_each_fold_is_scored_by_a_cnn_trained_on_the_other_folds(tmp_path, by_fold, monkeypatch):
    cfg = complete_config(CONFIG, 'test')
    trained_on = {}
    real_train = crossval.train_cnn

    def recording(cnn, tables, maker, cnn_cfg, seed):
        trained_on[seed] = sorted(t.name for t in tables)
        return real_train(cnn, tables, maker, cnn_cfg, seed)
    monkeypatch.setattr(crossval, 'train_cnn', recording)
    crossval.run_folds(cfg, 3, tmp_path, by_fold)
    assert trained_on == {4: ['ct-ich-fold2', 'ct-ich-fold3'], 5: ['ct-ich-fold1', 'ct-ich-fold3'],
                          6: ['ct-ich-fold1', 'ct-ich-fold2']}
    records = crossval.read_folds(tmp_path)
    assert [r['fold'] for r in records] == ['fold1', 'fold2', 'fold3']
    for k, r in enumerate(records, start=1):
        assert set(r['patient']) == {f'ct-ich:f{k}a', f'ct-ich:f{k}b'}
        assert len(r['probs']) == 8 and r['cnnFigures']['anyAuc'] is not None
        assert (tmp_path / f'fold{k}.pt').exists()

    # Pooled figures are those of the held-out probabilities themselves.
    result = crossval.report(tmp_path)
    labels = np.array([lab[0] for r in records for lab in r['labels']])
    probs = np.array([p[0] for r in records for p in r['probs']])
    assert result['patients'] == 6 and result['slices'] == 24
    assert result['figures']['CT-ICH any slice AUC']['value'] == round(auc(labels, probs), 4)
    assert len(result['figures']['CT-ICH any slice AUC']['perFold']) == 3

    # The gate changes subtype figures only: any is the same probability.
    gated = {row['figure']: row for row in crossval.report(tmp_path, gate=True)['gatedAgainstPlain']}
    assert gated['CT-ICH any slice AUC']['difference'] == 0
    epidural = np.array([lab[1] for r in records for lab in r['labels']])
    product = np.array([p[1] * p[0] for r in records for p in r['probs']])
    assert gated['pooled epidural slice AUC']['candidate'] == round(auc(epidural, product), 4)

    # The sequence probe: its rows are the nested model's probabilities against the folds' own, and
    # the smoothing's are the 1-2-1 mean of each scan's logits.
    probe = crossval.report(tmp_path, sequence_probe=True)
    nested = np.concatenate(crossval.nested_probs(records))
    rows = {row['figure']: row for row in probe['sequenceProbeAgainstPlain']}
    assert rows['CT-ICH any slice AUC']['reference'] == round(auc(labels, probs), 4)
    assert rows['CT-ICH any slice AUC']['candidate'] == round(auc(labels, nested[:, 0]), 4)
    smoothed = np.concatenate([smoothed_probs(r) for r in records])
    rows = {row['figure']: row for row in probe['smoothedAgainstPlain']}
    assert rows['CT-ICH any slice AUC']['candidate'] == round(auc(labels, smoothed[:, 0]), 4)
    # Keeping each slice's own value where it is higher leaves every scan's highest slice as it was.
    peak_kept = np.concatenate([smoothed_probs(r, keep_peak=True) for r in records])
    rows = {row['figure']: row for row in probe['peakKeepingSmoothedAgainstPlain']}
    assert rows['CT-ICH any slice AUC']['candidate'] == round(auc(labels, peak_kept[:, 0]), 4)
    patients = np.array([p for r in records for p in r['patient']])
    assert all(peak_kept[patients == p, 0].max() == probs[patients == p].max() for p in set(patients))
    assert len(probe['sequenceProbePerFold']) == 3

    # Against itself: the same patients, no difference in any figure.
    rows = crossval.report(tmp_path, reference=tmp_path)['againstReference']['rows']
    assert rows and all(row['difference'] == 0 and row['differenceCi95'] == [0, 0] for row in rows)


def test_a_stopped_run_goes_on_from_the_next_fold_and_refuses_another_recipe(tmp_path, by_fold, monkeypatch):
    cfg = complete_config(CONFIG, 'test')
    crossval.run_folds(cfg, 3, tmp_path, by_fold)
    (tmp_path / 'fold3.json').unlink()
    # A fold written before a config key existed: the key takes its default, the fold still counts.
    older = json.loads((tmp_path / 'fold2.json').read_text())
    del older['config']['cnn']['fracture_weight']
    (tmp_path / 'fold2.json').write_text(json.dumps(older))
    before = (tmp_path / 'fold1.json').read_text()
    seeds = []
    real_train = crossval.train_cnn
    monkeypatch.setattr(crossval, 'train_cnn', lambda cnn, tables, maker, c, seed: seeds.append(seed) or
                        real_train(cnn, tables, maker, c, seed))
    crossval.run_folds(cfg, 3, tmp_path, by_fold)
    assert seeds == [6] and (tmp_path / 'fold1.json').read_text() == before
    other = complete_config({**CONFIG, 'cnn': {**CONFIG['cnn'], 'width': 16}}, 'test')
    with pytest.raises(ValueError, match='another cnn'):
        crossval.run_folds(other, 3, tmp_path, by_fold)


def test_report_without_folds_and_against_a_reference_missing_folds_are_errors(tmp_path, by_fold):
    with pytest.raises(ValueError, match='no fold written'):
        crossval.report(tmp_path)
    cfg = complete_config(CONFIG, 'test')
    crossval.run_folds(cfg, 3, tmp_path / 'a', by_fold)
    crossval.run_folds(cfg, 3, tmp_path / 'b', by_fold)
    (tmp_path / 'b' / 'fold2.json').unlink()
    with pytest.raises(ValueError, match='fold2'):
        crossval.report(tmp_path / 'a', reference=tmp_path / 'b')
    # The other way round, the reference is compared on the folds the candidate has written.
    rows = crossval.report(tmp_path / 'b', reference=tmp_path / 'a')['againstReference']['rows']
    assert all(row['difference'] == 0 for row in rows)


def train_one(cfg: dict, table: SliceTable) -> dict:
    """The CNN crossval trains on `table` alone (seed 0), as its weights."""
    return crossval.train_fold(cfg, {'fold1': [table]}, 'none held out', 0)[0].state_dict()


def test_the_fracture_output_trains_the_cnn_on_labelled_slices_only():
    plain = complete_config(CONFIG, 'test')
    with_fracture = complete_config({**CONFIG, 'cnn': {**CONFIG['cnn'], 'fracture_weight': 1.0}}, 'test')
    table = fold_table(1, np.random.default_rng(1))
    same = lambda a, b: all(torch.equal(a[k], b[k]) for k in a)  # noqa: E731
    reference = train_one(plain, table)
    # No slice labels a fracture: the auxiliary output adds no gradient, the CNN is the plain one.
    assert same(train_one(with_fracture, table), reference)
    labelled = dataclasses.replace(table, fracture=np.array([1, 0, 0, 0, 0, 0, 1, 0], np.float32))
    assert same(train_one(plain, labelled), reference)  # a recipe without it ignores the labels
    assert not same(train_one(with_fracture, labelled), reference)


def with_drawn_bleeds(table: SliceTable) -> SliceTable:
    """fold_table's slices as a source that draws its bleeds: each positive slice's blob is its mask."""
    blob = np.zeros((256, 256), np.uint8)
    blob[100:140, 100:140] = 1
    return dataclasses.replace(table, name=table.name.replace('ct-ich', 'phe-sich'),
                               masks=[blob if label[0] == 1 else None for label in table.labels])


def test_the_cam_mask_loss_trains_the_cnn_on_drawn_bleeds_only():
    # At 96 px the class maps have 3 x 3 cells (at 32 px, one: every map's mass is on the bleed).
    cnn = {**CONFIG['cnn'], 'work_size': 96, 'phases': [{'size': 96, 'epochs': 1, 'lr': 0.002}]}
    plain = complete_config({**CONFIG, 'cnn': cnn}, 'test')
    with_masks = complete_config({**CONFIG, 'cnn': {**cnn, 'cam_mask_weight': 0.1}}, 'test')
    table = fold_table(1, np.random.default_rng(1))
    same = lambda a, b: all(torch.equal(a[k], b[k]) for k in a)  # noqa: E731
    reference = train_one(plain, table)
    # A source without masks adds no gradient: the CNN is the plain one (the same random draws too).
    assert same(train_one(with_masks, table), reference)
    drawn = with_drawn_bleeds(table)
    assert same(train_one(plain, drawn), reference)  # a recipe without it ignores the masks
    assert not same(train_one(with_masks, drawn), reference)


def test_the_cam_pointing_report_pairs_each_folds_cnn_with_the_references_on_the_same_slices(
        tmp_path, by_fold, monkeypatch):
    cfg = complete_config(CONFIG, 'test')
    crossval.run_folds(cfg, 3, tmp_path / 'a', by_fold)
    crossval.run_folds(cfg, 3, tmp_path / 'b', by_fold)
    drawn = {name: with_drawn_bleeds(tables[0]) for name, tables in by_fold.items()}
    monkeypatch.setattr(crossval, 'phe_sich_tables', lambda section, png_window, folds: drawn)
    result = crossval.cam_pointing_report(tmp_path / 'a', tmp_path / 'b', resamples=50)
    for cls in ('any', 'intraparenchymal'):
        row = result['classes'][cls]
        # 4 positive slices with a drawn bleed per fold, 2 patients per fold; the same CNNs: no difference.
        assert (row['slices'], row['patients'], row['difference']) == (12, 6, 0)
        assert row['reference'] == row['candidate'] == pytest.approx(
            np.mean([f[f'candidate {cls}'] for f in result['perFold']]))
    assert [f['fold'] for f in result['perFold']] == ['fold1', 'fold2', 'fold3']


def test_averaged_weights_are_the_mean_of_the_last_epochs_and_the_fold_keeps_its_unaveraged_pair(
        tmp_path, by_fold, monkeypatch):
    two_epochs = {**CONFIG['cnn'], 'phases': [{'size': 32, 'epochs': 2, 'lr': 0.002}]}
    plain = complete_config({**CONFIG, 'cnn': two_epochs}, 'test')
    averaging = complete_config({**CONFIG, 'cnn': {**two_epochs, 'average_last_epochs': 2}}, 'test')
    table = fold_table(1, np.random.default_rng(1))
    snapshots = []
    real_update = AveragedModel.update_parameters
    monkeypatch.setattr(AveragedModel, 'update_parameters',
                        lambda self, model: snapshots.append(copy.deepcopy(model.state_dict())) or real_update(self, model))
    cnn, _, _, last_weights = crossval.train_fold(averaging, {'fold1': [table]}, 'none held out', 0)
    assert len(snapshots) == 2
    # Averaging does not touch the training itself: its last step is the plain recipe's CNN.
    reference = train_one(plain, table)
    assert all(torch.equal(last_weights[k], reference[k]) for k in reference)
    averaged = cnn.state_dict()
    for key, value in averaged.items():
        if value.is_floating_point():
            assert torch.allclose(value, (snapshots[0][key] + snapshots[1][key]) / 2, atol=1e-6), key
    assert not torch.equal(averaged['head.weight'], reference['head.weight'])

    crossval.run_folds(averaging, 3, tmp_path, by_fold)
    assert [r['config']['cnn']['average_last_epochs'] for r in crossval.read_folds(tmp_path)] == [2, 2, 2]
    unaveraged = crossval.read_folds(tmp_path / crossval.LAST_WEIGHTS)
    assert [r['config']['cnn']['average_last_epochs'] for r in unaveraged] == [0, 0, 0]
    # The unaveraged folds are what the plain recipe writes, so they stand in for its run.
    crossval.run_folds(plain, 3, tmp_path / 'plain', by_fold)
    assert [r['probs'] for r in unaveraged] == [r['probs'] for r in crossval.read_folds(tmp_path / 'plain')]
    rows = crossval.report(tmp_path, reference=tmp_path / crossval.LAST_WEIGHTS)['againstReference']['rows']
    assert any(row['difference'] != 0 for row in rows)


def test_scan_auc_scores_each_scan_by_its_highest_slice_and_counts_a_patient_drawn_twice_twice():
    # Patients a (positive, its highest slice 0.9), b (negative, 0.8) and c (negative, 0.95) of CT-ICH,
    # and one PHE-SICH patient that the CT-ICH figure leaves out.
    labels = np.zeros((7, 6), np.float32)
    labels[[0, 1], 0] = 1
    probs = np.zeros((7, 6), np.float32)
    probs[:, 0] = [0.2, 0.9, 0.8, 0.1, 0.95, 0.3, 0.99]
    v = Validation(labels, np.ones((7, 6), bool), probs,
                            np.array(['a', 'a', 'b', 'b', 'c', 'c', 'p'], object),
                            np.array(['ct-ich'] * 6 + ['phe-sich'], object))
    figure = scan_auc('any', 'ct-ich')
    assert figure(v, np.arange(7)) == 0.5
    # c drawn twice in a row is two negative scans above a (merged into one, the AUC would be 0.5).
    assert figure(v, np.array([0, 1, 2, 3, 4, 5, 4, 5])) == 1 / 3
