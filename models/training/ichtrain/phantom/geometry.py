"""Small 3-D helpers shared by the anatomy and bleed models (head frame, mm: +x left, +y
posterior, +z superior, as DICOM LPS with the head at the origin)."""
from __future__ import annotations

import numpy as np


def ellipsoid(x, y, z, centre, radii):
    """Normalised radius: < 1 inside the ellipsoid."""
    cx, cy, cz = centre
    rx, ry, rz = radii
    return np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 + ((z - cz) / rz) ** 2)


def wave_field(x, y, z, waves):
    """Sum of plane waves: a smooth random 3-D field used for sulci and lesion outlines."""
    total = np.zeros_like(x)
    for kx, ky, kz, phase in waves:
        total += np.sin(kx * x + ky * y + kz * z + phase)
    return total / np.sqrt(len(waves))


def random_waves(rng, count: int, wavelength: float):
    waves = []
    for _ in range(count):
        direction = rng.normal(size=3)
        direction /= np.linalg.norm(direction)
        k = 2 * np.pi / (wavelength * rng.uniform(0.7, 1.3))
        waves.append((*(direction * k), rng.uniform(0, 2 * np.pi)))
    return waves


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)
