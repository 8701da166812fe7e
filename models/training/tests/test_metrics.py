import numpy as np

from ichtrain.metrics import auc, auc_interval, sensitivity_specificity, threshold_for_sensitivity, weighted_log_loss


def test_auc_equals_pairwise_definition_with_ties():
    rng = np.random.default_rng(0)
    y = rng.random(200) < 0.3
    s = np.round(rng.random(200), 1)  # many ties
    pos, neg = s[y], s[~y]
    pairwise = ((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg))
    assert abs(auc(y, s) - pairwise) < 1e-12
    assert auc(np.ones(3), np.arange(3)) is None


def test_weighted_log_loss_counts_any_twice():
    labels = np.array([[1, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]], dtype=float)
    probs = np.full((2, 6), 0.2)
    bce = -np.log(np.where(labels == 1, 0.2, 0.8))
    expected = (2 * bce[:, 0].mean() + bce[:, 1:].mean(axis=0).sum()) / 7
    assert abs(weighted_log_loss(labels, probs) - expected) < 1e-12


def test_threshold_for_sensitivity_reaches_the_target():
    rng = np.random.default_rng(1)
    y = rng.random(500) < 0.4
    p = np.clip(y * 0.3 + rng.random(500) * 0.7, 0, 1)
    t = threshold_for_sensitivity(y, p, 0.95)
    sens, _ = sensitivity_specificity(y, p, t)
    assert sens >= 0.95
    assert sensitivity_specificity(y, p, np.nextafter(t, 1))[0] < 0.95


def test_specificity_at_sensitivity_uses_the_operating_point_of_the_target():
    from ichtrain.metrics import specificity_at_sensitivity
    y = np.array([1] * 20 + [0] * 10)
    p = np.array([0.9] * 19 + [0.1] + [0.05] * 5 + [0.5] * 5)
    # 19/20 = 0.95 of the positives are at 0.9: threshold 0.9 keeps every negative below it.
    assert specificity_at_sensitivity(y, p, 0.95) == 1.0
    # 100 % sensitivity needs threshold 0.1: the five negatives at 0.5 are then flagged.
    assert specificity_at_sensitivity(y, p, 1.0) == 0.5
    assert specificity_at_sensitivity(np.zeros(3), np.arange(3), 0.95) is None


def test_slab_groups_follow_the_engine_rule():
    from ichtrain.evaluate import slab_groups
    assert [len(g) for g in slab_groups([i * 0.625 for i in range(24)])] == [8, 8, 8]
    assert [len(g) for g in slab_groups([i * 0.625 for i in range(18)])] == [8, 10]
    assert [len(g) for g in slab_groups([i * 0.625 for i in range(21)])] == [8, 8, 5]


def test_auc_interval_resamples_whole_groups_and_is_none_where_the_auc_is():
    rng = np.random.default_rng(0)
    # 12 patients of 20 near-identical slices: as wide an interval as 12 cases, not 240.
    patient_scores = rng.normal(0, 1, 12) + np.repeat([0, 1], 6)
    labels = np.repeat(np.repeat([0, 1], 6), 20)
    scores = np.repeat(patient_scores, 20) + rng.normal(0, 0.01, 240)
    patients = np.repeat(np.arange(12), 20)
    low, high = auc_interval(labels, scores, patients, resamples=500)
    low_slices, high_slices = auc_interval(labels, scores, np.arange(240), resamples=500)
    assert low <= auc(labels, scores) <= high
    assert high - low > 1.5 * (high_slices - low_slices)
    assert auc_interval(labels, np.where(labels == 1, 2.0, 1.0), patients, resamples=50) == [1.0, 1.0]
    assert auc_interval(np.zeros(5), np.arange(5), np.arange(5)) is None
