"""How a trained slice CNN's `any` ranking holds up under what differs between scanners and sites,
measured on the CT-ICH validation patients (full-range pseudo-HU): one perturbation at a time,
applied to every slice, slice `any` AUC against the unperturbed slices. It says which of the
scanner and site differences the training's augmentation must still cover (a large drop) and
which the model already tolerates.

  python -m ichtrain.robustness --checkpoint models/training/runs/<run>/checkpoint.pt [--out FILE]

Validation patients only: what this measures may steer the next recipe.
"""
from __future__ import annotations

import argparse
import io
import json
import math
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image
from scipy import ndimage

from .checkpoint import load_run
from .cpu import use_cpu
from .metrics import auc, patient_resamples
from .preprocess import export_grey, read_back
from .sources import ct_ich_tables
from .train import any_probs

# (HU slice, the model's pngWindow, a generator of this slice's own) -> perturbed HU slice
Perturbation = Callable[[np.ndarray, dict, np.random.Generator], np.ndarray]


def hu_offset(delta: float) -> Perturbation:
    return lambda hu, _window, _rng: hu + np.float32(delta)


def white_noise(sd: float) -> Perturbation:
    return lambda hu, _window, rng: hu + rng.normal(0, sd, hu.shape).astype(np.float32)


def kernel(amount: float, sigma_px: float = 1.0) -> Perturbation:
    """amount > 0: a sharper reconstruction kernel (unsharp mask); amount < 0: a smoother one."""
    return lambda hu, _window, _rng: hu + np.float32(amount) * (hu - ndimage.gaussian_filter(hu, sigma_px, mode='nearest'))


def gantry_tilt(degrees: float) -> Perturbation:
    """A slice through a gantry tilted by `degrees` cuts the head obliquely: the anatomy appears
    stretched by 1/cos(tilt) along the anterior-posterior axis (image rows), about the centre."""
    stretch = 1 / math.cos(math.radians(degrees))

    def apply(hu, _window, _rng):
        centre = (np.array(hu.shape) - 1) / 2
        matrix = np.diag([1 / stretch, 1.0])
        return ndimage.affine_transform(hu, matrix, offset=centre - matrix @ centre, order=1, mode='constant',
                                        cval=float(hu.min())).astype(np.float32)
    return apply


def rotation(degrees: float) -> Perturbation:
    return lambda hu, _window, _rng: ndimage.rotate(hu, degrees, reshape=False, order=1, mode='constant',
                                                    cval=float(hu.min())).astype(np.float32)


def windowed_export(quality: int | None) -> Perturbation:
    """An 8-bit export through the model's pngWindow, lossless (None) or JPEG at `quality`, read back
    through the same window: the JPEG rows are compared with the lossless one."""
    def apply(hu, window, _rng):
        grey = export_grey(hu, window).astype(np.uint8)
        if quality is not None:
            buffer = io.BytesIO()
            Image.fromarray(grey).save(buffer, format='JPEG', quality=quality)
            buffer.seek(0)
            with Image.open(buffer) as im:
                grey = np.asarray(im.convert('L'))
        return read_back(grey.astype(np.float32), window)
    return apply


PERTURBATIONS: dict[str, Perturbation] = {
    'none': lambda hu, _window, _rng: hu,
    'HU offset +10': hu_offset(10),
    'HU offset -10': hu_offset(-10),
    'white noise sd 10 HU': white_noise(10),
    'white noise sd 20 HU': white_noise(20),
    'sharper kernel (unsharp mask 1.0)': kernel(1.0),
    'smoother kernel (half the detail)': kernel(-0.5),
    'gantry tilt 20 deg (AP stretch 1.064)': gantry_tilt(20),
    'gantry tilt 30 deg (AP stretch 1.155)': gantry_tilt(30),
    'in-plane rotation 30 deg': rotation(30),
    'in-plane rotation 90 deg': rotation(90),
    'export through pngWindow, lossless': windowed_export(None),
    'export through pngWindow, JPEG quality 90': windowed_export(90),
    'export through pngWindow, JPEG quality 50': windowed_export(50),
    'export through pngWindow, JPEG quality 20': windowed_export(20),
}


def measure(score: Callable[[list], np.ndarray], hu_slices: list, any_labels: np.ndarray, window: dict,
            groups: np.ndarray, perturbations: dict[str, Perturbation] = PERTURBATIONS, seed: int = 0,
            resamples: int = 1000) -> list:
    """score(list of HU slices) -> `any` probabilities. One row per perturbation: slice AUC, its
    difference from the unperturbed slices, and a 95 % interval of that difference from resampling
    the patients (`groups`) with replacement, since slices of one patient are not independent.
    Slice i draws its noise from its own generator (seed, i)."""
    labels = np.asarray(any_labels).astype(bool)
    base_probs = score(hu_slices)
    base = auc(labels, base_probs)
    draws = [d for d in patient_resamples(groups, resamples, np.random.default_rng(seed)) if 0 < labels[d].sum() < len(d)]
    rows = []
    for name, perturb in perturbations.items():
        probs = score([perturb(np.asarray(hu, np.float32), window, np.random.default_rng([seed, i]))
                       for i, hu in enumerate(hu_slices)])
        value = auc(labels, probs)
        differences = [auc(labels[d], probs[d]) - auc(labels[d], base_probs[d]) for d in draws]
        rows.append({'perturbation': name, 'auc': round(float(value), 4), 'difference': round(float(value - base), 4),
                     'differenceCi95': [round(float(q), 4) for q in np.percentile(differences, [2.5, 97.5])]})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--checkpoint', type=Path, required=True)
    parser.add_argument('--out', type=Path, help='write the table as JSON here too')
    args = parser.parse_args(argv)
    use_cpu(2)
    run = load_run(args.checkpoint)
    card = run['card_args']
    val = ct_ich_tables(run['config']['ct_ich'])['val']

    rows = measure(lambda images: any_probs(run['cnn'], run['maker'], images), val.images, val.labels[:, 0],
                   card['png_window'], val.groups)
    result = {'checkpoint': str(args.checkpoint), 'model': f"{card['name']} {card['version']}",
              'slices': len(val), 'anyPositive': int(val.labels[:, 0].sum()), 'patients': val.patient_ids,
              'pngWindow': card['png_window'], 'rows': rows}
    for row in rows:
        low, high = row['differenceCi95']
        print(f"{row['perturbation']:45s} AUC {row['auc']:.3f} ({row['difference']:+.3f}, 95 % {low:+.3f}..{high:+.3f})")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + '\n')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
