"""Measures an exported model folder through the engine itself (`npx ichtriage evaluate` and
`npx ichtriage triage`, i.e. onnxruntime and the TypeScript preprocessing), writes the results into
its model.json as `engineEvaluation` and re-renders MODEL_CARD.md.

  python -m ichtrain.engine_evaluation --model models/<name>      (from the repo root: PYTHONPATH=models/training)

Test splits come from the training config recorded in the card (same patient hash as training).
CT-ICH is read as the engine reads it: brain JPEG + bone JPEG (bone_filename), and once more from
the brain JPEG alone (a windowed image without HU outside -20..100), which compares the two input
definitions on the same slices.
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .config import complete_config
from .constants import CLASSES
from .data.split import split_patients
from .metrics import auc, auc_interval, sensitivity_specificity, specificity_at_sensitivity
from .model_card_md import render
from .sources import DATA_ROOT, REPO_ROOT


def _cli(args: list) -> dict:
    done = subprocess.run(['npx', 'ichtriage', *args, '--json'], cwd=REPO_ROOT, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


def _test_csvs(cfg: dict, out: Path) -> dict:
    """Label CSVs (absolute paths) of the CT-ICH and PHE-SICH test patients."""
    files = {}
    rows = list(csv.DictReader(open(DATA_ROOT / 'ct-ich-jpg' / 'labels.csv', newline='')))
    split = split_patients([r['patient'] for r in rows], cfg['ct_ich']['fractions'], salt=cfg['ct_ich']['salt'])
    test = [r for r in rows if split[r['patient']] == 'test']
    folder = DATA_ROOT / 'ct-ich-jpg'
    for name, with_bone in (('ct-ich-test', True), ('ct-ich-test brain JPEG only', False)):
        path = out / f'{name.replace(" ", "-")}.csv'
        with open(path, 'w', newline='') as fh:
            w = csv.writer(fh)
            w.writerow(['filename', *(['bone_filename'] if with_bone else []), 'patient', *CLASSES])
            for r in test:
                bone = [str(folder / r['bone_filename']) if r['bone_filename'] else ''] if with_bone else []
                w.writerow([str(folder / r['filename']), *bone, r['patient'], *(r[c] for c in CLASSES)])
        files[name] = path
    rows = list(csv.DictReader(open(DATA_ROOT / 'phe-sich' / 'labels.csv', newline='')))
    patient = lambda r: Path(r['filename']).stem.split('_')[0]  # noqa: E731
    split = split_patients([patient(r) for r in rows], cfg['phe_sich']['fractions'], salt=cfg['phe_sich']['salt'])
    path = out / 'phe-sich-test.csv'
    with open(path, 'w', newline='') as fh:
        w = csv.writer(fh)
        w.writerow(['filename', 'any', 'intraparenchymal'])  # as in training: positive slices are IPH
        for r in rows:
            if split[patient(r)] == 'test':
                w.writerow([str(DATA_ROOT / 'phe-sich' / r['filename']), r['any'], r['any']])
    files['phe-sich-test'] = path
    return files


def _labels(path: Path) -> dict:
    out = {}
    for r in csv.DictReader(open(path, newline='')):
        out[r['filename']] = {c: float(r[c]) for c in CLASSES if c in r and r[c] != ''}
    return out


def _summary(report: dict, labels: dict, threshold: float) -> dict:
    """`any` at slice and scan level from the engine's per-image predictions (sequence model where
    a scan is ordered, else the CNN). AUC intervals resample whole scans (an image without a scan is
    its own)."""
    preds = report['predictions']
    y = np.array([labels[p['filename']]['any'] for p in preds])
    score = np.array([(p['sequence'] or p['cnn'])['any'] for p in preds])
    groups = np.array([p['scan'] for p in preds])
    scans = sorted({p['scan'] for p in preds})
    sy = np.array([max(y[i] for i, p in enumerate(preds) if p['scan'] == s) for s in scans])
    ss = np.array([max(score[i] for i, p in enumerate(preds) if p['scan'] == s) for s in scans])
    level = lambda yy, pp, gg: {'n': int(len(yy)), 'positives': int(yy.sum()), 'auc': auc(yy, pp),  # noqa: E731
                                'aucCi95': auc_interval(yy, pp, gg),
                                'sensitivityAtThreshold': sensitivity_specificity(yy, pp, threshold)[0],
                            'specificityAtThreshold': sensitivity_specificity(yy, pp, threshold)[1],
                            'specificityAtSensitivity95': specificity_at_sensitivity(yy, pp, 0.95)}
    out = {'slice': level(y, score, groups), 'scan': level(sy, ss, np.arange(len(scans))) if len(scans) > 1 else None,
           'rejected': len(report['images']['rejected'])}
    subtypes = {}
    for c in CLASSES[1:]:
        known = [i for i, p in enumerate(preds) if c in labels[p['filename']]]
        yc = np.array([labels[preds[i]['filename']][c] for i in known])
        if len(yc) and yc.sum() >= 10:
            sc = np.array([(preds[i]['sequence'] or preds[i]['cnn'])[c] for i in known])
            subtypes[c] = {'positives': int(yc.sum()), 'auc': auc(yc, sc), 'aucCi95': auc_interval(yc, sc, groups[known])}
    if subtypes:
        out['subtypeSliceAuc'] = subtypes
    return out


def evaluate_through_engine(model_dir: Path) -> dict:
    card = json.loads((model_dir / 'model.json').read_text())
    cfg = complete_config(card['training']['config'], 'the model card\'s training config')
    threshold = card['thresholds']['any']
    model = ['--model', str(model_dir)]
    result = {'how': 'npx ichtriage evaluate / triage (onnxruntime, TypeScript preprocessing); `any`; slice level uses the '
                     'sequence model on ordered scans; scan = max over its slices'}
    with tempfile.TemporaryDirectory() as tmp:
        csvs = _test_csvs(cfg, Path(tmp))
        sets = {
            'kaggle-head-ct (pngWindow)': (DATA_ROOT / 'kaggle-head-ct' / 'labels.csv', []),
            'rsna-slices': (DATA_ROOT / 'rsna-slices' / 'labels.csv', ['--images', str(DATA_ROOT / 'rsna-slices' / 'dicom')]),
            'phe-sich-test': (csvs['phe-sich-test'], []),
            'ct-ich-test': (csvs['ct-ich-test'], ['--png-window', '40,120']),
            'ct-ich-test brain JPEG only': (csvs['ct-ich-test brain JPEG only'], ['--png-window', '40,120']),
        }
        for name, (labels_path, extra) in sets.items():
            # Predictions name each image as its CSV row does, so labels are matched by that name.
            report = _cli(['evaluate', '--labels', str(labels_path), *extra, *model, '--quiet'])
            labels = _labels(labels_path)
            result[name] = _summary(report, labels, threshold)
    studies = {}
    for name, folder in (('CQ500-CT-0', 'cq500/CQ500-CT-0'), ('CQ500-CT-1', 'cq500/CQ500-CT-1_single_slice'),
                         ('rsna-slices', 'rsna-slices/dicom'), ('ge-head-tilt', 'dicom-samples/ge-head-tilt')):
        report = _cli(['triage', str(DATA_ROOT / folder), *model])
        studies[name] = [{'any': round(s['scores']['any'], 4), 'flagged': s['flagged'], 'slices': s['sliceCount']}
                         for s in report['studies']]
    result['triage'] = studies
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--model', type=Path, required=True, help='model folder')
    args = parser.parse_args()
    model_dir = args.model if args.model.is_absolute() else REPO_ROOT / args.model
    card = json.loads((model_dir / 'model.json').read_text())
    card['engineEvaluation'] = evaluate_through_engine(model_dir)
    (model_dir / 'model.json').write_text(json.dumps(card, indent=2) + '\n')
    (model_dir / 'MODEL_CARD.md').write_text(render(card))
    print(json.dumps(card['engineEvaluation'], indent=1))


if __name__ == '__main__':
    main()
