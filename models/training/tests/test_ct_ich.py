import numpy as np
import pytest
import torch
from scipy import ndimage

from ichtrain.augment import head_crop, head_mask
from ichtrain.data.ct_ich import (BONE_WINDOW, BRAIN_GREY_RANGE, BRAIN_WINDOW, grey_to_hu, pseudo_hu,
                                  read_ct_ich_labels, reconstruction_report)
from ichtrain.sources import DATA_ROOT


def test_pseudo_hu_takes_the_brain_window_where_it_is_not_saturated():
    brain = np.array([[0, 2, BRAIN_GREY_RANGE[0], 128, BRAIN_GREY_RANGE[1], 253, 255]], dtype=np.float32)
    bone = np.array([[10, 60, 70, 80, 90, 100, 200]], dtype=np.float32)
    hu = pseudo_hu(brain, bone)
    from_bone = grey_to_hu(bone, BONE_WINDOW)
    from_brain = grey_to_hu(brain, BRAIN_WINDOW)
    np.testing.assert_allclose(hu[0, [0, 1, 5, 6]], from_bone[0, [0, 1, 5, 6]])
    np.testing.assert_allclose(hu[0, [2, 3, 4]], from_brain[0, [2, 3, 4]])
    assert abs(grey_to_hu(np.float32(255), BRAIN_WINDOW) - 100) < 1e-4
    assert abs(grey_to_hu(np.float32(0), BONE_WINDOW) + 900) < 1e-4


@pytest.mark.skipif(not (DATA_ROOT / 'ct-ich-jpg').exists(), reason='shared data not present')
def test_ct_ich_labels_cover_whole_ordered_scans():
    items = read_ct_ich_labels(DATA_ROOT / 'ct-ich-jpg')
    assert len(items) == 1872
    assert len({it.patient for it in items}) == 61
    assert sum(it.bone is None for it in items) == 1  # 084_36 has no bone window
    assert all(it.labels[0] == it.labels[1:].max() for it in items if it.labels[1:].any())
    fractures = [it for it in items if it.fracture == 1]
    assert len(fractures) == 140 and all(it.fracture in (0.0, 1.0) for it in items)
    assert sum(it.labels[1] == 1 for it in fractures) == 44  # of the 130 epidural slices


@pytest.mark.skipif(not (DATA_ROOT / 'ct-ich').exists(), reason='shared data not present')
def test_reconstruction_matches_the_hu_slices_within_a_few_hu():
    summary = reconstruction_report(DATA_ROOT, max_shift=3)['summary']
    assert summary['aligned(corr>=0.95)'] >= 18
    assert summary['medianAbsErrorFineHU(aligned)'] < 3.0


def test_head_crop_finds_the_head_and_ignores_a_thin_arc():
    x = torch.zeros(3, 256, 256)
    x[2, 60:200, 80:180] = 0.6  # the head
    x[2, 240:243, 10:250] = 0.6  # a head holder's thin arc
    mask = head_mask(x)
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    assert (rows[0], rows[-1], cols[0], cols[-1]) == (60, 199, 80, 179)
    cropped = head_crop(x, torch.Generator().manual_seed(0))
    assert cropped.shape == x.shape
    assert (cropped[2] > 0.42).float().mean() > 0.7  # the head now fills most of the image


def test_head_mask_is_a_binary_opening_by_a_5x5_square_up_to_the_image_edge():
    # Blobs and thin lines touching every border: where separable filters and an opening could part.
    rng = np.random.default_rng(5)
    for density in (0.3, 0.55, 0.8):
        x = torch.zeros(3, 64, 64)
        x[2] = torch.from_numpy((rng.random((64, 64)) < density).astype(np.float32)) * 0.6
        expected = ndimage.binary_opening((x[2] > 0.42).numpy(), structure=np.ones((5, 5), dtype=bool))
        labels, count = ndimage.label(expected)
        if count:
            expected = labels == (int(np.argmax(np.bincount(labels.ravel())[1:])) + 1)
        assert np.array_equal(head_mask(x), expected)
