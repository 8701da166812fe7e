"""Writes test/fixtures/golden-preprocess/*.json: HU inputs and their exact preprocessed outputs.

The TypeScript engine's preprocessing test reads these files; tests/test_preprocess.py checks that
they reproduce and that torch's interpolate agrees. Run: python -m ichtrain.golden [--out DIR]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .constants import SEED_MEAN, SEED_STD, WINDOWS
from .preprocess import preprocess_hu

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OUT = REPO_ROOT / 'test' / 'fixtures' / 'golden-preprocess'


def _hu_pattern(rows: int, cols: int, seed: int) -> np.ndarray:
    """Smooth ramps through every window plus random speckle from air to bone (int16)."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    ramp = -250 + 700 * (x / max(cols - 1, 1)) + 80 * np.sin(y / 3.0)
    speckle = rng.randint(-1100, 1600, size=(rows, cols))
    use_speckle = rng.rand(rows, cols) < 0.25
    hu = np.where(use_speckle, speckle, np.round(ramp))
    return hu.astype(np.int16)


CASES = (
    # name, rows, cols, size, seed, HU floor (the card's input.huFloor)
    ('downscale-64x64-to-32', 64, 64, 32, 1, None),
    ('nonsquare-37x53-to-24', 37, 53, 24, 2, None),
    ('upscale-20x20-to-32', 20, 20, 32, 3, None),
    ('mixed-16x40-to-24', 16, 40, 24, 4, None),
    ('floored-at-minus-10-64x64-to-32', 64, 64, 32, 5, -10.0),
)


def golden_case(name: str, rows: int, cols: int, size: int, seed: int, hu_floor=None) -> dict:
    hu = _hu_pattern(rows, cols, seed)
    out = preprocess_hu(hu, size=size, windows=WINDOWS, mean=SEED_MEAN, std=SEED_STD, hu_floor=hu_floor)
    return {
        'name': name,
        'input': {'rows': rows, 'columns': cols, 'hu': [int(v) for v in hu.reshape(-1)]},
        'params': {
            'size': size,
            'windows': [dict(w) for w in WINDOWS],
            'mean': list(SEED_MEAN),
            'std': list(SEED_STD),
            **({'huFloor': hu_floor} if hu_floor is not None else {}),
        },
        'output': {'shape': [3, size, size], 'data': [float(v) for v in out.reshape(-1)]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--out', type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        path = args.out / f'{case[0]}.json'
        path.write_text(json.dumps(golden_case(*case)) + '\n')
        print(path)


if __name__ == '__main__':
    main()
