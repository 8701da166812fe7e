"""MODEL_CARD.md is rendered from model.json: the bundled model's card is that rendering."""
import json

from ichtrain.model_card_md import render
from ichtrain.sources import REPO_ROOT

BUNDLED = REPO_ROOT / 'models' / 'ich-r18w16x4e80-real'


def test_the_bundled_card_is_its_model_json_rendered_and_names_the_pooled_sources():
    text = render(json.loads((BUNDLED / 'model.json').read_text()))
    assert (BUNDLED / 'MODEL_CARD.md').read_text() == text
    assert '### pooled-real-test (732 slices, ct-ich-test + phe-sich-test)' in text
    assert '### ct-ich-test (378 slices, 12 sequences)' in text
    assert ',  sequences)' not in text  # no heading with a blank count
