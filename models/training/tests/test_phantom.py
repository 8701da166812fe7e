import csv

import numpy as np
import pydicom

from ichtrain.constants import CLASSES
from ichtrain.data.dicom_hu import dataset_hu
from ichtrain.phantom.__main__ import main as phantom_main
from ichtrain.phantom.anatomy import render_head, sample_head
from ichtrain.phantom.bleeds import paint_bleeds, sample_bleeds
from ichtrain.phantom.scanner import _plane_points, render_clean, sample_geometry
from ichtrain.phantom.series import make_series

BLOOD_HU = (45, 95)


def _slice_with_most_blood(series, rows=128):
    geom = series.geometry.downsampled(512 // rows)
    best = max(range(len(geom.z_positions)), key=lambda k: render_clean(series.head, series.bleeds, geom, k)[1][1:].sum())
    return geom, best


def test_each_subtype_draws_blood_of_the_right_density_inside_the_skull():
    for i, subtype in enumerate(CLASSES[1:]):
        rng = np.random.default_rng([5, i])
        series = make_series(rng, 12, True, thickness=5.0, subtype=subtype, rows=512)
        geom, k = _slice_with_most_blood(series)
        x, y, z = _plane_points(geom, k)
        layers = render_head(series.head, x, y, z)
        blood = paint_bleeds(series.head, series.bleeds, layers)
        own = blood == CLASSES.index(subtype)
        assert own.sum() > 0, subtype
        assert (own & ~layers.intracranial).sum() == 0, subtype  # never outside the cranial cavity
        hu = layers.hu[own]
        assert np.median(hu) >= BLOOD_HU[0] and np.median(hu) <= BLOOD_HU[1], (subtype, np.median(hu))
        _, _, labels = render_clean(series.head, series.bleeds, geom, k)
        assert labels[CLASSES.index(subtype)] == 1 and labels[0] == 1


def test_negative_phantoms_have_no_blood_and_no_labels():
    rng = np.random.default_rng(11)
    series = make_series(rng, 10, False, thickness=5.0)
    geom = series.geometry.downsampled(4)
    for k in range(10):
        _, fraction, labels = render_clean(series.head, series.bleeds, geom, k)
        assert labels.sum() == 0 and fraction.sum() == 0


def test_epidural_stays_inside_one_skull_segment():
    head = sample_head(np.random.default_rng(3))
    for seed in range(6):
        bleeds = sample_bleeds(np.random.default_rng([3, seed]), head, 'epidural')
        series = make_series(np.random.default_rng(0), 1, False)
        series.head, series.bleeds = head, bleeds
        geom = sample_geometry(np.random.default_rng(1), head, 30, thickness=5.0, rows=128)
        segments = set()
        for k in range(30):
            x, y, z = _plane_points(geom, k)
            layers = render_head(head, x, y, z)
            blood = paint_bleeds(head, bleeds, layers)
            segments |= set(np.unique(layers.segment[blood == CLASSES.index('epidural')]).tolist())
        assert len(segments) <= 1


def test_cli_writes_readable_dicom_series_with_consistent_labels(tmp_path):
    assert phantom_main(['--out', str(tmp_path), '--series', '2', '--slices', '6', '--seed', '4', '--positive',
                         '--thickness', '5.0', '--rle-fraction', '1']) == 0
    rows = list(csv.DictReader(open(tmp_path / 'labels.csv')))
    series_rows = list(csv.DictReader(open(tmp_path / 'series.csv')))
    assert len(rows) == 12 and len(series_rows) == 2
    assert all(r['rle'] == '1' for r in series_rows)
    positives = 0
    for row in rows:
        ds = pydicom.dcmread(str(tmp_path / row['filename']))
        assert ds.file_meta.TransferSyntaxUID == pydicom.uid.RLELossless
        assert ds.Modality == 'CT' and ds.Rows == 512 and ds.SOPInstanceUID == row['sop_uid']
        hu = dataset_hu(ds)
        inside = hu > -1024
        assert inside.mean() > 0.2  # a head, not an empty frame
        labels = [int(row[c]) for c in CLASSES]
        assert labels[0] == int(any(labels[1:]))
        if labels[0]:
            positives += 1
            # a positive slice shows blood-range pixels inside the head
            assert ((hu >= 50) & (hu <= 95)).sum() > 20
    assert positives >= 1
    # Same arguments, same files.
    again = tmp_path / 'again'
    phantom_main(['--out', str(again), '--series', '2', '--slices', '6', '--seed', '4', '--positive',
                  '--thickness', '5.0', '--rle-fraction', '1'])
    assert (again / 'labels.csv').read_text() == (tmp_path / 'labels.csv').read_text()


def test_dicom_storage_variants_round_trip_to_hu(tmp_path):
    from ichtrain.phantom.dicom_writer import STORAGE, series_ids, slice_dataset, write_slice
    rng = np.random.default_rng(2)
    series = make_series(rng, 3, False, thickness=5.0)
    hu, _ = series.render(1, rng)
    for storage in STORAGE:
        ds = slice_dataset(hu, series.geometry, series_ids(0, 0), 1, storage, compress=False)
        write_slice(tmp_path / f'{storage}.dcm', ds)
        back = dataset_hu(pydicom.dcmread(str(tmp_path / f'{storage}.dcm')))
        inside = hu > -1024
        assert np.array_equal(back[inside], hu[inside]), storage
        if storage == 'unsigned-1024':
            assert back.min() >= -1024
        else:
            assert back[~(hu > series.geometry.padding_hu)].tolist() == [series.geometry.padding_hu] * int((~(hu > series.geometry.padding_hu)).sum())


def test_tilted_series_has_position_offsets_off_the_slice_normal(tmp_path):
    phantom_main(['--out', str(tmp_path), '--series', '4', '--slices', '3', '--seed', '9', '--negative', '--rle-fraction', '0'])
    for row in csv.DictReader(open(tmp_path / 'series.csv')):
        files = sorted((tmp_path / row['folder']).glob('*.dcm'))
        a, b = (pydicom.dcmread(str(f)) for f in files[:2])
        iop = np.array(a.ImageOrientationPatient, dtype=float)
        normal = np.cross(iop[:3], iop[3:])
        step = np.array(b.ImagePositionPatient, dtype=float) - np.array(a.ImagePositionPatient, dtype=float)
        cos = abs(step.dot(normal)) / np.linalg.norm(step)
        tilt = float(row['tilt_deg'])
        assert abs(np.degrees(np.arccos(min(cos, 1.0))) - tilt) < 0.05


def test_hairline_blood_is_not_labelled_but_a_blob_is():
    from ichtrain.phantom.scanner import visible_labels
    fraction = np.zeros((6, 64, 64), dtype=np.float32)
    fraction[5, 10, 5:60] = 1.0  # a one-pixel subdural hairline, 55 px long
    fraction[2, 30:36, 30:36] = 1.0  # a 6 x 6 px parenchymal blob
    labels = visible_labels(fraction, pixel_spacing=0.9)
    assert labels.tolist() == [1, 0, 1, 0, 0, 0]
