"""Choosing the window windowed images are read back through, by robustness over export windows."""
import numpy as np
import pytest

from ichtrain.png_window import choose_png_window, processed_read_back_aucs
from ichtrain.preprocess import export_grey, grey_range_export, read_back, resized_export


def blood_detector(images):
    """A scorer that, like the CNN, reads absolute HU: the share of pixels in a blood-like range."""
    return np.array([float(((im >= 55) & (im <= 95)).mean()) for im in images])


def test_export_grey_is_an_8_bit_window():
    hu = np.array([-100.0, 10.0, 40.0, 70.0, 500.0])
    assert export_grey(hu, {'center': 40, 'width': 60}).tolist() == [0, 0, 128, 255, 255]


def test_chooses_the_candidate_that_reads_back_blood_for_most_export_windows():
    # 70 HU blood against 30 HU brain.
    images = [np.full((8, 8), 70.0)] * 3 + [np.full((8, 8), 30.0)] * 3
    labels = np.array([1, 1, 1, 0, 0, 0])
    narrow, wide = {'center': 40.0, 'width': 80.0}, {'center': 40.0, 'width': 130.0}
    # Blood saturates at 255 through 40/60 and 40/70: read back through 40/130 it becomes 105 and
    # 96 HU (not blood); through 40/80, 80 and 74 HU. Through 40/180 it is grey 170: 53 HU through
    # 40/80 (missed), 62 HU through 40/130.
    exports = [{'center': 40.0, 'width': 60.0}, {'center': 40.0, 'width': 180.0}, {'center': 40.0, 'width': 70.0}]
    choice = choose_png_window(blood_detector, images, labels, [wide, narrow], exports)
    assert choice['window'] == narrow
    by_window = {(r['window']['center'], r['window']['width']): r for r in choice['candidates']}
    assert by_window[(40.0, 80.0)]['aucPerExport'] == [1.0, 0.5, 1.0]
    assert by_window[(40.0, 130.0)]['aucPerExport'] == [0.5, 1.0, 0.5]
    assert by_window[(40.0, 80.0)]['meanAuc'] == pytest.approx(5 / 6, abs=1e-4)
    assert by_window[(40.0, 130.0)]['worstAuc'] == 0.5


def test_refuses_validation_slices_of_one_class():
    with pytest.raises(ValueError, match='with and without haemorrhage'):
        choose_png_window(blood_detector, [np.full((8, 8), 70.0)] * 2, np.array([1, 1]),
                          [{'center': 40.0, 'width': 80.0}], [{'center': 40.0, 'width': 60.0}])


def test_a_resized_export_spreads_the_saturated_skull_into_greys_below_255():
    grey = np.zeros((64, 64), np.float32)
    grey[:, 30:] = 255  # a saturated skull against black
    for factor in (0.75, 1.5):
        out = resized_export(grey, factor)
        assert out.shape == (round(64 * factor),) * 2 and out.dtype == np.float32
        assert set(np.unique(out)) <= set(range(256)) and out.max() == 255
        assert ((out > 0) & (out < 255)).any()  # the edge: neither black nor saturated


def skull_and_bleed_slices():
    """Normal slices: brain (30 HU) between two sides of skull (1000 HU); positives: one side of skull
    and a small 70 HU bleed. With the bone read-back window and one export window."""
    normal = np.full((32, 32), 30.0)
    normal[:, :4] = normal[:, -4:] = 1000.0
    bleed = np.full((32, 32), 30.0)
    bleed[:, :4] = 1000.0
    bleed[14:16, 14:16] = 70.0
    return ([normal, bleed] * 3, np.array([0, 1] * 3), {'center': 40.0, 'width': 100.0, 'saturatedHu': 1000.0},
            [{'center': 40.0, 'width': 100.0}])


def test_resized_read_back_catches_a_scorer_that_takes_the_skull_edge_for_blood():
    # Read back unresized, only the bleed is blood-like.
    images, labels, window, exports = skull_and_bleed_slices()
    plain = processed_read_back_aucs(blood_detector, images, labels, window, exports, {'x1': lambda g: resized_export(g, 1.0)})
    resized = processed_read_back_aucs(blood_detector, images, labels, window, exports, {'x1.5': lambda g: resized_export(g, 1.5)})
    assert plain['meanAuc'] == 1.0 and list(plain['aucPerExport']) == ['40/100 x1']
    # Resized, each skull edge reads back as a blood-like band, and normal slices have two.
    assert resized['meanAuc'] == 0.0 and resized['processes'] == ['x1.5']


def test_a_grey_range_export_turns_the_whole_skull_into_window_top_density_for_the_bone_read_back():
    images, labels, window, exports = skull_and_bleed_slices()
    narrowed = processed_read_back_aucs(blood_detector, images, labels, window, exports,
                                        {'16..235': lambda g: grey_range_export(g, 16, 235)})
    grey = grey_range_export(export_grey(images[0], exports[0]), 16, 235)
    assert grey.max() == 235 and grey.min() >= 16
    # No grey reaches 255, so no skull pixel is read as bone: both skull sides become blood-like.
    assert not (read_back(grey, window) == 1000.0).any()
    assert narrowed['meanAuc'] == 0.0 and list(narrowed['aucPerExport']) == ['40/100 16..235']
