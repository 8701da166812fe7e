"""A random adult head in Hounsfield units, defined in 3-D so that every slice of a series, at
any thickness or gantry tilt, cuts the same anatomy.

Painted in order: scalp, skull (outer table, diploe, inner table, sutures), CSF gap, cortex and
white matter, sulci, fissures, falx and tentorium, deep grey nuclei, ventricles and choroid
plexus, brainstem and cisterns, skull base (orbits, sinuses, sella, petrous bones, mastoid air
cells). Bleeds (bleeds.py) are painted over the intracranial space afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .geometry import ellipsoid, random_waves, wave_field

AIR = -1000.0
CSF = 7.0


@dataclass
class HeadParams:
    radii: tuple  # outer head ellipsoid (x, y, z) in mm
    zc: float  # z of the ellipsoid centre
    scalp: float  # scalp thickness (mm)
    skull: float  # skull thickness at the vertex (mm)
    csf_gap: float  # extra-axial CSF layer (mm); larger with atrophy
    atrophy: float  # 1 = young adult; scales ventricles and sulci
    grey: float  # cortex HU
    white: float  # white matter HU
    diploe: float
    cortical_bone: float
    shape_waves: list
    sulcus_waves: list
    folia_waves: list
    cell_waves: list
    sulcus_width: float
    pineal_hu: float  # > 100: calcified (a mimic)
    plexus_hu: float
    falx_hu: float
    falx_plaque: float  # 0: none, else HU of a calcified falx plaque (a mimic)
    basal_ganglia_calc: float  # 0: none, else HU (a mimic)
    streak_strength: float  # beam-hardening band between the petrous bones (HU, negative)
    midline_shift: float = 0.0  # mm, + towards patient left; set by mass-effect bleeds
    shift_centre: tuple = (0.0, 0.0, 20.0)
    compressed_side: int = 0  # +1/-1: the ipsilateral lateral ventricle is squeezed
    extra: dict = field(default_factory=dict)

    @property
    def z_top(self) -> float:
        return self.zc + self.radii[2]


def sample_head(rng: np.random.Generator) -> HeadParams:
    s = rng.uniform(0.9, 1.08)
    atrophy = float(rng.choice([rng.uniform(0.85, 1.1), rng.uniform(1.1, 1.7)], p=[0.6, 0.4]))
    return HeadParams(
        radii=(74 * s * rng.uniform(0.95, 1.05), 94 * s * rng.uniform(0.95, 1.05), 92 * s),
        zc=rng.uniform(5, 12),
        scalp=rng.uniform(3.5, 7),
        skull=rng.uniform(5.5, 8.5),
        csf_gap=rng.uniform(0.8, 1.6) * atrophy,
        atrophy=atrophy,
        grey=rng.uniform(35, 43),
        white=rng.uniform(22, 30),
        diploe=rng.uniform(450, 800),
        cortical_bone=rng.uniform(1300, 1900),
        shape_waves=random_waves(rng, 4, 90),
        sulcus_waves=random_waves(rng, 5, 30),
        folia_waves=random_waves(rng, 4, 9),
        cell_waves=random_waves(rng, 4, 6),
        sulcus_width=rng.uniform(0.07, 0.12) * atrophy,
        pineal_hu=float(rng.choice([rng.uniform(28, 40), rng.uniform(120, 450)], p=[0.5, 0.5])),
        plexus_hu=float(rng.choice([rng.uniform(25, 35), rng.uniform(90, 300)], p=[0.55, 0.45])),
        falx_hu=float(rng.choice([rng.uniform(40, 55), rng.uniform(60, 95)], p=[0.7, 0.3])),
        falx_plaque=float(rng.choice([0.0, rng.uniform(200, 800)], p=[0.7, 0.3])),
        basal_ganglia_calc=float(rng.choice([0.0, rng.uniform(90, 250)], p=[0.85, 0.15])),
        streak_strength=float(rng.uniform(-30, -6)),
    )


@dataclass
class Layers:
    """What the anatomy render knows about each pixel (bleeds are painted with it)."""
    hu: np.ndarray
    intracranial: np.ndarray  # inside the inner table, not skull base bone
    brain: np.ndarray  # parenchyma (grey, white, deep grey, brainstem, cerebellum)
    depth_inner: np.ndarray  # mm below the inner table (negative outside)
    sulci: np.ndarray  # CSF in convexity sulci and the extra-axial gap
    cisterns: np.ndarray  # basal cisterns and Sylvian fissures
    fissure: np.ndarray  # interhemispheric fissure
    ventricles: dict  # name -> mask
    cerebellum: np.ndarray
    tentorium_z: np.ndarray
    segment: np.ndarray  # skull segment between sutures (for epidurals)
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray


SEGMENTS = ('frontal', 'parietal-left', 'parietal-right', 'temporal-left', 'temporal-right', 'occipital')


def _suture_positions(p: HeadParams, y, z):
    ay = p.radii[1]
    coronal = -0.12 * ay + 0.18 * (z - p.zc)
    lambdoid = 0.5 * ay - 0.45 * (z - p.zc)
    squamosal = p.zc + 8
    return coronal, lambdoid, squamosal


def skull_segment(p: HeadParams, x, y, z) -> np.ndarray:
    coronal, lambdoid, squamosal = _suture_positions(p, y, z)
    seg = np.where(x >= 0, 1, 2)  # parietal left/right (+x = patient left)
    temporal = (z < squamosal) & (np.abs(x) > 0.45 * p.radii[0]) & (y > coronal - 25) & (y < lambdoid)
    seg = np.where(temporal, np.where(x >= 0, 3, 4), seg)
    seg = np.where(y < coronal, 0, seg)
    seg = np.where(y > lambdoid, 5, seg)
    return seg.astype(np.int8)


def ventricle_masks(p: HeadParams, x, y, z) -> dict:
    """Lateral (frontal horn, body, trigone/occipital horn), third and fourth ventricles."""
    v = p.atrophy
    masks = {}
    for side, name in ((1, 'left'), (-1, 'right')):
        squeeze = 0.45 if p.compressed_side == side and p.midline_shift != 0 else 1.0
        w = v * squeeze
        frontal = ellipsoid(x, y, z, (side * (4 + 5 * v), -24, 22), (4.5 * w, 13, 7 * v)) < 1
        body = ellipsoid(x, y, z, (side * (6 + 5 * v), -2, 27), (5 * w, 20, 5 * v)) < 1
        occipital = ellipsoid(x, y, z, (side * (12 + 6 * v), 28, 18), (5.5 * w, 13, 8 * v)) < 1
        masks[f'lateral-{name}'] = frontal | body | occipital
    masks['third'] = ellipsoid(x, y, z, (0, 2, 8), (1.2 * v + 0.5, 13, 7)) < 1
    masks['fourth'] = ellipsoid(x, y, z, (0, 30, -30), (5 * v, 3.5, 6)) < 1
    return masks


def render_head(p: HeadParams, x, y, z) -> Layers:
    """HU and region masks of the head at head-frame points (x, y, z) of one slice plane."""
    ax, ay, az = p.radii
    zr = z - p.zc
    bump = 1 + 0.025 * wave_field(x, y, z, p.shape_waves)
    rho = np.sqrt((x / ax) ** 2 + (y / ay) ** 2 + (zr / az) ** 2) * bump
    grad = np.sqrt((x / ax ** 2) ** 2 + (y / ay ** 2) ** 2 + (zr / az ** 2) ** 2) + 1e-9
    depth = (1 - rho) / grad  # mm below the skin (first-order distance to the ellipsoid)

    skull_t = p.skull * (1 - 0.35 * (x / ax) ** 2) * (1 + 0.25 * np.clip(-zr / az, 0, 1))
    inner_start = p.scalp + skull_t
    depth_inner = depth - inner_start

    hu = np.full(x.shape, AIR, dtype=np.float32)
    scalp = (depth >= 0) & (depth < p.scalp)
    fat = scalp & (depth > 0.35 * p.scalp) & (depth < 0.6 * p.scalp)
    hu[scalp] = 35.0
    hu[fat] = -70.0

    bone = (depth >= p.scalp) & (depth_inner < 0)
    frac = np.clip((depth - p.scalp) / skull_t, 0, 1)
    diploe = (frac > 0.3) & (frac < 0.7)
    bone_hu = np.where(diploe, p.diploe + 150 * wave_field(x, y, z, p.cell_waves), p.cortical_bone)
    hu = np.where(bone, bone_hu, hu).astype(np.float32)
    coronal, lambdoid, squamosal = _suture_positions(p, y, z)
    suture = bone & (z > squamosal - 10) & (
        (np.abs(y - coronal) < 0.6) | (np.abs(y - lambdoid) < 0.6)
        | ((np.abs(x) < 0.6) & (y > coronal) & (y < lambdoid)))
    hu[suture] = 90.0

    intracranial = depth_inner >= 0
    hu[intracranial] = CSF

    # Midline shift: deep structures are evaluated in shifted coordinates.
    sx, sy, sz = p.shift_centre
    shift = p.midline_shift * np.exp(-((y - sy) ** 2 / (2 * 45 ** 2) + (z - sz) ** 2 / (2 * 35 ** 2)))
    xs = x - shift * np.clip(1 - (x / ax) ** 2, 0, 1)

    # Posterior fossa under the tentorium.
    tentorium_z = p.zc - 8 - 0.22 * np.abs(xs) - 0.12 * np.clip(y - 20, 0, None)
    below_tent = (y > 0) & (z < tentorium_z)

    brain_depth = depth_inner - p.csf_gap
    brain = intracranial & (brain_depth >= 0)
    cortex = brain & (brain_depth < 3.0)
    hu[brain] = p.white
    hu[cortex] = p.grey

    sulcus_field = np.abs(wave_field(x, y, z, p.sulcus_waves))
    sulci = brain & ~below_tent & (brain_depth < 12 * p.atrophy) & (sulcus_field < p.sulcus_width)
    folia_field = np.abs(wave_field(x, y, z, p.folia_waves))
    cerebellum = brain & below_tent
    hu[cerebellum] = p.grey - 3
    folia = cerebellum & (folia_field < 0.12) & (brain_depth < 20)
    sulci = sulci | folia
    hu[sulci] = CSF

    # Interhemispheric fissure and falx above the corpus callosum; tentorium.
    falx_region = intracranial & ~below_tent & (z > p.zc + 20 - 0.15 * np.abs(y))
    fissure = falx_region & (np.abs(xs) < 1.5 * p.atrophy + 0.5)
    hu[fissure] = CSF
    falx = falx_region & (np.abs(xs) < 0.5)
    hu[falx] = p.falx_hu
    if p.falx_plaque:
        plaque = falx & (ellipsoid(xs, y, z, (0, -30, p.zc + 45), (2, 7, 5)) < 1)
        hu[plaque] = p.falx_plaque
    tentorium = intracranial & (y > 0) & (np.abs(z - tentorium_z) < 0.7)
    hu[tentorium] = 45.0

    # Sylvian fissures and insula.
    cisterns = np.zeros(x.shape, dtype=bool)
    for side in (1, -1):
        sylvian = brain & (np.abs(z - (p.zc + 2 + 0.15 * (y + 20))) < 1.8 * p.atrophy) \
            & (y > -38) & (y < 12) & (side * xs > 0.35 * ax) & (side * xs < 0.75 * ax)
        cisterns |= sylvian

    # Deep grey nuclei.
    for side in (1, -1):
        for centre, radii in (((13, -16, 20), (5, 8, 9)), ((22, -3, 12), (6, 14, 9)), ((10, 10, 12), (8, 10, 9))):
            nucleus = brain & (ellipsoid(xs, y, z, (side * centre[0], centre[1], p.zc + centre[2] - 8), radii) < 1)
            hu[nucleus] = p.grey - 2
        if p.basal_ganglia_calc:
            calc = brain & (ellipsoid(xs, y, z, (side * 22, -6, p.zc + 4), (2.5, 5, 3)) < 1)
            hu[calc] = p.basal_ganglia_calc

    # Brainstem with the cisterns around it.
    stem_y = 14 + 0.25 * (z - p.zc)
    stem_r = np.sqrt(xs ** 2 + ((y - stem_y) / 1.1) ** 2)
    stem_zone = intracranial & (z < p.zc - 2)
    stem = stem_zone & (stem_r < 12)
    ambient = stem_zone & (stem_r >= 12) & (stem_r < 15.5) & (z > p.zc - 20)
    theta = np.arctan2(y + 8, xs)
    star = intracranial & (z > p.zc - 22) & (z < p.zc - 12) & (
        np.sqrt(xs ** 2 + (y + 8) ** 2) < 11 + 4 * np.cos(5 * theta))
    cisterns |= ambient | star
    hu[cisterns] = CSF
    hu[stem] = p.white + 4

    ventricles = ventricle_masks(p, xs, y, z - (p.zc - 8))
    for mask in ventricles.values():
        hu[mask & intracranial] = CSF
    for side in (1, -1):
        plexus = intracranial & (ellipsoid(xs, y, z - (p.zc - 8), (side * (12 + 6 * p.atrophy), 27, 19), (2.5, 4, 2.5)) < 1)
        hu[plexus] = p.plexus_hu
    pineal = intracranial & (ellipsoid(xs, y, z - (p.zc - 8), (0, 18, 10), (3, 3.5, 3)) < 1)
    hu[pineal] = p.pineal_hu

    base = _paint_skull_base(p, x, y, z, hu, depth)
    intracranial = intracranial & ~base
    any_ventricle = np.zeros(x.shape, dtype=bool)
    for key in ventricles:
        ventricles[key] = ventricles[key] & intracranial
        any_ventricle |= ventricles[key]
    brain = brain & ~base & ~sulci & ~cisterns & ~fissure & ~any_ventricle

    # Beam hardening: a dark band between the petrous bones.
    band = intracranial & (z < p.zc - 18) & (z > p.zc - 42)
    hu += np.where(band, p.streak_strength * np.exp(-((y - 8 - 0.1 * xs) / 3.0) ** 2), 0).astype(np.float32)

    return Layers(hu=hu, intracranial=intracranial, brain=brain, depth_inner=depth_inner,
                  sulci=(sulci | (intracranial & (depth_inner < p.csf_gap))) & ~base,
                  cisterns=cisterns & ~base, fissure=fissure & ~base, ventricles=ventricles, cerebellum=cerebellum,
                  tentorium_z=tentorium_z, segment=skull_segment(p, x, y, z), x=x, y=y, z=z)


def _paint_skull_base(p: HeadParams, x, y, z, hu, depth) -> np.ndarray:
    """Orbits, sinuses, sella, petrous bones and mastoids; returns the mask of non-brain base."""
    ax, ay, _ = p.radii
    inside = depth >= 0
    base = np.zeros(x.shape, dtype=bool)
    # Anterior cranial fossa floor: below it face bones, orbits, ethmoid cells.
    floor_a = inside & (y < -0.3 * ay) & (z < p.zc - 22)
    hu[floor_a] = 40.0
    plate = floor_a & (z > p.zc - 25 + 2 * wave_field(x, y, z, p.cell_waves))
    hu[plate] = 900.0
    cells = floor_a & (np.abs(x) < 14) & (z <= p.zc - 27) & (wave_field(x, y, z, p.cell_waves) > -0.2)
    hu[cells] = -850.0
    base |= floor_a
    for side in (1, -1):
        orbit = inside & (ellipsoid(x, y, z, (side * 30, -0.78 * ay, p.zc - 38), (17, 20, 13)) < 1) & ~plate
        hu[orbit] = -80.0
        globe = inside & (ellipsoid(x, y, z, (side * 30, -0.86 * ay, p.zc - 38), (11, 11, 11)) < 1)
        hu[globe] = 12.0
        rim = inside & ~orbit & (ellipsoid(x, y, z, (side * 30, -0.78 * ay, p.zc - 38), (20, 23, 16)) < 1)
        hu[rim] = 1000.0
        base |= orbit | rim
    # Frontal sinus in the forehead bone.
    frontal = inside & (ellipsoid(x, y, z, (0, -0.93 * ay, p.zc + 12), (16, 7, 10)) < 1)
    hu[frontal] = 1100.0
    hu[frontal & (ellipsoid(x, y, z, (0, -0.93 * ay, p.zc + 12), (11, 3.5, 7)) < 1)] = -900.0
    base |= frontal
    # Sella and sphenoid sinus.
    sphenoid = inside & (ellipsoid(x, y, z, (0, -18, p.zc - 36), (18, 16, 12)) < 1)
    hu[sphenoid] = 800.0
    hu[sphenoid & (ellipsoid(x, y, z, (0, -18, p.zc - 36), (13, 11, 8)) < 1)] = -900.0
    base |= sphenoid
    # Middle cranial fossa floor.
    floor_m = inside & (np.abs(x) > 18) & (y > -0.3 * ay) & (y < 5) & (z < p.zc - 45)
    hu[floor_m] = 900.0
    base |= floor_m
    # Petrous ridges with mastoid air cells laterally.
    for side in (1, -1):
        p0 = np.array([side * 16, 6, p.zc - 34])
        p1 = np.array([side * 0.8 * ax, 28, p.zc - 38])
        d = p1 - p0
        t = np.clip(((x - p0[0]) * d[0] + (y - p0[1]) * d[1] + (z - p0[2]) * d[2]) / d.dot(d), 0, 1)
        dist = np.sqrt((x - p0[0] - t * d[0]) ** 2 + (y - p0[1] - t * d[1]) ** 2 + ((z - p0[2] - t * d[2]) / 0.8) ** 2)
        petrous = inside & (dist < 8 + 4 * t)
        hu[petrous] = 1500.0
        mastoid = petrous & (t > 0.65) & (wave_field(x, y, z, p.cell_waves) > 0.0)
        hu[mastoid] = -700.0
        base |= petrous
    return base
