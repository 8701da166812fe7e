"""Saving and loading a trained detector (both networks plus what the model card needs)."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .config import complete_config
from .model import FlipAveraged, ScanModel, SliceCnn, SliceCnnEnsemble
from .slices import BatchMaker


def save_checkpoint(path: Path, cnn: SliceCnn, scan: ScanModel, arch: dict, card_args: dict) -> None:
    torch.save({'arch': arch, 'cnn': cnn.state_dict(), 'scan': scan.state_dict(), 'card_args': card_args}, path)


def arch_of(cfg: dict) -> dict:
    """The networks' shape from a completed training config (what a checkpoint records as 'arch')."""
    return {'width': cfg['cnn']['width'], 'work_size': cfg['cnn']['work_size'], 'members': cfg['cnn']['members'],
            'pca_dim': cfg['lstm']['pca_dim'], 'lstm_hidden': cfg['lstm']['hidden'], 'lstm_layers': cfg['lstm']['layers'],
            'test_time_flip': cfg['test_time_flip'], 'peak_kept_smoothing': cfg['lstm']['peak_kept_smoothing']}


def build_networks(arch: dict):
    members = [SliceCnn(width=arch['width'], work_size=arch.get('work_size')) for _ in range(arch.get('members', 1))]
    cnn = members[0] if len(members) == 1 else SliceCnnEnsemble(members)
    if arch.get('test_time_flip'):
        cnn = FlipAveraged(cnn)
    scan = ScanModel(embedding_size=cnn.embedding_size, pca_dim=arch['pca_dim'], hidden=arch['lstm_hidden'],
                     layers=arch['lstm_layers'], peak_kept_smoothing=arch.get('peak_kept_smoothing', False))
    return cnn, scan


def load_checkpoint(path: Path) -> dict:
    data = torch.load(path, map_location='cpu')
    cnn, scan = build_networks(data['arch'])
    cnn.load_state_dict(data['cnn'])
    # Checkpoints from before the temperature buffer existed were not calibrated: temperature 1.
    scan.load_state_dict({'temperature': torch.ones_like(scan.temperature), **data['scan']})
    return {'cnn': cnn.eval(), 'scan': scan.eval(), 'arch': data['arch'], 'card_args': data['card_args']}


def load_run(path: Path) -> dict:
    """load_checkpoint plus the run's completed config ('config') and a BatchMaker ('maker') that
    prepares slices as the run's own evaluation did (its normalisation and read-back window)."""
    ckpt = load_checkpoint(path)
    card = ckpt['card_args']
    cfg = complete_config(json.loads(json.dumps(card['training']['config'])), f'{path} (recorded config)')
    maker = BatchMaker(card['mean'], card['std'], card['png_window'], cfg['seed'])
    maker.hu_floor = card.get('hu_floor')
    return {**ckpt, 'config': cfg, 'maker': maker}
