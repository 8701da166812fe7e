"""Writes a complete model folder: slice_cnn.onnx, scan_lstm.onnx, model.json (the ModelCard of
src-main/pipeline/infer/model-card.ts) and reference_outputs.json (torch outputs on inputs the
TypeScript test can recreate, to check onnxruntime against torch).

  python -m ichtrain.export --random --out DIR          # randomly initialised network
  python -m ichtrain.export --checkpoint RUN/checkpoint.pt --out DIR [--card-text CONFIG]

--card-text takes the card's name, version, notes and limitations from a committed config whose
recipe is the run's: a run of hours records the text its config held when it started, and the
judgement that makes it a release (validation comparison, test figures) comes after it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import time
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from .constants import CLASSES, INPUT_SIZE, SEED_MEAN, SEED_STD, WINDOWS
from .cpu import use_cpu
from .model import ScanModel, ScanModelProbs, SliceCnn

OPSET = 17
SLICE_CNN_FILE = 'slice_cnn.onnx'
SCAN_LSTM_FILE = 'scan_lstm.onnx'
REFERENCE_FORMULA = 'image[n][c][y][x] = float32(sin(0.05*x + 0.07*y + c + n)), n < 2, c < 3, y,x < 256'
DEFAULT_PNG_WINDOW = {'center': 40.0, 'width': 130.0}
# Scans of these lengths check the sequence model's graph where its length matters: one slice (its
# own neighbours), a short scan, and a whole 5 mm head scan; the peaks move along the scan so the
# neighbour smoothing of a recipe that has it changes some slices and keeps each class's highest.
REFERENCE_SCAN_LENGTHS = (1, 5, 40)
REFERENCE_SCAN_FORMULA = ('embedding[0][s][e] = float32(sin(0.013*e + 0.31*s)), '
                          'slice_probs[0][s][c] = float32(0.5 + 0.45*sin(0.7*s + 1.3*c))')


def reference_images(size: int = INPUT_SIZE) -> torch.Tensor:
    """The deterministic [2,3,size,size] input named by REFERENCE_FORMULA."""
    n, c, y, x = np.meshgrid(np.arange(2), np.arange(3), np.arange(size), np.arange(size), indexing='ij')
    return torch.from_numpy(np.sin(0.05 * x + 0.07 * y + c + n).astype(np.float32))


def reference_scan(slices: int, embedding_size: int) -> tuple:
    """The deterministic ([1,S,E] embedding, [1,S,6] probabilities) named by REFERENCE_SCAN_FORMULA."""
    s, e = np.meshgrid(np.arange(slices), np.arange(embedding_size), indexing='ij')
    s6, c = np.meshgrid(np.arange(slices), np.arange(len(CLASSES)), indexing='ij')
    embedding = np.sin(0.013 * e + 0.31 * s).astype(np.float32)
    probs = (0.5 + 0.45 * np.sin(0.7 * s6 + 1.3 * c)).astype(np.float32)
    return torch.from_numpy(embedding)[None], torch.from_numpy(probs)[None]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as fh:
        for block in iter(lambda: fh.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def git_commit() -> str:
    try:
        return subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def export_slice_cnn(cnn: SliceCnn, path: Path) -> None:
    cnn.eval()
    dummy = torch.zeros(2, 3, INPUT_SIZE, INPUT_SIZE)
    torch.onnx.export(
        cnn, (dummy,), str(path), opset_version=OPSET,
        input_names=['image'], output_names=['logits', 'embedding', 'cam'],
        dynamic_axes={'image': {0: 'N'}, 'logits': {0: 'N'}, 'embedding': {0: 'N'}, 'cam': {0: 'N'}},
        do_constant_folding=True,
    )


def export_scan_lstm(scan: ScanModel, embedding_size: int, path: Path) -> None:
    wrapper = ScanModelProbs(scan).eval()
    emb = torch.zeros(1, 3, embedding_size)
    probs = torch.full((1, 3, len(CLASSES)), 0.5)
    torch.onnx.export(
        wrapper, (emb, probs), str(path), opset_version=OPSET,
        input_names=['embedding', 'slice_probs'], output_names=['probs'],
        dynamic_axes={'embedding': {1: 'S'}, 'slice_probs': {1: 'S'}, 'probs': {1: 'S'}},
        do_constant_folding=True,
    )


@torch.no_grad()
def reference_outputs(cnn: SliceCnn, scan: ScanModel) -> dict:
    cnn.eval()
    scan.eval()
    images = reference_images()
    logits, embedding, cam = cnn(images)
    slice_probs = torch.sigmoid(logits)
    probs = scan.probs(embedding[None], slice_probs[None])
    return {
        'sliceCnn': {
            'input': {'name': 'image', 'shape': list(images.shape), 'formula': REFERENCE_FORMULA},
            'logits': logits.tolist(),
            'embeddingFirst16': embedding[:, :16].tolist(),
            'camShape': list(cam.shape),
            'camFirst16': cam.reshape(cam.shape[0], -1)[:, :16].tolist(),
            'note': 'camFirst16[n] = the first 16 values of cam[n] flattened in [class, y, x] order',
        },
        'scanLstm': {
            'inputs': {
                'embedding': {'shape': [1, 2, embedding.shape[1]], 'data': embedding.reshape(-1).tolist()},
                'slice_probs': {'shape': [1, 2, len(CLASSES)], 'data': slice_probs.reshape(-1).tolist()},
            },
            'note': 'inputs are the slice CNN outputs on the reference images (embedding, sigmoid(logits))',
            'probs': probs.reshape(-1).tolist(),
            'probsShape': list(probs.shape),
        },
        'scanLengths': {
            'formula': REFERENCE_SCAN_FORMULA,
            'cases': [{'slices': n, 'probs': scan.probs(*reference_scan(n, embedding.shape[1])).reshape(-1).tolist()}
                      for n in REFERENCE_SCAN_LENGTHS],
        },
        'tolerance': 1e-4,
    }


def cam_size(cnn: SliceCnn) -> list:
    with torch.no_grad():
        _, _, cam = cnn.eval()(torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE))
    return [int(cam.shape[2]), int(cam.shape[3])]


def write_model_folder(out: Path, cnn: SliceCnn, scan: ScanModel, *, name: str, version: str,
                       thresholds: dict, training: dict, metrics: dict, intended_use: str,
                       limitations: list, mean=SEED_MEAN, std=SEED_STD,
                       png_window: Optional[dict] = None, hu_floor: Optional[float] = None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    cnn.eval()
    scan.eval()
    export_slice_cnn(cnn, out / SLICE_CNN_FILE)
    export_scan_lstm(scan, cnn.embedding_size, out / SCAN_LSTM_FILE)
    card = {
        'name': name,
        'version': version,
        'classes': list(CLASSES),
        'input': {
            'size': INPUT_SIZE,
            'resize': 'bilinear-half-pixel',
            'windows': [dict(w) for w in WINDOWS],
            'mean': [float(v) for v in mean],
            'std': [float(v) for v in std],
            # HU below it are read as it before windowing (absent: no floor).
            **({'huFloor': float(hu_floor)} if hu_floor is not None else {}),
        },
        'pngWindow': dict(png_window or DEFAULT_PNG_WINDOW),
        'embeddingSize': cnn.embedding_size,
        'camSize': cam_size(cnn),
        'thresholds': {k: float(thresholds[k]) for k in CLASSES},
        'scanAggregation': 'max',
        'files': {
            'sliceCnn': {'path': SLICE_CNN_FILE, 'sha256': sha256(out / SLICE_CNN_FILE)},
            'scanLstm': {'path': SCAN_LSTM_FILE, 'sha256': sha256(out / SCAN_LSTM_FILE)},
        },
        'training': training,
        'metrics': metrics,
        'intendedUse': intended_use,
        'limitations': list(limitations),
    }
    (out / 'model.json').write_text(json.dumps(card, indent=2) + '\n')
    (out / 'reference_outputs.json').write_text(json.dumps(reference_outputs(cnn, scan)) + '\n')
    return card


INTENDED_USE = ('Research and software testing of the ICH triage workstation only. '
                'Not a medical device; not validated for clinical use; never a diagnosis.')


def with_card_text(card_args: dict, config_path: Path) -> dict:
    """card_args with the export section (name, version, notes, limitations) of the config at
    config_path, refused with the differing keys unless everything else in it is the recipe the run
    recorded: the card must not describe a recipe the networks did not come from. Both are compared
    with every default filled in, so that a checkpoint recorded before a key existed matches a
    config that leaves that key at its default (and only then)."""
    from .config import ConfigError, complete_config, load_config
    def as_stored(config: dict) -> dict:
        # Through JSON, as a checkpoint stores its config: the dataclasses' tuples become lists.
        return json.loads(json.dumps(config))
    committed = as_stored(load_config(config_path))
    recorded = card_args['training']['config']
    recipe = as_stored(complete_config(as_stored(recorded), "the checkpoint's recorded config"))
    differing = sorted(k for k in set(committed) | set(recipe)
                       if k != 'export' and committed.get(k) != recipe.get(k))
    if differing:
        raise ConfigError(f'{config_path}: not the recipe this checkpoint was trained with '
                          f'(differs in {", ".join(differing)})')
    export = committed['export']
    training = {**card_args['training'], 'config': {**recorded, 'export': export}}
    return {**card_args, 'name': export['name'], 'version': export['version'],
            'limitations': list(export['limitations']), 'training': training}


def random_model(seed: int, hidden: int = 256):
    torch.manual_seed(seed)
    cnn = SliceCnn()
    scan = ScanModel(embedding_size=cnn.embedding_size, hidden=hidden)
    # An orthonormal random projection stands in for the PCA fitted during training.
    q, _ = torch.linalg.qr(torch.randn(cnn.embedding_size, 120))
    scan.set_pca(torch.zeros(cnn.embedding_size), q.T.contiguous(), torch.ones(120))
    # Training starts the sequence model's correction at zero; a random model gets random weights
    # so that the whole graph, LSTM included, shapes its output.
    torch.nn.init.normal_(scan.classifier.weight, std=0.1)
    torch.nn.init.normal_(scan.classifier.bias, std=0.1)
    return cnn, scan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--random', action='store_true', help='export a randomly initialised network')
    source.add_argument('--checkpoint', type=Path, help='checkpoint.pt written by ichtrain.train')
    parser.add_argument('--out', type=Path, required=True, help='model folder to write')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--name', default=None)
    parser.add_argument('--card-text', type=Path,
                        help='committed config of the same recipe whose export section gives the card its text')
    args = parser.parse_args()
    if args.random and args.card_text:
        parser.error('--card-text describes a trained checkpoint; a --random model has no recipe')
    use_cpu(2)
    if args.random:
        cnn, scan = random_model(args.seed)
        card = write_model_folder(
            args.out, cnn, scan, name=args.name or 'ich-random', version='0.0.0-random',
            thresholds={k: 0.5 for k in CLASSES},
            training={'kind': 'random-init', 'seed': args.seed, 'gitCommit': git_commit(),
                      'time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                      'normalisation': 'seed mean/std (Burduja et al. code)'},
            metrics={'note': 'untrained: random weights, outputs are meaningless'},
            intended_use='Engine tests only: randomly initialised weights, no diagnostic value.',
            limitations=['Random weights: predictions carry no information.'],
        )
    else:
        from .checkpoint import load_checkpoint
        ckpt = load_checkpoint(args.checkpoint)
        card_args = with_card_text(ckpt['card_args'], args.card_text) if args.card_text else ckpt['card_args']
        card = write_model_folder(args.out, ckpt['cnn'], ckpt['scan'], **card_args)
    print(json.dumps({'out': str(args.out), 'name': card['name'], 'files': card['files']}, indent=2))


if __name__ == '__main__':
    main()
