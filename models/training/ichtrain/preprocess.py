"""The exact slice preprocessing shared with the TypeScript engine.

HU slice -> three windowed channels in [0, 1] at full resolution -> bilinear resize to size x size
(half-pixel centres, edge clamp, no antialias: torch interpolate(mode='bilinear',
align_corners=False, antialias=False)) -> per-channel (x - mean) / std. All float32.
The resize is written out in numpy (not torch) so the rule is explicit and testable against torch.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .constants import INPUT_SIZE, SEED_MEAN, SEED_STD, WINDOWS


def window_channels(hu: np.ndarray, windows: Sequence[dict] = WINDOWS) -> np.ndarray:
    """[rows, cols] HU -> float32 [len(windows), rows, cols] in [0, 1]."""
    hu = np.asarray(hu, dtype=np.float32)
    if hu.ndim != 2:
        raise ValueError(f'expected a 2-D HU slice, got shape {hu.shape}')
    out = np.empty((len(windows),) + hu.shape, dtype=np.float32)
    for i, win in enumerate(windows):
        lo = np.float32(win['center'] - win['width'] / 2)
        hi = np.float32(win['center'] + win['width'] / 2)
        out[i] = (np.clip(hu, lo, hi) - lo) / (hi - lo)
    return out


def _axis_weights(in_size: int, out_size: int):
    """Source indices and weights of torch's bilinear (align_corners=False) along one axis."""
    scale = in_size / out_size
    src = (np.arange(out_size, dtype=np.float64) + 0.5) * scale - 0.5
    src = np.maximum(src, 0.0)  # torch clamps negative source coordinates to 0
    i0 = np.floor(src).astype(np.int64)
    i0 = np.minimum(i0, in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    w1 = src - i0
    w0 = 1.0 - w1
    return i0, i1, w0, w1


def resize_bilinear(channels: np.ndarray, size: int) -> np.ndarray:
    """float32 [C, H, W] -> float32 [C, size, size], bilinear, half-pixel centres, edge clamp."""
    _, h, w = channels.shape
    y0, y1, wy0, wy1 = _axis_weights(h, size)
    x0, x1, wx0, wx1 = _axis_weights(w, size)
    data = channels.astype(np.float64)
    rows = data[:, y0, :] * wy0[None, :, None] + data[:, y1, :] * wy1[None, :, None]
    out = rows[:, :, x0] * wx0[None, None, :] + rows[:, :, x1] * wx1[None, None, :]
    return out.astype(np.float32)


def normalise(channels: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
    m = np.asarray(mean, dtype=np.float32)[:, None, None]
    s = np.asarray(std, dtype=np.float32)[:, None, None]
    return ((channels - m) / s).astype(np.float32)


def preprocess_hu(
    hu: np.ndarray,
    size: int = INPUT_SIZE,
    windows: Sequence[dict] = WINDOWS,
    mean: Sequence[float] = SEED_MEAN,
    std: Sequence[float] = SEED_STD,
) -> np.ndarray:
    """HU slice [rows, cols] -> network input float32 [3, size, size]."""
    return normalise(resize_bilinear(window_channels(hu, windows), size), mean, std)


def png_grey(pixels: np.ndarray) -> np.ndarray:
    """Decoded PNG array -> one grey channel (uint8/uint16 values as float32 on a 0..255 scale).

    Grey and grey+alpha: the grey channel. RGB/RGBA: the first channel when R == G == B (the
    windowed CT PNGs are grey stored as colour); a truly coloured image is rejected because it is
    not a CT slice.
    """
    arr = np.asarray(pixels)
    scale = 255.0 / 65535.0 if arr.dtype == np.uint16 else 1.0
    if arr.ndim == 2:
        grey = arr
    elif arr.ndim == 3 and arr.shape[2] in (1, 2):
        grey = arr[:, :, 0]
    elif arr.ndim == 3 and arr.shape[2] in (3, 4):
        rgb = arr[:, :, :3]
        if not (np.array_equal(rgb[:, :, 0], rgb[:, :, 1]) and np.array_equal(rgb[:, :, 0], rgb[:, :, 2])):
            raise ValueError('colour PNG (R, G, B differ): not a windowed CT slice')
        grey = rgb[:, :, 0]
    else:
        raise ValueError(f'unsupported PNG array shape {arr.shape}')
    return grey.astype(np.float32) * np.float32(scale)


def png_to_pseudo_hu(grey: np.ndarray, center: float, width: float) -> np.ndarray:
    """Grey 0..255 of an already-windowed PNG -> pseudo-HU: center - width/2 + p/255 * width."""
    return (np.float32(center - width / 2) + grey.astype(np.float32) / np.float32(255) * np.float32(width)).astype(np.float32)
