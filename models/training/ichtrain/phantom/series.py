"""One synthetic patient: a head, its bleeds (or none) and a scanner setup for K slices."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .anatomy import HeadParams, sample_head
from .bleeds import sample_bleeds
from .scanner import SeriesGeometry, render_slice, sample_geometry


@dataclass
class PhantomSeries:
    head: HeadParams
    bleeds: list
    geometry: SeriesGeometry

    def render(self, k: int, rng, downsample: int = 1):
        """-> (int16 HU slice, labels [6]) of slice k."""
        geom = self.geometry.downsampled(downsample) if downsample > 1 else self.geometry
        hu, labels, _ = render_slice(self.head, self.bleeds, geom, k, rng)
        return hu, labels


def _focus_z(bleeds, head) -> float:
    b = bleeds[0]
    p = b.params
    if 'centre' in p and b.kind != 'subarachnoid':
        return float(p['centre'][2])
    if 'u' in p:
        return float(head.zc + p['u'][2] * head.radii[2] * 0.85)
    if b.kind == 'intraventricular':
        return head.zc + 10
    return head.zc + (20 if p.get('pattern') != 'basal' else -12)


def make_series(rng: np.random.Generator, slices: int, positive: bool, thickness: float = None,
                subtype: str = None, rows: int = 512) -> PhantomSeries:
    head = sample_head(rng)
    bleeds = sample_bleeds(rng, head, subtype) if positive else []
    focus = _focus_z(bleeds, head) if bleeds else None
    geom = sample_geometry(rng, head, slices, thickness=thickness, focus_z=focus, rows=rows)
    return PhantomSeries(head, bleeds, geom)
