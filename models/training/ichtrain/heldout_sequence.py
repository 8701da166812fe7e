"""A sequence model fitted on held-out CNN probabilities, judged across cross-validation folds.

The recipe's BiLSTM trains on the CNNs' outputs for their own training slices, where they are nearly
always right, and ends as the CNN alone (training README, "A sequence model trained on held-out CNN
probabilities"). This probe asks whether sequence context helps once the inputs are honest: for each
fold, a small model over the six CNN logits of a scan's ordered slices is fitted on the held-out
probabilities of the other folds (`ichtrain.crossval`'s records) and applied to that fold, so no
fold is scored by a model that saw its patients or their CNN. Its settings were fixed in the README
before any fold was scored; they are constants here, not options, so that the probe cannot be tuned.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .model import NUM_CLASSES, neighbour_smoothed
from .train import masked_bce

HIDDEN, LAYERS = 32, 2
EPOCHS, LR, WEIGHT_DECAY = 40, 0.003, 0.01
CROP_PROB = 0.4
SEED = 0
PROB_CLAMP = 1e-4
SMOOTHING_CLAMP = 1e-7


class LogitSequenceModel(nn.Module):
    """logits [B,S,6] -> BiGRU -> linear(6), added to the input logits (zero-initialised: it starts as
    the CNN alone)."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(NUM_CLASSES, HIDDEN, num_layers=LAYERS, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * HIDDEN, NUM_CLASSES)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        return logits + self.out(self.gru(logits)[0])


def logits_of(probs: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(probs, np.float64), PROB_CLAMP, 1 - PROB_CLAMP)
    return (np.log(p) - np.log1p(-p)).astype(np.float32)


def scans(record: dict) -> list:
    """Slice indices of each patient's scan in a fold record, in slice order."""
    patients = np.asarray(record['patient'], dtype=object)
    order = np.asarray(record['order'])
    return [idx[np.argsort(order[idx], kind='stable')]
            for idx in (np.nonzero(patients == p)[0] for p in dict.fromkeys(patients))]


def fit(records: list) -> LogitSequenceModel:
    """The probe's model fitted on every scan of `records` (held-out probabilities and labels)."""
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    data = []
    for r in records:
        z, labels, known = logits_of(r['probs']), np.asarray(r['labels'], np.float32), np.asarray(r['known'], bool)
        data += [(z[idx], labels[idx], known[idx]) for idx in scans(r)]
    model = LogitSequenceModel()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    model.train()
    for _ in range(EPOCHS):
        for j in rng.permutation(len(data)):
            z, labels, known = data[j]
            n = len(z)
            if n > 1 and rng.random() < CROP_PROB:
                length = int(rng.integers(1, n + 1))
                start = int(rng.integers(0, n - length + 1))
                z, labels, known = z[start:start + length], labels[start:start + length], known[start:start + length]
            loss = masked_bce(model(torch.from_numpy(z)[None])[0], torch.from_numpy(labels),
                              torch.from_numpy(known).float())
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def apply(model: LogitSequenceModel, record: dict) -> np.ndarray:
    """The model's probabilities for every slice of a fold record (in the record's slice order)."""
    z = logits_of(record['probs'])
    out = np.empty_like(z)
    for idx in scans(record):
        out[idx] = torch.sigmoid(model(torch.from_numpy(z[idx])[None])[0]).numpy()
    return out


def nested_probs(records: list) -> list:
    """Per fold, the probabilities of a model fitted on the other folds' held-out slices."""
    return [apply(fit([r for r in records if r is not record]), record) for record in records]


def smoothed_probs(record: dict, keep_peak: bool = False) -> np.ndarray:
    """Reported beside the probe: each slice's logits averaged with its neighbours' (weights 1-2-1,
    the scan's end slices repeated: `model.neighbour_smoothed`). With `keep_peak`, each slice keeps
    the larger of that and its own probability, as the exported model does with its logits, here in
    probability space so that every scan's highest recorded value stays exactly as it was."""
    probs = np.asarray(record['probs'], np.float64)
    if keep_peak:
        # In float64, and clamped below the folds' recorded precision: the probe's float32 logits and
        # clamp (1e-4) would lift a scan whose every slice lies below it.
        p = np.clip(probs, SMOOTHING_CLAMP, 1 - SMOOTHING_CLAMP)
        z = np.log(p) - np.log1p(-p)
    else:
        z = logits_of(probs)
    out = np.empty(z.shape, z.dtype)
    for idx in scans(record):
        smoothed = torch.sigmoid(neighbour_smoothed(torch.from_numpy(z[idx]))).numpy()
        # A mean of the scan's logits cannot exceed its highest: the cap only removes rounding.
        out[idx] = np.maximum(np.minimum(smoothed, probs[idx].max(axis=0)), probs[idx]) if keep_peak else smoothed
    return out
