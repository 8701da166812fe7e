import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ichtrain import golden
from ichtrain.constants import SEED_MEAN, SEED_STD, WINDOWS
from ichtrain.preprocess import (png_grey, png_to_pseudo_hu, preprocess_hu, read_back, resize_bilinear,
                                 window_channels)


def torch_reference(hu: np.ndarray, size: int) -> np.ndarray:
    chans = torch.from_numpy(window_channels(hu))[None]
    resized = F.interpolate(chans, size=(size, size), mode='bilinear', align_corners=False, antialias=False)[0]
    mean = torch.tensor(SEED_MEAN, dtype=torch.float32)[:, None, None]
    std = torch.tensor(SEED_STD, dtype=torch.float32)[:, None, None]
    return ((resized - mean) / std).numpy()


@pytest.mark.parametrize('rows,cols,size', [(64, 64, 32), (37, 53, 24), (20, 20, 32), (16, 40, 24), (512, 512, 256), (300, 410, 256)])
def test_numpy_pipeline_equals_torch_interpolate(rows, cols, size):
    rng = np.random.RandomState(rows * 1000 + cols)
    hu = rng.randint(-1200, 1800, size=(rows, cols)).astype(np.int16)
    ours = preprocess_hu(hu, size=size)
    ref = torch_reference(hu, size)
    assert ours.shape == (3, size, size) and ours.dtype == np.float32
    assert np.abs(ours - ref).max() < 1e-5


def test_512_to_256_is_a_2x2_mean():
    rng = np.random.RandomState(0)
    chans = rng.rand(3, 512, 512).astype(np.float32)
    expected = chans.reshape(3, 256, 2, 256, 2).mean(axis=(2, 4))
    assert np.abs(resize_bilinear(chans, 256) - expected).max() < 1e-6


def test_windowing_clips_and_scales_each_window():
    hu = np.array([[-2000, 0, 40, 80, 1000]], dtype=np.int16)
    chans = window_channels(hu)
    for chan, win in zip(chans, WINDOWS):
        lo, hi = win['center'] - win['width'] / 2, win['center'] + win['width'] / 2
        expected = (np.clip(hu[0].astype(np.float64), lo, hi) - lo) / (hi - lo)
        assert np.allclose(chan[0], expected, atol=1e-7)
    assert chans[:, 0, 0].tolist() == [0.0, 0.0, 0.0]
    assert chans[:, 0, 4].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize('case', golden.CASES, ids=[c[0] for c in golden.CASES])
def test_golden_files_reproduce_and_match_torch(case):
    name, rows, cols, size, _seed, hu_floor = case
    stored = json.loads((golden.DEFAULT_OUT / f'{name}.json').read_text())
    assert stored == json.loads(json.dumps(golden.golden_case(*case)))
    hu = np.array(stored['input']['hu'], dtype=np.int16).reshape(rows, cols)
    out = np.array(stored['output']['data'], dtype=np.float32).reshape(stored['output']['shape'])
    floored = hu if hu_floor is None else np.maximum(hu, np.int16(hu_floor))
    assert np.abs(out - torch_reference(floored, size)).max() < 1e-5
    if hu_floor is not None:  # the floor changes the output: the case tests it
        assert np.abs(out - torch_reference(hu, size)).max() > 0.1
    # Values below, inside and above every window are present.
    for win in stored['params']['windows']:
        lo, hi = win['center'] - win['width'] / 2, win['center'] + win['width'] / 2
        assert (hu < lo).any() and ((hu > lo) & (hu < hi)).any() and (hu > hi).any()
    assert (golden.DEFAULT_OUT / f'{name}.json').stat().st_size < 200_000


def test_hu_floor_reads_lower_hu_as_the_floor_and_leaves_the_rest():
    hu = np.array([[-1000, -11, -10, 0, 90, 1500]], dtype=np.int16)
    floored = window_channels(hu, hu_floor=-10)
    assert np.array_equal(floored, window_channels(np.maximum(hu, np.int16(-10))))
    assert np.array_equal(floored[:, 0, 2:], window_channels(hu)[:, 0, 2:])
    # The soft-tissue window (40/380 from -150 HU) sees air at the floor, not at its own bottom.
    assert floored[2, 0, 0] == floored[2, 0, 2] > 0


def test_png_grey_and_pseudo_hu():
    grey = np.array([[0, 128, 255]], dtype=np.uint8)
    rgba = np.stack([grey, grey, grey, np.full_like(grey, 255)], axis=-1)
    assert np.array_equal(png_grey(rgba), grey.astype(np.float32))
    hu = png_to_pseudo_hu(png_grey(grey), center=40, width=130)
    assert np.allclose(hu[0], [-25.0, -25.0 + 128 / 255 * 130, 105.0], atol=1e-4)
    # A model whose card reads saturated grey as bone changes the 255 only.
    as_bone = read_back(png_grey(grey), {'center': 40, 'width': 130, 'saturatedHu': 1000})
    assert np.array_equal(as_bone[0, :2], hu[0, :2]) and as_bone[0, 2] == 1000
    assert np.array_equal(read_back(png_grey(grey), {'center': 40, 'width': 130}), hu)
    tinted = rgba.copy()
    tinted[0, 1, 2] = 131  # a slightly tinted grey: BT.601 luma
    assert np.allclose(png_grey(tinted)[0, 1], 0.299 * 128 + 0.587 * 128 + 0.114 * 131, atol=1e-4)
    colour = np.zeros((4, 4, 3), dtype=np.uint8)
    colour[:, :, 0] = 200  # red
    with pytest.raises(ValueError, match='colour'):
        png_grey(colour)
