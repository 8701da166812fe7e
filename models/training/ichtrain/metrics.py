"""Evaluation metrics with the project's definitions (slice level unless said otherwise)."""
from __future__ import annotations

import numpy as np

from .constants import CLASS_WEIGHTS, CLASSES

EPS = 1e-7


def auc(labels: np.ndarray, scores: np.ndarray):
    """ROC AUC by the rank-sum formula (ties get the average rank); None if one class is absent."""
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(scores, kind='mergesort')
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def patient_resamples(groups: np.ndarray, resamples: int, rng: np.random.Generator,
                      strata: np.ndarray = None) -> list:
    """Slice indices of `resamples` bootstrap draws that resample whole patients (`groups`) with
    replacement, since slices of one patient are not independent; with `strata` (e.g. the source of
    each slice) patients are drawn within each stratum, so every draw keeps each stratum's size."""
    groups = np.asarray(groups)
    strata = np.zeros(len(groups), int) if strata is None else np.asarray(strata)
    members = [[np.nonzero((groups == g) & (strata == s))[0] for g in np.unique(groups[strata == s])]
               for s in np.unique(strata)]
    return [np.concatenate([patients[i] for patients in members for i in rng.integers(0, len(patients), len(patients))])
            for _ in range(resamples)]


def auc_interval(labels: np.ndarray, scores: np.ndarray, groups: np.ndarray, resamples: int = 2000,
                 seed: int = 0):
    """95 % interval of the AUC over bootstrap draws of whole groups (patients or scans: slices of one
    patient are not independent); None where the AUC itself is undefined. Draws that lose one class
    are left out."""
    labels, scores = np.asarray(labels), np.asarray(scores)
    if auc(labels, scores) is None:
        return None
    draws = patient_resamples(groups, resamples, np.random.default_rng(seed))
    values = [v for v in (auc(labels[i], scores[i]) for i in draws) if v is not None]
    return [round(float(q), 4) for q in np.percentile(values, [2.5, 97.5])]


def bce(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(probs, dtype=np.float64), EPS, 1 - EPS)
    y = np.asarray(labels, dtype=np.float64)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def weighted_log_loss(labels: np.ndarray, probs: np.ndarray) -> float:
    """sum_k w_k * mean_n BCE_nk / sum_k w_k, w_any = 2, others 1 (all six classes labelled)."""
    w = np.asarray(CLASS_WEIGHTS)
    per_class = bce(labels, probs).mean(axis=0)
    return float((per_class * w).sum() / w.sum())


def sensitivity_specificity(labels: np.ndarray, probs: np.ndarray, threshold: float):
    y = np.asarray(labels).astype(bool)
    pred = np.asarray(probs) >= threshold
    sens = float((pred & y).sum() / y.sum()) if y.any() else None
    spec = float((~pred & ~y).sum() / (~y).sum()) if (~y).any() else None
    return sens, spec


def threshold_for_sensitivity(labels: np.ndarray, probs: np.ndarray, target: float) -> float:
    """The highest threshold whose sensitivity is >= target."""
    y = np.asarray(labels).astype(bool)
    pos = np.sort(np.asarray(probs, dtype=np.float64)[y])[::-1]
    if len(pos) == 0:
        return 0.5
    k = int(np.ceil(target * len(pos))) - 1
    return float(pos[min(max(k, 0), len(pos) - 1)])


def specificity_at_sensitivity(labels: np.ndarray, probs: np.ndarray, target: float = 0.95):
    """Specificity at the highest threshold whose sensitivity is >= target (the operating point a
    threshold chosen on these very labels would give); None if one class is absent."""
    y = np.asarray(labels).astype(bool)
    if not y.any() or y.all():
        return None
    return sensitivity_specificity(y, probs, threshold_for_sensitivity(y, probs, target))[1]


def classification_report(labels: np.ndarray, probs: np.ndarray, thresholds: dict, mask: np.ndarray = None) -> dict:
    """Per-class AUC, sensitivity/specificity at the thresholds, and counts; mask marks known labels."""
    labels = np.asarray(labels)
    probs = np.asarray(probs)
    mask = np.ones_like(labels, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    report = {}
    for k, name in enumerate(CLASSES):
        m = mask[:, k]
        if not m.any():
            continue
        y, p = labels[m, k], probs[m, k]
        sens, spec = sensitivity_specificity(y, p, thresholds[name])
        report[name] = {'auc': auc(y, p), 'sensitivity': sens, 'specificity': spec,
                        'specificityAtSensitivity95': specificity_at_sensitivity(y, p, 0.95),
                        'positives': int(y.sum()), 'negatives': int((1 - y).sum())}
    if mask.all():
        report['weightedLogLoss'] = weighted_log_loss(labels, probs)
    return report
