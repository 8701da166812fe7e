import numpy as np
import pytest

from ichtrain.compare import FIGURES, Validation, compare
from ichtrain.metrics import patient_resamples


def validation(probs_any: np.ndarray, labels_any: np.ndarray) -> Validation:
    """Two sources of 6 patients x 5 slices; only `any` and epidural are labelled (CT-ICH-like)."""
    n = len(labels_any)
    labels = np.zeros((n, 6), np.float32)
    labels[:, 0] = labels_any
    labels[:, 1] = labels_any * (np.arange(n) % 2)
    known = np.zeros((n, 6), bool)
    known[:, :2] = True
    probs = np.zeros((n, 6), np.float32)
    probs[:, 0] = probs_any
    probs[:, 1] = probs_any
    patients = np.array([f'p{i // 5}' for i in range(n)])
    sources = np.where(np.arange(n) < n // 2, 'ct-ich', 'phe-sich')
    return Validation(labels, known, probs, patients, sources)


def test_patient_resamples_draw_whole_patients_within_each_stratum():
    # stratum 0: three patients of one slice; stratum 1: three patients of ten slices
    groups = np.repeat(np.arange(6), [1, 1, 1, 10, 10, 10])
    strata = np.repeat([0, 1], [3, 30])
    for draw in patient_resamples(groups, 50, np.random.default_rng(1), strata):
        drawn = groups[draw]
        for g in np.unique(drawn):  # a patient comes with all of its slices, as often as it was drawn
            assert (drawn == g).sum() % (groups == g).sum() == 0
        assert (strata[draw] == 0).sum() == 3 and (strata[draw] == 1).sum() == 30  # three patients from each


def test_the_same_model_differs_by_nothing():
    rng = np.random.default_rng(0)
    labels = (rng.random(60) < 0.4).astype(np.float32)
    model = validation(rng.random(60), labels)
    rows = compare(model, model, resamples=200)
    assert [r['figure'] for r in rows] == ['CT-ICH any slice AUC', 'pooled any specificity at sensitivity 0.95',
                                           'pooled epidural slice AUC']
    assert all(r['difference'] == 0 and r['differenceCi95'] == [0, 0] for r in rows)


def test_a_better_model_shows_an_interval_above_zero_and_a_random_one_does_not():
    rng = np.random.default_rng(0)
    labels = (rng.random(60) < 0.4).astype(np.float32)
    reference = validation(rng.random(60), labels)
    perfect = validation(labels * 0.5 + rng.random(60) * 0.4, labels)
    row = compare(reference, perfect, resamples=300)[0]
    assert row['candidate'] == 1.0 and row['differenceCi95'][0] > 0
    other_random = validation(rng.random(60), labels)
    low, high = compare(reference, other_random, resamples=300)[0]['differenceCi95']
    assert low < 0 < high


def test_models_validated_on_different_slices_are_refused():
    labels = np.tile([0, 1], 30).astype(np.float32)
    with pytest.raises(ValueError, match='same patients and labels'):
        compare(validation(np.linspace(0, 1, 60), labels), validation(np.linspace(0, 1, 60), 1 - labels))


def test_every_figure_reads_only_known_labels():
    labels = np.tile([0, 1], 30).astype(np.float32)
    model = validation(np.linspace(0, 1, 60), labels)
    everything = np.arange(60)
    # intraparenchymal and subdural are unlabelled here: no figure rather than one made of unknowns
    assert FIGURES['pooled intraparenchymal slice AUC'](model, everything) is None
    assert FIGURES['pooled subdural slice AUC'](model, everything) is None
    # slices whose `any` is unknown do not move the specificity, whatever they score
    with_unknowns = validation(np.linspace(0, 1, 60), labels)
    with_unknowns.known[:10, 0] = False
    with_unknowns.probs[:10, 0] = 1.0
    known_only = validation(np.linspace(0, 1, 60)[10:], labels[10:])
    spec = FIGURES['pooled any specificity at sensitivity 0.95']
    assert spec(with_unknowns, everything) == spec(known_only, np.arange(50)) is not None
