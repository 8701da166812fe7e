import json
from pathlib import Path

import pytest
import torch

from ichtrain.checkpoint import build_networks, load_checkpoint, load_run
from ichtrain.config import complete_config
from ichtrain.constants import CLASSES
from ichtrain.export import reference_images, write_model_folder
from ichtrain.onnx_checkpoint import main, rebuild

SMOKE = json.loads((Path(__file__).parent.parent / 'configs' / 'smoke.json').read_text())
CONFIG = {**SMOKE, 'cnn': {'width': 8, 'members': 2, 'work_size': 64, 'phases': [{'size': 64, 'epochs': 1, 'lr': 0.001}]},
          'lstm': {**SMOKE['lstm'], 'pca_dim': 8, 'hidden': 16, 'layers': 2}}


def trained_looking_folder(tmp_path):
    """A model folder whose batch norms have non-trivial statistics, as a trained model's do."""
    cfg = complete_config(json.loads(json.dumps(CONFIG)), 'test')
    arch = {'width': 8, 'work_size': 64, 'members': 2, 'pca_dim': 8, 'lstm_hidden': 16, 'lstm_layers': 2,
            'test_time_flip': False}
    torch.manual_seed(3)
    cnn, scan = build_networks(arch)
    with torch.no_grad():
        for module in cnn.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
                module.running_mean.uniform_(-0.3, 0.3)
                module.running_var.uniform_(0.5, 2.0)
        for param in scan.parameters():
            param.uniform_(-0.1, 0.1)
        scan.temperature.copy_(torch.linspace(0.8, 1.3, len(CLASSES)))
    write_model_folder(tmp_path, cnn, scan, name='t', version='1.2.3', thresholds={k: 0.4 for k in CLASSES},
                       training={'config': cfg}, metrics={}, intended_use='test', limitations=[],
                       png_window={'center': 40.0, 'width': 100.0, 'saturatedHu': 1000.0}, hu_floor=-10.0)
    return cnn.eval(), scan.eval()


@torch.no_grad()
def test_a_model_folder_rebuilds_into_networks_with_the_same_outputs_cam_included(tmp_path):
    cnn, scan = trained_looking_folder(tmp_path)
    rebuilt_cnn, rebuilt_scan, arch, card_args = rebuild(tmp_path)
    images = reference_images() * 0.7 + 0.1  # not the reference images themselves
    expected, got = cnn(images), rebuilt_cnn.eval()(images)
    for e, g in zip(expected, got):  # logits, embedding, cam
        assert torch.allclose(e, g, atol=1e-4)
    emb, probs = expected[1][None], torch.sigmoid(expected[0])[None]
    assert torch.allclose(scan.probs(emb, probs), rebuilt_scan.eval().probs(emb, probs), atol=1e-5)
    assert arch['members'] == 2 and card_args['version'] == '1.2.3'
    assert card_args['png_window']['saturatedHu'] == 1000.0
    assert json.loads((tmp_path / 'model.json').read_text())['input']['huFloor'] == card_args['hu_floor'] == -10.0


def test_the_cli_writes_a_loadable_checkpoint_and_refuses_a_folder_whose_graph_does_not_match(tmp_path, capsys):
    folder = tmp_path / 'model'
    trained_looking_folder(folder)
    assert main(['--model', str(folder), '--out', str(tmp_path / 'ckpt.pt')]) == 0
    assert load_checkpoint(tmp_path / 'ckpt.pt')['card_args']['thresholds']['any'] == pytest.approx(0.4)
    # A run loaded for comparison prepares full-range HU with the card's floor.
    assert load_run(tmp_path / 'ckpt.pt')['maker'].hu_floor == -10.0
    # A card that claims another architecture than its graphs hold is refused, and nothing is written.
    card = json.loads((folder / 'model.json').read_text())
    card['training']['config']['cnn']['members'] = 3
    (folder / 'model.json').write_text(json.dumps(card))
    assert main(['--model', str(folder), '--out', str(tmp_path / 'wrong.pt')]) == 2
    assert 'convolutions' in capsys.readouterr().out and not (tmp_path / 'wrong.pt').exists()
