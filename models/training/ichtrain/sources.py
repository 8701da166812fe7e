"""Builds the SliceTables a training config asks for (synthetic splits, PHE-SICH and CT-ICH patient splits)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from .constants import CLASSES, INPUT_SIZE
from .data.ct_ich import load_pseudo_hu, read_ct_ich_labels, resize_hu
from .preprocess import read_back, resize_bilinear, window_channels
from .data.png import load_grey, phe_sich_labels, phe_sich_mask, phe_sich_patient, read_png_labels
from .data.split import split_patients
from .data.synthetic import build_synthetic
from .slices import SliceTable

REPO_ROOT = Path(__file__).resolve().parents[3]
DATA_ROOT = REPO_ROOT.parent / 'shared' / 'data'


def synthetic_table(name: str, n_series: int, seed: int, cfg: dict, workers: int, cache_dir: Path) -> SliceTable:
    data = build_synthetic(n_series, seed, cfg, workers=workers, cache_dir=cache_dir)
    n = len(data['labels'])
    return SliceTable(name, list(data['hu']), data['labels'], np.ones((n, len(CLASSES)), dtype=bool),
                      data['series'], data['order'])


def phe_sich_tables(cfg: dict, png_window: dict, data_root: Path = DATA_ROOT, folds: Optional[int] = None) -> dict:
    """{split: SliceTable} of PHE-SICH split by patient with cfg['fractions']; only the splits named
    train, val and test are loaded (others, e.g. 'unused', just take their share of patients).
    The windowed PNGs are kept as the pseudo-HU the engine reads them as (png_window), resized to
    the input size, so that training augments them in HU like every other source (HU jitter and
    re-export through another window). Each slice keeps its haematoma mask. With `folds`, the
    cross-validation folds instead (split_tables)."""
    items = [phe_sich_labels(it) for it in read_png_labels(data_root / 'phe-sich', lambda f: phe_sich_patient(f))]
    load = lambda it: read_back(load_grey(it.path), png_window)  # noqa: E731
    return split_tables('phe-sich', items, cfg, load, lambda it: it.known, folds=folds, mask=phe_sich_mask)


def ct_ich_tables(cfg: dict, data_root: Path = DATA_ROOT, hu_floor: Optional[float] = None,
                  folds: Optional[int] = None) -> dict:
    """{split: SliceTable} of CT-ICH (two JPEG windows -> pseudo-HU) split by patient with
    cfg['fractions']. Slices are kept as pseudo-HU resized to the input size (float32), so training
    windows and augments HU like the synthetic slices; every class is labelled. With `folds`, the
    cross-validation folds instead (split_tables)."""
    items = read_ct_ich_labels(data_root / 'ct-ich-jpg')
    return split_tables('ct-ich', items, cfg, load_pseudo_hu, lambda it: np.ones(len(CLASSES), dtype=bool), hu_floor,
                        folds, fracture=lambda it: it.fracture)


def split_tables(source: str, items: list, cfg: dict, load, known, hu_floor: Optional[float] = None,
                 folds: Optional[int] = None, fracture=None, mask=None) -> dict:
    """The source's labelled slices as one SliceTable per split (train, val, test), split by patient.
    load(item) -> HU at the image's own size. Every slice is kept as HU resized to the input size (for
    augmentation in HU); the validation and test slices also as the network input the engine makes
    (windowed at full size, then resized, HU floored at hu_floor as the card says), so that thresholds
    and metrics see what the engine sees.

    With `folds`: the train and validation patients of that split cut into that many folds instead
    ('fold1'..), each with the engine's input too, since each fold is held out once; the test
    patients are left out, so cross-validation never sees them. fracture(item) -> 0/1, where the
    source labels skull fractures; mask(item) -> the bleed's pixel mask at the image's size, where the
    source draws them."""
    assignment = split_patients([it.patient for it in items], cfg['fractions'], salt=cfg['salt'])
    if folds is None:
        return assigned_tables(source, items, assignment, ('train', 'val', 'test'), load, known, hu_floor, fracture, mask)
    developing = [pid for pid, split in assignment.items() if split in ('train', 'val')]
    names = tuple(f'fold{k + 1}' for k in range(folds))
    fold_of = split_patients(developing, {name: 1.0 for name in names}, salt=f"{cfg['salt']}-folds")
    return assigned_tables(source, items, fold_of, names, load, known, hu_floor, fracture, mask)


def assigned_tables(source: str, items: list, assignment: dict, splits: tuple, load, known,
                    hu_floor: Optional[float], fracture=None, mask=None) -> dict:
    """One SliceTable per name in `splits` of the items whose patient `assignment` gives that name
    (patients it does not name are not loaded); every split but 'train' with the engine's input."""
    tables = {}
    for split in splits:
        chosen = [it for it in items if assignment.get(it.patient) == split]
        if not chosen:
            continue
        patients = sorted({it.patient for it in chosen})
        images, engine_inputs = [], []
        for it in chosen:
            hu = load(it)
            images.append(resize_hu(hu, INPUT_SIZE))
            if split != 'train':
                engine_inputs.append(resize_bilinear(window_channels(hu, hu_floor=hu_floor), INPUT_SIZE))
        tables[split] = SliceTable(
            f'{source}-{split}', images,
            np.stack([it.labels for it in chosen]), np.stack([known(it) for it in chosen]),
            np.array([patients.index(it.patient) for it in chosen]), np.array([it.order for it in chosen]),
            patients, engine_inputs or None,
            None if fracture is None else np.array([fracture(it) for it in chosen], dtype=np.float32),
            None if mask is None else [stored_mask(mask(it)) for it in chosen])
    return tables


def stored_mask(mask: np.ndarray) -> Optional[np.ndarray]:
    """A bleed mask at the input size as the slices are stored (a pixel is in it where any source pixel
    under it is), or None for an empty one (most slices: none is kept in memory)."""
    if not mask.any():
        return None
    pooled = F.adaptive_max_pool2d(torch.from_numpy(mask.astype(np.float32))[None, None], INPUT_SIZE)
    return pooled[0, 0].numpy().astype(np.uint8)


def patients_of(table: SliceTable) -> int:
    return int(len(np.unique(table.groups)))
