"""Training-time augmentation for what differs between scanners, sites and sources:
HU scale/offset jitter, sharper kernels and extra (white or correlated) noise, simulated 8-bit
windowed PNG export (window jitter), blur,
a crop to the head stretched to the full image (like the tightly cropped Kaggle PNGs), and
geometric jitter (90-degree turns, flips, small rotation/scale/shift)."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from .preprocess import export_grey, grey_range_export, png_to_pseudo_hu, read_back, resized_export


def jitter_hu(hu: torch.Tensor, gen: torch.Generator, png_window: dict, png_prob: float,
              png_center=(25.0, 55.0), png_width=(70.0, 180.0), noise_sd: float = 6.0,
              read_saturated_as_model: bool = False, resize_prob: float = 0.0,
              resize_range=(0.6, 1.6), grey_range_prob: float = 0.0, grey_range_low=(0.0, 16.0),
              grey_range_high=(220.0, 254.0)) -> torch.Tensor:
    """hu float [H,W] -> augmented HU: scale/offset jitter, sometimes a sharper kernel, for half of
    the slices noise of sd up to noise_sd HU, and possibly a simulated PNG export through a window
    drawn from the png_center x png_width ranges, read back through png_window: a saturated grey as
    the window's top, or, with read_saturated_as_model, as the model reads it (its saturatedHu).
    With resize_prob, that share of the exports is resized after windowing by a factor drawn from
    resize_range, as real PNG sets often were (the HU returned then has the resized size). With
    grey_range_prob, that share of the exports has its grey range narrowed to a low..high drawn from
    grey_range_low x grey_range_high (bone then never reaches 255)."""
    r = torch.rand(8, generator=gen)
    # Scanners' calibration differs by a few HU (brain 30-40 HU between sites).
    hu = hu * (1 + (r[0] - 0.5) * 0.06) + (r[1] - 0.5) * 12
    if r[5] < 0.25:  # a sharper reconstruction kernel: unsharp mask
        hu = hu + (0.3 + 0.7 * r[6]) * (hu - blur(hu[None], 1.0)[0])
    if r[2] < 0.5:  # noise, white or with the correlated texture of a smooth kernel
        noise = torch.randn(hu.shape, generator=gen)
        if r[7] < 0.5:
            noise = blur(noise[None], 0.7)[0]
            noise = noise / noise.std()
        hu = hu + noise * (r[3] * noise_sd)
    if r[4] < png_prob:
        center = png_center[0] + (png_center[1] - png_center[0]) * torch.rand(1, generator=gen).item()
        width = png_width[0] + (png_width[1] - png_width[0]) * torch.rand(1, generator=gen).item()
        grey = export_grey(hu.numpy(), {'center': center, 'width': width})
        # Drawn only when asked for, so that recipes without it keep their random stream.
        if resize_prob > 0 and torch.rand(1, generator=gen).item() < resize_prob:
            low, high = resize_range
            grey = resized_export(grey, low + (high - low) * torch.rand(1, generator=gen).item())
        if grey_range_prob > 0 and torch.rand(1, generator=gen).item() < grey_range_prob:
            u = torch.rand(2, generator=gen)
            grey = grey_range_export(grey, grey_range_low[0] + (grey_range_low[1] - grey_range_low[0]) * u[0].item(),
                                     grey_range_high[0] + (grey_range_high[1] - grey_range_high[0]) * u[1].item())
        # The bundled recipes' CNNs trained with saturated grey read as the window's top.
        hu = torch.from_numpy(read_back(grey, png_window) if read_saturated_as_model
                              else png_to_pseudo_hu(grey, png_window['center'], png_window['width']))
    return hu


# Soft-tissue channel level (window 40/380) above which a pixel counts as head: about +10 HU, above
# the -25 HU that air becomes in a PNG read with the 40/130 window.
HEAD_LEVEL = 0.42


def head_mask(x: torch.Tensor) -> np.ndarray:
    """[3,H,W] channels -> bool mask of the largest connected head-like region (an opening first
    removes thin structures such as the head holder's arc)."""
    # A binary opening by a 5 x 5 square, as separable min/max filters with zeros outside: the same
    # mask as ndimage.binary_opening at less than half its cost (this runs on a quarter of all draws).
    above = (x[2] > HEAD_LEVEL).numpy().astype(np.uint8)
    eroded = ndimage.minimum_filter(above, size=5, mode='constant', cval=0)
    mask = ndimage.maximum_filter(eroded, size=5, mode='constant', cval=0).astype(bool)
    labels, count = ndimage.label(mask)
    if count == 0:
        return mask
    sizes = np.bincount(labels.ravel())[1:]
    return labels == (int(np.argmax(sizes)) + 1)


def head_crop(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """[3,H,W] channels -> the bounding box of the head (plus a random 0-8 % margin), stretched back
    to H x W the way the engine stretches a non-square image."""
    _, h, w = x.shape
    mask = head_mask(x)
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if len(rows) < h // 8 or len(cols) < w // 8:
        return x  # no head to speak of (vertex, blank slice)
    margin = torch.rand(4, generator=gen) * 0.08
    top = max(0, int(rows[0] - margin[0] * h))
    bottom = min(h, int(rows[-1] + 1 + margin[1] * h))
    left = max(0, int(cols[0] - margin[2] * w))
    right = min(w, int(cols[-1] + 1 + margin[3] * w))
    crop = x[:, top:bottom, left:right][None]
    return F.interpolate(crop, size=(h, w), mode='bilinear', align_corners=False)[0]


def blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of [C,H,W]."""
    if sigma <= 0.05:
        return x
    radius = max(1, int(math.ceil(2.5 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype)
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    # Channels as a batch of one-channel images and both borders padded at once: the same sums in the
    # same order as a grouped convolution per axis, about a third faster on small tensors.
    x = F.pad(x[:, None], (radius, radius, radius, radius), mode='replicate')
    x = F.conv2d(F.conv2d(x, k.view(1, 1, 1, -1)), k.view(1, 1, -1, 1))
    return x[:, 0]


def geometric(batch: torch.Tensor, gen: torch.Generator, out_size: int) -> torch.Tensor:
    """[B,3,H,W] channels in [0,1] -> turned/flipped/affine-jittered [B,3,out,out]."""
    b = batch.shape[0]
    out = []
    for i in range(b):
        x = batch[i]
        k = int(torch.randint(0, 4, (1,), generator=gen))
        x = torch.rot90(x, k, dims=(1, 2))
        if torch.rand(1, generator=gen) < 0.5:
            x = torch.flip(x, dims=(2,))
        out.append(x)
    x = torch.stack(out)
    r = torch.rand(b, 4, generator=gen)
    angle = (r[:, 0] - 0.5) * math.radians(30)
    scale = 0.9 + 0.25 * r[:, 1]
    shift = (r[:, 2:] - 0.5) * 0.12
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, (b, 3, out_size, out_size), align_corners=False)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
