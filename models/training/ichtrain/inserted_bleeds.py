"""Synthetic bleeds inserted into real HU slices (training augmentation).

Why: the subtype heads see few real extra-axial bleeds (8 CT-ICH training patients with an
epidural), and weighting their loss did not help (training README): they need more varied examples.
The phantoms give varied shapes on synthetic anatomy; here the shapes are drawn into real slices, so
the network sees an epidural lens, a subdural crescent or a cortical contusion against real skull,
brain, noise and artefacts.

Geometry (on the 256 x 256 stored slices, about 1 mm per pixel for a head CT field of view):
- the cranial cavity is what the skull (pixels >= 150 HU, low enough to keep the thin temporal
  squama after resizing; closed, holes filled) encloses, less bone and air; a slice qualifies only
  when that cavity is closed and covers 8 % of the image, so vertex, skull-base and open
  (post-operative) slices are left alone (measured: 60 % of the CT-ICH training slices qualify);
- epidural: a biconvex lens against the inner table, half-length 12-40 px, up to 25 px thick in its
  middle;
- subdural: a crescent along the inner table, half-length 25-70 px, thin (2-9 px) and nearly even;
- intraparenchymal: an irregular blob (radius 3-10 px) 6-30 px inside the inner table (where
  traumatic contusions sit), with a darker oedema rim.
Blood is acute (55-85 HU) with a smooth internal texture, blended into the slice through a soft edge.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from scipy import ndimage

KINDS = ('epidural', 'subdural', 'intraparenchymal')

BONE_HU = 150.0
# A qualifying cranial cavity covers at least this share of the slice (supratentorial and most
# posterior-fossa levels; not the vertex or the skull base).
MIN_CAVITY_SHARE = 0.08
# An inserted bleed is labelled only when it covers at least this many pixels (about 8 mm2 at 256 px
# of a head field of view, the phantoms' labelling rule); smaller draws are redrawn.
MIN_AREA = 12


def cranial_cavity(hu: np.ndarray) -> Optional[np.ndarray]:
    """Bool mask of the cavity inside a closed skull, or None when the slice has none large enough."""
    if hu.max() < BONE_HU:
        return None  # no bone at all (a windowed PNG read back as pseudo-HU): skip the morphology
    bone = ndimage.binary_closing(hu >= BONE_HU, structure=np.ones((3, 3), dtype=bool), iterations=3)
    inside = ndimage.binary_fill_holes(bone) & ~bone & (hu > -100) & (hu < BONE_HU)
    labels, count = ndimage.label(inside)
    if count == 0:
        return None
    sizes = np.bincount(labels.ravel())[1:]
    cavity = labels == int(np.argmax(sizes)) + 1
    return cavity if cavity.mean() >= MIN_CAVITY_SHARE else None


def cavity_depth_squared(hu: np.ndarray) -> Optional[np.ndarray]:
    """The squared distance of each pixel of the cranial cavity to its edge (the inner table), 0
    outside it, or None where the slice has no qualifying cavity. Squared distances are integers, so
    uint16 holds them exactly (at most 2 * 128^2 in a 256 px slice) at a quarter of float64's memory:
    a training run keeps one per slice rather than redoing the morphology (about 6 ms) at every draw."""
    cavity = cranial_cavity(hu)
    if cavity is None:
        return None
    depth = ndimage.distance_transform_edt(cavity)
    return np.rint(depth * depth).astype(np.uint16)


def insert_bleed(hu: np.ndarray, kind: str, rng: np.random.Generator, attempts: int = 4,
                 depth_squared: Optional[np.ndarray] = None) -> Optional[np.ndarray]:
    """hu [H,W] float32 -> a copy with a bleed of `kind` drawn in, or None where the slice does not
    qualify (no closed cavity) or no draw gave a bleed of MIN_AREA pixels. depth_squared: the
    slice's `cavity_depth_squared`, when the caller keeps it (computed here otherwise)."""
    if kind not in KINDS:
        raise ValueError(f'unknown inserted bleed kind {kind!r} (known: {", ".join(KINDS)})')
    if depth_squared is None:
        depth_squared = cavity_depth_squared(hu)
    if depth_squared is None:
        return None
    cavity = depth_squared > 0
    depth = np.sqrt(depth_squared, dtype=np.float64)  # distance to the inner table (or cavity edge)
    rim = np.argwhere(cavity & (depth <= 1.5))
    for _ in range(attempts):
        mask, rim_hu = draw_shape(kind, cavity, depth, rim, rng)
        if mask.sum() >= MIN_AREA:
            return paint_blood(hu, mask, cavity, rim_hu, rng)
    return None


def draw_shape(kind: str, cavity: np.ndarray, depth: np.ndarray, rim: np.ndarray, rng: np.random.Generator):
    """(bool mask of the bleed, oedema mask or None)."""
    h, w = cavity.shape
    yy, xx = np.mgrid[0:h, 0:w]
    if kind == 'intraparenchymal':
        inner = np.argwhere(cavity & (depth >= 6) & (depth <= 30))
        if len(inner) == 0:
            return np.zeros_like(cavity), None
        cy, cx = inner[rng.integers(len(inner))]
        radius = rng.uniform(3, 10)
        # An irregular outline: a smoothed random field added to the distance from the centre.
        field = ndimage.gaussian_filter(rng.standard_normal((h, w)), 3.0)
        field /= field.std() + 1e-6
        r = np.hypot(yy - cy, xx - cx) / radius + 0.25 * field
        mask = cavity & (r < 1.0)
        oedema = cavity & (r < 1.0 + rng.uniform(0.3, 0.8)) & ~mask
        return mask, oedema
    cy, cx = rim[rng.integers(len(rim))]
    r = np.hypot(yy - cy, xx - cx)
    if kind == 'epidural':
        half_length = rng.uniform(12, 40)
        thickness = min(25.0, max(5.0, half_length * rng.uniform(0.35, 0.75)))
        profile = np.sqrt(np.clip(1 - (r / half_length) ** 2, 0, None))  # a lens: thickest in the middle
    else:
        half_length = rng.uniform(25, 70)
        thickness = rng.uniform(2, 9)
        profile = np.clip(1 - (r / half_length) ** 2, 0, None) ** 0.3  # a crescent: nearly even
    mask = cavity & (r < half_length) & (depth <= thickness * profile)
    # Keep the one piece that touches the chosen point of the inner table.
    labels, _ = ndimage.label(mask)
    mask = labels == labels[cy, cx] if labels[cy, cx] else np.zeros_like(mask)
    return mask, None


def paint_blood(hu: np.ndarray, mask: np.ndarray, cavity: np.ndarray, oedema: Optional[np.ndarray],
                rng: np.random.Generator) -> np.ndarray:
    """Blend acute blood (and an oedema rim) into the slice with a soft edge kept inside the cavity."""
    out = hu.astype(np.float32, copy=True)
    soft_edge = rng.uniform(0.5, 1.0)
    if oedema is not None and oedema.any():
        weight = ndimage.gaussian_filter(oedema.astype(np.float32), soft_edge) * cavity
        out = out - weight * rng.uniform(6, 14)
    texture = ndimage.gaussian_filter(rng.standard_normal(hu.shape), 1.5)
    blood = rng.uniform(55, 85) + texture / (texture.std() + 1e-6) * rng.uniform(1, 5)
    weight = ndimage.gaussian_filter(mask.astype(np.float32), soft_edge) * cavity
    return (out * (1 - weight) + blood * weight).astype(np.float32)
