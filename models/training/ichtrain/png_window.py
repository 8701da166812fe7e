"""Which HU window an already-windowed image (PNG, JPEG) is read back through.

`choose_png_window` picks the model's pngWindow after the slice CNN is trained: the sites that
export PNGs use windows from narrow to wide, and the window an image was exported through is not
known, so the window to read it back through is chosen for robustness on validation patients with
full-range HU: every slice is exported to 8 bits through each window of an export grid, read back
through each candidate, and scored; the candidate with the highest mean slice `any` AUC over the
grid wins. A read-back window narrower than the export compresses contrast, a wider one stretches
it, and the CNN tolerates the two unequally, so the best candidate is measured, not assumed.

`python -m ichtrain.png_window` measures which window the PNG sets seem to use: the grey mode
(brain tissue) and 5th percentile (CSF-like) inside the skull, against what candidate windows
predict for ~30 HU brain and ~8 HU CSF.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from scipy import ndimage

from .data.png import load_grey
from .metrics import auc
from .preprocess import export_grey, read_back
from .sources import DATA_ROOT


def choose_png_window(score: Callable[[list], np.ndarray], hu_slices: Sequence[np.ndarray], any_labels: np.ndarray,
                      candidates: Sequence[dict], exports: Sequence[dict]) -> dict:
    """score(list of HU slices) -> `any` probabilities. Returns the chosen candidate and, per
    candidate, the slice AUC for each export window, their mean and worst case."""
    if len(set(np.asarray(any_labels).astype(bool).tolist())) < 2:
        raise ValueError('choosing the PNG window needs validation slices with and without haemorrhage')
    aucs = np.zeros((len(candidates), len(exports)))
    for j, export in enumerate(exports):
        greys = [export_grey(hu, export) for hu in hu_slices]  # once per export, read back by every candidate
        for i, c in enumerate(candidates):
            aucs[i, j] = auc(any_labels, score([read_back(g, c) for g in greys]))
    table = [{'window': dict(c), 'meanAuc': round(float(row.mean()), 4), 'worstAuc': round(float(row.min()), 4),
              'aucPerExport': [round(float(a), 4) for a in row]} for c, row in zip(candidates, aucs)]
    best = max(table, key=lambda row: row['meanAuc'])
    return {'window': best['window'], 'exports': [dict(e) for e in exports], 'candidates': table,
            'rule': 'highest mean slice any AUC over the export windows'}


def processed_read_back_aucs(score: Callable[[list], np.ndarray], hu_slices: Sequence[np.ndarray], any_labels: np.ndarray,
                             window: dict, exports: Sequence[dict], processes: dict) -> dict:
    """Slice `any` AUC of the slices exported through each export window, processed after windowing
    by each of `processes` (name -> function of the 8-bit grey, such as a resize) and read back
    through `window`, and the mean over all of them: the read-back measure of `choose_png_window`
    for exports that something changed after they were made."""
    aucs = {}
    for e in exports:
        greys = [export_grey(hu, e) for hu in hu_slices]  # once per export, processed by every process
        for name, process in processes.items():
            aucs[f'{e["center"]:g}/{e["width"]:g} {name}'] = auc(any_labels, score([read_back(process(g), window)
                                                                                   for g in greys]))
    return {'window': dict(window), 'processes': list(processes), 'meanAuc': round(float(np.mean(list(aucs.values()))), 4),
            'aucPerExport': {k: round(float(v), 4) for k, v in aucs.items()}}


def intracranial_stats(grey: np.ndarray):
    """(mode, 5th percentile) of grey values inside the skull, or None if too little brain."""
    bone = grey >= 250
    filled = ndimage.binary_fill_holes(ndimage.binary_closing(bone, iterations=3))
    inner = ndimage.binary_erosion(filled & ~bone, iterations=8)
    values = grey[inner]
    values = values[(values > 0) & (values < 250)]
    if len(values) < 2000:
        return None
    hist = np.bincount(values.astype(int), minlength=256)
    return int(np.argmax(hist[20:240]) + 20), float(np.percentile(values, 5))


def measure(files) -> dict:
    stats = [s for s in (intracranial_stats(load_grey(f)) for f in files) if s]
    return {'images': len(stats), 'modeMedian': float(np.median([s[0] for s in stats])),
            'p5Median': float(np.median([s[1] for s in stats]))}


def main() -> None:
    root = Path(DATA_ROOT)
    sets = {'phe-sich (slices 14-18)': sorted((root / 'phe-sich/images').glob('*_1[4-8].png'))[:60],
            'kaggle-head-ct': sorted((root / 'kaggle-head-ct/images').glob('*.png'))[:60]}
    for name, files in sets.items():
        print(name, measure(files))
    for centre, width in ((40, 80), (40, 120), (40, 130), (40, 140), (50, 150)):
        grey = lambda hu: (hu - (centre - width / 2)) / width * 255  # noqa: E731
        print(f'window {centre}/{width}: 30 HU brain -> {grey(30):.1f}, 8 HU CSF -> {grey(8):.1f}')


if __name__ == '__main__':
    main()
