"""Slice tables keep HU for augmentation and, for the scored splits, the engine's own network input."""
from dataclasses import dataclass

import numpy as np
import torch

from ichtrain.constants import INPUT_SIZE, SEED_MEAN, SEED_STD
from ichtrain.data.png import window_and_resize
from ichtrain.preprocess import resize_bilinear, window_channels
from ichtrain.slices import BatchMaker
from ichtrain.sources import split_tables


@dataclass
class Item:
    patient: str
    order: int
    labels: np.ndarray


def test_scored_splits_carry_the_engines_input_windowed_before_resizing():
    rng = np.random.default_rng(0)
    # Sharp edges across the window limits: resizing before windowing gives a different input.
    hu = {p: rng.choice([-50.0, 30.0, 75.0, 1200.0], size=(512, 512)).astype(np.float32) for p in 'abcde'}
    items = [Item(p, 0, np.zeros(6, np.float32)) for p in 'abcde']
    tables = split_tables('fake', items, {'fractions': {'train': 0.6, 'val': 0.2, 'test': 0.2}, 'salt': 's'},
                          lambda it: hu[it.patient], lambda it: np.ones(6, bool))
    assert tables['train'].engine_inputs is None
    maker = BatchMaker(SEED_MEAN, SEED_STD, {'center': 40, 'width': 130}, seed=0)
    for split in ('val', 'test'):
        table = tables[split]
        engine = resize_bilinear(window_channels(hu[table.patient_ids[0]]), INPUT_SIZE)
        assert np.array_equal(table.engine_inputs[0], engine)
        assert table.images[0].shape == (INPUT_SIZE, INPUT_SIZE)
        assert torch.equal(maker.channels(table, 0, augment=False), torch.from_numpy(engine))
        # The stored HU (what augmentation starts from), windowed after resizing, is not the same input.
        assert not np.allclose(window_and_resize(torch.from_numpy(table.images[0]), INPUT_SIZE).numpy(), engine, atol=1e-3)
