"""Writes a small RSNA-format data set from phantoms (for the RSNA loader's tests):
OUT/stage_2_train.csv and OUT/stage_2_train/ID_<sop>.dcm (flat, names unrelated to order).

  python -m ichtrain.data.rsna_fixture --out DIR --patients 4 --slices 6 --seed 1
"""
from __future__ import annotations

import argparse
import csv
import warnings
from pathlib import Path

import numpy as np

from ..constants import CLASSES
from ..phantom.__main__ import generate_positive_or_negative
from ..phantom.dicom_writer import series_ids, slice_dataset, write_slice


def write_rsna_fixture(out: Path, patients: int, slices: int, seed: int) -> list:
    """Returns [(patient_id, series_uid, [sop in position order])]."""
    # RSNA's "ID_<hex>" UIDs are deliberately non-conforming; pydicom warns about each one.
    warnings.filterwarnings('ignore', message='Invalid value for VR UI')
    out = Path(out)
    images = out / 'stage_2_train'
    rows, truth = [], []
    for i in range(patients):
        rng = np.random.default_rng([seed, i, 17])
        series, rendered = generate_positive_or_negative(rng, slices, i % 2 == 0, 5.0, None)
        ids = series_ids(seed, i, rsna_style=True)
        sops = []
        for k, (hu, labels) in enumerate(rendered):
            ds = slice_dataset(hu, series.geometry, ids, k, 'unsigned-1024', compress=False)
            write_slice(images / f'{ds.SOPInstanceUID}.dcm', ds)
            sops.append(ds.SOPInstanceUID)
            rows += [(f'{ds.SOPInstanceUID}_{c}', int(v)) for c, v in zip(CLASSES, labels)]
        truth.append((ids.patient_id, ids.series_uid, sops))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(rows))  # the real CSV is not in slice order either
    with open(out / 'stage_2_train.csv', 'w', newline='') as fh:
        writer = csv.writer(fh)
        writer.writerow(['ID', 'Label'])
        writer.writerows(rows[j] for j in order)
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', type=Path, required=True)
    parser.add_argument('--patients', type=int, default=4)
    parser.add_argument('--slices', type=int, default=6)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()
    write_rsna_fixture(args.out, args.patients, args.slices, args.seed)


if __name__ == '__main__':
    main()
