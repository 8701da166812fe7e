"""Deterministic patient-level splits: every slice of a patient lands in one split."""
from __future__ import annotations

import hashlib


def patient_fold(patient_id: str, salt: str = 'ichtrain') -> float:
    """A stable number in [0, 1) from the patient ID (no RNG state, no leakage across runs)."""
    digest = hashlib.sha256(f'{salt}:{patient_id}'.encode()).digest()
    return int.from_bytes(digest[:8], 'big') / 2 ** 64


def split_patients(patient_ids, fractions: dict, salt: str = 'ichtrain') -> dict:
    """fractions e.g. {'train': 0.6, 'val': 0.2, 'test': 0.2} -> {patient_id: split}."""
    names = list(fractions)
    total = sum(fractions.values())
    bounds, acc = [], 0.0
    for name in names:
        acc += fractions[name] / total
        bounds.append((acc, name))
    out = {}
    for pid in sorted(set(patient_ids)):
        f = patient_fold(pid, salt)
        out[pid] = next((name for bound, name in bounds if f < bound), names[-1])
    return out
