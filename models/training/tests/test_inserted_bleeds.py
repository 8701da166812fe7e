"""Synthetic bleeds drawn into real HU slices, and the labels the CNN's training batches give them."""
import dataclasses

import numpy as np
import pytest
import torch
from scipy import ndimage

from ichtrain.config import Augment, ConfigError, complete_config
from ichtrain.constants import CLASSES, SEED_MEAN, SEED_STD
from ichtrain.inserted_bleeds import cavity_depth_squared, cranial_cavity, insert_bleed
from ichtrain.slices import BatchMaker, SliceTable

READ_BACK = {'center': 40.0, 'width': 100.0}


def head(gap: bool = False) -> np.ndarray:
    """A 256 x 256 HU slice: air, scalp, a 6 px skull ring (optionally open), brain at 30 HU."""
    yy, xx = np.mgrid[0:256, 0:256]
    r = np.hypot(yy - 128, xx - 128)
    hu = np.full((256, 256), -1000.0, dtype=np.float32)
    hu[r < 100] = 40.0   # scalp
    hu[r < 96] = 1000.0  # skull
    hu[r < 90] = 30.0    # brain
    if gap:
        hu[120:136, 180:] = 40.0  # a burr-hole-like gap through the skull
    return hu


@pytest.mark.parametrize('kind', ['epidural', 'subdural', 'intraparenchymal'])
def test_a_bleed_is_acute_blood_inside_the_cranial_cavity(kind):
    hu = head()
    out = insert_bleed(hu, kind, np.random.default_rng(1))
    assert out is not None
    changed = np.abs(out - hu) > 10
    cavity = cranial_cavity(hu)
    assert changed.sum() >= 12 and not (changed & ~cavity).any()
    blood = out[changed & (out > hu)]
    assert 45 < np.median(blood) < 95
    depth = ndimage.distance_transform_edt(cavity)
    if kind == 'intraparenchymal':
        assert depth[changed].min() > 2  # inside the brain, away from the inner table
    else:
        assert depth[changed].min() <= 1.5  # against the inner table


def test_an_epidural_is_a_thick_lens_and_a_subdural_a_long_thin_crescent():
    hu = head()
    cavity = cranial_cavity(hu)
    depth = ndimage.distance_transform_edt(cavity)
    shapes = {}
    for kind in ('epidural', 'subdural'):
        thick, area = [], []
        for seed in range(20):
            changed = np.abs(insert_bleed(hu, kind, np.random.default_rng(seed)) - hu) > 10
            thick.append(depth[changed].max())
            area.append(changed.sum())
        shapes[kind] = (np.median(thick), np.median(area))
    # Thickness against extent: the lens is thick for its length, the crescent thin for it.
    assert shapes['epidural'][0] > 1.5 * shapes['subdural'][0]


def test_slices_without_a_closed_skull_or_without_hu_get_no_bleed():
    assert insert_bleed(head(gap=True), 'epidural', np.random.default_rng(0)) is None
    # A windowed PNG read back as pseudo-HU carries nothing above the window's top (90 HU here).
    png_like = np.clip(head(), -10, 90)
    assert insert_bleed(png_like, 'subdural', np.random.default_rng(0)) is None
    with pytest.raises(ValueError, match='unknown inserted bleed kind'):
        insert_bleed(head(), 'fracture', np.random.default_rng(0))


def table(images) -> SliceTable:
    n = len(images)
    labels = np.zeros((n, len(CLASSES)), dtype=np.float32)
    known = np.ones((n, len(CLASSES)), dtype=bool)
    known[1, 1:] = False  # a PNG-like slice whose subtypes are unknown
    return SliceTable('t', images, labels, known, np.zeros(n, dtype=int), np.arange(n))


def maker(inserted_bleeds: dict) -> BatchMaker:
    augment = dataclasses.asdict(Augment(inserted_bleeds=inserted_bleeds))
    return BatchMaker(SEED_MEAN, SEED_STD, READ_BACK, seed=5, augment=augment)


def test_training_batches_label_the_slices_that_got_a_bleed_and_only_those():
    t = table([head(), np.clip(head(), -10, 90)])
    _, labels, known, _ = maker({'epidural': 1.0}).training_batch(t, [0, 1], size=128)
    epidural = CLASSES.index('epidural')
    assert labels[0, 0] == 1 and labels[0, epidural] == 1 and labels[0].sum() == 2
    assert labels[1].sum() == 0 and not known[1, epidural]  # nothing qualified: unchanged
    assert t.labels.sum() == 0  # the table itself keeps its labels


def test_a_slice_that_got_a_bleed_can_teach_its_subtype_alone():
    epidural = CLASSES.index('epidural')
    negative, positive = head(), head()
    t = table([negative, positive])
    t.labels[1, 0], t.known[:, 0] = 1, True
    augment = dataclasses.asdict(Augment(inserted_bleeds={'epidural': 1.0}, inserted_label_any=False))
    _, labels, known, _ = BatchMaker(SEED_MEAN, SEED_STD, READ_BACK, seed=5, augment=augment).training_batch(t, [0, 1], size=128)
    assert labels[:, epidural].tolist() == [1, 1] and known[:, epidural].all()
    assert not known[0, 0]  # a negative slice's `any` is no longer known to be 0, nor claimed to be 1
    assert known[1, 0] and labels[1, 0] == 1  # a slice positive already stays positive


def test_without_inserted_bleeds_training_batches_are_the_plain_augmented_batches():
    t = table([head(), head()])
    x, labels, known, _ = maker({}).training_batch(t, [0, 1], size=128)
    plain = maker({}).batch(t, [0, 1], augment=True, size=128)
    assert torch.equal(x, plain)  # same random stream: recipes without bleeds reproduce their models
    assert np.array_equal(labels, t.labels) and np.array_equal(known, t.known)


def test_the_config_names_the_kind_or_share_it_refuses():
    base = {'seed': 1, 'run_dir': 'r', 'png_window': READ_BACK, 'cnn': {'phases': [{'size': 64, 'epochs': 1, 'lr': 0.1}]},
            'lstm': {'epochs': 1}, 'export': {'out': 'o', 'name': 'n', 'version': '0', 'limitations': []}}
    with pytest.raises(ConfigError, match='inserted_bleeds.fracture: unknown kind'):
        complete_config({**base, 'augment': {'inserted_bleeds': {'fracture': 0.1}}}, 'c.json')
    with pytest.raises(ConfigError, match='add up to more than 1'):
        complete_config({**base, 'augment': {'inserted_bleeds': {'epidural': 0.6, 'subdural': 0.6}}}, 'c.json')
    assert complete_config({**base, 'augment': {'inserted_bleeds': {'epidural': 0.1}}}, 'c.json')['augment']['inserted_bleeds'] == {'epidural': 0.1}


def test_slices_with_an_inserted_bleed_can_be_kept_at_full_hu_range():
    # Every other slice is exported through a narrow window (png_prob 1): a slice that got a bleed
    # keeps its bone above the window's top only when png_export_inserted is false.
    def channels(png_export_inserted: bool):
        augment = dataclasses.asdict(Augment(inserted_bleeds={'epidural': 1.0}, png_prob=1.0,
                                             png_export_inserted=png_export_inserted))
        m = BatchMaker(SEED_MEAN, SEED_STD, READ_BACK, seed=5, augment=augment)
        x, labels, _, _ = m.training_batch(table([head(), head()]), [0, 1], size=128)
        return x * torch.tensor(SEED_STD)[:, None, None] + torch.tensor(SEED_MEAN)[:, None, None], labels
    kept, labels = channels(False)
    exported, _ = channels(True)
    assert labels[:, 0].tolist() == [1, 1]
    # Soft-tissue channel (40/380: -150..230 HU): bone reaches its top only at full range.
    assert kept[:, 2].amax(dim=(1, 2)).min() > 0.95
    assert exported[:, 2].amax(dim=(1, 2)).max() < 0.7


def test_the_kept_cavity_depth_is_exactly_the_distance_the_bleeds_were_drawn_with():
    # uint16 squared distances must give back the float64 distance transform bit for bit, or runs
    # made before the cavity was kept would not reproduce.
    rng = np.random.default_rng(3)
    for hu in (head(), head() + rng.normal(0, 20, (256, 256)).astype(np.float32)):
        exact = ndimage.distance_transform_edt(cranial_cavity(hu))
        kept = cavity_depth_squared(hu)
        assert kept.dtype == np.uint16 and np.array_equal(np.sqrt(kept, dtype=np.float64), exact)
    assert cavity_depth_squared(head(gap=True)) is None


def test_a_slice_s_cavity_is_computed_once_and_batches_do_not_change_for_it():
    t = table([head(), head(gap=True)])
    kept, fresh = maker({'epidural': 1.0}), maker({'epidural': 1.0})
    for m in (kept, fresh):
        m.training_batch(t, [0, 1], size=128)
    assert len(kept.cavities) == 2 and kept.cavities[id(t.images[1])][1] is None
    fresh.cavities.clear()  # the second batch recomputes every cavity
    x_kept, labels_kept, _, _ = kept.training_batch(t, [0, 1], size=128)
    x_fresh, labels_fresh, _, _ = fresh.training_batch(t, [0, 1], size=128)
    assert torch.equal(x_kept, x_fresh) and np.array_equal(labels_kept, labels_fresh)
    assert labels_kept[0, 0] == 1 and labels_kept[1, 0] == 0
