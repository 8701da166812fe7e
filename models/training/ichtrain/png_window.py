"""Measures which HU window the already-windowed PNG sets seem to use: the grey mode (brain
tissue) and 5th percentile (CSF-like) inside the skull, against what candidate windows predict
for ~30 HU brain and ~8 HU CSF. Run: python -m ichtrain.png_window"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from .data.png import load_grey
from .sources import DATA_ROOT


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
