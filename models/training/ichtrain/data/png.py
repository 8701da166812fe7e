"""Windowed 8-bit PNG sets (phe-sich, kaggle-head-ct): labels.csv with `filename` and some of the
six classes (a missing column means unknown)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..constants import CLASSES, WINDOWS
from ..preprocess import png_grey


@dataclass
class LabelledImage:
    path: Path
    patient: str
    order: int  # slice order inside the patient, -1 if unknown
    labels: np.ndarray  # [6] 0/1
    known: np.ndarray  # [6] bool


def read_png_labels(folder: Path, patient_from_name=None) -> list:
    """Rows of folder/labels.csv. For phe-sich (`PPPP_SS.png`) patient and slice come from the name."""
    items = []
    with open(folder / 'labels.csv', newline='') as fh:
        for row in csv.DictReader(fh):
            labels = np.zeros(len(CLASSES), dtype=np.float32)
            known = np.zeros(len(CLASSES), dtype=bool)
            for k, name in enumerate(CLASSES):
                if name in row and row[name] != '':
                    labels[k] = float(row[name])
                    known[k] = True
            patient, order = (patient_from_name(row['filename']) if patient_from_name else (row['filename'], -1))
            items.append(LabelledImage(folder / row['filename'], patient, order, labels, known))
    return items


def phe_sich_patient(filename: str):
    stem = Path(filename).stem  # PPPP_SS
    patient, slice_no = stem.split('_')
    return patient, int(slice_no)


def phe_sich_labels(item: LabelledImage) -> LabelledImage:
    """PHE-SICH is spontaneous intraparenchymal haemorrhage: a slice positive for `any` is
    intraparenchymal (its mask is the haematoma); other subtypes are unknown there. A negative
    slice is negative for every subtype."""
    labels, known = item.labels.copy(), item.known.copy()
    if labels[0] == 1:
        labels[CLASSES.index('intraparenchymal')] = 1
        known[CLASSES.index('intraparenchymal')] = True
    else:
        known[:] = True
        labels[:] = 0
    return LabelledImage(item.path, item.patient, item.order, labels, known)


def phe_sich_mask(item: LabelledImage) -> np.ndarray:
    """The slice's haematoma mask (bool, the image's size): masks/ holds one PNG per image, same name."""
    with Image.open(item.path.parent.parent / 'masks' / item.path.name) as im:
        return np.asarray(im) > 0


def load_grey(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return png_grey(np.asarray(im))


def window_and_resize(hu: torch.Tensor, size: int) -> torch.Tensor:
    chans = []
    for w in WINDOWS:
        lo, hi = w['center'] - w['width'] / 2, w['center'] + w['width'] / 2
        chans.append((hu.clamp(lo, hi) - lo) / (hi - lo))
    x = torch.stack(chans)[None].float()
    if x.shape[-2:] != (size, size):
        x = F.interpolate(x, size=(size, size), mode='bilinear', align_corners=False, antialias=False)
    return x[0]
