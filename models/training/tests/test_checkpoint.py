"""Checkpoints: the arch rebuilds the networks the run ran, test-time mirroring included."""
import torch

from ichtrain.checkpoint import build_networks, load_checkpoint, save_checkpoint
from ichtrain.model import FlipAveraged, SliceCnnEnsemble

ARCH = {'width': 8, 'work_size': 64, 'members': 2, 'pca_dim': 4, 'lstm_hidden': 8, 'lstm_layers': 1}


def test_a_run_with_test_time_flip_loads_mirrored_and_its_cnns_load_into_a_run_without(tmp_path):
    torch.manual_seed(0)
    cnn, scan = build_networks({**ARCH, 'test_time_flip': True})
    assert isinstance(cnn, FlipAveraged) and isinstance(cnn.cnn, SliceCnnEnsemble)
    save_checkpoint(tmp_path / 'flip.pt', cnn, scan, {**ARCH, 'test_time_flip': True}, {})
    loaded = load_checkpoint(tmp_path / 'flip.pt')['cnn']
    x = torch.randn(1, 3, 64, 64)
    assert isinstance(loaded, FlipAveraged) and torch.equal(loaded(x)[0], cnn.eval()(x)[0])
    # Checkpoints from before the option (no key in the arch) run unmirrored, on the same weights.
    save_checkpoint(tmp_path / 'plain.pt', cnn, scan, ARCH, {})
    plain = load_checkpoint(tmp_path / 'plain.pt')['cnn']
    assert isinstance(plain, SliceCnnEnsemble) and torch.equal(plain(x)[0], cnn.cnn(x)[0])


def test_the_peak_kept_smoothing_is_part_of_the_arch_and_off_for_checkpoints_from_before_it(tmp_path):
    torch.manual_seed(0)
    _, scan = build_networks({**ARCH, 'peak_kept_smoothing': True})
    assert scan.peak_kept_smoothing
    save_checkpoint(tmp_path / 'smoothed.pt', *build_networks(ARCH)[:1], scan, {**ARCH, 'peak_kept_smoothing': True}, {})
    assert load_checkpoint(tmp_path / 'smoothed.pt')['scan'].peak_kept_smoothing
    save_checkpoint(tmp_path / 'before.pt', *build_networks(ARCH)[:1], scan, ARCH, {})
    assert not load_checkpoint(tmp_path / 'before.pt')['scan'].peak_kept_smoothing
