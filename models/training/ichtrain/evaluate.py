"""Evaluation on the real data sets kept out of training (../shared/data), through exactly the
engine's preprocessing: DICOM -> HU -> preprocess; PNG -> grey -> pseudo-HU (pngWindow) -> preprocess.

  python -m ichtrain.evaluate --checkpoint models/training/runs/<run>/checkpoint.pt
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pydicom
import torch

from .constants import CLASSES, INPUT_SIZE
from .cpu import use_cpu
from .data.dicom_hu import dataset_hu
from .data.png import load_grey, read_png_labels
from .metrics import auc, sensitivity_specificity
from .preprocess import normalise, read_back, resize_bilinear, window_channels
from .sources import DATA_ROOT

ANY = 0


@torch.no_grad()
def sequence_probs(scan, emb: np.ndarray, probs: np.ndarray) -> np.ndarray:
    scan.eval()
    return scan.probs(torch.from_numpy(emb)[None].float(), torch.from_numpy(probs)[None].float())[0].numpy()


def _input(hu: np.ndarray, mean, std, hu_floor=None) -> torch.Tensor:
    return torch.from_numpy(normalise(resize_bilinear(window_channels(hu, hu_floor=hu_floor), INPUT_SIZE), mean, std))


@torch.no_grad()
def _cnn(cnn, inputs, batch: int = 32):
    cnn.eval()
    embs, probs = [], []
    for s in range(0, len(inputs), batch):
        logits, emb, _ = cnn(torch.stack(inputs[s:s + batch]))
        embs.append(emb)
        probs.append(torch.sigmoid(logits))
    return torch.cat(embs).numpy(), torch.cat(probs).numpy()


def _single_slices(cnn, scan, inputs):
    """Each slice as its own sequence of length 1 (how the engine scores a lone slice)."""
    emb, probs = _cnn(cnn, inputs)
    final = np.stack([sequence_probs(scan, emb[i:i + 1], probs[i:i + 1])[0] for i in range(len(inputs))])
    return probs, final


def _per_class(labels, probs, thresholds, known=None):
    out = {}
    for k, name in enumerate(CLASSES):
        m = np.ones(len(labels), dtype=bool) if known is None else known[:, k]
        y, p = labels[m, k], probs[m, k]
        if len(y) == 0:
            continue
        sens, spec = sensitivity_specificity(y, p, thresholds[name])
        out[name] = {'auc': auc(y, p), 'sensitivity': sens, 'specificity': spec,
                     'positives': int(y.sum()), 'negatives': int(len(y) - y.sum())}
    return out


def _read_hu(path: Path) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return dataset_hu(pydicom.dcmread(str(path)))


def eval_png_set(cnn, scan, thresholds, mean, std, png_window, folder: Path) -> dict:
    items = read_png_labels(folder)
    inputs = [_input(read_back(load_grey(it.path), png_window), mean, std)
              for it in items]
    cnn_p, fin_p = _single_slices(cnn, scan, inputs)
    labels = np.stack([it.labels for it in items])
    known = np.stack([it.known for it in items])
    return {'images': len(items), 'mode': 'each image alone (sequence length 1)',
            'cnn': _per_class(labels, cnn_p, thresholds, known), 'final': _per_class(labels, fin_p, thresholds, known)}


def eval_labelled_dicoms(cnn, scan, thresholds, mean, std, folder: Path, image_dir: Path = None,
                         label_cols=CLASSES, patients=None, hu_floor=None) -> dict:
    """patients: only the rows of these patients (a `patient` column), e.g. a training split's test patients."""
    with open(folder / 'labels.csv', newline='') as fh:
        rows = [r for r in csv.DictReader(fh) if patients is None or r['patient'] in patients]
    if not rows:
        return {'slices': 0, 'note': 'no slice of the selected patients'}
    inputs = [_input(_read_hu((image_dir or folder) / r['filename']), mean, std, hu_floor) for r in rows]
    labels = np.array([[float(r[c]) for c in label_cols] for r in rows], dtype=np.float32)
    cnn_p, fin_p = _single_slices(cnn, scan, inputs)
    return {'slices': len(rows), 'mode': 'each slice alone (sequence length 1)',
            'cnn': _per_class(labels, cnn_p, thresholds), 'final': _per_class(labels, fin_p, thresholds),
            'anyProbs': [round(float(v), 4) for v in fin_p[:, ANY]]}


def _decompressed(folder: Path, tmp: Path) -> list:
    """CQ500-CT-0 is JPEG Lossless, which pydicom cannot decode here (no pylibjpeg/gdcm):
    compressed files are decompressed with dcmtk's dcmdjpeg first."""
    out = []
    for path in sorted(folder.glob('*.dcm')):
        syntax = pydicom.dcmread(str(path), stop_before_pixels=True).file_meta.TransferSyntaxUID
        if not syntax.is_compressed:
            out.append(path)
            continue
        target = tmp / path.name
        subprocess.run(['dcmdjpeg', str(path), str(target)], check=True, capture_output=True)
        out.append(target)
    return out


SLAB_MM = 5.0  # the thickness the detector is trained on (src-main/pipeline/preprocess/slabs.ts)


def slab_groups(positions: list, thickness: float = SLAB_MM) -> list:
    """Ordered slice positions (mm) -> lists of indices, the engine's planSlabs rule: same thickness
    interval from the first slice; a trailing slab thinner than half the thickness joins the one before."""
    first, groups, current = positions[0], [], None
    for i, z in enumerate(positions):
        interval = int(np.floor((z - first) / thickness + 1e-6))
        if interval != current:
            groups.append([])
            current = interval
        groups[-1].append(i)
    step = float(np.median(np.diff(positions)))
    last = groups[-1]
    if len(groups) > 1 and positions[last[-1]] - positions[last[0]] < thickness / 2 - step / 2:
        tail = groups.pop()
        groups[-1] += tail
    return groups


def _scan_summary(final: np.ndarray, thresholds: dict, unit: str) -> dict:
    """Scan maxima of the sequence model's outputs, the scan's `any` flag and how many slices (or slabs) pass it."""
    return {'scanMaxProb': {c: round(float(final[:, k].max()), 4) for k, c in enumerate(CLASSES)},
            'scanFlaggedAny': bool(final[:, ANY].max() >= thresholds['any']),
            f'{unit}AboveAnyThreshold': int((final[:, ANY] >= thresholds['any']).sum())}


def eval_cq500(cnn, scan, thresholds, mean, std, root: Path, hu_floor=None) -> dict:
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = _decompressed(root / 'CQ500-CT-0', Path(tmp))
        slices = []
        for f in files:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                ds = pydicom.dcmread(str(f))
            iop = np.array([float(v) for v in ds.ImageOrientationPatient])
            normal = np.cross(iop[:3], iop[3:])
            slices.append((float(np.dot(np.array([float(v) for v in ds.ImagePositionPatient]), normal)), dataset_hu(ds)))
        slices.sort(key=lambda s: s[0])
        emb, probs = _cnn(cnn, [_input(hu, mean, std, hu_floor) for _, hu in slices])
        final = sequence_probs(scan, emb, probs)
        result['CQ500-CT-0'] = {
            'slices': len(slices), 'reference': 'negative by 2-of-3 reader majority (one reader: ICH + SAH; disputed)',
            **_scan_summary(final, thresholds, 'slices'),
        }
        groups = slab_groups([z for z, _ in slices])
        emb, probs = _cnn(cnn, [_input(np.mean([slices[i][1] for i in g], axis=0), mean, std, hu_floor) for g in groups])
        final = sequence_probs(scan, emb, probs)
        result['CQ500-CT-0 as 5 mm slabs'] = {
            'slabs': len(groups), 'note': 'as the engine scores a thin series (mean HU of the slices of each slab)',
            **_scan_summary(final, thresholds, 'slabs'),
        }
        single = Path(tmp) / 'single'
        single.mkdir()
        files = _decompressed(root / 'CQ500-CT-1_single_slice', single)
        cnn_p, fin_p = _single_slices(cnn, scan, [_input(_read_hu(f), mean, std, hu_floor) for f in files])
        result['CQ500-CT-1_single_slice'] = {
            'reference': 'any, intraparenchymal, subarachnoid (scan-level majority)',
            'probs': {c: round(float(fin_p[0, k]), 4) for k, c in enumerate(CLASSES)},
            'flaggedAny': bool(fin_p[0, ANY] >= thresholds['any'])}
    return result


def evaluate_real_sets(cnn, scan, thresholds, mean, std, png_window, data_root: Path = DATA_ROOT,
                       skip_phe_sich: bool = True, log=print, ct_ich_patients=None, hu_floor=None) -> dict:
    """Metrics on every real set that was not used for training. ct_ich_patients: when CT-ICH
    (the JPEG set) was used for training, only the HU slices of these (test) patients count.
    hu_floor: the card's input.huFloor, applied to full-range HU (windowed images are read back above it)."""
    out = {}
    if not data_root.exists():
        return {'skipped': f'{data_root} not found'}
    out['kaggle-head-ct'] = eval_png_set(cnn, scan, thresholds, mean, std, png_window, data_root / 'kaggle-head-ct')
    log('evaluated kaggle-head-ct')
    out['rsna-slices'] = eval_labelled_dicoms(cnn, scan, thresholds, mean, std, data_root / 'rsna-slices',
                                              image_dir=data_root / 'rsna-slices' / 'dicom', hu_floor=hu_floor)
    out['ct-ich'] = eval_labelled_dicoms(cnn, scan, thresholds, mean, std, data_root / 'ct-ich',
                                         patients=ct_ich_patients, hu_floor=hu_floor)
    if ct_ich_patients is not None:
        out['ct-ich']['patients'] = sorted(ct_ich_patients)
    log('evaluated rsna-slices, ct-ich')
    out['cq500'] = eval_cq500(cnn, scan, thresholds, mean, std, data_root / 'cq500', hu_floor)
    log('evaluated cq500')
    return out


def main() -> None:
    from .checkpoint import load_checkpoint
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--checkpoint', type=Path, required=True)
    args = parser.parse_args()
    use_cpu(2)
    ckpt = load_checkpoint(args.checkpoint)
    card = ckpt['card_args']
    print(json.dumps(evaluate_real_sets(ckpt['cnn'], ckpt['scan'], card['thresholds'], card['mean'], card['std'],
                                        card['png_window'], hu_floor=card.get('hu_floor')), indent=2))


if __name__ == '__main__':
    main()
