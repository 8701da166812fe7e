"""Haemorrhages of the five subtypes with their typical shape, place and density, and the mass
effect of the large ones. Each bleed is a set of parameters drawn once per phantom and painted
on every slice, so a bleed is consistent through the series."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import CLASSES
from .anatomy import SEGMENTS, HeadParams, Layers
from .geometry import ellipsoid, random_waves, unit, wave_field

SUBTYPE_INDEX = {name: i for i, name in enumerate(CLASSES)}


@dataclass
class Bleed:
    kind: str  # one of the five subtypes
    params: dict
    hu: float  # mean density of the blood

    @property
    def label(self) -> int:
        return SUBTYPE_INDEX[self.kind]


def _texture(layers: Layers, waves, amplitude: float) -> np.ndarray:
    return amplitude * wave_field(layers.x, layers.y, layers.z, waves)


def _surface_direction(head: HeadParams, u: np.ndarray, x, y, z) -> np.ndarray:
    """Chord distance (mm) on a sphere of the head's mean radius between u and the point's direction."""
    r = np.sqrt(x ** 2 + y ** 2 + (z - head.zc) ** 2) + 1e-6
    mean_r = float(np.mean(head.radii))
    return mean_r * np.sqrt((x / r - u[0]) ** 2 + (y / r - u[1]) ** 2 + ((z - head.zc) / r - u[2]) ** 2)


def paint_epidural(head, b, layers):
    p = b.params
    seg = SEGMENTS.index(p['segment'])
    s = _surface_direction(head, p['u'], layers.x, layers.y, layers.z)
    thickness = p['tmax'] * np.clip(1 - (s / p['radius']) ** 2, 0, None)
    mask = layers.intracranial & (layers.segment == seg) & (layers.depth_inner < thickness)
    return mask, b.hu + _texture(layers, p['waves'], p['swirl'])


def paint_subdural(head, b, layers):
    p = b.params
    side = p['side']
    if p['falx']:
        x = layers.x - head.midline_shift
        mask = layers.intracranial & (side * x > 0.4) & (side * x < 0.4 + p['tmax']) \
            & (np.abs(layers.y - p['y']) < p['length']) & (layers.z > head.zc + 18 - 0.15 * np.abs(layers.y)) \
            & ~(layers.z < layers.tentorium_z)
    else:
        s = _surface_direction(head, p['u'], layers.x, layers.y, layers.z)
        thickness = p['tmax'] * np.sqrt(np.clip(1 - (s / p['radius']) ** 2, 0, None))
        above_tentorium = ~((layers.y > 0) & (layers.z < layers.tentorium_z))
        mask = layers.intracranial & (side * layers.x > 1.0) & above_tentorium & (layers.depth_inner < thickness)
    return mask, b.hu + _texture(layers, p['waves'], p['swirl'])


def paint_intraparenchymal(head, b, layers):
    p = b.params
    wobble = 1 + p['irregular'] * wave_field(layers.x, layers.y, layers.z, p['waves'])
    r = ellipsoid(layers.x, layers.y, layers.z, p['centre'], p['radii']) * wobble
    allowed = layers.intracranial & ~_any_ventricle(layers)
    mask = allowed & (r < 1)
    rim = allowed & (r >= 1) & (r < 1 + p['oedema'] / min(p['radii']))
    layers.hu[rim] = np.minimum(layers.hu[rim], p['oedema_hu'])
    return mask, b.hu + _texture(layers, p['waves'], 4.0)


def paint_intraventricular(head, b, layers):
    p = b.params
    mask = np.zeros(layers.x.shape, dtype=bool)
    for name in p['ventricles']:
        v = layers.ventricles[name]
        mask |= v if p['cast'] else v & (layers.y > p['level'])
    return mask, np.full(layers.x.shape, b.hu, dtype=np.float32)


def paint_subarachnoid(head, b, layers):
    p = b.params
    if p['pattern'] == 'basal':
        spaces = layers.cisterns | (layers.fissure & (layers.y < 0))
        region = ellipsoid(layers.x, layers.y, layers.z, (0, -5, head.zc - 10), (60, 60, 25)) < 1
    else:
        spaces = layers.sulci | layers.fissure
        region = ellipsoid(layers.x, layers.y, layers.z, p['centre'], (p['radius'],) * 3) < 1
    patchy = wave_field(layers.x, layers.y, layers.z, p['waves']) > p['patchiness']
    mask = spaces & region & patchy
    return mask, b.hu + _texture(layers, p['waves'], 5.0)


def _any_ventricle(layers):
    out = np.zeros(layers.x.shape, dtype=bool)
    for v in layers.ventricles.values():
        out |= v
    return out


PAINTERS = {
    'subarachnoid': paint_subarachnoid,
    'intraventricular': paint_intraventricular,
    'subdural': paint_subdural,
    'epidural': paint_epidural,
    'intraparenchymal': paint_intraparenchymal,
}
PAINT_ORDER = ('subarachnoid', 'intraventricular', 'subdural', 'epidural', 'intraparenchymal')


def paint_bleeds(head: HeadParams, bleeds, layers: Layers) -> np.ndarray:
    """Paints the bleeds into layers.hu; returns the class index of the visible blood per pixel."""
    blood = np.zeros(layers.x.shape, dtype=np.int8)
    for kind in PAINT_ORDER:
        for b in bleeds:
            if b.kind != kind:
                continue
            mask, hu = PAINTERS[kind](head, b, layers)
            hu = np.broadcast_to(hu, mask.shape)
            layers.hu[mask] = hu[mask]
            blood[mask] = b.label
    return blood


def _acute_hu(rng) -> float:
    return float(rng.uniform(52, 88))


def _lateral_direction(rng, side, z_range=(-0.15, 0.6), y_range=(-0.7, 0.7)):
    return unit([side * rng.uniform(0.6, 1.0), rng.uniform(*y_range), rng.uniform(*z_range)])


def sample_epidural(rng, head):
    segment = str(rng.choice(['temporal-left', 'temporal-right', 'parietal-left', 'parietal-right', 'frontal', 'occipital'],
                             p=[0.25, 0.25, 0.15, 0.15, 0.1, 0.1]))
    side = 1 if segment.endswith('left') else -1 if segment.endswith('right') else float(rng.choice([-1, 1]))
    if segment.startswith('temporal'):
        u = unit([side, rng.uniform(-0.2, 0.3), rng.uniform(-0.15, 0.05)])
    elif segment.startswith('parietal'):
        u = unit([side * 0.8, rng.uniform(-0.1, 0.3), rng.uniform(0.3, 0.6)])
    elif segment == 'frontal':
        u = unit([side * rng.uniform(0, 0.4), -1, rng.uniform(0.1, 0.5)])
    else:
        u = unit([side * rng.uniform(0, 0.4), 1, rng.uniform(0.0, 0.4)])
    tmax = float(rng.uniform(6, 22))
    return Bleed('epidural', {'segment': segment, 'u': u, 'radius': float(rng.uniform(25, 45)), 'tmax': tmax,
                              'side': side, 'waves': random_waves(rng, 3, 12),
                              'swirl': float(rng.choice([3.0, 12.0], p=[0.7, 0.3]))}, _acute_hu(rng))


def sample_subdural(rng, head):
    side = float(rng.choice([-1, 1]))
    falx = bool(rng.random() < 0.2)
    params = {'side': side, 'falx': falx, 'waves': random_waves(rng, 3, 15),
              'swirl': float(rng.choice([3.0, 10.0], p=[0.75, 0.25]))}
    if falx:
        params.update(tmax=float(rng.uniform(2, 5)), y=float(rng.uniform(-30, 40)), length=float(rng.uniform(20, 50)))
    else:
        params.update(u=_lateral_direction(rng, side), radius=float(rng.uniform(50, 95)), tmax=float(rng.uniform(3, 18)))
    return Bleed('subdural', params, float(rng.uniform(50, 82)))


IPH_SITES = {
    'basal-ganglia': ((22, -3, -4), 0.45),
    'thalamus': ((10, 10, -4), 0.2),
    'lobar': (None, 0.2),
    'cerebellum': ((20, 45, -38), 0.1),
    'pons': ((0, 18, -36), 0.05),
}


def sample_intraparenchymal(rng, head):
    site = str(rng.choice(list(IPH_SITES), p=[v[1] for v in IPH_SITES.values()]))
    side = float(rng.choice([-1, 1]))
    if site == 'lobar':
        d = _lateral_direction(rng, side, z_range=(0.0, 0.8))
        depth = rng.uniform(0.55, 0.7)
        centre = (d[0] * head.radii[0] * depth, d[1] * head.radii[1] * depth, head.zc + d[2] * head.radii[2] * depth)
    else:
        c = IPH_SITES[site][0]
        centre = (side * c[0] if c[0] else 0.0, c[1], head.zc + c[2])
    size = float(rng.choice([rng.uniform(3, 8), rng.uniform(8, 24)], p=[0.35, 0.65]))
    if site == 'pons':
        size = min(size, 9.0)
    radii = (size * rng.uniform(0.7, 1.0), size * rng.uniform(0.9, 1.4), size * rng.uniform(0.7, 1.1))
    return Bleed('intraparenchymal', {'site': site, 'centre': centre, 'radii': radii, 'side': side,
                                      'irregular': float(rng.uniform(0.05, 0.3)), 'waves': random_waves(rng, 3, 14),
                                      'oedema': float(rng.uniform(1, 6)), 'oedema_hu': float(rng.uniform(12, 20))},
                 _acute_hu(rng))


def sample_intraventricular(rng, head):
    choice = rng.random()
    if choice < 0.55:
        ventricles = ['lateral-left', 'lateral-right'] if rng.random() < 0.6 else [str(rng.choice(['lateral-left', 'lateral-right']))]
        cast = False
    elif choice < 0.8:
        ventricles, cast = [str(rng.choice(['lateral-left', 'lateral-right', 'third']))], True
    else:
        ventricles, cast = ['fourth'] + (['third'] if rng.random() < 0.5 else []), True
    return Bleed('intraventricular', {'ventricles': ventricles, 'cast': cast, 'level': float(rng.uniform(22, 34))},
                 float(rng.uniform(50, 80)))


def sample_subarachnoid(rng, head):
    pattern = str(rng.choice(['convexity', 'basal', 'diffuse'], p=[0.45, 0.35, 0.2]))
    side = float(rng.choice([-1, 1]))
    d = _lateral_direction(rng, side, z_range=(0.1, 0.8))
    centre = (d[0] * head.radii[0] * 0.85, d[1] * head.radii[1] * 0.85, head.zc + d[2] * head.radii[2] * 0.85)
    radius = float(rng.uniform(18, 40)) if pattern == 'convexity' else 200.0
    return Bleed('subarachnoid', {'pattern': pattern, 'centre': centre, 'radius': radius, 'waves': random_waves(rng, 3, 20),
                                  'patchiness': float(rng.uniform(-1.0, 0.0))}, float(rng.uniform(50, 78)))


SAMPLERS = {
    'epidural': sample_epidural,
    'intraparenchymal': sample_intraparenchymal,
    'intraventricular': sample_intraventricular,
    'subarachnoid': sample_subarachnoid,
    'subdural': sample_subdural,
}
# Trauma and haemorrhagic-stroke patterns that often occur together.
COMPANIONS = {
    'intraparenchymal': (('intraventricular', 0.35), ('subarachnoid', 0.15)),
    'subdural': (('subarachnoid', 0.35), ('subdural', 0.2)),
    'epidural': (('subarachnoid', 0.2), ('subdural', 0.15)),
    'subarachnoid': (('intraventricular', 0.2), ('subdural', 0.15)),
    'intraventricular': (('intraparenchymal', 0.3),),
}


def sample_bleeds(rng, head: HeadParams, primary: str = None):
    """One primary bleed (uniform over subtypes unless given) plus typical companions; applies
    the mass effect of large ones to the head (midline shift, squeezed ventricle)."""
    primary = primary or str(rng.choice(list(SAMPLERS)))
    bleeds = [SAMPLERS[primary](rng, head)]
    for kind, prob in COMPANIONS[primary]:
        if rng.random() < prob:
            bleeds.append(SAMPLERS[kind](rng, head))
    _apply_mass_effect(head, bleeds)
    return bleeds


def _apply_mass_effect(head: HeadParams, bleeds) -> None:
    shift, centre, side = 0.0, None, 0
    for b in bleeds:
        p = b.params
        if b.kind in ('epidural', 'subdural') and not p.get('falx') and p['tmax'] > 9:
            s, c = p['side'], p['u'] * np.array(head.radii) + np.array([0, 0, head.zc])
            amount = 0.5 * (p['tmax'] - 6)
        elif b.kind == 'intraparenchymal' and max(p['radii']) > 12:
            s, c = p['side'], np.array(p['centre'])
            amount = 0.6 * (max(p['radii']) - 10)
        else:
            continue
        if amount > abs(shift):
            shift, centre, side = -s * amount, c, int(s)
    if centre is not None:
        head.midline_shift = float(np.clip(shift, -14, 14))
        head.shift_centre = (0.0, float(centre[1]), float(centre[2]))
        head.compressed_side = side
