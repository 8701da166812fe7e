"""Neighbour smoothing of a scan's slice probabilities, judged on a checkpoint's validation patients.

A fixed step that learns nothing: each slice's logits averaged with its neighbours' (1-2-1), and with
`keep_peak` the larger of that and the slice's own probability, so that every scan's highest slice,
and with it the worklist's score, stays as it was (training README, "Neighbour smoothing that keeps
each scan's peak"). `ichtrain.crossval --report --sequence-probe` judges it on held-out folds; this
judges it on a trained model's final probabilities:

  python -m ichtrain.scan_smoothing --checkpoint runs/real-v25/checkpoint.pt [--out rows.json]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from .checkpoint import load_run
from .compare import FIGURES, REPORTED_BESIDE, Validation, compare, validation_outputs
from .cpu import use_cpu
from .heldout_sequence import smoothed_probs


def smoothed(v: Validation, keep_peak: bool = False) -> Validation:
    """`v` with each scan's probabilities smoothed over its slices in order (v.order)."""
    if v.order is None:
        raise ValueError('smoothing over a scan needs each slice\'s place in its scan (Validation.order)')
    record = {'probs': v.probs, 'patient': v.patients, 'order': v.order}
    return dataclasses.replace(v, probs=smoothed_probs(record, keep_peak).astype(np.float32))


def validation_rows(plain: Validation, resamples: int = 1000) -> dict:
    """Both smoothings against the plain probabilities, paired by slice."""
    figures = {**FIGURES, **REPORTED_BESIDE}
    return {'smoothedAgainstPlain': compare(plain, smoothed(plain), figures, resamples=resamples),
            'peakKeepingSmoothedAgainstPlain': compare(plain, smoothed(plain, keep_peak=True), figures,
                                                       resamples=resamples)}


def unsmoothed_outputs(run: dict) -> Validation:
    """A loaded run's validation outputs, refused where its sequence model smooths them already."""
    if run['scan'].peak_kept_smoothing:
        raise ValueError('this checkpoint\'s sequence model applies the smoothing already (lstm.peak_kept_smoothing): '
                         'judge it on the checkpoint of its recipe without it')
    return validation_outputs(run)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--checkpoint', type=Path, required=True, help='checkpoint.pt of a trained run')
    parser.add_argument('--resamples', type=int, default=1000)
    parser.add_argument('--out', type=Path, help='write the rows as JSON here too')
    args = parser.parse_args(argv)
    use_cpu(2)
    try:
        result = validation_rows(unsmoothed_outputs(load_run(args.checkpoint)), args.resamples)
    except ValueError as error:
        print(f'ichtrain.scan_smoothing: {error}', file=sys.stderr)
        return 2
    for title, rows in (('smoothed 1-2-1', result['smoothedAgainstPlain']),
                        ('smoothed, peak kept', result['peakKeepingSmoothedAgainstPlain'])):
        for row in rows:
            low, high = row['differenceCi95']
            print(f"{title}: {row['figure']:45s} {row['reference']:.3f} -> {row['candidate']:.3f} "
                  f"({row['difference']:+.3f}, {low:+.3f}..{high:+.3f})")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
