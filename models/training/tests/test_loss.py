"""The training loss: weighted BCE over the labels a source provides."""
import math

import pytest
import torch

from ichtrain.train import masked_bce


def bce(p: float, y: int) -> float:
    return -math.log(p) if y else -math.log(1 - p)


def test_counts_any_twice_and_skips_unknown_labels():
    logits = torch.zeros(1, 6)  # p = 0.5 everywhere: every known term is log 2
    labels = torch.tensor([[1., 0., 1., 0., 0., 0.]])
    known = torch.tensor([[1., 1., 1., 0., 0., 0.]])
    assert masked_bce(logits, labels, known).item() == pytest.approx(math.log(2))
    logits = torch.tensor([[2., -1., 0.5, 9., 9., 9.]])
    p = torch.sigmoid(logits)[0].tolist()
    expected = (2 * bce(p[0], 1) + bce(p[1], 0) + bce(p[2], 1)) / 4
    assert masked_bce(logits, labels, known).item() == pytest.approx(expected, rel=1e-6)


def test_subtype_positive_weight_weighs_positive_subtype_labels_only():
    logits = torch.tensor([[2., -1., 0.5, -3., 0., 0.]])
    labels = torch.tensor([[1., 0., 1., 0., 0., 0.]])
    known = torch.tensor([[1., 1., 1., 1., 0., 0.]])
    p = torch.sigmoid(logits)[0].tolist()
    # any (positive) keeps its x2, the negative subtypes keep 1; the positive intraparenchymal weighs 4
    expected = (2 * bce(p[0], 1) + bce(p[1], 0) + 4 * bce(p[2], 1) + bce(p[3], 0)) / (2 + 1 + 4 + 1)
    assert masked_bce(logits, labels, known, 4.0).item() == pytest.approx(expected, rel=1e-6)
    assert masked_bce(logits, labels, known, 1.0).item() == pytest.approx(
        (2 * bce(p[0], 1) + bce(p[1], 0) + bce(p[2], 1) + bce(p[3], 0)) / 5, rel=1e-6)


def test_fracture_is_one_more_label_in_the_same_mean_where_known():
    logits = torch.tensor([[2., -1., 0.5, -3., 0., 0.], [1., 0., 0., 0., 0., 0.]])
    labels = torch.tensor([[1., 0., 1., 0., 0., 0.], [0.] * 6])
    known = torch.tensor([[1., 1., 1., 1., 0., 0.], [1., 0., 0., 0., 0., 0.]])
    p = torch.sigmoid(logits).tolist()
    f_logits, f_labels, f_known = torch.tensor([1.5, -7.0]), torch.tensor([1., 0.]), torch.tensor([True, False])
    q = torch.sigmoid(f_logits).tolist()
    six = 2 * bce(p[0][0], 1) + bce(p[0][1], 0) + bce(p[0][2], 1) + bce(p[0][3], 0) + 2 * bce(p[1][0], 0)
    # The second slice's fracture is not labelled: it adds nothing, however wrong its logit.
    expected = (six + 3 * bce(q[0], 1)) / (2 + 1 + 1 + 1 + 2 + 3)
    assert masked_bce(logits, labels, known, 1.0, (f_logits, f_labels, f_known, 3.0)).item() == \
        pytest.approx(expected, rel=1e-6)
    nothing_known = (f_logits, f_labels, torch.tensor([False, False]), 3.0)
    assert masked_bce(logits, labels, known, 1.0, nothing_known).item() == \
        pytest.approx(masked_bce(logits, labels, known).item(), rel=1e-6)
