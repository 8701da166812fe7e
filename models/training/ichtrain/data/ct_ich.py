"""PhysioNet CT-ICH as two 8-bit JPEG windows per slice (../shared/data/ct-ich-jpg): pseudo-HU
rebuilt from the brain window (L40/W120, fine) where it is not saturated and from the bone window
(L700/W3200, coarse) elsewhere.

  python -m ichtrain.data.ct_ich    # reconstruction error against the 26 HU slices in ct-ich/
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..constants import CLASSES

# The windows the dataset's own Read_me declares for its JPEGs.
BRAIN_WINDOW = {'center': 40.0, 'width': 120.0}
BONE_WINDOW = {'center': 700.0, 'width': 3200.0}
# Brain-window grey values trusted as unsaturated; JPEG ringing spreads a saturated edge by a few
# grey levels, so values this close to 0 or 255 are taken from the bone window instead.
BRAIN_GREY_RANGE = (3.0, 252.0)


@dataclass
class CtIchSlice:
    brain: Path
    bone: Optional[Path]  # one slice of the set has no bone window
    patient: str
    order: int
    labels: np.ndarray  # [6] 0/1, every class known
    fracture: float  # 0/1: a skull fracture on this slice (the dataset labels it; not a model output)


def read_ct_ich_labels(folder: Path) -> list:
    """Rows of ct-ich-jpg/labels.csv (filename = brain JPEG, bone_filename, patient, slice, classes, fracture)."""
    items = []
    with open(folder / 'labels.csv', newline='') as fh:
        for row in csv.DictReader(fh):
            labels = np.array([float(row[c]) for c in CLASSES], dtype=np.float32)
            items.append(CtIchSlice(folder / row['filename'], folder / row['bone_filename'] if row['bone_filename'] else None,
                                    row['patient'], int(row['slice']), labels, float(row['fracture'])))
    return items


def grey_to_hu(grey: np.ndarray, window: dict) -> np.ndarray:
    lo = np.float32(window['center'] - window['width'] / 2)
    return (lo + grey.astype(np.float32) / np.float32(255) * np.float32(window['width'])).astype(np.float32)


def pseudo_hu(brain_grey: np.ndarray, bone_grey: np.ndarray) -> np.ndarray:
    """Two windows of one slice (grey 0..255) -> float32 pseudo-HU (about -900..2300)."""
    brain_grey = np.asarray(brain_grey, dtype=np.float32)
    inside = (brain_grey >= BRAIN_GREY_RANGE[0]) & (brain_grey <= BRAIN_GREY_RANGE[1])
    return np.where(inside, grey_to_hu(brain_grey, BRAIN_WINDOW), grey_to_hu(bone_grey, BONE_WINDOW)).astype(np.float32)


def _grey(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert('L'), dtype=np.float32)


def load_pseudo_hu(item: CtIchSlice) -> np.ndarray:
    """Without a bone window the slice is the brain window alone (saturated outside -20..100 HU)."""
    brain = _grey(item.brain)
    if item.bone is None:
        return grey_to_hu(brain, BRAIN_WINDOW)
    return pseudo_hu(brain, _grey(item.bone))


def resize_hu(hu: np.ndarray, size: int) -> np.ndarray:
    """Bilinear, half-pixel centres, no antialias (the engine's resize rule, applied to HU)."""
    x = torch.from_numpy(np.ascontiguousarray(hu, dtype=np.float32))[None, None]
    return F.interpolate(x, size=(size, size), mode='bilinear', align_corners=False)[0, 0].numpy()


# ---------------------------------------------------------------- reconstruction check

def hu_in_jpeg_geometry(hu: np.ndarray, size: int) -> np.ndarray:
    """ct-ich/ HU slice (MATLAB's column-major export) -> the JPEGs' orientation and size."""
    return resize_hu(np.flipud(hu.T), size)


def reconstruction_report(data_root: Path, max_shift: int = 4) -> dict:
    """Pseudo-HU against the true HU of the 26 ct-ich/ slices: best integer shift (pixels at 650),
    its correlation, and the absolute error inside -20..100 HU (fine) and at >= 100 HU (bone, coarse)."""
    import pydicom
    with open(data_root / 'ct-ich' / 'labels.csv', newline='') as fh:
        rows = list(csv.DictReader(fh))
    per_slice = []
    for row in rows:
        stem = Path(row['filename']).stem
        brain = data_root / 'ct-ich-jpg' / 'brain' / f'{stem}.jpg'
        bone = data_root / 'ct-ich-jpg' / 'bone' / f'{stem}.jpg'
        if not brain.exists():
            per_slice.append({'slice': stem, 'missing': 'no JPEG with this name'})
            continue
        rebuilt = pseudo_hu(_grey(brain), _grey(bone))
        truth = hu_in_jpeg_geometry(pydicom.dcmread(str(data_root / 'ct-ich' / row['filename'])).pixel_array,
                                    rebuilt.shape[0])
        truth = np.clip(truth, -900, 2300)  # the bone window's range
        best = None
        for dy in range(-max_shift, max_shift + 1):
            for dx in range(-max_shift, max_shift + 1):
                shifted = np.roll(truth, (dy, dx), (0, 1))
                corr = float(np.corrcoef(shifted.ravel(), rebuilt.ravel())[0, 1])
                if best is None or corr > best[0]:
                    best = (corr, dy, dx, shifted)
        corr, dy, dx, shifted = best
        fine = (shifted > -20) & (shifted < 100)
        bone = shifted >= 100
        err = np.abs(rebuilt - shifted)
        per_slice.append({'slice': stem, 'shift': [dy, dx], 'correlation': round(corr, 4),
                          'medianAbsErrorFineHU': round(float(np.median(err[fine])), 2),
                          'medianAbsErrorBoneHU': round(float(np.median(err[bone])), 2)})
    found = [s for s in per_slice if 'missing' not in s]
    aligned = [s for s in found if s['correlation'] >= 0.95]
    summary = {
        'slices': len(rows), 'withJpeg': len(found), 'aligned(corr>=0.95)': len(aligned),
        'medianShift': [float(np.median([s['shift'][0] for s in found])), float(np.median([s['shift'][1] for s in found]))],
        'medianAbsErrorFineHU(aligned)': float(np.median([s['medianAbsErrorFineHU'] for s in aligned])),
        'medianAbsErrorBoneHU(aligned)': float(np.median([s['medianAbsErrorBoneHU'] for s in aligned])),
    }
    return {'summary': summary, 'perSlice': per_slice}


if __name__ == '__main__':
    from ..sources import DATA_ROOT
    print(json.dumps(reconstruction_report(DATA_ROOT), indent=1))
