"""Training augmentation in HU."""
import numpy as np
import torch
from scipy import ndimage

from ichtrain.augment import blur, jitter_hu

READ_BACK = {'center': 40.0, 'width': 100.0}


def test_png_export_leaves_at_most_256_levels_inside_the_read_back_window():
    hu = torch.linspace(-1000, 1500, 256 * 256).reshape(256, 256)
    gen = torch.Generator().manual_seed(3)
    out = jitter_hu(hu, gen, READ_BACK, png_prob=1.0, png_center=(40.0, 40.0), png_width=(80.0, 80.0)).numpy()
    levels = np.unique(out)
    assert 200 <= len(levels) <= 256
    assert out.min() == -10 and out.max() == 90  # air and bone clip to the read-back window's ends
    # Exported through 40/80 (0..80 HU, give or take the HU jitter), read back through 40/100:
    # every grey step is 100/255 HU wide.
    steps = np.diff(levels) / (100 / 255)
    assert np.allclose(steps, np.round(steps), atol=1e-3) and steps.min() > 0.99


def test_png_export_can_read_saturated_grey_as_the_model_does():
    hu = torch.linspace(-1000, 1500, 256 * 256).reshape(256, 256)
    as_bone = {**READ_BACK, 'saturatedHu': 1000.0}

    def exported(read_saturated_as_model):
        gen = torch.Generator().manual_seed(3)
        return jitter_hu(hu, gen, as_bone, png_prob=1.0, png_center=(40.0, 40.0), png_width=(80.0, 80.0),
                         read_saturated_as_model=read_saturated_as_model).numpy()
    at_top, read_as_bone = exported(False), exported(True)
    assert at_top.max() == 90  # the window's top, as the bundled CNNs trained
    saturated = at_top == 90
    assert (read_as_bone[saturated] == 1000).all() and np.array_equal(read_as_bone[~saturated], at_top[~saturated])


def test_without_png_export_the_full_hu_range_survives():
    hu = torch.linspace(-1000, 1500, 256 * 256).reshape(256, 256)
    gen = torch.Generator().manual_seed(3)
    out = jitter_hu(hu, gen, READ_BACK, png_prob=0.0).numpy()
    assert out.min() < -900 and out.max() > 1400


def skull_exported_through_40_80(seed: int, **export_options) -> np.ndarray:
    """Brain (30 HU) beside a skull (1000 HU, columns 48-63), exported through 40/80 and read back as
    bone where saturated, with no HU jitter that matters here and no noise."""
    hu = torch.full((64, 64), 30.0)
    hu[:, 48:] = 1000.0
    gen = torch.Generator().manual_seed(seed)
    return jitter_hu(hu, gen, {**READ_BACK, 'saturatedHu': 1000.0}, png_prob=1.0, png_center=(40.0, 40.0),
                     png_width=(80.0, 80.0), noise_sd=0.0, read_saturated_as_model=True, **export_options).numpy()


def test_a_resized_export_is_read_back_at_its_new_size_with_the_skull_edge_below_bone():
    def exported(resize_prob):
        return skull_exported_through_40_80(3, resize_prob=resize_prob, resize_range=(1.5, 1.5))
    plain, resized = exported(0.0), exported(1.0)
    assert plain.shape == (64, 64) and resized.shape == (96, 96)
    # Unresized, the skull is bone up to its edge; resized, the edge holds greys read as brain-to-blood HU.
    blood_like = lambda x: (x > 40) & (x < 1000)  # noqa: E731  (brain reads back at about 20 HU)
    assert not blood_like(plain).any()
    assert blood_like(resized[:, 70:74]).any()
    # Without resize_prob the random stream is the one recipes without it always had.
    assert np.array_equal(exported(0.0), plain)


def test_a_grey_range_export_keeps_the_skull_below_255_so_it_reads_back_as_the_window_top():
    def exported(grey_range_prob):
        return skull_exported_through_40_80(5, grey_range_prob=grey_range_prob, grey_range_low=(10.0, 10.0),
                                            grey_range_high=(235.0, 235.0))
    plain, narrowed = exported(0.0), exported(1.0)
    assert (plain[:, 48:] == 1000.0).all()
    # Grey 235 of 255 through the read-back window: its top, about 82 HU, not bone.
    top = READ_BACK['center'] - READ_BACK['width'] / 2 + 235 / 255 * READ_BACK['width']
    assert np.allclose(narrowed[:, 52:], top, atol=0.6)
    # The brain's grey is lifted by the narrowed range's floor and compressed towards the middle.
    assert abs(narrowed[:, :40].mean() - plain[:, :40].mean()) < 8
    assert np.array_equal(exported(0.0), plain)


def test_blur_is_a_gaussian_with_replicated_borders_on_every_channel():
    x = torch.from_numpy(np.random.default_rng(2).random((3, 40, 52)).astype(np.float32))
    for sigma in (0.7, 1.0, 1.1):
        radius = max(1, int(np.ceil(2.5 * sigma)))
        expected = ndimage.gaussian_filter(x.numpy(), sigma=(0, sigma, sigma), mode='nearest', truncate=radius / sigma)
        out = blur(x, sigma)
        assert out.shape == x.shape and np.allclose(out.numpy(), expected, atol=1e-5)
    assert torch.equal(blur(x, 0.05), x)  # below the smallest kernel: unchanged
