"""A cross-validation fold's CNN against a trained run's CNNs, on that run's validation patients.

The run's CNNs learn from its training split alone; a fold of `ichtrain.crossval` trains one CNN of
the same recipe on three quarters of all development patients (training and validation together)
and scores the quarter it never saw, so every validation patient of the run has a probability from a
CNN that saw more patients and never saw it. Set side by side, paired by slice, they say whether more
patients make a better CNN by more than the run's ensemble gives (training README, "CNNs trained on
more patients"):

  python -m ichtrain.fold_members --folds runs/cv-real-v25 --checkpoint runs/real-v25/checkpoint.pt [--out rows.json]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from .checkpoint import load_run
from .compare import FIGURES, REPORTED_BESIDE, compare, validation_of, validation_outputs, validation_tables
from .cpu import use_cpu
from .crossval import read_folds
from .model import slice_cnn_members
from .slices import SliceTable
from .train import embed

# The rule's figures, each allowed to fall by no more than RULE_MARGIN against the run's final probabilities.
RULE_FIGURES = ('CT-ICH any slice AUC', 'CT-ICH epidural slice AUC')
RULE_MARGIN = 0.01


def fold_probabilities(records: list):
    """probs_of(source, table) for `validation_of`: each slice's probability from the fold that held
    its patient out. Refuses a slice no fold holds, or one whose labels differ from the fold's (folds
    cut from other data than the run's)."""
    held_out = {}
    for record in records:
        for patient, order, probs, labels, known in zip(record['patient'], record['order'], record['probs'],
                                                        record['labels'], record['known']):
            held_out[(patient, int(order))] = (probs, labels, known)

    def probs_of(source: str, table: SliceTable) -> np.ndarray:
        out = np.zeros(table.labels.shape, np.float32)
        for i, (group, order) in enumerate(zip(table.groups, table.order)):
            key = (f'{source}:{table.patient_ids[group]}', int(order))
            if key not in held_out:
                raise ValueError(f'{key[0]} slice {key[1]}: no fold holds it (were the folds cut from the same patients?)')
            probs, labels, known = held_out[key]
            mine = table.known[i]
            if not np.array_equal(np.asarray(known, bool), mine) or \
                    not np.array_equal(np.asarray(labels, np.float32)[mine], table.labels[i][mine]):
                raise ValueError(f'{key[0]} slice {key[1]}: the fold labels it otherwise than the run')
            out[i] = probs
        return out
    return probs_of


def next_recipe(rows: list) -> bool:
    """The rule: the cross-validated ensemble is the next recipe if, against the run's final
    probabilities, none of RULE_FIGURES falls by more than RULE_MARGIN."""
    found = {row['figure']: row['difference'] for row in rows if row['figure'] in RULE_FIGURES}
    missing = set(RULE_FIGURES) - set(found)
    if missing:
        raise ValueError(f'the comparison has no {", ".join(sorted(missing))}: the rule cannot be judged')
    return all(found[name] >= -RULE_MARGIN for name in RULE_FIGURES)


def fold_against_run(run: dict, records: list, resamples: int = 1000) -> dict:
    tables = validation_tables(run)
    folds = validation_of(tables, fold_probabilities(records))
    final = validation_outputs(run)
    figures = {**FIGURES, **REPORTED_BESIDE}
    against_run = compare(final, folds, figures, resamples=resamples)
    members = []
    for member in slice_cnn_members(run['cnn']):
        alone = validation_of(tables, lambda _source, table, m=member: embed(m, table, run['maker'], augment=False)[1])
        members.append(compare(alone, folds, {name: figures[name] for name in RULE_FIGURES}, resamples=resamples))
    return {'foldsAgainstRun': against_run, 'foldsAgainstEachMember': members, 'nextRecipe': next_recipe(against_run)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--folds', type=Path, required=True, help='folder of an ichtrain.crossval run (fold<k>.json)')
    parser.add_argument('--checkpoint', type=Path, required=True, help='checkpoint.pt of a trained run')
    parser.add_argument('--resamples', type=int, default=1000)
    parser.add_argument('--out', type=Path, help='write the rows as JSON here too')
    args = parser.parse_args(argv)
    use_cpu(2)
    try:
        result = fold_against_run(load_run(args.checkpoint), read_folds(args.folds), args.resamples)
    except ValueError as error:
        print(f'ichtrain.fold_members: {error}', file=sys.stderr)
        return 2
    titles = [('the run (final probabilities)', result['foldsAgainstRun'])] + \
        [(f'the run\'s CNN {k + 1} alone', rows) for k, rows in enumerate(result['foldsAgainstEachMember'])]
    for title, rows in titles:
        for row in rows:
            low, high = row['differenceCi95']
            print(f"folds against {title}: {row['figure']:45s} {row['reference']:.3f} -> {row['candidate']:.3f} "
                  f"({row['difference']:+.3f}, {low:+.3f}..{high:+.3f})")
    print('next recipe: cross-validated ensemble' if result['nextRecipe'] else 'next recipe: keep the split')
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
