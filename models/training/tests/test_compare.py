import numpy as np
import pytest
import torch

from ichtrain.compare import FIGURES, Validation, compare, compare_members, member_figure_keys, member_figures
from ichtrain.constants import CLASSES, SEED_MEAN, SEED_STD
from ichtrain.metrics import patient_resamples
from ichtrain.model import SliceCnnEnsemble
from ichtrain.slices import BatchMaker, SliceTable


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


class BrightnessCnn(torch.nn.Module):
    """A stand-in slice CNN: every class's logit is the brain-window mean times `sign`, so with sign
    +1 it ranks a slice with a bright (blood-like) patch above one without, and with -1 below."""

    embedding_size = 1

    def __init__(self, sign: float):
        super().__init__()
        self.sign = sign

    def forward(self, x):
        brain = x[:, 0].mean(dim=(1, 2))
        logits = (self.sign * 10 * brain)[:, None].repeat(1, len(CLASSES))
        return logits, brain[:, None], x[:, :1]


def bleed_table() -> SliceTable:
    """Eight 30 HU brains in 0 HU; four with a blood patch, the epidural ones brighter (80 vs 62 HU)."""
    images, labels = [], np.zeros((8, len(CLASSES)), np.float32)
    for i in range(8):
        hu = np.zeros((256, 256), np.float32)
        hu[48:208, 48:208] = 30 + 0.1 * (i % 4)  # brains differ a little, less than a patch
        if i >= 4:
            hu[100:140, 60:90] = 80 if i >= 6 else 62
            labels[i, 0] = 1
            labels[i, CLASSES.index('epidural')] = float(i >= 6)
        images.append(hu)
    return SliceTable('ct-ich-val', images, labels, np.ones_like(labels, bool), np.arange(8), np.zeros(8, int))


def run_of(*signs) -> dict:
    members = [BrightnessCnn(s) for s in signs]
    cnn = members[0] if len(members) == 1 else SliceCnnEnsemble(members)
    return {'cnn': cnn, 'maker': BatchMaker(SEED_MEAN, SEED_STD, {'center': 40, 'width': 100}, 0)}


def test_each_member_is_scored_alone_and_paired_with_the_same_index():
    table = bleed_table()
    exports = ({'center': 40.0, 'width': 70.0}, {'center': 40.0, 'width': 180.0})
    rows = compare_members(run_of(1, -1), run_of(-1, 1, 1), table, exports=exports)
    # the candidate's third member has no counterpart, so it is left out
    assert [r['member'] for r in rows] == [1, 2, 'mean']
    good = {'anyAuc': 1.0, 'epiduralAuc': 1.0, 'readBackMeanAuc': 1.0}
    bad = {'anyAuc': 0.0, 'epiduralAuc': 0.0, 'readBackMeanAuc': 0.0}
    figures = lambda side: {k: side[k] for k in good}  # noqa: E731
    assert figures(rows[0]['reference']) == good and figures(rows[0]['candidate']) == bad
    assert figures(rows[1]['reference']) == bad and figures(rows[1]['candidate']) == good
    # the ensemble's mean logit would tie every slice; the members' mean figures are their average
    assert rows[2]['reference'] == rows[2]['candidate'] == {'anyAuc': 0.5, 'epiduralAuc': 0.5, 'readBackMeanAuc': 0.5}


def test_a_member_is_judged_through_the_better_read_back_window():
    table = bleed_table()
    # Read back through 40/100 the exported patches stay brighter than the brain; through 1000/20 every
    # pixel is 990 HU or more, the brain window saturates and every slice ties (AUC 0.5).
    read_back = ({'center': 1000.0, 'width': 20.0}, {'center': 40.0, 'width': 100.0})
    figures = member_figures(BrightnessCnn(1), run_of(1)['maker'], table, read_back=read_back,
                             exports=({'center': 40.0, 'width': 70.0},))
    assert figures['readBackWindow'] == {'center': 40.0, 'width': 100.0}
    assert figures['readBackMeanAuc'] == 1.0
    # A run whose card reads saturated grey as bone is read back that way.
    bone_maker = BatchMaker(SEED_MEAN, SEED_STD, {'center': 40, 'width': 100, 'saturatedHu': 1000.0}, 0)
    as_bone = member_figures(BrightnessCnn(1), bone_maker, table, read_back=read_back,
                             exports=({'center': 40.0, 'width': 70.0},))
    assert as_bone['readBackWindow'] == {'center': 40.0, 'width': 100.0, 'saturatedHu': 1000.0}


def test_a_figure_without_positives_is_none_and_left_out_of_the_means():
    table = bleed_table()
    table.known[:6, CLASSES.index('epidural')] = False  # only the two epidural slices are labelled
    rows = compare_members(run_of(1, 1), run_of(1, 1), table, exports=({'center': 40.0, 'width': 100.0},))
    assert all(r[side]['epiduralAuc'] is None for r in rows for side in ('reference', 'candidate'))
    assert rows[-1]['reference']['anyAuc'] == 1.0


def test_processed_exports_add_member_figures_read_through_the_runs_own_window():
    table = bleed_table()
    exports = ({'center': 40.0, 'width': 70.0},)
    plain = compare_members(run_of(1), run_of(-1), table, exports=exports)
    resized = compare_members(run_of(1), run_of(-1), table, exports=exports, processed=['resized', 'greyRange'])
    assert 'resizedReadBackMeanAuc' not in plain[0]['reference'] and 'greyRangeReadBackMeanAuc' not in plain[0]['reference']
    assert member_figure_keys(resized)[-2:] == ('resizedReadBackMeanAuc', 'greyRangeReadBackMeanAuc')
    # A narrowed grey range keeps the order of greys, so a brightness scorer is unaffected by it.
    assert resized[0]['reference']['greyRangeReadBackMeanAuc'] == 1.0
    assert resized[0]['candidate']['greyRangeReadBackMeanAuc'] == 0.0
    # The brightness scorer still tells bleeds from brain after a resize (the patches stay brighter).
    assert resized[0]['reference']['resizedReadBackMeanAuc'] == 1.0
    assert resized[0]['candidate']['resizedReadBackMeanAuc'] == 0.0
    assert resized[-1]['reference']['resizedReadBackMeanAuc'] == 1.0
