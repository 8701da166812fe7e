import json

import onnx

from ichtrain.constants import CLASSES
from ichtrain.model_card_md import render
from ichtrain.train import main as train_main


def test_smoke_training_end_to_end(tmp_path):
    config = {
        'seed': 3, 'threads': 2, 'workers': 1, 'run_dir': str(tmp_path / 'run'),
        'png_window': {'center': 40, 'width': 130},
        'synthetic': {'train_series': 4, 'val_series': 4, 'test_series': 2, 'positive_fraction': 0.5,
                      'thickness_probs': [1.0, 0.0, 0.0, 0.0], 'slices': [5, 6]},
        'phe_sich': {'use': False},
        'augment': {'png_prob': 0.3},
        'cnn': {'width': 32, 'batch': 8, 'phases': [{'size': 64, 'epochs': 1, 'lr': 0.002}]},
        'lstm': {'pca_dim': 16, 'hidden': 16, 'layers': 3, 'epochs': 2, 'lr': 0.002},
        'thresholds': {'any_sensitivity': 0.95, 'subtype_sensitivity': 0.9},
        'evaluate_real': False,
        'export': {'out': str(tmp_path / 'model'), 'name': 'smoke', 'version': '0', 'limitations': ['test']},
    }
    path = tmp_path / 'config.json'
    path.write_text(json.dumps(config))
    assert train_main(['--config', str(path)]) == 0
    card = json.loads((tmp_path / 'model' / 'model.json').read_text())
    assert card['classes'] == list(CLASSES)
    assert set(card['thresholds']) == set(CLASSES)
    # Thresholds are chosen on the validation slices, so there they meet their sensitivity targets.
    val = card['metrics']['synthetic-val']['final']
    assert val['any']['positives'] > 0 and val['any']['sensitivity'] >= 0.95
    assert all(val[c]['sensitivity'] >= 0.9 for c in CLASSES[1:] if val[c]['positives'] > 0)
    assert card['training']['data']['synthetic-train']['slices'] >= 20
    test_metrics = card['metrics']['synthetic-test']
    assert 'weightedLogLoss' in test_metrics['final'] and test_metrics['final']['weightedLogLoss'] > 0
    for name in ('slice_cnn.onnx', 'scan_lstm.onnx'):
        onnx.checker.check_model(onnx.load(str(tmp_path / 'model' / name)))
    assert (tmp_path / 'run' / 'checkpoint.pt').exists()
    text = render(card)
    assert 'Not validated for clinical use' in text
    assert f"{test_metrics['final']['weightedLogLoss']:.4f}" in text

    # A second run reuses that slice CNN (same seed, data, augmentation and cnn sections), trains its
    # sequence model with weighted subtype positives and chooses the window windowed images are read
    # back through; a run whose cnn section differs is refused.
    import torch
    again = {**config, 'run_dir': str(tmp_path / 'run2'), 'lstm': {**config['lstm'], 'subtype_positive_weight': 3},
             'png_window_choice': {'candidates': [{'center': 40, 'width': 80}, {'center': 40, 'width': 130}],
                                   'exports': [{'center': 40, 'width': 70}, {'center': 40, 'width': 180}]},
             'export': {**config['export'], 'out': str(tmp_path / 'model2')}}
    path.write_text(json.dumps(again))
    assert train_main(['--config', str(path), '--reuse-cnn', str(tmp_path / 'run' / 'checkpoint.pt')]) == 0
    card2 = json.loads((tmp_path / 'model2' / 'model.json').read_text())
    assert card2['training']['cnnReusedFrom']['checkpoint'] == str(tmp_path / 'run' / 'checkpoint.pt')
    assert card2['training']['cnnHistory'] == card['training']['cnnHistory']
    assert card2['training']['config']['lstm']['subtype_positive_weight'] == 3
    choice = card2['training']['pngWindowChoice']
    assert [r['window']['width'] for r in choice['candidates']] == [80, 130]
    assert card2['pngWindow'] == choice['window'] == max(choice['candidates'], key=lambda r: r['meanAuc'])['window']
    first, second = (torch.load(tmp_path / d / 'checkpoint.pt')['cnn'] for d in ('run', 'run2'))
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert 'was not trained again' in render(card2)
    path.write_text(json.dumps({**again, 'cnn': {**config['cnn'], 'width': 16}}))
    assert train_main(['--config', str(path), '--reuse-cnn', str(tmp_path / 'run' / 'checkpoint.pt')]) == 2


def test_reuse_takes_the_first_members_of_a_larger_ensemble(tmp_path):
    """Members train one after another from one batch generator, so the first two CNNs of a three-CNN
    run are the two a two-CNN run trains: --reuse-cnn takes them instead of training them again."""
    import torch
    config = {
        'seed': 5, 'threads': 2, 'workers': 1,
        'png_window': {'center': 40, 'width': 130},
        'synthetic': {'train_series': 3, 'val_series': 3, 'test_series': 1, 'positive_fraction': 0.5,
                      'thickness_probs': [1.0, 0.0, 0.0, 0.0], 'slices': [4, 5]},
        'phe_sich': {'use': False},
        'cnn': {'width': 16, 'batch': 8, 'members': 3, 'phases': [{'size': 32, 'epochs': 1, 'lr': 0.002}]},
        'lstm': {'pca_dim': 8, 'hidden': 8, 'layers': 1, 'epochs': 1, 'lr': 0.002},
        'evaluate_real': False,
        'export': {'name': 'members', 'version': '0', 'limitations': ['test']},
    }

    def run(name, members, *extra):
        cfg = {**config, 'run_dir': str(tmp_path / name), 'cnn': {**config['cnn'], 'members': members},
               'export': {**config['export'], 'out': str(tmp_path / f'{name}-model')}}
        path = tmp_path / f'{name}.json'
        path.write_text(json.dumps(cfg))
        return train_main(['--config', str(path), *extra])

    assert run('three', 3) == 0 and run('two', 2) == 0
    three = str(tmp_path / 'three' / 'checkpoint.pt')
    assert run('two-reused', 2, '--reuse-cnn', three) == 0
    scratch, reused = (torch.load(tmp_path / d / 'checkpoint.pt') for d in ('two', 'two-reused'))
    assert scratch['cnn'].keys() == reused['cnn'].keys()
    assert all(torch.equal(scratch['cnn'][k], reused['cnn'][k]) for k in scratch['cnn'])
    card = json.loads((tmp_path / 'two-reused-model' / 'model.json').read_text())
    from_scratch = json.loads((tmp_path / 'two-model' / 'model.json').read_text())
    assert card['training']['cnnReusedFrom']['membersTaken'] == 2
    assert card['training']['cnnReusedFrom']['membersTrained'] == 3
    assert [[e['loss'] for e in m] for m in card['training']['cnnHistory']] == \
        [[e['loss'] for e in m] for m in from_scratch['training']['cnnHistory']]
    assert 'the first 2 of the 3 CNNs' in render(card)
    # More members than the checkpoint trained, or another cnn section, is refused.
    assert run('four', 4, '--reuse-cnn', three) == 2
    config['cnn']['batch'] = 4
    assert run('other-batch', 2, '--reuse-cnn', three) == 2
