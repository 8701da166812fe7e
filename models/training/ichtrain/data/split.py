"""Deterministic patient-level splits: every slice of a patient lands in one split."""
from __future__ import annotations

import hashlib


def patient_fold(patient_id: str, salt: str = 'ichtrain') -> float:
    """A stable number in [0, 1) from the patient ID (no RNG state, no leakage across runs)."""
    digest = hashlib.sha256(f'{salt}:{patient_id}'.encode()).digest()
    return int.from_bytes(digest[:8], 'big') / 2 ** 64


def split_patients(patient_ids, fractions: dict, salt: str = 'ichtrain') -> dict:
    """fractions e.g. {'train': 0.6, 'val': 0.2, 'test': 0.2} -> {patient_id: split}.

    Patients are ranked by their hash and cut at the cumulative fractions, so the split sizes are
    exact even for a few dozen patients, and a patient's split does not depend on input order."""
    names = list(fractions)
    total = sum(fractions.values())
    ranked = sorted(set(patient_ids), key=lambda pid: (patient_fold(pid, salt), pid))
    out, start, acc = {}, 0, 0.0
    for i, name in enumerate(names):
        acc += fractions[name] / total
        end = len(ranked) if i == len(names) - 1 else int(round(acc * len(ranked)))
        for pid in ranked[start:end]:
            out[pid] = name
        start = end
    return out
