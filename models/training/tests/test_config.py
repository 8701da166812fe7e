"""The training config schema: defaults in one place, unknown keys and wrong types refused."""
import json

import pytest

from ichtrain.config import ConfigError, load_config
from ichtrain.constants import SEED_MEAN
from ichtrain.sources import REPO_ROOT

CONFIGS = REPO_ROOT / 'models' / 'training' / 'configs'


@pytest.mark.parametrize('name', sorted(p.name for p in CONFIGS.glob('*.json')))
def test_every_committed_config_loads_complete(name):
    cfg = load_config(CONFIGS / name)
    # Defaults filled in: every key the training reads is present.
    assert cfg['threads'] >= 1 and cfg['lstm']['crop_prob'] >= 0 and 'salt' in cfg['ct_ich']
    assert cfg['thresholds']['any_sensitivity'] == pytest.approx(0.95)


def write(tmp_path, cfg):
    path = tmp_path / 'config.json'
    path.write_text(json.dumps(cfg))
    return path


def minimal():
    return {'seed': 1, 'run_dir': 'runs/x', 'png_window': {'center': 40, 'width': 130}, 'cnn': {'phases': [{'size': 96, 'epochs': 1, 'lr': 0.002}]},
            'lstm': {'epochs': 1}, 'export': {'out': 'x', 'name': 'x', 'version': '0', 'limitations': ['test']}}


def test_fills_the_defaults(tmp_path):
    cfg = load_config(write(tmp_path, minimal()))
    assert cfg['mean'] == SEED_MEAN and cfg['synthetic'] is None and cfg['ct_ich'] == {'use': False, 'fractions': {'train': 0.6, 'val': 0.2, 'test': 0.2, 'unused': 0.0}, 'salt': 'ct-ich'}
    assert cfg['cnn']['width'] == 32 and cfg['lstm']['layers'] == 3 and cfg['calibrate'] is False
    assert cfg['cnn']['subtype_positive_weight'] == 1.0 and cfg['lstm']['subtype_positive_weight'] == 1.0
    assert cfg['cnn']['fracture_weight'] == 0.0


@pytest.mark.parametrize('change, message', [
    (lambda c: c['lstm'].update(epoch=3), r'unknown key config\.lstm\.epoch'),
    (lambda c: c.update(sede=2), r'unknown key config\.sede'),
    (lambda c: c['cnn']['phases'][0].update(size='96'), r'config\.cnn\.phases\[0\]\.size must be a whole number'),
    (lambda c: c.update(calibrate='yes'), r'config\.calibrate must be a true/false'),
    (lambda c: c.pop('export'), r'config\.export is required'),
    (lambda c: c['cnn'].update(work_size=160), r'cnn\.work_size is 160 but the phases train at \[96\]'),
    (lambda c: c.update(thresholds={'any_level': 'study'}), r"thresholds\.any_level must be 'slice' or 'scan', not 'study'"),
    (lambda c: c.update(augment={'png_width': [180, 70]}), r'augment\.png_width must be \[low, high\], not \[180\.0, 70\.0\]'),
    (lambda c: c.update(png_window_choice={'candidates': [{'center': 40}]}), r'png_window_choice\.candidates\[0\]\.width is required'),
    (lambda c: c.update(augment={'noise_sd': -1}), r'augment\.noise_sd must be 0 or more, not -1'),
    (lambda c: c['cnn'].update(subtype_positive_weight=0), r'cnn\.subtype_positive_weight must be above 0, not 0'),
    (lambda c: c['lstm'].update(subtype_positive_weight=-2), r'lstm\.subtype_positive_weight must be above 0, not -2'),
    (lambda c: c['cnn'].update(fracture_weight=-1), r'cnn\.fracture_weight must be 0 or more, not -1'),
    (lambda c: c.update(augment={'png_export_reads_saturated': True}), r'png_export_reads_saturated needs png_saturated_hu'),
    (lambda c: c.update(augment={'hu_floor': -10}), r'augment\.hu_floor .* needs hu_floor_at_read_back'),
])
def test_refuses_unknown_keys_and_wrong_types_naming_them(tmp_path, change, message):
    cfg = minimal()
    change(cfg)
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, cfg))


@pytest.mark.parametrize('low, high', [([0, 250], [220, 254]), ([-5, 10], [220, 254]), ([0, 16], [220, 300])])
def test_refuses_a_grey_range_whose_lows_and_highs_overlap_or_leave_0_255(tmp_path, low, high):
    cfg = minimal()
    cfg['augment'] = {'png_export_grey_range_prob': 0.5, 'png_export_grey_range_low': low, 'png_export_grey_range_high': high}
    with pytest.raises(ConfigError, match='png_export_grey_range_low and _high'):
        load_config(write(tmp_path, cfg))
