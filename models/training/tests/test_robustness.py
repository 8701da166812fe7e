"""The robustness study's perturbations do what their names say, and the study reports each one's
AUC against the unperturbed slices."""
import math

import numpy as np
import pytest

from ichtrain.robustness import PERTURBATIONS, gantry_tilt, kernel, measure, windowed_export, white_noise

WINDOW = {'center': 40.0, 'width': 100.0}


def disc(radius: float, size: int = 256) -> np.ndarray:
    """Brain-like 30 HU disc on air."""
    y, x = np.mgrid[:size, :size] - (size - 1) / 2
    return np.where(x ** 2 + y ** 2 <= radius ** 2, 30.0, -1000.0).astype(np.float32)


def test_gantry_tilt_stretches_rows_by_one_over_cos_and_keeps_columns():
    out = gantry_tilt(30)(disc(80), WINDOW, None)
    inside = out > -500
    rows, cols = np.nonzero(inside.any(axis=1))[0], np.nonzero(inside.any(axis=0))[0]
    assert (rows[-1] - rows[0] + 1) == pytest.approx(161 / math.cos(math.radians(30)), abs=2)
    assert (cols[-1] - cols[0] + 1) == pytest.approx(161, abs=1)


def test_noise_has_the_named_sd_and_kernels_change_edges_not_flat_areas():
    rng = np.random.default_rng(0)
    flat = np.full((256, 256), 30.0, np.float32)
    assert np.std(white_noise(20)(flat, WINDOW, rng) - flat) == pytest.approx(20, rel=0.02)
    edge = disc(80)
    sharp, smooth = kernel(1.0)(edge, WINDOW, None), kernel(-0.5)(edge, WINDOW, None)
    assert sharp[128, 128] == pytest.approx(30) and smooth[128, 128] == pytest.approx(30)
    assert sharp.max() > 30 + 50  # overshoot at the edge
    assert smooth.max() <= 30 + 1e-3


def test_windowed_exports_clip_to_the_window_and_jpeg_adds_error_the_lossless_one_lacks():
    hu = disc(80) + np.float32(10) * np.sin(np.arange(256) / 3.0).astype(np.float32)[None, :]
    lossless = windowed_export(None)(hu, WINDOW, None)
    assert lossless.min() == pytest.approx(-10) and lossless.max() <= 90
    inside = disc(70) > 0
    assert np.abs(lossless - hu)[inside].max() <= 100 / 255 / 2 + 1e-4  # 8-bit rounding only
    jpeg = windowed_export(20)(hu, WINDOW, None)
    assert np.abs(jpeg - lossless)[inside].mean() > 0.2


def test_measure_reports_the_drop_of_a_perturbation_that_hides_blood():
    rng = np.random.default_rng(1)
    slices = [disc(80) + np.where(rng.random((256, 256)) < 0.02 * (i % 2), 40.0, 0.0).astype(np.float32) for i in range(10)]
    labels = np.array([i % 2 for i in range(10)])
    score = lambda images: np.array([float((im > 55).mean()) for im in images])  # noqa: E731
    patients = np.arange(10) // 2  # each patient one slice with blood, one without
    rows = measure(score, slices, labels, WINDOW, patients, {'none': PERTURBATIONS['none'],
                                                             'blood hidden': lambda hu, _w, _r: np.minimum(hu, 30)},
                   resamples=200)
    assert rows[0] == {'perturbation': 'none', 'auc': 1.0, 'difference': 0.0, 'differenceCi95': [0.0, 0.0]}
    assert rows[1]['auc'] == 0.5 and rows[1]['difference'] == -0.5 and rows[1]['differenceCi95'] == [-0.5, -0.5]


def test_the_interval_comes_from_resampled_patients():
    # Patient 0 holds every positive slice; the perturbation ruins its ranking only in that patient.
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    patients = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 3])
    slices = [np.full((4, 4), float(i), np.float32) for i in range(12)]
    good = np.array([0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2])
    score = lambda images: good if images[0][0, 0] == 0 else np.where(np.arange(12) < 4, 0.15, good)  # noqa: E731
    rows = measure(score, slices, labels, WINDOW, patients,
                   {'ruin': lambda hu, _w, _r: hu + np.float32(100)}, resamples=300)
    low, high = rows[0]['differenceCi95']
    # Every usable resample holds patient 0 (the only positives), so every one shows a drop; its size
    # varies with how many of each patient's negatives were drawn.
    assert rows[0]['difference'] < -0.3 and low < high < 0
