"""Paired comparison of two trained detectors on the validation patients, with intervals.

An adoption rule that compares raw validation figures cannot tell a real gain from the spread of
training itself (see the training README: two runs from the same weights landed 0.012 apart). This
scores both checkpoints' final (sequence-model) probabilities on the same validation slices and
gives each figure's difference with a 95 % interval from resampling the patients, within each
source, for the same draws for both models (paired).

  python -m ichtrain.compare --reference runs/real-v5/checkpoint.pt --candidate runs/real-v8/checkpoint.pt

With --per-member it also scores each slice CNN of the two ensembles alone on the CT-ICH validation
slices, member against member of the same index (the same seed in both runs): a change to how the
CNNs train shows there before the sequence model and calibration mix it with everything else, and
a probe that trains fewer CNNs can be set against the full run's first ones.

With --resized-exports it also scores each run's slice CNN on CT-ICH validation slices exported to 8
bits, resized after windowing and read back: the case the plain read-back measure misses (real-v14,
training README). --grey-range-exports does the same for exports whose grey range was narrowed, so
that white, and the skull, stop below 255 (recipe real-v16). --cam-pointing adds where each run's
class maps point on the PHE-SICH validation slices whose haematoma is drawn (ichtrain.cam_pointing).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from .cam_pointing import POINTED_CLASSES, drawn_positives, paired_rates, pointing_hits, pointing_lines
from .checkpoint import load_run
from .config import PngWindowChoice
from .constants import CLASSES
from .cpu import use_cpu
from .metrics import auc, patient_resamples, specificity_at_sensitivity
from .model import slice_cnn_members
from .preprocess import grey_range_export, resized_export
from .png_window import choose_png_window, processed_read_back_aucs
from .slices import BatchMaker, SliceTable
from .sources import ct_ich_tables, phe_sich_tables
from .train import any_probs, embed, final_probs


@dataclass
class Validation:
    """Validation slices of every real source, in one order: labels, known-label mask, final
    probabilities, patient (unique across sources) and source of each slice, and its place in its
    scan (slice order, for steps over a scan's neighbouring slices; None where not known)."""
    labels: np.ndarray
    known: np.ndarray
    probs: np.ndarray
    patients: np.ndarray
    sources: np.ndarray
    order: Optional[np.ndarray] = None


Figure = Callable[[Validation, np.ndarray], Optional[float]]


def class_auc(name: str, source: str = None) -> Figure:
    k = CLASSES.index(name)

    def figure(v: Validation, idx: np.ndarray):
        m = v.known[idx, k] if source is None else v.known[idx, k] & (v.sources[idx] == source)
        return auc(v.labels[idx, k][m], v.probs[idx, k][m])
    return figure


def scan_auc(name: str, source: str):
    """A class's AUC over one source's scans (a patient's scan: the max over its slices, the worklist's score)."""
    k = CLASSES.index(name)

    def figure(v: Validation, idx: np.ndarray):
        idx = idx[v.known[idx, k] & (v.sources[idx] == source)]
        # A scan is a run of one patient's slices; a resample that draws a patient twice in a row starts
        # the second copy at a lower index (a patient's slices are contiguous and ascending).
        starts = (v.patients[idx][1:] != v.patients[idx][:-1]) | (idx[1:] <= idx[:-1])
        draws = np.concatenate([[0], np.flatnonzero(starts) + 1, [len(idx)]])
        labels = [v.labels[idx[a:b], k].max() for a, b in zip(draws[:-1], draws[1:])]
        scores = [v.probs[idx[a:b], k].max() for a, b in zip(draws[:-1], draws[1:])]
        return auc(np.array(labels), np.array(scores))
    return figure


def any_specificity_at_sensitivity95(v: Validation, idx: np.ndarray):
    m = v.known[idx, 0]
    return specificity_at_sensitivity(v.labels[idx, 0][m], v.probs[idx, 0][m], 0.95)


# The figures of the adoption rules in the training README (validation patients, final probabilities).
FIGURES: dict[str, Figure] = {
    'CT-ICH any slice AUC': class_auc('any', 'ct-ich'),
    'pooled any specificity at sensitivity 0.95': any_specificity_at_sensitivity95,
    'pooled intraparenchymal slice AUC': class_auc('intraparenchymal'),
    'pooled epidural slice AUC': class_auc('epidural'),
    'pooled subdural slice AUC': class_auc('subdural'),
}

# Figures reported beside the rules' (not rule figures): CT-ICH's epidural slices are the hard ones
# (pooled epidural counts PHE-SICH's easy negatives), and the scan level is the worklist's flag.
REPORTED_BESIDE = {'CT-ICH epidural slice AUC': class_auc('epidural', 'ct-ich'),
                   'CT-ICH any scan AUC': scan_auc('any', 'ct-ich'),
                   'CT-ICH epidural scan AUC': scan_auc('epidural', 'ct-ich')}


def compare(reference: Validation, candidate: Validation, figures: dict[str, Figure] = FIGURES,
            resamples: int = 1000, seed: int = 0) -> list:
    """One row per figure: both models' values, the difference and its 95 % interval over paired
    patient resamples (draws where the figure is undefined, e.g. no positive left, are skipped)."""
    if not (np.array_equal(reference.labels, candidate.labels) and np.array_equal(reference.patients, candidate.patients)):
        raise ValueError('the two models were not validated on the same slices: a paired comparison needs the same patients and labels')
    everything = np.arange(len(reference.labels))
    draws = patient_resamples(reference.patients, resamples, np.random.default_rng(seed), reference.sources)
    rows = []
    for name, figure in figures.items():
        ref, cand = figure(reference, everything), figure(candidate, everything)
        if ref is None or cand is None:
            continue
        differences = [c - r for r, c in ((figure(reference, d), figure(candidate, d)) for d in draws)
                       if r is not None and c is not None]
        rows.append({'figure': name, 'reference': round(ref, 4), 'candidate': round(cand, 4),
                     'difference': round(cand - ref, 4),
                     'differenceCi95': [round(float(q), 4) for q in np.percentile(differences, [2.5, 97.5])],
                     'resamples': len(differences)})
    return rows


@lru_cache(maxsize=None)
def validation_table(source: str, section: str, png_window: str, hu_floor: Optional[float] = None) -> SliceTable:
    """One source's validation table for a config section and read-back window (both as JSON, to be
    hashable) and HU floor, loaded once: both runs of a comparison share the patients (about 18 s to load)."""
    if source == 'ct-ich':
        return ct_ich_tables(json.loads(section), hu_floor=hu_floor)['val']
    return phe_sich_tables(json.loads(section), json.loads(png_window))['val']


def validation_tables(run: dict) -> list:
    """[(source, table)] of a loaded run's (`load_run`) validation patients, for the sources it used,
    each read as that run's engine reads it (PHE-SICH through the run's chosen window)."""
    window = json.dumps(run['card_args']['png_window'])
    tables = []
    for source, key in (('ct-ich', 'ct_ich'), ('phe-sich', 'phe_sich')):
        if not run['config'][key]['use']:
            continue
        # Only PHE-SICH (windowed PNGs) depends on the read-back window. Key order is kept: the
        # split cuts the patients at the fractions' cumulative sums in the order they are listed.
        tables.append((source, validation_table(source, json.dumps(run['config'][key]), window if source == 'phe-sich' else '',
                                                run['card_args'].get('hu_floor') if source == 'ct-ich' else None)))
    return tables


def validation_of(tables: list, probs_of: Callable[[str, SliceTable], np.ndarray]) -> Validation:
    """The slices of `validation_tables` with the probabilities `probs_of(source, table)` gives each table."""
    parts = [(table.labels, table.known, probs_of(source, table), np.array([f'{source}:{g}' for g in table.groups]),
              np.full(len(table), source), np.asarray(table.order)) for source, table in tables]
    return Validation(*(np.concatenate(column) for column in zip(*parts)))


def validation_outputs(run: dict) -> Validation:
    """A loaded run's final probabilities on its validation patients."""
    def final(_source: str, table: SliceTable) -> np.ndarray:
        emb, probs = embed(run['cnn'], table, run['maker'], augment=False)
        return final_probs(run['scan'], table, emb, probs)
    return validation_of(validation_tables(run), final)


# The read-back windows the recipes so far chose (40/100 for real-v5, 40/130 for the inserted-bleed
# recipes): a member's read-back figure is the better of the two, so that neither run is judged
# through the other's window. Each run reads saturated grey as its own card says (saturatedHu).
MEMBER_READ_BACK_WINDOWS = ({'center': 40.0, 'width': 100.0}, {'center': 40.0, 'width': 130.0})
EXPORT_WINDOWS = tuple(dataclasses.asdict(w) for w in PngWindowChoice.exports)
MEMBER_FIGURES = ('anyAuc', 'epiduralAuc', 'readBackMeanAuc')
# What happens to an export after windowing, per option: --resized-exports resizes it smaller and
# larger than the stored 256 px slice; --grey-range-exports narrows its grey range as a limited-range
# (16-235) pipeline does and as a lossy round trip that keeps white just under 255 does.
EXPORT_PROCESSES = {
    'resized': {f'x{f:g}': partial(resized_export, factor=f) for f in (0.75, 1.5)},
    'greyRange': {f'{low}..{high}': partial(grey_range_export, low=low, high=high) for low, high in ((16, 235), (0, 250))},
}
PROCESS_TITLES = {'resized': 'resized r-b mean', 'greyRange': 'grey-range r-b mean'}


def member_figures(member, maker: BatchMaker, table: SliceTable, read_back=MEMBER_READ_BACK_WINDOWS,
                   exports=EXPORT_WINDOWS, processed: Sequence[str] = ()) -> dict:
    """One slice CNN scored alone on `table` (full-range HU slices): `any` and epidural slice AUC,
    and the mean `any` AUC of the slices exported through each export window and read back through
    the better of the read-back windows (the measure `choose_png_window` chooses a model's by); for
    each kind in `processed` (EXPORT_PROCESSES), also that mean for exports processed so after
    windowing, read back through the run's window."""
    probs = embed(member, table, maker, augment=False)[1]

    def class_figure(name):
        k = CLASSES.index(name)
        m = table.known[:, k]
        value = auc(table.labels[m, k], probs[m, k])
        return None if value is None else round(float(value), 4)

    known = np.nonzero(table.known[:, 0])[0]
    saturated = maker.png_window.get('saturatedHu')
    read_back = [dict(w) if saturated is None else {**w, 'saturatedHu': saturated} for w in read_back]
    choice = choose_png_window(lambda images: any_probs(member, maker, images), [table.images[i] for i in known],
                               table.labels[known, 0], read_back, exports)
    best = max(choice['candidates'], key=lambda row: row['meanAuc'])
    figures = {'anyAuc': class_figure('any'), 'epiduralAuc': class_figure('epidural'),
               'readBackMeanAuc': best['meanAuc'], 'readBackWindow': best['window']}
    for kind in processed:
        figures[f'{kind}ReadBackMeanAuc'] = processed_read_back(member, maker, table, kind, exports)['meanAuc']
    return figures


def compare_members(reference: dict, candidate: dict, table: SliceTable, **options) -> list:
    """One row per member index both runs have (a probe may train fewer CNNs than the run it is set
    against): both members' figures on `table`, then a row of each run's means over those members."""
    pairs = list(zip(slice_cnn_members(reference['cnn']), slice_cnn_members(candidate['cnn'])))
    rows = [{'member': m + 1, 'reference': member_figures(ref, reference['maker'], table, **options),
             'candidate': member_figures(cand, candidate['maker'], table, **options)}
            for m, (ref, cand) in enumerate(pairs)]

    def mean(side, key):
        values = [r[side][key] for r in rows if r[side][key] is not None]
        return round(float(np.mean(values)), 4) if values else None

    means = {side: {key: mean(side, key) for key in member_figure_keys(rows)} for side in ('reference', 'candidate')}
    return rows + [{'member': 'mean', **means}]


def processed_read_back(cnn, maker: BatchMaker, table: SliceTable, kind: str, exports=EXPORT_WINDOWS) -> dict:
    """A slice CNN (a member, or the ensemble as the graph runs it) on `table`'s slices exported through
    each export window, processed as EXPORT_PROCESSES[kind] says and read back through the run's own pngWindow."""
    known = np.nonzero(table.known[:, 0])[0]
    return processed_read_back_aucs(lambda images: any_probs(cnn, maker, images), [table.images[i] for i in known],
                                    table.labels[known, 0], maker.png_window, exports, EXPORT_PROCESSES[kind])


def cam_pointing(reference: dict, candidate: dict, resamples: int = 1000) -> dict:
    """Where each run's slice CNN, as its graph runs it, points its class maps on the PHE-SICH
    validation slices whose haematoma is drawn (cam_pointing), paired: {class: paired_rates row}."""
    hits, tables = [], []
    for run in (reference, candidate):
        if not run['config']['phe_sich']['use']:
            raise ValueError('pointing needs runs that validated on PHE-SICH (its haematoma masks)')
        table = validation_table('phe-sich', json.dumps(run['config']['phe_sich']), json.dumps(run['card_args']['png_window']))
        hits.append(pointing_hits(run['cnn'], table, run['maker']))
        tables.append(table)
    drawn = [drawn_positives(t) for t in tables]
    if not (np.array_equal(drawn[0], drawn[1]) and tables[0].patient_ids == tables[1].patient_ids):
        raise ValueError('the two runs validated on different PHE-SICH patients: pointing cannot be paired')
    patients = np.array([tables[0].patient_ids[tables[0].groups[i]] for i in drawn[0]])
    return {cls: paired_rates(hits[0][cls], hits[1][cls], patients, resamples) for cls in POINTED_CLASSES}


def ct_ich_validation(run: dict) -> SliceTable:
    if not run['config']['ct_ich']['use']:
        raise ValueError('comparing members needs runs that validated on CT-ICH (full-range HU)')
    return validation_table('ct-ich', json.dumps(run['config']['ct_ich']), '', run['card_args'].get('hu_floor'))


def member_figure_keys(rows: list) -> tuple:
    return MEMBER_FIGURES + tuple(f'{kind}ReadBackMeanAuc' for kind in EXPORT_PROCESSES
                                  if f'{kind}ReadBackMeanAuc' in rows[0]['reference'])


def print_members(rows: list) -> None:
    keys = member_figure_keys(rows)
    titles = {'anyAuc': 'any AUC', 'epiduralAuc': 'epidural AUC', 'readBackMeanAuc': 'read-back mean',
              **{f'{kind}ReadBackMeanAuc': title for kind, title in PROCESS_TITLES.items()}}
    print(f"{'member':8s} " + ' '.join(f'{titles[k]:>16s}' for k in keys) + '   (reference -> candidate)')

    def shown(value):
        return '-' if value is None else f'{value:.3f}'
    for row in rows:
        ref, cand = row['reference'], row['candidate']
        print(f"{row['member']!s:8s} " + ' '.join(f"{shown(ref[k])} -> {shown(cand[k])}".rjust(16) for k in keys))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--reference', type=Path, required=True, help='checkpoint.pt of the model in use')
    parser.add_argument('--candidate', type=Path, required=True, help='checkpoint.pt of the model proposed')
    parser.add_argument('--resamples', type=int, default=1000)
    parser.add_argument('--per-member', action='store_true',
                        help='also score each slice CNN alone on the CT-ICH validation slices (a few minutes per member)')
    parser.add_argument('--resized-exports', action='store_true',
                        help='also score each run\'s slice CNN (and, with --per-member, each member) on CT-ICH '
                             'validation slices exported, resized after windowing (as real PNG sets often were) and read '
                             'back through its own pngWindow')
    parser.add_argument('--grey-range-exports', action='store_true',
                        help='the same for exports whose grey range was narrowed after windowing (16..235, 0..250), so '
                             'that white, and the skull, stop below 255')
    parser.add_argument('--cam-pointing', action='store_true',
                        help='also where each run\'s class maps point on the PHE-SICH validation slices whose haematoma '
                             'is drawn (training README, "Class maps taught where PHE-SICH\'s haematoma is")')
    parser.add_argument('--out', type=Path, help='write the rows as JSON here too')
    args = parser.parse_args(argv)
    use_cpu(2)
    try:
        reference, candidate = load_run(args.reference), load_run(args.candidate)
        rows = compare(validation_outputs(reference), validation_outputs(candidate), resamples=args.resamples)
        members = None
        processed = [kind for kind, asked in (('resized', args.resized_exports), ('greyRange', args.grey_range_exports))
                     if asked]
        if args.per_member:
            table = ct_ich_validation(reference)
            if not np.array_equal(table.labels, ct_ich_validation(candidate).labels):
                raise ValueError('the two runs validated on different CT-ICH patients: members cannot be paired')
            members = compare_members(reference, candidate, table, processed=processed)
        exports = {kind: {side: processed_read_back(run['cnn'], run['maker'], ct_ich_validation(run), kind)
                          for side, run in (('reference', reference), ('candidate', candidate))}
                   for kind in processed}
        pointing = cam_pointing(reference, candidate, args.resamples) if args.cam_pointing else {}
    except ValueError as error:
        print(f'ichtrain.compare: {error}')
        return 2
    for row in rows:
        low, high = row['differenceCi95']
        print(f"{row['figure']:45s} {row['reference']:.3f} -> {row['candidate']:.3f} "
              f"({row['difference']:+.3f}, 95 % {low:+.3f}..{high:+.3f})")
    if members:
        print_members(members)
    for kind, sides in exports.items():
        ref, cand = sides['reference'], sides['candidate']
        print(f"{'read-back mean, exports ' + kind + ' ' + ' / '.join(EXPORT_PROCESSES[kind]):45s} "
              f"{ref['meanAuc']:.3f} -> {cand['meanAuc']:.3f} (slice CNN, each through its own pngWindow)")
    for line in pointing_lines(pointing):
        print(line)
    if args.out:
        args.out.write_text(json.dumps({'reference': str(args.reference), 'candidate': str(args.candidate), 'rows': rows,
                                        **({'members': members} if members else {}),
                                        **({'processedExports': exports} if exports else {}),
                                        **({'camPointing': pointing} if pointing else {})}, indent=2) + '\n')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
