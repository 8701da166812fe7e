import numpy as np
import pytest
import torch

from ichtrain.model import ScanModel
from ichtrain.constants import CLASSES
from ichtrain.slices import SliceTable
from ichtrain.train import choose_thresholds, fit_temperature


def test_fit_temperature_undoes_overconfidence_and_leaves_unlabelled_classes_alone():
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    scan = ScanModel(embedding_size=8, pca_dim=4, hidden=8, layers=1).eval()  # untrained: output = CNN logit
    sequences = []
    for _ in range(40):
        z = rng.normal(0, 1.5, size=(25, 6))
        labels = (rng.random((25, 6)) < 1 / (1 + np.exp(-z))).astype(np.float32)
        labels[:, 5] = 0  # a class with no positive on the validation patients
        probs = (1 / (1 + np.exp(-2 * z))).astype(np.float32)  # twice as confident as it should be
        sequences.append((rng.normal(size=(25, 8)).astype(np.float32), probs, labels, np.ones((25, 6), dtype=bool)))
    fitted = fit_temperature(scan, sequences)
    assert all(1.7 < t < 2.4 for t in fitted[:5]), fitted
    assert fitted[5] == 1.0
    assert torch.allclose(scan.temperature, torch.tensor(fitted))


def _table(name, scans):
    """scans: list of per-slice `any` labels, one list per scan (subtypes negative)."""
    labels = np.zeros((sum(len(s) for s in scans), len(CLASSES)), dtype=np.float32)
    labels[:, 0] = np.concatenate(scans)
    groups = np.concatenate([[g] * len(s) for g, s in enumerate(scans)])
    order = np.concatenate([np.arange(len(s)) for s in scans])
    return SliceTable(name, [None] * len(labels), labels, np.ones_like(labels, dtype=bool), groups, order)


def test_any_and_subtype_thresholds_on_scans_flag_every_positive_validation_scan_by_its_max():
    # Two positive scans (one with a faint second positive slice) and one negative scan.
    table = _table('val', [[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    probs = np.zeros((9, len(CLASSES)))
    probs[:, 0] = [0.1, 0.9, 0.05, 0.2, 0.3, 0.6, 0.4, 0.5, 0.3]
    probs[:, 1] = probs[:, 0]  # epidural: the same labels and scores
    table.labels[:, 1] = table.labels[:, 0]
    rule = {'any_sensitivity': 0.95, 'subtype_sensitivity': 0.95, 'any_sources': None}
    by_slice = choose_thresholds([table], [probs], {**rule, 'any_level': 'slice', 'subtype_level': 'slice'})
    by_scan = choose_thresholds([table], [probs], {**rule, 'any_level': 'scan', 'subtype_level': 'scan'})
    assert by_slice['any'] == by_slice['epidural'] == pytest.approx(0.05)  # the faint slice sets the slice rule
    # The weaker positive scan's max: the negative scan (0.5) is not flagged.
    assert by_scan['any'] == by_scan['epidural'] == pytest.approx(0.6)
