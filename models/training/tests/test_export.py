import json

import numpy as np
import onnx
import torch

from ichtrain.constants import CLASSES
from ichtrain.export import REFERENCE_SCAN_LENGTHS, random_model, reference_images, reference_scan, sha256, write_model_folder
from ichtrain.model import FlipAveraged

CARD_KEYS = {'name', 'version', 'classes', 'input', 'pngWindow', 'embeddingSize', 'camSize', 'thresholds',
             'scanAggregation', 'files', 'training', 'metrics', 'intendedUse', 'limitations'}


def _dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def test_export_writes_valid_onnx_and_card(tmp_path):
    torch.manual_seed(0)
    cnn, scan = random_model(seed=1, hidden=32)
    card = write_model_folder(tmp_path, cnn, scan, name='t', version='0', thresholds={k: 0.5 for k in CLASSES},
                              training={}, metrics={}, intended_use='test', limitations=[])
    assert set(card) == CARD_KEYS
    assert card['classes'] == list(CLASSES) and card['camSize'] == [8, 8] and card['embeddingSize'] == 256
    assert card['input']['resize'] == 'bilinear-half-pixel'

    cnn_model = onnx.load(str(tmp_path / 'slice_cnn.onnx'))
    onnx.checker.check_model(cnn_model)
    assert 13 <= cnn_model.opset_import[0].version <= 17
    assert [i.name for i in cnn_model.graph.input] == ['image']
    assert [o.name for o in cnn_model.graph.output] == ['logits', 'embedding', 'cam']
    assert _dims(cnn_model.graph.input[0]) == ['N', 3, 256, 256]
    assert _dims(cnn_model.graph.output[2]) == ['N', 6, 8, 8]

    lstm_model = onnx.load(str(tmp_path / 'scan_lstm.onnx'))
    onnx.checker.check_model(lstm_model)
    assert [i.name for i in lstm_model.graph.input] == ['embedding', 'slice_probs']
    assert [o.name for o in lstm_model.graph.output] == ['probs']
    assert _dims(lstm_model.graph.input[0]) == [1, 'S', 256]
    assert _dims(lstm_model.graph.input[1]) == [1, 'S', 6]
    assert _dims(lstm_model.graph.output[0]) == [1, 'S', 6]

    stored = json.loads((tmp_path / 'model.json').read_text())
    assert stored['files']['sliceCnn']['sha256'] == sha256(tmp_path / 'slice_cnn.onnx')

    ref = json.loads((tmp_path / 'reference_outputs.json').read_text())
    with torch.no_grad():
        logits, embedding, _ = cnn.eval()(reference_images())
        probs = scan.eval().probs(embedding[None], torch.sigmoid(logits)[None])
    assert np.allclose(ref['sliceCnn']['logits'], logits.numpy(), atol=1e-6)
    assert np.allclose(ref['scanLstm']['probs'], probs.reshape(-1).numpy(), atol=1e-6)
    assert ((probs > 0) & (probs < 1)).all()
    for case in ref['scanLengths']['cases']:
        with torch.no_grad():
            expected = scan.probs(*reference_scan(case['slices'], 256)).reshape(-1).numpy()
        assert len(case['probs']) == case['slices'] * len(CLASSES)
        assert np.allclose(case['probs'], expected, atol=1e-6)


def test_a_scan_model_with_the_peak_kept_smoothing_exports_it_in_its_graph(tmp_path):
    torch.manual_seed(0)
    cnn, scan = random_model(seed=3, hidden=32)
    scan.peak_kept_smoothing = True
    write_model_folder(tmp_path, cnn, scan, name='t', version='0', thresholds={k: 0.5 for k in CLASSES},
                       training={}, metrics={}, intended_use='test', limitations=[])
    lstm_model = onnx.load(str(tmp_path / 'scan_lstm.onnx'))
    onnx.checker.check_model(lstm_model)
    assert _dims(lstm_model.graph.output[0]) == [1, 'S', 6]
    assert {'Max', 'Min', 'ReduceMax'} <= {node.op_type for node in lstm_model.graph.node}
    ref = json.loads((tmp_path / 'reference_outputs.json').read_text())
    with torch.no_grad():
        logits, embedding, _ = cnn.eval()(reference_images())
        probs = scan.eval().probs(embedding[None], torch.sigmoid(logits)[None])
        scan.peak_kept_smoothing = False
        unsmoothed = scan.probs(embedding[None], torch.sigmoid(logits)[None])
    # The reference outputs the engine's test checks onnxruntime against are the smoothed ones.
    assert np.allclose(ref['scanLstm']['probs'], probs.reshape(-1).numpy(), atol=1e-6)
    assert not np.allclose(probs.numpy(), unsmoothed.numpy(), atol=1e-4)

    # Scans of several lengths: each slice may rise, no class's highest slice does.
    cases = ref['scanLengths']['cases']
    assert [case['slices'] for case in cases] == list(REFERENCE_SCAN_LENGTHS)
    for case in cases:
        smoothed = np.array(case['probs']).reshape(case['slices'], len(CLASSES))
        with torch.no_grad():
            plain = scan.probs(*reference_scan(case['slices'], 256))[0].numpy()
        assert (smoothed >= plain - 1e-6).all()
        assert np.allclose(smoothed.max(axis=0), plain.max(axis=0), atol=1e-6)
        if case['slices'] == 1:
            assert np.allclose(smoothed, plain, atol=1e-6)
        else:
            assert (smoothed > plain + 1e-4).any()

def test_reference_images_follow_the_stated_formula():
    images = reference_images()
    n, c, y, x = 1, 2, 17, 200
    assert images.shape == (2, 3, 256, 256)
    assert images[n, c, y, x].item() == np.float32(np.sin(0.05 * x + 0.07 * y + c + n))


def test_reference_scans_follow_the_stated_formula():
    embedding, probs = reference_scan(40, 256)
    assert embedding.shape == (1, 40, 256) and probs.shape == (1, 40, 6)
    s, e, c = 33, 201, 4
    assert embedding[0, s, e].item() == np.float32(np.sin(0.013 * e + 0.31 * s))
    assert probs[0, s, c].item() == np.float32(0.5 + 0.45 * np.sin(0.7 * s + 1.3 * c))


def test_a_flip_averaged_cnn_exports_with_the_same_contract(tmp_path):
    torch.manual_seed(0)
    cnn, scan = random_model(seed=2, hidden=32)
    flipped = FlipAveraged(cnn)
    card = write_model_folder(tmp_path, flipped, scan, name='t', version='0', thresholds={k: 0.5 for k in CLASSES},
                              training={}, metrics={}, intended_use='test', limitations=[])
    assert card['camSize'] == [8, 8] and card['embeddingSize'] == 256
    cnn_model = onnx.load(str(tmp_path / 'slice_cnn.onnx'))
    onnx.checker.check_model(cnn_model)
    assert [o.name for o in cnn_model.graph.output] == ['logits', 'embedding', 'cam']
    ref = json.loads((tmp_path / 'reference_outputs.json').read_text())
    with torch.no_grad():
        logits = flipped.eval()(reference_images())[0]
        plain = cnn.eval()(reference_images())[0]
    # The reference outputs the engine's test checks onnxruntime against are the mirrored mean's.
    assert np.allclose(ref['sliceCnn']['logits'], logits.numpy(), atol=1e-6)
    assert not np.allclose(ref['sliceCnn']['logits'], plain.numpy(), atol=1e-4)


def _smoke_card_args():
    from ichtrain.config import load_config
    from ichtrain.sources import REPO_ROOT
    recorded = load_config(REPO_ROOT / 'models/training/configs/smoke.json')
    return {'name': 'run-name', 'version': '0.0.1-run', 'limitations': ['as the run began'], 'thresholds': {},
            'training': {'config': recorded, 'wallSeconds': 12.0}}, recorded


def test_card_text_comes_from_a_committed_config_of_the_same_recipe(tmp_path):
    from ichtrain.export import with_card_text
    card_args, recorded = _smoke_card_args()
    committed = json.loads(json.dumps(recorded))
    committed['export'].update(name='released', version='1.0.0', notes=['judged after the run'],
                               limitations=['measured on the test patients'])
    path = tmp_path / 'committed.json'
    path.write_text(json.dumps(committed))
    args = with_card_text(card_args, path)
    assert (args['name'], args['version'], args['limitations']) == ('released', '1.0.0', ['measured on the test patients'])
    assert list(args['training']['config']['export']['notes']) == ['judged after the run']
    # What the run recorded besides the text stays as it was.
    assert args['training']['wallSeconds'] == 12.0
    assert {k: v for k, v in args['training']['config'].items() if k != 'export'} == \
        {k: v for k, v in recorded.items() if k != 'export'}


def test_card_text_from_another_recipe_is_refused_with_the_keys_that_differ(tmp_path):
    import pytest
    from ichtrain.config import ConfigError
    from ichtrain.export import with_card_text
    card_args, recorded = _smoke_card_args()
    other = json.loads(json.dumps(recorded))
    other['cnn']['width'] = recorded['cnn']['width'] * 2
    other['seed'] = recorded['seed'] + 1
    path = tmp_path / 'other.json'
    path.write_text(json.dumps(other))
    with pytest.raises(ConfigError, match=r'differs in cnn, seed'):
        with_card_text(card_args, path)


def test_card_text_matches_a_checkpoint_recorded_before_a_key_existed(tmp_path):
    import pytest
    from ichtrain.config import ConfigError
    from ichtrain.export import with_card_text
    card_args, recorded = _smoke_card_args()
    # A run recorded before cnn.cam_mask_weight existed: its config lacks the key.
    older = json.loads(json.dumps(recorded))
    del older['cnn']['cam_mask_weight']
    card_args['training']['config'] = older
    committed = json.loads(json.dumps(recorded))
    committed['export'].update(version='1.0.0')
    path = tmp_path / 'committed.json'
    path.write_text(json.dumps(committed))
    assert with_card_text(card_args, path)['version'] == '1.0.0'
    # The card keeps the config as the run recorded it.
    assert 'cam_mask_weight' not in with_card_text(card_args, path)['training']['config']['cnn']
    # Set away from its default, the newer key is a different recipe.
    committed['cnn']['cam_mask_weight'] = 0.1
    path.write_text(json.dumps(committed))
    with pytest.raises(ConfigError, match=r'differs in cnn\)'):
        with_card_text(card_args, path)


def test_card_text_with_a_random_model_is_refused(tmp_path):
    import subprocess
    import sys
    from ichtrain.sources import REPO_ROOT
    result = subprocess.run([sys.executable, '-m', 'ichtrain.export', '--random', '--out', str(tmp_path / 'm'),
                             '--card-text', str(REPO_ROOT / 'models/training/configs/smoke.json')],
                            cwd=REPO_ROOT / 'models/training', capture_output=True, text=True)
    assert result.returncode == 2
    assert '--card-text describes a trained checkpoint' in result.stderr
    assert not (tmp_path / 'm').exists()
