import numpy as np
import pytest

from ichtrain.compare import validation_of
from ichtrain.fold_members import fold_probabilities, next_recipe
from ichtrain.slices import SliceTable


def _table():
    # Two validation patients (groups 0 and 1, IDs 49 and 7), slices listed out of scan order.
    labels = np.array([[1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [1, 0, 1, 0, 0, 0]], np.float32)
    return SliceTable('ct-ich-val', [None] * 3, labels, np.ones((3, 6), bool), np.array([0, 0, 1]),
                      np.array([5, 4, 1]), patient_ids=['49', '7'])


def _record(patients, orders, probs, labels):
    return {'patient': patients, 'order': orders, 'probs': probs, 'labels': labels, 'known': [[True] * 6] * len(orders)}


def _folds():
    # Patient 49's slices come from one fold, patient 7's from another, in neither the table's order.
    return [_record(['ct-ich:7', 'ct-ich:3'], [1, 1], [[0.3] * 6, [0.9] * 6], [[1, 0, 1, 0, 0, 0], [0] * 6]),
            _record(['ct-ich:49', 'ct-ich:49'], [4, 5], [[0.1] * 6, [0.8] * 6], [[0] * 6, [1, 1, 0, 0, 0, 0]])]


def test_each_validation_slice_gets_the_probability_of_the_fold_that_held_its_patient_out():
    v = validation_of([('ct-ich', _table())], fold_probabilities(_folds()))
    assert v.probs[:, 0].tolist() == pytest.approx([0.8, 0.1, 0.3])
    assert v.patients.tolist() == ['ct-ich:0', 'ct-ich:0', 'ct-ich:1']


def test_a_validation_slice_no_fold_holds_is_refused():
    folds = _folds()[:1]
    with pytest.raises(ValueError, match='ct-ich:49 slice 5: no fold holds it'):
        validation_of([('ct-ich', _table())], fold_probabilities(folds))


def test_a_slice_the_fold_labels_otherwise_is_refused():
    folds = _folds()
    folds[1]['labels'][1] = [1, 0, 0, 0, 0, 0]
    with pytest.raises(ValueError, match='ct-ich:49 slice 5: the fold labels it otherwise'):
        validation_of([('ct-ich', _table())], fold_probabilities(folds))


def _rows(any_difference, epidural_difference):
    return [{'figure': 'CT-ICH any slice AUC', 'difference': any_difference},
            {'figure': 'pooled epidural slice AUC', 'difference': -0.5},
            {'figure': 'CT-ICH epidural slice AUC', 'difference': epidural_difference}]


def test_the_rule_allows_each_of_its_figures_to_fall_by_0_01_and_no_more():
    assert next_recipe(_rows(-0.01, 0.02))
    assert next_recipe(_rows(0.0, -0.01))
    assert not next_recipe(_rows(-0.011, 0.05))
    assert not next_recipe(_rows(0.05, -0.02))


def test_the_rule_cannot_be_judged_without_its_figures():
    with pytest.raises(ValueError, match='no CT-ICH epidural slice AUC'):
        next_recipe(_rows(0.0, 0.0)[:2])
