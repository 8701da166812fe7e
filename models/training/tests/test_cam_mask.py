"""Drawn bleed masks: carried through augmentation, taught to the class maps, and used to measure
where those maps point."""
import dataclasses
import math

import numpy as np
import pytest
import torch

from ichtrain.cam_pointing import drawn_positives, paired_rates, pointing_hits
from ichtrain.config import Augment
from ichtrain.constants import CLASSES, INPUT_SIZE, SEED_MEAN, SEED_STD
from ichtrain.slices import BatchMaker, SliceTable
from ichtrain.sources import split_tables, stored_mask
from ichtrain.train import cam_mask_loss

ANY, IPH = CLASSES.index('any'), CLASSES.index('intraparenchymal')
READ_BACK = {'center': 40, 'width': 130}


def blob_table(with_masks: bool = True) -> SliceTable:
    """Two slices of a head-like disc; the first holds a bright bleed whose mask is drawn, the second
    none (an empty mask)."""
    yy, xx = np.mgrid[:INPUT_SIZE, :INPUT_SIZE]
    head = np.where((yy - 128) ** 2 + (xx - 128) ** 2 < 100 ** 2, 30.0, -1000.0).astype(np.float32)
    bleed = np.zeros((INPUT_SIZE, INPUT_SIZE), bool)
    bleed[70:100, 140:175] = True
    first = head.copy()
    first[bleed] = 75.0
    labels = np.array([[1, 0, 1, 0, 0, 0], [0] * 6], np.float32)
    return SliceTable('phe-sich-train', [first, head], labels, np.ones((2, 6), bool), np.array([0, 0]),
                      np.array([0, 1]), ['p'], masks=[bleed.astype(np.uint8), None] if with_masks else None)


def test_a_stored_mask_keeps_every_bleed_pixel_at_the_input_size_and_an_empty_one_is_none():
    mask = np.zeros((512, 512), bool)
    mask[301, 77] = True  # one pixel of the source image
    stored = stored_mask(mask)
    assert stored.shape == (INPUT_SIZE, INPUT_SIZE) and stored.dtype == np.uint8
    assert np.argwhere(stored).tolist() == [[150, 38]]
    assert stored_mask(np.zeros((512, 512), bool)) is None


def test_split_tables_carry_each_slices_mask_where_the_source_draws_them():
    @dataclasses.dataclass
    class Item:
        patient: str
        order: int
        labels: np.ndarray
    items = [Item(p, 0, np.zeros(6, np.float32)) for p in 'abcde']
    drawn = {'a': np.eye(512, dtype=bool)}
    fractions = {'fractions': {'train': 0.6, 'val': 0.2, 'test': 0.2}, 'salt': 's'}
    tables = split_tables('fake', items, fractions, lambda it: np.zeros((512, 512), np.float32),
                          lambda it: np.ones(6, bool), mask=lambda it: drawn.get(it.patient, np.zeros((512, 512), bool)))
    masks = {t.patient_ids[g]: m for t in tables.values() for g, m in zip(t.groups, t.masks)}
    assert masks['a'] is not None and masks['a'].sum() > 0
    assert all(m is None for p, m in masks.items() if p != 'a')
    assert all(t.masks is None for t in split_tables('fake', items, fractions, lambda it: np.zeros((512, 512), np.float32),
                                                   lambda it: np.ones(6, bool)).values())


def test_masks_follow_the_augmentation_and_leave_the_images_and_random_draws_as_they_were():
    table = blob_table()
    augment = dataclasses.asdict(Augment(png_prob=0.5, head_crop_prob=1.0))
    plain, with_masks = (BatchMaker(SEED_MEAN, SEED_STD, READ_BACK, seed=3, augment=augment) for _ in range(2))
    for _ in range(4):  # several draws: turns, flips, crops and blur all happen
        x, labels, _, none = plain.training_batch(table, [0, 1], size=160)
        x_masked, labels_masked, _, masks = with_masks.training_batch(table, [0, 1], size=160, with_masks=True)
        assert none is None and torch.equal(x, x_masked) and np.array_equal(labels, labels_masked)
        assert masks.shape == (2, 1, 160, 160)
        on_bleed = masks[0, 0] > 0.5
        brain = x_masked[0, 0] * SEED_STD[0] + SEED_MEAN[0]  # the 40/80 window, where the bleed is bright
        assert on_bleed.sum() > 300
        # The bleed is where its mask went (a mask shifted by a tenth of the image would miss most of it).
        assert (on_bleed & (brain > 0.75)).sum() >= 0.8 * on_bleed.sum()
        assert masks[1].max() == 0  # an empty drawn mask is known to be empty
    _, _, _, unknown = with_masks.training_batch(blob_table(with_masks=False), [0, 1], size=160, with_masks=True)
    assert unknown.flatten(1).isnan().any(dim=1).all()  # NaN where the image was (the geometry pads zeros)


def bleed_masks(size: int = 160) -> torch.Tensor:
    """[3,1,size,size]: a bleed in the CAM's cell (1, 3) of 5 x 5 on slices 0 and 2, unknown on slice 1."""
    masks = torch.zeros(3, 1, size, size)
    masks[[0, 2], 0, 40:60, 100:120] = 1
    masks[1] = float('nan')
    return masks


def test_the_cam_loss_is_the_maps_missing_share_on_the_bleed_for_labelled_slices_only():
    labels = torch.tensor([[1., 0, 1, 0, 0, 0], [1., 0, 1, 0, 0, 0], [0.] * 6])
    flat = torch.zeros(3, 6, 5, 5, requires_grad=True)
    # A flat map puts 1/25 of its mass on the one bleed cell; slice 1's mask is unknown and slice 2 is
    # labelled negative: neither counts.
    loss = cam_mask_loss(flat, bleed_masks(), labels)
    assert loss.item() == pytest.approx(math.log(25))
    loss.backward()
    assert flat.grad[1].abs().sum() == 0 and flat.grad[2].abs().sum() == 0
    assert flat.grad[0, [ANY, IPH]].abs().sum() > 0 and flat.grad[0, 1].abs().sum() == 0
    peaked = torch.zeros(3, 6, 5, 5)
    peaked[0, :, 1, 3] = 20.0
    assert cam_mask_loss(peaked, bleed_masks(), labels).item() < 1e-3
    # Lifting every cell alike (the slice's logit) changes nothing: only the map's shape is taught.
    assert cam_mask_loss(peaked + 4.0, bleed_masks(), labels).item() == pytest.approx(
        cam_mask_loss(peaked, bleed_masks(), labels).item(), abs=1e-6)
    assert cam_mask_loss(flat, bleed_masks(), torch.zeros(3, 6)).item() == 0


class PeakAt(torch.nn.Module):
    """A stand-in CNN whose class maps peak at one cell of 5 x 5 for every slice."""

    def __init__(self, row: int, col: int):
        super().__init__()
        self.row, self.col = row, col

    def forward(self, x):
        cam = torch.zeros(x.shape[0], 6, 5, 5)
        cam[:, :, self.row, self.col] = 1.0
        return torch.zeros(x.shape[0], 6), torch.zeros(x.shape[0], 4), cam


def test_pointing_counts_a_hit_where_the_maps_peak_lies_on_the_drawn_bleed():
    table = blob_table()
    table = dataclasses.replace(table, engine_inputs=[np.zeros((3, INPUT_SIZE, INPUT_SIZE), np.float32)] * 2)
    assert drawn_positives(table).tolist() == [0]  # the second slice draws no bleed
    maker = BatchMaker(SEED_MEAN, SEED_STD, READ_BACK, seed=0)
    # The bleed spans rows 70-99 and columns 140-174 of 256: cells (1, 2) to (1, 3) of 5 x 5.
    for cell, hit in (((1, 2), 1.0), ((1, 3), 1.0), ((3, 3), 0.0), ((0, 0), 0.0)):
        hits = pointing_hits(PeakAt(*cell), table, maker)
        assert {c: h.tolist() for c, h in hits.items()} == {'any': [hit], 'intraparenchymal': [hit]}


def test_paired_rates_resample_patients_and_give_the_difference():
    reference = np.array([0, 0, 1, 1, 0, 1], np.float32)
    candidate = np.array([1, 0, 1, 1, 1, 1], np.float32)
    rates = paired_rates(reference, candidate, np.array(['a', 'a', 'b', 'b', 'c', 'c']), resamples=200)
    assert (rates['reference'], rates['candidate'], rates['difference']) == (0.5, pytest.approx(0.8333, abs=1e-4),
                                                                              pytest.approx(0.3333, abs=1e-4))
    assert rates['patients'] == 3 and rates['slices'] == 6
    low, high = rates['differenceCi95']
    assert 0 <= low < high <= 0.5  # no patient loses a hit; patient a gains one of two, c one of two


def test_compare_pairs_two_runs_pointing_on_the_same_validation_slices(monkeypatch):
    import ichtrain.compare as compare
    table = dataclasses.replace(blob_table(), name='phe-sich-val', groups=np.array([0, 0]),
                                engine_inputs=[np.zeros((3, INPUT_SIZE, INPUT_SIZE), np.float32)] * 2)
    monkeypatch.setattr(compare, 'validation_table', lambda source, section, window: table)

    def run(cell):
        return {'cnn': PeakAt(*cell), 'maker': BatchMaker(SEED_MEAN, SEED_STD, READ_BACK, seed=0),
                'config': {'phe_sich': {'use': True}}, 'card_args': {'png_window': READ_BACK}}
    rows = compare.cam_pointing(run((3, 3)), run((1, 2)), resamples=20)
    assert {cls: (r['reference'], r['candidate'], r['difference']) for cls, r in rows.items()} == {
        'any': (0.0, 1.0, 1.0), 'intraparenchymal': (0.0, 1.0, 1.0)}
    without = run((1, 2))
    without['config'] = {'phe_sich': {'use': False}}
    with pytest.raises(ValueError, match='PHE-SICH'):
        compare.cam_pointing(run((3, 3)), without)
