import numpy as np
import pydicom
import pytest

from ichtrain.data.dicom_hu import dataset_hu
from ichtrain.data.rsna import load_rsna_series, read_rsna_labels, split_rsna
from ichtrain.data.rsna_fixture import write_rsna_fixture
from ichtrain.data.split import split_patients


@pytest.fixture(scope='module')
def fixture(tmp_path_factory):
    out = tmp_path_factory.mktemp('rsna')
    truth = write_rsna_fixture(out, patients=4, slices=5, seed=1)
    return out, truth


def test_groups_by_uids_and_orders_by_position(fixture):
    out, truth = fixture
    labels = read_rsna_labels(out / 'stage_2_train.csv')
    series = load_rsna_series(out / 'stage_2_train', labels)
    assert len(labels) == 20 and len(series) == 4
    expected = {pid: (uid, sops) for pid, uid, sops in truth}
    for s in series:
        uid, sops = expected[s.patient_id]
        assert s.series_uid == uid
        assert [sl.sop_uid for sl in s.slices] == sops  # written in position order, files shuffled by name
        positions = [sl.position for sl in s.slices]
        assert positions == sorted(positions)
        for sl in s.slices:
            assert sl.labels.shape == (6,) and sl.labels[0] == float(sl.labels[1:].max())
    # File names (ID_<sop>) are not in slice order, so the ordering really comes from positions.
    names = sorted(p.name for p in (out / 'stage_2_train').glob('*.dcm'))
    assert names != [f'{sop}.dcm' for _, _, sops in truth for sop in sops]


def test_patient_split_has_no_leakage(fixture):
    out, _ = fixture
    series = load_rsna_series(out / 'stage_2_train', read_rsna_labels(out / 'stage_2_train.csv'))
    splits = split_rsna(series, {'train': 0.5, 'val': 0.25, 'test': 0.25})
    seen = {}
    for name, members in splits.items():
        for s in members:
            assert seen.setdefault(s.patient_id, name) == name
    assert sum(len(m) for m in splits.values()) == len(series)
    many = split_patients([f'P{i}' for i in range(2000)], {'train': 0.6, 'val': 0.2, 'test': 0.2})
    share = sum(v == 'train' for v in many.values()) / 2000
    assert 0.55 < share < 0.65
    assert split_patients(['P1', 'P2'], {'a': 0.5, 'b': 0.5}) == split_patients(['P2', 'P1'], {'a': 0.5, 'b': 0.5})


def test_bad_label_rows_are_rejected(tmp_path):
    (tmp_path / 'bad.csv').write_text('ID,Label\nID_abc_notaclass,1\n')
    with pytest.raises(ValueError, match='bad ID'):
        read_rsna_labels(tmp_path / 'bad.csv')
    (tmp_path / 'partial.csv').write_text('ID,Label\nID_abc_any,1\n')
    with pytest.raises(ValueError, match='lacks'):
        read_rsna_labels(tmp_path / 'partial.csv')


def test_rsna_12bit_intercept_quirk_is_corrected():
    ds = pydicom.Dataset()
    ds.BitsStored, ds.PixelRepresentation, ds.BitsAllocated = 12, 0, 16
    ds.Rows, ds.Columns, ds.SamplesPerPixel = 1, 3, 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.HighBit = 11
    ds.RescaleIntercept, ds.RescaleSlope = 0, 1
    ds.PixelData = np.array([[1000, 20, 3500]], dtype=np.uint16).tobytes()
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.is_little_endian, ds.is_implicit_VR = True, False
    assert dataset_hu(ds).tolist() == [[1000, 20, -1000]]
