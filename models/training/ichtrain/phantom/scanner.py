"""Series geometry (field of view, pixel spacing, slice thickness, gantry tilt, head pose) and the
acquisition effects (partial volume, blur, correlated noise, streaks, head holder, padding)."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage

from ..constants import CLASSES
from .anatomy import HeadParams, render_head
from .bleeds import paint_bleeds

MIN_LABEL_AREA_MM2 = 8.0  # a subtype is labelled on a slice when its visible blood covers this much
THICKNESSES = (0.625, 1.25, 2.5, 5.0)


@dataclass
class SeriesGeometry:
    rows: int
    cols: int
    pixel_spacing: float  # mm
    thickness: float
    spacing: float  # between slice positions along z (table feed)
    tilt_deg: float
    z_positions: list  # z of each slice's plane at the head centre
    head_offset: tuple  # (x, y) of the head centre in the patient frame
    yaw_deg: float
    noise_sigma: float  # HU
    blur_sigma: float  # pixels
    streaks: float  # probability of a bright streak per slice
    padding_hu: float  # HU written outside the reconstruction circle
    holder: bool

    def downsampled(self, factor: int) -> 'SeriesGeometry':
        """The same scan seen at 1/factor resolution, with the blur and noise a factor x factor mean
        of the full-resolution image would have (the fast in-memory path used for training)."""
        return replace(self, rows=self.rows // factor, cols=self.cols // factor,
                       pixel_spacing=self.pixel_spacing * factor, blur_sigma=self.blur_sigma / factor,
                       noise_sigma=self.noise_sigma * 0.6 ** (factor - 1))

    @property
    def row_dir(self):
        return np.array([1.0, 0.0, 0.0])

    @property
    def col_dir(self):
        t = np.deg2rad(self.tilt_deg)
        return np.array([0.0, np.cos(t), -np.sin(t)])

    def origin(self, k: int):
        """ImagePositionPatient of slice k: the table moves along z only, the plane is tilted."""
        half_w = self.cols / 2 * self.pixel_spacing
        half_h = self.rows / 2 * self.pixel_spacing
        centre = np.array([0.0, 0.0, self.z_positions[k]])
        return centre - half_w * self.row_dir - half_h * self.col_dir


def sample_geometry(rng, head: HeadParams, slices: int, thickness: float = None, focus_z: float = None,
                    rows: int = 512) -> SeriesGeometry:
    """A random scanner setup whose K slices cover the brain, or a part of it around focus_z."""
    thickness = float(thickness or rng.choice(THICKNESSES, p=[0.1, 0.15, 0.25, 0.5]))
    fov = rng.uniform(200, 260)
    bottom, top = head.zc - 48, head.z_top - 6
    span = (slices - 1) * thickness
    if span >= top - bottom:
        start = bottom - rng.uniform(0, min(span - (top - bottom), 20))
    else:
        centre = focus_z if focus_z is not None else rng.uniform(bottom + span / 2, top - span / 2)
        start = float(np.clip(centre - span / 2 + rng.uniform(-0.25, 0.25) * span, bottom, top - span))
    thin_noise = np.sqrt(5.0 / thickness)
    return SeriesGeometry(
        rows=rows, cols=rows, pixel_spacing=fov / rows, thickness=thickness, spacing=thickness,
        tilt_deg=float(rng.choice([0.0, rng.uniform(5, 25)], p=[0.4, 0.6])),
        z_positions=[start + k * thickness for k in range(slices)],
        head_offset=(rng.uniform(-12, 12), rng.uniform(-15, 10)),
        yaw_deg=float(rng.normal(0, 8)),
        noise_sigma=float(np.clip(rng.uniform(2.5, 7) * thin_noise, 2, 20)),
        blur_sigma=float(rng.uniform(0.4, 1.0)),
        streaks=float(rng.choice([0.0, 0.3], p=[0.7, 0.3])),
        padding_hu=float(rng.choice([-3024.0, -2000.0, -1024.0])),
        holder=bool(rng.random() < 0.6),
    )


def _plane_points(geom: SeriesGeometry, k: int, dz: float = 0.0):
    """Head-frame coordinates of every pixel of slice k (plane shifted by dz along the table)."""
    j, i = np.mgrid[0:geom.rows, 0:geom.cols].astype(np.float32)
    o = geom.origin(k)
    ps = geom.pixel_spacing
    px = o[0] + i * ps * geom.row_dir[0]
    py = o[1] + j * ps * geom.col_dir[1]
    pz = o[2] + j * ps * geom.col_dir[2] + dz
    hx, hy = geom.head_offset
    yaw = np.deg2rad(geom.yaw_deg)
    c, s = np.float32(np.cos(yaw)), np.float32(np.sin(yaw))
    dx, dy = px - hx, py - hy
    return c * dx + s * dy, -s * dx + c * dy, pz.astype(np.float32)


def render_clean(head: HeadParams, bleeds, geom: SeriesGeometry, k: int):
    """Noise-free HU of slice k (partial volume over the slab for thick slices) and labels."""
    offsets = (-geom.thickness / 4, geom.thickness / 4) if geom.thickness >= 2.5 else (0.0,)
    hu_sum = np.zeros((geom.rows, geom.cols), dtype=np.float32)
    blood_fraction = np.zeros((len(CLASSES), geom.rows, geom.cols), dtype=np.float32)
    for dz in offsets:
        x, y, z = _plane_points(geom, k, dz)
        layers = render_head(head, x, y, z)
        blood = paint_bleeds(head, bleeds, layers)
        hu_sum += layers.hu
        for c in range(1, len(CLASSES)):
            blood_fraction[c] += blood == c
    n = len(offsets)
    blood_fraction /= n
    return hu_sum / n, blood_fraction, visible_labels(blood_fraction, geom.pixel_spacing)


def visible_labels(blood_fraction: np.ndarray, pixel_spacing: float) -> np.ndarray:
    """A subtype is labelled when its blood is visible: pixels at least half filled with it (over
    the slab), eroded by ~1 mm so that hairlines lost in partial volume and blur do not count,
    covering >= MIN_LABEL_AREA_MM2."""
    labels = np.zeros(len(CLASSES), dtype=np.int8)
    iterations = max(1, int(round(1.0 / pixel_spacing)))
    for c in range(1, len(CLASSES)):
        mask = blood_fraction[c] >= 0.5
        if mask.any():
            core = ndimage.binary_erosion(mask, iterations=iterations)
            labels[c] = int(core.sum() * pixel_spacing ** 2 >= MIN_LABEL_AREA_MM2)
    labels[0] = int(labels[1:].any())
    return labels


def acquire(hu: np.ndarray, geom: SeriesGeometry, rng) -> np.ndarray:
    """Scanner effects on a clean HU slice; returns rounded int16 HU with padding outside the FOV."""
    rows, cols = hu.shape
    ps = geom.pixel_spacing
    j, i = np.mgrid[0:rows, 0:cols].astype(np.float32)
    xs = (i - cols / 2) * ps
    ys = (j - rows / 2) * ps
    out = hu.copy()
    if geom.holder:
        hx, hy = geom.head_offset
        r = np.sqrt((xs - hx) ** 2 + (ys - hy + 15) ** 2)
        arc = (np.abs(r - 112) < 1.5) & (ys - hy > 20)
        out[arc] = 250.0
    if rng.random() < geom.streaks:
        angle = rng.uniform(0, np.pi)
        dist = np.abs(np.cos(angle) * (xs - geom.head_offset[0]) + np.sin(angle) * (ys - geom.head_offset[1]))
        out += (rng.uniform(20, 60) * np.exp(-(dist / rng.uniform(0.6, 1.5)) ** 2)).astype(np.float32)
    out = ndimage.gaussian_filter(out, geom.blur_sigma)
    noise = ndimage.gaussian_filter(rng.standard_normal((rows, cols)).astype(np.float32), 0.7)
    out += noise * np.float32(geom.noise_sigma / 0.4)  # std of white noise smoothed at 0.7 px is ~0.4
    outside = xs ** 2 + ys ** 2 > (cols / 2 * ps) ** 2
    out = np.clip(np.round(out), -1024, 3071)
    out[outside] = geom.padding_hu
    return out.astype(np.int16)


def render_slice(head, bleeds, geom: SeriesGeometry, k: int, rng):
    """-> (int16 HU slice, labels [6], blood fraction [6, rows, cols])."""
    clean, blood, labels = render_clean(head, bleeds, geom, k)
    return acquire(clean, geom, rng), labels, blood
