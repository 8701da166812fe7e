"""Cross-validated slice CNNs: a judge for recipe changes that the validation split cannot resolve.

The validation split holds 12 patients per source (4 CT-ICH patients with an epidural bleed), so a
recipe change worth less than about 0.03 of AUC cannot be told from the spread of training (training
README). This cuts the train and validation patients of each source into folds (the test patients are
never loaded), trains one slice CNN of the config's recipe per fold on the other folds, and scores the
held-out fold with it: every development patient is scored once, by a CNN that never saw it, so the
figures rest on four times as many patients as the validation split, and the folds' own figures give
the spread over folds and seeds (fold k trains with seed + k).

  npm run crossval -- --config models/training/configs/real-v13.json --folds 4 --out models/training/runs/cv-real-v13
  python -m ichtrain.crossval --out runs/cv-real-v13 --report [--reference runs/cv-<other recipe>] [--gated] [--sequence-probe]
      [--cam-pointing]

Each fold writes `fold<k>.json` (held-out slices, their labels and CNN probabilities, the CNN's figures
on its held-out CT-ICH slices) and `fold<k>.pt` (the CNN) as soon as it ends, and a fold already
written is not trained again, so a run stopped part-way goes on from the next fold. `--report` pools
the folds written so far; with `--reference`, each figure's difference with a 95 % interval from
resampling the patients (paired: both runs' folds hold the same patients when their configs share
the data sections). A recipe that averages weights (`cnn.average_last_epochs`) also writes each
fold's CNN as it stood after its last step under `last-weights/`: the same training without the
average, a pair that differs by nothing else (`--reference <out>/last-weights`).

What it judges: the slice CNNs alone (no sequence model, calibration or thresholds; those stay with
the validation split), the figures pooled over CNNs of different folds. The deployed model is still
the recipe's ensemble trained on the training patients (`npm run train`).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from .cam_pointing import POINTED_CLASSES, drawn_positives, paired_rates, pointing_hits, pointing_lines
from .compare import FIGURES, REPORTED_BESIDE, Validation, compare, member_figures
from .config import ConfigError, complete_config, load_config
from .constants import CLASSES
from .cpu import use_cpu
from .heldout_sequence import nested_probs
from .metrics import patient_resamples
from .model import SliceCnn
from .scan_smoothing import smoothed
from .slices import BatchMaker, SliceTable
from .sources import ct_ich_tables, phe_sich_tables
from .train import STAGE1_KEYS, embed, existing_or_repo_relative, log, model_read_back, train_cnn

SOURCES = (('ct-ich', 'ct_ich'), ('phe-sich', 'phe_sich'))
# Where a recipe that averages weights also writes its folds' unaveraged CNNs (the last step's weights).
LAST_WEIGHTS = 'last-weights'


def fold_tables(cfg: dict, folds: int) -> dict:
    """{'fold1': [that fold's table of each real source the config uses], ...}."""
    png_window = model_read_back(cfg['png_window'], cfg)
    loaders = {'ct_ich': lambda section, n: ct_ich_tables(section, folds=n),
               'phe_sich': lambda section, n: phe_sich_tables(section, png_window, folds=n)}
    by_fold = {f'fold{k + 1}': [] for k in range(folds)}
    for _, key in SOURCES:
        if cfg[key]['use']:
            for name, table in loaders[key](cfg[key], folds).items():
                by_fold[name].append(table)
    return by_fold


def source_of(table: SliceTable) -> str:
    return next(source for source, _ in SOURCES if table.name.startswith(source))


def fold_network(cfg: dict) -> SliceCnn:
    """A slice CNN of the recipe's shape (untrained)."""
    return SliceCnn(width=cfg['cnn']['width'], work_size=cfg['cnn']['work_size'])


def scoring_maker(cfg: dict) -> BatchMaker:
    """Prepares held-out slices as the engine would for a CNN of this recipe (no augmentation)."""
    return BatchMaker(tuple(cfg['mean']), tuple(cfg['std']), model_read_back(cfg['png_window'], cfg), cfg['seed'])


def train_fold(cfg: dict, by_fold: dict, fold: str, seed: int) -> tuple:
    """One CNN of the config's recipe trained on every fold but `fold` -> (CNN, history, seconds,
    the last step's weights where the recipe averages weights, else None)."""
    torch.manual_seed(seed)
    cnn = fold_network(cfg)
    png_window = model_read_back(cfg['png_window'], cfg)
    maker = BatchMaker(tuple(cfg['mean']), tuple(cfg['std']), png_window, seed, cfg['augment'])
    training = [t for name, tables in by_fold.items() if name != fold for t in tables]
    started = time.time()
    history, last_weights = train_cnn(cnn, training, maker, cfg['cnn'], seed)
    return cnn.eval(), history, round(time.time() - started, 1), last_weights


def held_out_record(cnn, cfg: dict, tables: list) -> dict:
    """The held-out slices of one fold, scored by the CNN that never saw them (as the engine prepares them)."""
    maker = scoring_maker(cfg)
    record = {'source': [], 'patient': [], 'order': [], 'labels': [], 'known': [], 'probs': []}
    for table in tables:
        probs = embed(cnn, table, maker, augment=False)[1]
        source = source_of(table)
        record['source'] += [source] * len(table)
        record['patient'] += [f'{source}:{table.patient_ids[g]}' for g in table.groups]
        record['order'] += [int(o) for o in table.order]
        record['labels'] += table.labels.astype(int).tolist()
        record['known'] += table.known.astype(bool).tolist()
        record['probs'] += np.round(probs.astype(float), 6).tolist()
    ct_ich = [t for t in tables if source_of(t) == 'ct-ich']
    record['cnnFigures'] = member_figures(cnn, maker, ct_ich[0]) if ct_ich else None
    return record


def run_folds(cfg: dict, folds: int, out: Path, by_fold: dict = None) -> None:
    """Trains and scores every fold not yet written under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    by_fold = by_fold if by_fold is not None else fold_tables(cfg, folds)
    for k, fold in enumerate(by_fold):
        path = out / f'{fold}.json'
        if path.exists():
            recorded = json.loads(path.read_text())
            # Completed by today's schema (as --reuse-cnn reads a checkpoint's config) and compared as
            # JSON (tuples come back as lists).
            recorded_cfg = recorded_config(recorded)
            changed = [key for key in STAGE1_KEYS if recorded_cfg[key] != json.loads(json.dumps(cfg[key]))] + \
                (['folds'] if recorded['folds'] != folds else [])
            if changed:
                raise ValueError(f'{path} was trained with another {", ".join(changed)}: use another --out')
            log(f'{fold}: written already, not trained again')
            continue
        patients = sum(len(t.patient_ids) for t in by_fold[fold])
        log(f'{fold}: training on the other folds, {patients} patients held out')
        cnn, history, seconds, last_weights = train_fold(cfg, by_fold, fold, cfg['seed'] + k)
        fold_record = {'fold': fold, 'folds': folds, 'seed': cfg['seed'] + k, 'seconds': seconds, 'history': history}
        if last_weights is not None:
            # The same training without the average: its exact pair (the same steps), written as a
            # fold of the recipe without averaging, for --reference.
            plain_cfg = {**cfg, 'cnn': {**cfg['cnn'], 'average_last_epochs': 0}}
            last = fold_network(cfg)
            last.load_state_dict(last_weights)
            last.eval()
            write_fold(out / LAST_WEIGHTS, fold, last,
                       {**fold_record, 'config': plain_cfg, **held_out_record(last, plain_cfg, by_fold[fold])})
        record = {**fold_record, 'config': cfg, **held_out_record(cnn, cfg, by_fold[fold])}
        write_fold(out, fold, cnn, record)
        log(f'{fold}: done in {seconds} s; held-out CT-ICH: {record["cnnFigures"]}')


def write_fold(out: Path, fold: str, cnn, record: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    torch.save(cnn.state_dict(), out / f'{fold}.pt')
    # Written last, under its final name in one step: a fold is done exactly when its JSON exists.
    path = out / f'{fold}.json'
    path.with_suffix('.tmp').write_text(json.dumps(record))
    path.with_suffix('.tmp').replace(path)


def read_folds(out: Path) -> list:
    records = sorted((json.loads(p.read_text()) for p in out.glob('fold*.json')), key=lambda r: int(r['fold'][4:]))
    if not records:
        raise ValueError(f'{out}: no fold written yet')
    return records


def pooled(records: list) -> Validation:
    """The folds' held-out slices as one Validation (the figures of compare.FIGURES apply)."""
    def column(key, dtype):
        return np.array([v for r in records for v in r[key]], dtype=dtype)
    return Validation(column('labels', np.float32), column('known', bool), column('probs', np.float32),
                      column('patient', object), column('source', object), column('order', np.int64))


def gated_by_any(v: Validation) -> Validation:
    """Each subtype's probability times the `any` probability (training README, "Subtype scores gated by any")."""
    probs = v.probs.copy()
    probs[:, 1:] *= probs[:, :1]
    return dataclasses.replace(v, probs=probs)


def report(out: Path, reference: Path = None, resamples: int = 1000, gate: bool = False,
           sequence_probe: bool = False) -> dict:
    records = read_folds(out)
    cv = pooled(records)
    everything = np.arange(len(cv.labels))
    draws = patient_resamples(cv.patients, resamples, np.random.default_rng(0), cv.sources)
    figures = {}
    for name, figure in FIGURES.items():
        value = figure(cv, everything)
        if value is None:
            continue
        values = [v for v in (figure(cv, d) for d in draws) if v is not None]
        per_fold = [figure(pooled([r]), np.arange(len(r['labels']))) for r in records]
        figures[name] = {'value': round(value, 4), 'ci95': [round(float(q), 4) for q in np.percentile(values, [2.5, 97.5])],
                         'perFold': [None if v is None else round(v, 4) for v in per_fold]}
    members = [r['cnnFigures'] for r in records if r['cnnFigures']]
    result = {'folds': [r['fold'] for r in records], 'of': records[0]['folds'],
              'patients': int(len(np.unique(cv.patients))), 'slices': int(len(cv.labels)),
              'positives': {c: int(cv.labels[cv.known[:, k], k].sum()) for k, c in enumerate(CLASSES)},
              'figures': figures,
              'heldOutCtIchPerFold': members}
    if reference is not None:
        result['againstReference'] = {'reference': str(reference),
                                      'rows': compare(pooled(matching_folds(read_folds(reference), records)), cv,
                                                      resamples=resamples)}
    if gate:
        result['gatedAgainstPlain'] = compare(cv, gated_by_any(cv), resamples=resamples)
    if sequence_probe:
        figures = {**FIGURES, **REPORTED_BESIDE}
        nested_per_fold = nested_probs(records)
        nested = dataclasses.replace(cv, probs=np.concatenate(nested_per_fold).astype(np.float32))
        result['sequenceProbeAgainstPlain'] = compare(cv, nested, figures, resamples=resamples)
        result['smoothedAgainstPlain'] = compare(cv, smoothed(cv), figures, resamples=resamples)
        result['peakKeepingSmoothedAgainstPlain'] = compare(cv, smoothed(cv, keep_peak=True), figures, resamples=resamples)
        result['sequenceProbePerFold'] = [
            {name: figure(pooled([fold]), np.arange(len(fold['labels']))) for name, figure in figures.items()}
            for fold in (dict(record, probs=probs.tolist()) for record, probs in zip(records, nested_per_fold))]
    return result


def recorded_config(record: dict) -> dict:
    """A fold's recorded config, completed by today's schema (a key added since takes its default)."""
    return json.loads(json.dumps(complete_config(record['config'], f"{record['fold']} (recorded config)")))


def fold_cnn(out: Path, record: dict):
    """The CNN a fold wrote, with the config it trained by."""
    cfg = recorded_config(record)
    cnn = fold_network(cfg)
    cnn.load_state_dict(torch.load(out / f"{record['fold']}.pt"))
    return cnn.eval(), cfg


def cam_pointing_report(out: Path, reference: Path, resamples: int = 1000) -> dict:
    """Where the folds' CNNs point their class maps on their held-out PHE-SICH slices whose haematoma
    is drawn (cam_pointing), against the reference's CNNs of the same folds: the same slices, paired."""
    records = read_folds(out)
    references = matching_folds(read_folds(reference), records)
    cfg = recorded_config(records[0])
    tables = phe_sich_tables(cfg['phe_sich'], model_read_back(cfg['png_window'], cfg), folds=records[0]['folds'])
    hits = {run: {cls: [] for cls in POINTED_CLASSES} for run in ('reference', 'candidate')}
    patients, per_fold = [], []
    for record, reference_record in zip(records, references):
        table = tables[record['fold']]
        fold_rates = {}
        for run, folder, fold_record in (('reference', reference, reference_record), ('candidate', out, record)):
            cnn, fold_cfg = fold_cnn(folder, fold_record)
            for cls, fold_hits in pointing_hits(cnn, table, scoring_maker(fold_cfg)).items():
                hits[run][cls].append(fold_hits)
                fold_rates[f'{run} {cls}'] = round(float(fold_hits.mean()), 4)
        patients += [table.patient_ids[table.groups[i]] for i in drawn_positives(table)]
        per_fold.append({'fold': record['fold'], **fold_rates})
    return {'reference': str(reference), 'perFold': per_fold,
            'classes': {cls: paired_rates(np.concatenate(hits['reference'][cls]), np.concatenate(hits['candidate'][cls]),
                                          np.array(patients), resamples) for cls in POINTED_CLASSES}}


def matching_folds(reference: list, records: list) -> list:
    """The reference's folds that `records` has too (a run stopped part-way is compared on its folds)."""
    wanted = {r['fold'] for r in records}
    chosen = [r for r in reference if r['fold'] in wanted]
    if len(chosen) != len(records):
        raise ValueError(f"the reference has not written folds {sorted(wanted - {r['fold'] for r in chosen})}")
    return chosen


def print_report(result: dict) -> None:
    print(f"{len(result['folds'])} of {result['of']} folds: {result['patients']} patients, {result['slices']} slices, "
          f"positives {result['positives']}")
    for name, f in result['figures'].items():
        spread = ', '.join('-' if v is None else f'{v:.3f}' for v in f['perFold'])
        print(f"  {name:45s} {f['value']:.3f} ({f['ci95'][0]:.3f}..{f['ci95'][1]:.3f}); per fold {spread}")
    for line in pointing_lines(result.get('camPointing', {}).get('classes', {})):
        print(f'  {line}')
    for title, rows in (('vs reference', result.get('againstReference', {}).get('rows', [])),
                        ('gated by any', result.get('gatedAgainstPlain', [])),
                        ('sequence probe', result.get('sequenceProbeAgainstPlain', [])),
                        ('smoothed 1-2-1', result.get('smoothedAgainstPlain', [])),
                        ('smoothed, peak kept', result.get('peakKeepingSmoothedAgainstPlain', []))):
        for row in rows:
            low, high = row['differenceCi95']
            print(f"  {title}: {row['figure']:45s} {row['reference']:.3f} -> {row['candidate']:.3f} "
                  f"({row['difference']:+.3f}, {low:+.3f}..{high:+.3f})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', help='JSON config of the recipe (path relative to the repo root or absolute)')
    parser.add_argument('--folds', type=int, default=5)
    parser.add_argument('--out', required=True, help='folder for the folds (relative to the repo root or absolute)')
    parser.add_argument('--report', action='store_true', help='pool the folds written so far instead of training')
    parser.add_argument('--reference', help='with --report: another recipe\'s cross-validation folder, compared paired')
    parser.add_argument('--gated', action='store_true',
                        help='with --report: also each figure with the subtypes gated by any (p_sub x p_any), paired')
    parser.add_argument('--sequence-probe', action='store_true',
                        help='with --report: also a sequence model fitted on the other folds\' held-out probabilities, '
                             'paired (training README, "A sequence model trained on held-out CNN probabilities")')
    parser.add_argument('--cam-pointing', action='store_true',
                        help='with --report and --reference: also where each fold\'s CNN and the reference\'s point '
                             'their class maps on held-out slices whose haematoma is drawn (loads PHE-SICH)')
    parser.add_argument('--resamples', type=int, default=1000)
    args = parser.parse_args(argv)
    out = existing_or_repo_relative(args.out)
    try:
        if args.report:
            reference = None if args.reference is None else existing_or_repo_relative(args.reference)
            if args.cam_pointing and reference is None:
                parser.error('--cam-pointing needs --reference')
            result = report(out, reference, args.resamples, gate=args.gated, sequence_probe=args.sequence_probe)
            if args.cam_pointing:
                result['camPointing'] = cam_pointing_report(out, reference, args.resamples)
            print_report(result)
            (out / 'report.json').write_text(json.dumps(result, indent=1))
            return 0
        if not args.config or args.folds < 2:
            parser.error('training needs --config and --folds of 2 or more')
        cfg = load_config(existing_or_repo_relative(args.config))
        use_cpu(cfg['threads'])
        run_folds(cfg, args.folds, out)
    except (ConfigError, ValueError) as error:
        print(f'ichtrain.crossval: {error}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
