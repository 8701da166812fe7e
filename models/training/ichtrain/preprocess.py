"""The exact slice preprocessing shared with the TypeScript engine.

HU slice -> three windowed channels in [0, 1] at full resolution -> bilinear resize to size x size
(half-pixel centres, edge clamp, no antialias: torch interpolate(mode='bilinear',
align_corners=False, antialias=False)) -> per-channel (x - mean) / std. All float32.
The resize is written out in numpy (not torch) so the rule is explicit and testable against torch.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from PIL import Image

from .constants import INPUT_SIZE, SEED_MEAN, SEED_STD, WINDOWS


def window_channels(hu: np.ndarray, windows: Sequence[dict] = WINDOWS, hu_floor: Optional[float] = None) -> np.ndarray:
    """[rows, cols] HU -> float32 [len(windows), rows, cols] in [0, 1]. hu_floor (the model card's
    input.huFloor): HU below it are read as it first, so full-range HU shows the network nothing
    below what a windowed image read back holds."""
    hu = np.asarray(hu, dtype=np.float32)
    if hu.ndim != 2:
        raise ValueError(f'expected a 2-D HU slice, got shape {hu.shape}')
    if hu_floor is not None:
        hu = np.maximum(hu, np.float32(hu_floor))
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
    hu_floor: Optional[float] = None,
) -> np.ndarray:
    """HU slice [rows, cols] -> network input float32 [3, size, size]."""
    return normalise(resize_bilinear(window_channels(hu, windows, hu_floor), size), mean, std)


# ITU-R BT.601 luma weights, for grey slices saved as slightly tinted RGB (JPEG-era exports).
LUMA = (0.299, 0.587, 0.114)
# Mean |channel difference| above which an RGB image is treated as a real colour picture.
MAX_TINT = 10.0


def png_grey(pixels: np.ndarray) -> np.ndarray:
    """Decoded PNG array -> one grey channel as float32 on a 0..255 scale.

    Grey and grey+alpha: the grey channel. RGB/RGBA with R == G == B: the first channel. RGB/RGBA
    with small differences (tinted grey exports, mean |R-G|, |R-B| <= MAX_TINT): the BT.601 luma
    0.299 R + 0.587 G + 0.114 B (unrounded). Anything more colourful is rejected: not a CT slice.
    Alpha is ignored. 16-bit PNGs are scaled to 0..255.
    """
    arr = np.asarray(pixels)
    scale = np.float32(255.0 / 65535.0) if arr.dtype == np.uint16 else np.float32(1.0)
    if arr.ndim == 2:
        return arr.astype(np.float32) * scale
    if arr.ndim == 3 and arr.shape[2] in (1, 2):
        return arr[:, :, 0].astype(np.float32) * scale
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        r, g, b = (arr[:, :, i].astype(np.float32) for i in range(3))
        if np.array_equal(r, g) and np.array_equal(r, b):
            return r * scale
        tint = max(float(np.abs(r - g).mean()), float(np.abs(r - b).mean()))
        if tint > MAX_TINT * float(1 / scale):
            raise ValueError(f'colour PNG (mean channel difference {tint:.1f}): not a windowed CT slice')
        return (np.float32(LUMA[0]) * r + np.float32(LUMA[1]) * g + np.float32(LUMA[2]) * b) * scale
    raise ValueError(f'unsupported PNG array shape {arr.shape}')


def export_grey(hu: np.ndarray, window: dict) -> np.ndarray:
    """HU -> the 8-bit grey levels of an export through `window` (as float32): what a site's PNG
    export does, undone (up to the 8-bit rounding and the clipping) by png_to_pseudo_hu."""
    low = window['center'] - window['width'] / 2
    return np.round(np.clip((np.asarray(hu, np.float32) - low) / window['width'], 0, 1) * 255).astype(np.float32)


def resized_export(grey: np.ndarray, factor: float) -> np.ndarray:
    """An 8-bit export resized by `factor` after windowing (bilinear, as image tools do), still 8-bit.
    Real PNG sets were often resized so: the saturated skull's edge then spreads into greys below 255,
    which a read-back that takes only 255 for bone reads as a rim of window-top density."""
    size = (max(1, round(grey.shape[1] * factor)), max(1, round(grey.shape[0] * factor)))
    return np.asarray(Image.fromarray(np.asarray(grey).astype(np.uint8)).resize(size, Image.BILINEAR), np.float32)


def grey_range_export(grey: np.ndarray, low: float, high: float) -> np.ndarray:
    """An 8-bit export whose grey range was narrowed to low..high, still 8-bit: what a limited-range
    video or display pipeline (16-235), a viewer's screenshot or a lossy round trip leaves. Saturated
    bone then stops below 255, so a read-back that takes only 255 for bone reads the whole skull as
    window-top density, and the brain's greys are compressed towards the middle."""
    return np.round(np.float32(low) + np.asarray(grey, np.float32) * np.float32((high - low) / 255)).astype(np.float32)


def png_to_pseudo_hu(grey: np.ndarray, center: float, width: float, saturated_hu: Optional[float] = None) -> np.ndarray:
    """Grey 0..255 of an already-windowed PNG -> pseudo-HU: center - width/2 + p/255 * width.
    saturated_hu: what a grey of 255 (anything at or above the window's top: mostly bone) is read as
    instead of the top itself, which would make the skull a rim of blood-like density."""
    hu = (np.float32(center - width / 2) + grey.astype(np.float32) / np.float32(255) * np.float32(width)).astype(np.float32)
    return hu if saturated_hu is None else np.where(grey >= 255, np.float32(saturated_hu), hu).astype(np.float32)


def read_back(grey: np.ndarray, window: dict) -> np.ndarray:
    """A windowed image's grey levels -> pseudo-HU as a model reads them: through `window`, a model
    card's pngWindow (center, width and, when set, saturatedHu)."""
    return png_to_pseudo_hu(grey, window['center'], window['width'], window.get('saturatedHu'))
