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


def test_folds_hold_each_development_patient_once_and_never_a_test_patient():
    patients = [f'p{i:02d}' for i in range(40)]
    items = [Item(p, o, np.zeros(6, np.float32)) for p in patients for o in range(2)]
    cfg = {'fractions': {'train': 0.6, 'val': 0.2, 'test': 0.2}, 'salt': 's'}
    load = lambda it: np.zeros((64, 64), np.float32)  # noqa: E731
    known = lambda it: np.ones(6, bool)  # noqa: E731
    splits = split_tables('fake', items, cfg, load, known)
    folds = split_tables('fake', items, cfg, load, known, folds=4)
    assert list(folds) == ['fold1', 'fold2', 'fold3', 'fold4']
    held = [p for t in folds.values() for p in t.patient_ids]
    development = set(splits['train'].patient_ids) | set(splits['val'].patient_ids)
    assert sorted(held) == sorted(development)  # each once, and no test patient
    assert {len(t.patient_ids) for t in folds.values()} == {8}
    assert all(t.engine_inputs is not None and len(t.engine_inputs) == len(t) for t in folds.values())
    again = split_tables('fake', list(reversed(items)), cfg, load, known, folds=4)
    assert [t.patient_ids for t in again.values()] == [t.patient_ids for t in folds.values()]


def test_a_source_that_labels_fractures_carries_them_in_every_split():
    items = [Item(f'p{i:02d}', o, np.zeros(6, np.float32)) for i in range(20) for o in range(3)]
    fracture = {(it.patient, it.order): float(it.order == 1 and it.patient < 'p10') for it in items}
    cfg = {'fractions': {'train': 0.6, 'val': 0.2, 'test': 0.2}, 'salt': 's'}
    load = lambda it: np.zeros((64, 64), np.float32)  # noqa: E731
    known = lambda it: np.ones(6, bool)  # noqa: E731
    for tables in (split_tables('fake', items, cfg, load, known, fracture=lambda it: fracture[(it.patient, it.order)]),
                   split_tables('fake', items, cfg, load, known, folds=3,
                                fracture=lambda it: fracture[(it.patient, it.order)])):
        for table in tables.values():
            expected = [fracture[(table.patient_ids[g], o)] for g, o in zip(table.groups, table.order)]
            assert table.fracture.tolist() == expected
    assert all(t.fracture is None for t in split_tables('fake', items, cfg, load, known).values())
