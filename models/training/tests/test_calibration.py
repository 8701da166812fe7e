import numpy as np
import torch

from ichtrain.model import ScanModel
from ichtrain.train import fit_temperature


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
