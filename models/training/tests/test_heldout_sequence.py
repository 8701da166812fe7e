"""The held-out sequence probe: nested across folds, the identity before training, and it learns context."""
import numpy as np
import torch

import ichtrain.heldout_sequence as heldout_sequence
from ichtrain.metrics import auc


def fold_record(fold: int, rng, scans: int = 6, slices: int = 12) -> dict:
    """Scans whose bleed spans slices 4-7 of every other scan; the CNN's logit is the truth plus
    noise that varies from slice to slice, so neighbouring slices carry evidence about each other.
    Slices are stored out of order, as a table need not keep them in scan order."""
    record = {'patient': [], 'order': [], 'labels': [], 'known': [], 'probs': []}
    for s in range(scans):
        positive_scan = s % 2 == 0
        for i in rng.permutation(slices):
            positive = positive_scan and 4 <= i <= 7
            logit = (1.0 if positive else -1.0) + rng.normal(0, 2.0)
            record['patient'].append(f'ct-ich:{fold}-{s}')
            record['order'].append(int(i))
            record['labels'].append([int(positive), int(positive), 0, 0, 0, 0])
            record['known'].append([True] * 6)
            record['probs'].append([float(1 / (1 + np.exp(-logit)))] + [0.01] * 5)
    return record


def test_an_untrained_model_is_the_cnn_alone():
    model = heldout_sequence.LogitSequenceModel()
    logits = torch.randn(1, 9, 6)
    assert torch.equal(model(logits), logits)


def test_scans_are_a_patients_slices_in_slice_order():
    record = {'patient': ['a', 'b', 'a', 'a', 'b'], 'order': [2, 1, 0, 1, 0]}
    assert [list(idx) for idx in heldout_sequence.scans(record)] == [[2, 3, 0], [4, 1]]


def test_each_fold_is_scored_by_a_model_fitted_on_the_other_folds_only(monkeypatch):
    rng = np.random.default_rng(0)
    records = [fold_record(k, rng) for k in range(3)]
    fitted_on = []
    real_fit = heldout_sequence.fit

    def recording(folds):
        fitted_on.append(sorted(r['patient'][0] for r in folds))
        return real_fit(folds)
    monkeypatch.setattr(heldout_sequence, 'fit', recording)
    heldout_sequence.nested_probs(records)
    assert fitted_on == [['ct-ich:1-0', 'ct-ich:2-0'], ['ct-ich:0-0', 'ct-ich:2-0'], ['ct-ich:0-0', 'ct-ich:1-0']]


def test_the_nested_model_and_the_smoothing_use_neighbouring_slices():
    rng = np.random.default_rng(1)
    records = [fold_record(k, rng) for k in range(3)]
    labels = np.concatenate([np.asarray(r['labels'])[:, 0] for r in records])
    plain = auc(labels, np.concatenate([np.asarray(r['probs'])[:, 0] for r in records]))
    nested = auc(labels, np.concatenate(heldout_sequence.nested_probs(records))[:, 0])
    smoothed = auc(labels, np.concatenate([heldout_sequence.smoothed_probs(r) for r in records])[:, 0])
    assert nested > plain + 0.05
    assert smoothed > plain + 0.05


def test_smoothing_weights_a_slice_twice_its_neighbours_and_repeats_the_ends():
    z = np.array([0.0, 4.0, -4.0])
    record = {'patient': ['p'] * 3, 'order': [0, 1, 2], 'probs': (1 / (1 + np.exp(-z)))[:, None].repeat(6, 1).tolist()}
    out = heldout_sequence.smoothed_probs(record)[:, 0]
    expected = np.array([(0 + 0 + 4) / 4, (0 + 8 - 4) / 4, (4 - 8 - 4) / 4])
    np.testing.assert_allclose(np.log(out / (1 - out)), expected, atol=1e-4)


def test_keeping_the_peak_raises_a_slice_to_its_smoothed_value_and_leaves_each_scans_highest_slice():
    rng = np.random.default_rng(2)
    record = fold_record(0, rng)
    probs = np.asarray(record['probs'])
    plain = heldout_sequence.smoothed_probs(record)
    kept = heldout_sequence.smoothed_probs(record, keep_peak=True)
    np.testing.assert_allclose(kept, np.maximum(plain, probs), atol=1e-6)
    assert (kept > probs + 1e-3).any()
    for idx in heldout_sequence.scans(record):
        assert np.array_equal(kept[idx].max(axis=0), probs[idx].max(axis=0))


def test_keeping_the_peak_lifts_no_scan_whose_every_slice_is_nearly_zero():
    # Below the probe's clamp (1e-4): clamped, both scans would tie at 1e-4.
    record = {'patient': ['a', 'a', 'b', 'b'], 'order': [0, 1, 0, 1],
              'probs': [[2e-6] * 6, [1e-6] * 6, [5e-6] * 6, [1e-6] * 6]}
    kept = heldout_sequence.smoothed_probs(record, keep_peak=True)
    assert kept[:2, 0].max() == 2e-6 and kept[2:, 0].max() == 5e-6
