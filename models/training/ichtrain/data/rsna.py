"""RSNA 2019 format: stage_2_train.csv rows `ID_<sop>_<class>,Label` and a flat folder of DICOM
files named ID_<sop>.dcm. Slices are grouped into series by UIDs and ordered by position along the
slice normal; splits are by PatientID."""
from __future__ import annotations

import csv
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pydicom

from ..constants import CLASSES
from .split import split_patients


@dataclass
class RsnaSlice:
    path: Path
    sop_uid: str
    position: float  # along the slice normal (mm)
    labels: np.ndarray


@dataclass
class RsnaSeries:
    patient_id: str
    study_uid: str
    series_uid: str
    slices: list = field(default_factory=list)


def read_rsna_labels(csv_path: Path) -> dict:
    """{ 'ID_<sop>': float32[6] } from rows 'ID_<sop>_<class>,<0|1>'; every class must be present."""
    labels = defaultdict(dict)
    with open(csv_path, newline='') as fh:
        reader = csv.reader(fh)
        header = next(reader)
        if [h.strip() for h in header[:2]] != ['ID', 'Label']:
            raise ValueError(f'{csv_path}: expected header ID,Label, got {header}')
        for row in reader:
            if not row:
                continue
            key, value = row[0], row[1]
            sop, _, cls = key.rpartition('_')
            if cls not in CLASSES or not sop.startswith('ID_'):
                raise ValueError(f'{csv_path}: bad ID {key!r}')
            labels[sop][cls] = float(value)
    out = {}
    for sop, by_class in labels.items():
        missing = [c for c in CLASSES if c not in by_class]
        if missing:
            raise ValueError(f'{csv_path}: {sop} lacks {missing}')
        out[sop] = np.array([by_class[c] for c in CLASSES], dtype=np.float32)
    return out


def _position_along_normal(ds) -> float:
    iop = np.array([float(v) for v in ds.ImageOrientationPatient])
    normal = np.cross(iop[:3], iop[3:])
    return float(np.dot(np.array([float(v) for v in ds.ImagePositionPatient]), normal))


def load_rsna_series(dicom_dir: Path, labels: dict) -> list:
    """Series of labelled slices, each ordered by position; unlabelled files are skipped."""
    warnings.filterwarnings('ignore', message='Invalid value for VR UI')  # RSNA's "ID_<hex>" UIDs
    groups = {}
    for path in sorted(Path(dicom_dir).glob('*.dcm')):
        ds = pydicom.dcmread(str(path), stop_before_pixels=True)
        sop = str(ds.SOPInstanceUID)
        if sop not in labels:
            continue
        key = (str(ds.PatientID), str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID))
        series = groups.setdefault(key, RsnaSeries(*key))
        series.slices.append(RsnaSlice(path, sop, _position_along_normal(ds), labels[sop]))
    for series in groups.values():
        series.slices.sort(key=lambda s: s.position)
    return sorted(groups.values(), key=lambda s: (s.patient_id, s.series_uid))


def split_rsna(series_list: list, fractions: dict, salt: str = 'ichtrain') -> dict:
    """{split name: [series]} with every patient's series in one split."""
    assignment = split_patients([s.patient_id for s in series_list], fractions, salt)
    out = {name: [] for name in fractions}
    for s in series_list:
        out[assignment[s.patient_id]].append(s)
    return out
