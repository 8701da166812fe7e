"""Where a slice CNN's class activation map points on slices whose bleed is drawn (the pointing game,
Zhang et al. 2016): a slice is a hit when the CAM's highest cell lies on the bleed. The product shows
that map over the slice, so a map that peaks beside the haematoma misleads its reader even when the
score is right."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .constants import CLASSES
from .metrics import patient_resamples
from .slices import BatchMaker, SliceTable

# The classes a drawn haematoma mask (PHE-SICH: spontaneous intraparenchymal bleeds) is the finding of.
POINTED_CLASSES = ('any', 'intraparenchymal')


def mask_cells(masks: torch.Tensor, cam_size) -> torch.Tensor:
    """[N,1,H,W] masks in [0,1] -> [N,h,w] bool: the CAM's cells that hold some of the bleed (a cell
    holding more than half a pixel of it after resampling)."""
    return F.adaptive_max_pool2d(masks, cam_size)[:, 0] > 0.5


def drawn_positives(table: SliceTable) -> np.ndarray:
    """Indices of the table's slices labelled `any` whose bleed mask is not empty."""
    if table.masks is None:
        return np.zeros(0, dtype=int)
    return np.array([i for i, m in enumerate(table.masks) if m is not None and table.labels[i, 0] == 1], dtype=int)


@torch.no_grad()
def pointing_hits(cnn, table: SliceTable, maker: BatchMaker, batch: int = 48) -> dict:
    """{class: [n] 1.0 where the CAM's highest cell lies on the bleed, else 0.0} over
    drawn_positives(table), scored on the input the engine makes (no augmentation)."""
    cnn.eval()
    chosen = drawn_positives(table)
    hits = {cls: [] for cls in POINTED_CLASSES}
    for start in range(0, len(chosen), batch):
        idx = chosen[start:start + batch]
        _, _, cam = cnn(maker.batch(table, idx, augment=False))
        masks = torch.from_numpy(np.stack([table.masks[i] for i in idx]).astype(np.float32))[:, None]
        cells = mask_cells(masks, cam.shape[-2:]).flatten(1)
        for cls in POINTED_CLASSES:
            peak = cam[:, CLASSES.index(cls)].flatten(1).argmax(dim=1)
            hits[cls].append(cells[torch.arange(len(idx)), peak].float().numpy())
    return {cls: np.concatenate(h) if h else np.zeros(0, np.float32) for cls, h in hits.items()}


def paired_rates(reference: np.ndarray, candidate: np.ndarray, patients: np.ndarray, resamples: int = 1000) -> dict:
    """Hit rates of two CNNs on the same slices and their difference, with 95 % intervals from
    resampling whole patients (a patient's slices are not independent)."""
    draws = patient_resamples(patients, resamples, np.random.default_rng(0))
    differences = [candidate[d].mean() - reference[d].mean() for d in draws]
    return {'slices': int(len(patients)), 'patients': int(len(np.unique(patients))),
            'reference': round(float(reference.mean()), 4), 'candidate': round(float(candidate.mean()), 4),
            'difference': round(float(candidate.mean() - reference.mean()), 4),
            'differenceCi95': [round(float(q), 4) for q in np.percentile(differences, [2.5, 97.5])]}


def pointing_lines(classes: dict) -> list:
    """paired_rates rows per class as printed lines."""
    lines = []
    for cls, row in classes.items():
        low, high = row['differenceCi95']
        lines.append(f"CAM peak on the drawn haematoma, {cls} ({row['slices']} slices, {row['patients']} patients): "
                     f"{row['reference']:.3f} -> {row['candidate']:.3f} ({row['difference']:+.3f}, {low:+.3f}..{high:+.3f})")
    return lines
