"""Writes synthetic head-CT series as DICOM files plus per-slice labels.

Example (from models/training, or anywhere with PYTHONPATH=models/training):
  /usr/bin/python3 -m ichtrain.phantom --out /tmp/ph --series 3 --slices 24 --seed 7 --positive

Output:
  OUT/<series folder>/IM0001.dcm ...   one folder per series (CT Image Storage, real DICOM)
  OUT/labels.csv    one row per slice: filename (relative to OUT), patient_id, study_uid, series_uid,
                    sop_uid, instance, z, then the six classes any..subdural (0/1)
  OUT/series.csv    one row per series: folder, uids, slices, thickness, tilt, storage, rle, the six
                    scan-level labels (max over slices) and the primary subtype
Labels: a subtype is 1 on a slice when its visible blood (pixels at least half filled, eroded by
~1 mm so hairlines lost in partial volume do not count) covers >= 8 mm2 of that slice.
Deterministic: the same arguments give the same files (UIDs included).
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from ..constants import CLASSES, SUBTYPES
from .dicom_writer import STORAGE, series_ids, slice_dataset, write_slice
from .scanner import THICKNESSES
from .series import make_series

MAX_TRIES = 8


def generate_positive_or_negative(rng, slices, positive, thickness, subtype):
    """A series whose labels agree with the request: a positive one shows blood on >= 1 slice."""
    for _ in range(MAX_TRIES):
        series = make_series(rng, slices, positive, thickness=thickness, subtype=subtype)
        rendered = [series.render(k, rng) for k in range(slices)]
        if not positive or any(lab[0] for _, lab in rendered):
            return series, rendered
    raise RuntimeError(f'no visible bleed after {MAX_TRIES} tries: use more slices or a thicker spacing')


def write_dataset(out: Path, n_series: int, slices: int, seed: int, positive, thickness=None,
                  subtype=None, rle_fraction: float = 0.25, rsna_style: bool = False):
    """Writes n_series series; returns the label rows."""
    out.mkdir(parents=True, exist_ok=True)
    rows, series_rows = [], []
    for i in range(n_series):
        rng = np.random.default_rng([seed, i])
        pos = bool(rng.random() < 0.5) if positive is None else positive
        series, rendered = generate_positive_or_negative(rng, slices, pos, thickness, subtype)
        storage = str(rng.choice(list(STORAGE), p=[0.5, 0.25, 0.25]))
        compress = bool(rng.random() < rle_fraction)
        ids = series_ids(seed, i, rsna_style=rsna_style)
        folder = f'series_{i:03d}'
        scan = np.zeros(len(CLASSES), dtype=int)
        for k, (hu, labels) in enumerate(rendered):
            ds = slice_dataset(hu, series.geometry, ids, k, storage, compress)
            name = f'{ds.SOPInstanceUID}.dcm' if rsna_style else f'IM{k + 1:04d}.dcm'
            write_slice(out / folder / name, ds)
            scan = np.maximum(scan, labels)
            rows.append({'filename': f'{folder}/{name}', 'patient_id': ids.patient_id, 'study_uid': ids.study_uid,
                         'series_uid': ids.series_uid, 'sop_uid': ds.SOPInstanceUID, 'instance': k + 1,
                         'z': round(series.geometry.z_positions[k], 4),
                         **{c: int(v) for c, v in zip(CLASSES, labels)}})
        g = series.geometry
        series_rows.append({'folder': folder, 'patient_id': ids.patient_id, 'study_uid': ids.study_uid,
                            'series_uid': ids.series_uid, 'slices': slices, 'thickness': g.thickness,
                            'tilt_deg': round(g.tilt_deg, 3), 'storage': storage, 'rle': int(compress),
                            'primary': series.bleeds[0].kind if series.bleeds else '',
                            **{c: int(v) for c, v in zip(CLASSES, scan)}})
    _write_csv(out / 'labels.csv', rows)
    _write_csv(out / 'series.csv', series_rows)
    return rows


def _write_csv(path: Path, rows) -> None:
    with open(path, 'w', newline='') as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='python -m ichtrain.phantom', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', type=Path, required=True, help='output folder (created)')
    parser.add_argument('--series', type=int, default=1, help='number of series (one patient each)')
    parser.add_argument('--slices', type=int, default=24, help='slices per series')
    parser.add_argument('--seed', type=int, default=0, help='random seed (same seed, same files)')
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument('--positive', action='store_true', help='every series has a bleed')
    kind.add_argument('--negative', action='store_true', help='no series has a bleed (mimics still occur)')
    parser.add_argument('--subtype', choices=SUBTYPES, help='primary bleed subtype (implies --positive)')
    parser.add_argument('--thickness', type=float, choices=THICKNESSES,
                        help='slice thickness/spacing in mm (default: random)')
    parser.add_argument('--rle-fraction', type=float, default=0.25,
                        help='fraction of series stored RLE Lossless (default 0.25; 0 = none, 1 = all)')
    parser.add_argument('--rsna-style', action='store_true', help='RSNA-like "ID_<hex>" identifiers and file names')
    args = parser.parse_args(argv)
    if args.series < 1 or args.slices < 1:
        parser.error('--series and --slices must be >= 1')
    positive = True if (args.positive or args.subtype) else False if args.negative else None
    rows = write_dataset(args.out, args.series, args.slices, args.seed, positive, args.thickness, args.subtype,
                         args.rle_fraction, args.rsna_style)
    print(f'wrote {len(rows)} slices in {args.series} series to {args.out}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
