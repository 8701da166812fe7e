"""The smoothing over a validation set's scans follows each scan's slice order, not the table's."""
import numpy as np
import pytest

from ichtrain.compare import Validation
from ichtrain.model import ScanModel
from ichtrain.scan_smoothing import smoothed, unsmoothed_outputs, validation_rows


def validation(order) -> Validation:
    # One CT-ICH scan of three slices stored out of order: the confident slice (logit 4) is the
    # middle one in scan order, between logits 0 and -4.
    z = np.array([4.0, 0.0, -4.0])
    probs = (1 / (1 + np.exp(-z)))[:, None].repeat(6, 1).astype(np.float32)
    return Validation(np.zeros((3, 6), np.float32), np.ones((3, 6), bool), probs,
                      np.array(['ct-ich:a'] * 3, object), np.array(['ct-ich'] * 3, object),
                      None if order is None else np.array(order))


def test_neighbours_are_the_slices_next_in_scan_order():
    out = smoothed(validation([1, 0, 2])).probs[:, 0]
    logits = np.log(out / (1 - out))
    # In scan order the logits are 0, 4, -4: the ends repeated, (0+0+4)/4, (0+8-4)/4, (4-8-4)/4.
    np.testing.assert_allclose(logits, [(0 + 8 - 4) / 4, (0 + 0 + 4) / 4, (4 - 8 - 4) / 4], atol=1e-4)
    kept = smoothed(validation([1, 0, 2]), keep_peak=True).probs[:, 0]
    np.testing.assert_allclose(kept, np.maximum(out, validation([1, 0, 2]).probs[:, 0]), atol=1e-6)


def test_a_validation_without_slice_order_is_refused():
    with pytest.raises(ValueError, match='place in its scan'):
        smoothed(validation(None))


def test_rows_compare_both_smoothings_with_the_plain_probabilities():
    rng = np.random.default_rng(0)
    n = 60
    labels = np.zeros((n, 6), np.float32)
    labels[20:30] = 1
    probs = np.clip(labels * 0.4 + rng.uniform(0, 0.6, (n, 6)), 0.01, 0.99).astype(np.float32)
    patients = np.array([f'ct-ich:{i // 15}' for i in range(n)], object)
    v = Validation(labels, np.ones((n, 6), bool), probs, patients, np.array(['ct-ich'] * n, object),
                   np.tile(np.arange(15), 4))
    rows = validation_rows(v, resamples=50)
    kept = {row['figure']: row for row in rows['peakKeepingSmoothedAgainstPlain']}
    assert kept['CT-ICH any scan AUC']['difference'] == 0
    assert kept['CT-ICH any slice AUC']['difference'] != 0


def test_a_checkpoint_that_smooths_already_is_refused():
    with pytest.raises(ValueError, match='applies the smoothing already'):
        unsmoothed_outputs({'scan': ScanModel(embedding_size=8, pca_dim=2, hidden=2, layers=1, peak_kept_smoothing=True)})
