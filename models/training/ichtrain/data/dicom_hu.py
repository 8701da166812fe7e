"""DICOM slice -> HU, with the RSNA 12-bit intercept quirk corrected (see the CT primer)."""
from __future__ import annotations

import numpy as np
import pydicom


def _first(value) -> float:
    return float(value[0]) if isinstance(value, pydicom.multival.MultiValue) else float(value)


def dataset_hu(ds) -> np.ndarray:
    """Pixel data of one CT slice in HU (int16). Padding stays as its (very low) HU value: it is
    below every window, so windowing maps it to 0 like air."""
    pixels = ds.pixel_array.astype(np.int32)
    slope = _first(getattr(ds, 'RescaleSlope', 1))
    intercept = _first(getattr(ds, 'RescaleIntercept', 0))
    if int(ds.BitsStored) == 12 and int(ds.PixelRepresentation) == 0 and intercept > -100:
        pixels = pixels + 1000
        pixels[pixels >= 4096] = 0
        intercept = -1000.0
    hu = pixels * slope + intercept
    return np.clip(np.round(hu), -32768, 32767).astype(np.int16)
