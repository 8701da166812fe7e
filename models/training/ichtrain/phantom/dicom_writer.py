"""Writes phantom slices as real CT DICOM files (signed or unsigned storage, intercept -1024 or
0, pixel padding, gantry tilt, optional RLE Lossless compression)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID, RLELossless, generate_uid

from .scanner import SeriesGeometry

# (PixelRepresentation, RescaleIntercept): how HU are stored.
STORAGE = {
    'signed-1024': (1, -1024.0),
    'unsigned-1024': (0, -1024.0),
    'signed-0': (1, 0.0),
}


@dataclass
class SeriesIds:
    patient_id: str
    patient_name: str
    study_uid: str
    series_uid: str
    frame_uid: str
    rsna_style: bool = False  # RSNA 2019 uses non-conforming "ID_<hex>" identifiers

    def sop_uid(self, k: int) -> str:
        if self.rsna_style:
            return 'ID_' + generate_uid(entropy_srcs=[self.series_uid, str(k)]).split('.')[-1][-9:].rjust(9, '0')
        return generate_uid(entropy_srcs=[self.series_uid, 'sop', str(k)])


def series_ids(seed: int, index: int, rsna_style: bool = False) -> SeriesIds:
    key = [str(seed), str(index)]
    if rsna_style:
        def rsna_id(kind):
            return 'ID_' + generate_uid(entropy_srcs=key + [kind]).split('.')[-1][-10:]
        return SeriesIds(rsna_id('patient'), 'Phantom^RSNA', rsna_id('study'), rsna_id('series'), rsna_id('frame'), True)
    return SeriesIds(
        patient_id=f'PH{seed:05d}{index:04d}', patient_name=f'Phantom^S{seed}N{index}',
        study_uid=generate_uid(entropy_srcs=key + ['study']), series_uid=generate_uid(entropy_srcs=key + ['series']),
        frame_uid=generate_uid(entropy_srcs=key + ['frame']))


def stored_values(hu: np.ndarray, storage: str, padding_hu: float):
    """HU int16 -> (stored array, PixelPaddingValue or None)."""
    pixel_rep, intercept = STORAGE[storage]
    stored = hu.astype(np.int32) - int(intercept)
    if pixel_rep == 0:
        stored = np.clip(stored, 0, 4095)
        return stored.astype(np.uint16), None
    padding = int(padding_hu - intercept)
    return stored.astype(np.int16), padding


def slice_dataset(hu: np.ndarray, geom: SeriesGeometry, ids: SeriesIds, k: int, storage: str, compress: bool) -> Dataset:
    pixel_rep, intercept = STORAGE[storage]
    stored, padding = stored_values(hu, storage, geom.padding_hu)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = ids.sop_uid(k)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = ids.sop_uid(k)
    ds.StudyInstanceUID = ids.study_uid
    ds.SeriesInstanceUID = ids.series_uid
    ds.FrameOfReferenceUID = ids.frame_uid
    ds.PatientName = ids.patient_name
    ds.PatientID = ids.patient_id
    ds.StudyDate = '20260101'
    ds.StudyTime = '120000'
    ds.Modality = 'CT'
    ds.Manufacturer = 'ichtrain phantom'
    ds.ImageType = ['ORIGINAL', 'PRIMARY', 'AXIAL']
    ds.BodyPartExamined = 'HEAD'
    ds.SeriesDescription = f'Synthetic head {geom.thickness:g} mm'
    ds.SeriesNumber = 2
    ds.InstanceNumber = k + 1
    ds.KVP = 120
    ds.ConvolutionKernel = 'H30s'
    ds.SliceThickness = round(geom.thickness, 4)
    ds.SpacingBetweenSlices = round(geom.spacing, 4)
    ds.GantryDetectorTilt = round(geom.tilt_deg, 3)
    ds.ImagePositionPatient = [round(float(v), 4) for v in geom.origin(k)]
    ds.ImageOrientationPatient = [round(float(v), 6) + 0.0 for v in list(geom.row_dir) + list(geom.col_dir)]
    ds.SliceLocation = round(float(geom.z_positions[k]), 4)
    ds.PixelSpacing = [round(geom.pixel_spacing, 6)] * 2
    ds.WindowCenter = [40, 80]
    ds.WindowWidth = [80, 200]
    ds.RescaleIntercept = intercept
    ds.RescaleSlope = 1
    ds.RescaleType = 'HU'
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = 16
    ds.BitsStored = 16 if pixel_rep == 1 else 12
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = pixel_rep
    if padding is not None:
        ds.PixelPaddingValue = padding
    ds.PixelData = stored.tobytes()
    if compress:
        ds.compress(RLELossless, stored)
    return ds


def write_slice(path: Path, ds: Dataset) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pydicom.dcmwrite(str(path), ds, write_like_original=False)
