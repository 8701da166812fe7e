"""In-memory synthetic training data: phantom series rendered straight at 256 x 256 (the fast
path of phantom.scanner; the DICOM writer renders the same anatomy at 512)."""
from __future__ import annotations

import hashlib
import json
import os
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from ..constants import SUBTYPES
from ..phantom.series import make_series

DOWNSAMPLE = 2  # 512 -> 256
# Bump when the phantom or its labelling changes, so cached renders are not reused.
PHANTOM_VERSION = 2


def _series_plan(rng, cfg: dict):
    positive = bool(rng.random() < cfg['positive_fraction'])
    thickness = float(rng.choice([5.0, 2.5, 1.25, 0.625], p=cfg['thickness_probs']))
    lo, hi = cfg['slices'][str(thickness)] if isinstance(cfg['slices'], dict) else cfg['slices']
    return positive, thickness, int(rng.integers(lo, hi + 1))


def render_series(args):
    """Worker: one series -> (hu int16 [K,256,256], labels [K,6], description)."""
    seed, index, cfg = args
    rng = np.random.default_rng([seed, index])
    positive, thickness, slices = _series_plan(rng, cfg)
    subtype = SUBTYPES[index % len(SUBTYPES)] if positive else None
    series = make_series(rng, slices, positive, thickness=thickness, subtype=subtype)
    hus, labels = [], []
    for k in range(slices):
        hu, lab = series.render(k, rng, downsample=DOWNSAMPLE)
        hus.append(hu)
        labels.append(lab)
    return np.stack(hus), np.stack(labels).astype(np.float32), {'thickness': thickness, 'subtype': subtype or ''}


def build_synthetic(n_series: int, seed: int, cfg: dict, workers: int = 2, cache_dir: Path = None) -> dict:
    """-> {'hu': int16 [N,256,256], 'labels': [N,6], 'series': int [N], 'order': int [N]}."""
    key = hashlib.sha256(json.dumps([PHANTOM_VERSION, n_series, seed, cfg], sort_keys=True).encode()).hexdigest()[:12]
    cache = Path(cache_dir) / f'synthetic-{seed}-{n_series}-{key}.npz' if cache_dir else None
    if cache and cache.exists():
        with np.load(cache) as data:
            return {k: data[k] for k in data.files}
    jobs = [(seed, i, cfg) for i in range(n_series)]
    if workers > 1:
        with Pool(workers, initializer=os.nice, initargs=(0,)) as pool:
            results = pool.map(render_series, jobs, chunksize=1)
    else:
        results = [render_series(j) for j in jobs]
    data = {
        'hu': np.concatenate([r[0] for r in results]),
        'labels': np.concatenate([r[1] for r in results]),
        'series': np.concatenate([np.full(len(r[1]), i) for i, r in enumerate(results)]),
        'order': np.concatenate([np.arange(len(r[1])) for r in results]),
    }
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, **data)
    return data
