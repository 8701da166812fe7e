"""Renders MODEL_CARD.md from a model folder's model.json, so every number in it is the measured one.

  python -m ichtrain.model_card_md models/<name>
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from .constants import CLASSES


def _f(v, digits=3):
    return '–' if v is None else f'{v:.{digits}f}'


def _class_table(report: dict) -> list:
    lines = ['| class | AUC | sensitivity | specificity | specificity at sensitivity >= 0.95 | positives | negatives |',
             '|---|---|---|---|---|---|---|']
    for c in CLASSES:
        if c in report:
            r = report[c]
            lines.append(f"| {c} | {_f(r['auc'])} | {_f(r['sensitivity'])} | {_f(r['specificity'])} | "
                         f"{_f(r.get('specificityAtSensitivity95'))} | {r['positives']} | {r['negatives']} |")
    if 'weightedLogLoss' in report:
        lines.append(f"\nWeighted log loss (any x2): **{_f(report['weightedLogLoss'], 4)}**")
    return lines


def _lstm_epoch_line(t: dict) -> list:
    kept = [h['keptEpoch'] for h in t.get('lstmHistory', []) if 'keptEpoch' in h]
    if not kept:
        return []
    note = ' (0: the sequence model adds nothing; final = CNN probabilities)' if kept[0] == 0 else ''
    return [f"- Sequence model: kept epoch {kept[0]}{note}."]


def _reused_cnn_lines(t: dict) -> list:
    reused = t.get('cnnReusedFrom')
    if not reused:
        return []
    taken, trained = reused.get('membersTaken'), reused.get('membersTrained')
    part = taken is not None and taken < trained
    which = f"the first {taken} of the {trained} CNNs" if part else "the one"
    return [f"- The slice CNN was not trained again: it is {which} `{reused.get('configFile')}` trained (checkpoint "
            f"`{reused['checkpoint']}`, git {reused.get('gitCommit')}, finished {reused.get('finishedAt')}, CNN "
            f"{reused.get('cnnSeconds')} s{' for those CNNs' if part else ''}), whose run recorded the same seed, data, "
            f"augmentation and cnn sections{' but for the number of CNNs' if part else ''} "
            "(`--reuse-cnn`). Run from scratch, this config trains it again: expect that CNN time plus this run's."]


def _png_window_lines(card: dict) -> list:
    window = card['pngWindow']
    choice = card['training'].get('pngWindowChoice')
    if not choice:
        return [f"- PNG input assumes window {window['center']:g}/{window['width']:g} "
                '(measured with `python -m ichtrain.png_window`: grey mode inside the skull 104/255 on 57 PHE-SICH '
                'slices and 116 on 31 Kaggle images, 5th percentile 76 and 68; centre 40 / width 130 maps 30 HU brain '
                'to 108 and 8 HU CSF to 65, width 80 would map them to 96 and 26).']
    exports = ', '.join(f"{e['center']:g}/{e['width']:g}" for e in choice['exports'])
    rows = '; '.join(f"{r['window']['center']:g}/{r['window']['width']:g}: {r['meanAuc']:.3f} ({r['worstAuc']:.3f})"
                     for r in choice['candidates'])
    return [f"- PNG/JPEG input is read back through window {window['center']:g}/{window['width']:g}, chosen after "
            'the slice CNN was trained, on the validation patients\' HU slices: each was exported to 8 bits through '
            f"the windows {exports} and read back through each candidate ({choice['rule']}). Mean (worst) slice "
            f"`any` AUC per candidate: {rows}. PNG sources were read through "
            f"{card['training']['config']['png_window']['center']:g}/{card['training']['config']['png_window']['width']:g} "
            'while the CNN trained, and through the chosen window for the sequence model, thresholds and every metric here.'
            + (f" A saturated grey (255: at or above the window's top, mostly bone) is read as {window['saturatedHu']:g} HU, "
               'not as the top, which would turn the skull into a rim of blood-like density; the CNN\'s PNG-export '
               'augmentation read it as the top.' if window.get('saturatedHu') is not None else '')]


def _warm_start_lines(t: dict) -> list:
    prev = t.get('cnnInitialisedFrom')
    if not prev:
        return []
    pt = prev['training']
    phases = '; '.join(f"{p['epochs']} epoch(s) at {p['size']} px, lr {p['lr']}" for p in pt['config']['cnn']['phases'])
    return [f"- The slice CNN continued from `{prev['checkpoint']}` (git {pt.get('gitCommit')}, same data and seed), "
            f"which had trained {phases} in {pt.get('cnnSeconds')} s (that run's wall time {pt.get('wallSeconds')} s)."]


def _any(report: dict, key: str):
    return report.get('any', {}).get(key)


def _summary_lines(m: dict) -> list:
    """`any` per source and pooled, slice and scan level (final outputs)."""
    lines = ['## Summary: `any` per source (final = CNN + BiLSTM)', '',
             '| split | slices | slice AUC | slice spec. at sens. >= 0.95 | slice sens. / spec. at the threshold '
             '| scans (+/-) | scan AUC | scan spec. at sens. >= 0.95 |', '|---|---|---|---|---|---|---|---|']
    for name, r in m.items():
        if not isinstance(r, dict) or 'final' not in r or 'scanLevel' not in r:
            continue
        f, sc = r['final'], r['scanLevel']
        scans = f"{sc.get('any', {}).get('positives', 0)}/{sc.get('any', {}).get('negatives', 0)}"
        lines.append(f"| {name} | {r['slices']} | {_f(_any(f, 'auc'))} | {_f(_any(f, 'specificityAtSensitivity95'))} | "
                     f"{_f(_any(f, 'sensitivity'))} / {_f(_any(f, 'specificity'))} | {scans} | {_f(_any(sc, 'auc'))} | "
                     f"{_f(_any(sc, 'specificityAtSensitivity95'))} |")
    return lines + ['', 'Specificity at sensitivity >= 0.95 is measured at the threshold that gives that sensitivity '
                    'on the split itself (an oracle operating point); sens. / spec. at the threshold use the card\'s '
                    'threshold chosen on the validation patients.', '']


def _met(ok: bool) -> str:
    return 'met' if ok else 'NOT met'


def _goal_lines(m: dict) -> list:
    """The issue's targets against the measured values."""
    lines = ['## Targets vs measured', '']
    ct = m.get('ct-ich-test')
    if ct:
        for level, key in (('scan', 'scanLevel'), ('slice', 'final')):
            v = _any(ct[key], 'auc')
            if v is not None:
                lines.append(f"- CT-ICH test {level}-level `any` AUC >= 0.95: {v:.3f} ({_met(v >= 0.95)}).")
    pooled = m.get('pooled-real-test')
    if pooled:
        v = _any(pooled['final'], 'specificityAtSensitivity95')
        if v is not None:
            lines.append(f"- Pooled real test slices ({', '.join(pooled['sources'])}) specificity >= 0.80 at sensitivity "
                         f">= 0.95: {v:.3f} ({_met(v >= 0.80)}); at the card's threshold: sensitivity "
                         f"{_f(_any(pooled['final'], 'sensitivity'))}, specificity {_f(_any(pooled['final'], 'specificity'))}.")
    real = m.get('realUnseen', {})
    kaggle = real.get('kaggle-head-ct', {}).get('final', {})
    if _any(kaggle, 'auc') is not None:
        v = _any(kaggle, 'auc')
        lines.append(f"- Kaggle `any` AUC >= 0.95 (pngWindow): {v:.3f} ({_met(v >= 0.95)}).")
    if ct:
        for c in CLASSES[1:]:
            r = ct['final'].get(c)
            if r and r['positives'] >= 10 and r['auc'] is not None:
                lines.append(f"- CT-ICH test {c} slice AUC >= 0.90 ({r['positives']} positive slices): {r['auc']:.3f} "
                             f"({_met(r['auc'] >= 0.90)}).")
    cq = real.get('cq500', {})
    if 'CQ500-CT-0' in cq and 'CQ500-CT-1_single_slice' in cq:
        neg, pos = cq['CQ500-CT-0']['scanMaxProb']['any'], cq['CQ500-CT-1_single_slice']['probs']['any']
        lines.append(f"- CQ500-CT-0 (negative, 238 thin slices scored one by one as the whole sequence here; the engine "
                     f"scores thin series as 5 mm slabs) below CQ500-CT-1: {neg:.3f} vs {pos:.3f} ({_met(neg < pos)}); "
                     f"CQ500-CT-1 flagged: {cq['CQ500-CT-1_single_slice']['flaggedAny']}.")
    rsna = real.get('rsna-slices', {}).get('final', {})
    if _any(rsna, 'sensitivity') is not None:
        lines.append(f"- Every RSNA slice flagged: sensitivity {_any(rsna, 'sensitivity'):.2f} on "
                     f"{_any(rsna, 'positives')} slices ({_met(_any(rsna, 'sensitivity') == 1.0)}).")
    return lines + ['']


def _interval(figures: dict) -> str:
    """The AUC's 95 % interval where the evaluation recorded one (older cards did not), else ''."""
    ci = figures.get('aucCi95')
    return f"{ci[0]:.2f}-{ci[1]:.2f}" if ci else ''


def _with_interval(figures: dict) -> str:
    return _f(figures.get('auc')) + (f" ({_interval(figures)})" if _interval(figures) else '')


def _engine_lines(card: dict) -> list:
    """What `python -m ichtrain.engine_evaluation` measured through the engine (absent until it ran)."""
    ev = card.get('engineEvaluation')
    if not ev:
        return []
    lines = ['## Measured through the engine (`ichtrain.engine_evaluation`)', '', ev['how'] + '.',
             'In brackets: 95 % intervals of the AUC over bootstrap draws of whole scans (patients; a Kaggle or RSNA '
             'image is its own scan): what a set this small can resolve.', '',
             '| set | slices (+) | slice AUC | slice spec. at sens. >= 0.95 | slice sens. / spec. at the threshold '
             '| scans (+) | scan AUC | scan spec. at sens. >= 0.95 |', '|---|---|---|---|---|---|---|---|']
    for name, r in ev.items():
        if not isinstance(r, dict) or 'slice' not in r:
            continue
        sl, sc = r['slice'], r['scan'] or {}
        lines.append(f"| {name} | {sl['n']} ({sl['positives']}) | {_with_interval(sl)} | {_f(sl['specificityAtSensitivity95'])} | "
                     f"{_f(sl['sensitivityAtThreshold'])} / {_f(sl['specificityAtThreshold'])} | "
                     f"{sc.get('n', '–')} ({sc.get('positives', '–')}) | {_with_interval(sc)} | "
                     f"{_f(sc.get('specificityAtSensitivity95'))} |")
    subtype = [f"{c} {v['auc']:.3f} (" + '; '.join(p for p in (f"{v['positives']} positive slices", _interval(v)) if p) + ')'
               for c, v in ev.get('ct-ich-test', {}).get('subtypeSliceAuc', {}).items() if v['auc'] is not None]
    if subtype:
        lines += ['', 'CT-ICH test per-subtype slice AUC (subtypes with >= 10 positive slices): ' + ', '.join(subtype) + '.']
    tri = ev.get('triage', {})
    if tri:
        lines += ['', '`ichtriage triage` (study `any` score, flagged at the card threshold):', '']
        for name, studies in tri.items():
            lines.append(f"- {name}: " + '; '.join(f"{s['any']:.3f} ({'flagged' if s['flagged'] else 'not flagged'}, "
                                                   f"{s['slices']} slices)" for s in studies))
    lines += ['', 'Input definition: one model takes full-range HU (DICOM, CT-ICH pseudo-HU from two windows) and '
              'windowed images (PNG/JPEG read through their window); training clips HU sources at random to a PNG-like '
              'window so that both look familiar. The two CT-ICH rows above compare the same test slices read with '
              'both windows and from the brain JPEG alone.', '']
    return lines


def _slice_cnn_lines(cnn: dict, card: dict) -> list:
    width = cnn['width']
    channels = '-'.join(str(width * 2 ** i) for i in range(4))
    work = cnn.get('work_size')
    members = cnn.get('members', 1)
    lines = [f"- Slice CNN: ResNet-18 layout at width {width} (channels {channels}), GAP + linear(6)"
             + (f", working at {work} x {work}: the {card['input']['size']} x {card['input']['size']} input is resized "
                'inside the graph (bilinear, half-pixel centres, no antialias), as training batches are' if work else '')
             + f"; CAM output {card['camSize']} ({card['training'].get('cam', '')})."]
    if members > 1:
        lines.append(f"- An ensemble of {members} such CNNs trained alike from seeds seed..seed+{members - 1}, one graph: "
                     f"logits and CAMs are the members' means, the embedding (E = {card['embeddingSize']}) is their "
                     'GAP features side by side.')
    else:
        lines.append(f"- Embedding = GAP features (E = {card['embeddingSize']}).")
    return lines


def render(card: dict) -> str:
    t = card['training']
    m = card['metrics']
    data = t.get('data', {})
    train_parts = ', '.join(f"{k.removesuffix('-train')} {v['slices']} slices / {v['sequences']} patients or series"
                            for k, v in data.items() if k.endswith('-train'))
    out = [f"# Model card: {card['name']} {card['version']}", '',
           f"**Trained on {train_parts} (training patients only). Not validated for clinical use.** "
           f"{card['intendedUse']}", '',
           '## What it is',
           *_slice_cnn_lines(t['config']['cnn'], card),
           *(["- Test-time mirroring: the graph runs the CNN on the slice and on its left-right mirror and averages "
              'logits and embeddings, and the CAM with the mirrored CAM of the mirror (twice the CNN cost).']
             if t['config'].get('test_time_flip') else []),
           f"- Scan model: PCA({t['config']['lstm']['pca_dim']}, whitened, fitted on training embeddings, "
           f"explains {t.get('pcaExplainedVariance')}) as a frozen linear layer -> {t['config']['lstm']['layers']}-layer "
           f"BiLSTM(hidden {t['config']['lstm']['hidden']}) -> concat CNN probabilities -> linear(6), added to "
           'logit(CNN probability) -> sigmoid. The residual is a deviation from Burduja et al.: an untrained '
           'sequence model is the identity, and the kept epoch (lowest validation loss, epoch 0 = the CNN alone) '
           'can only correct the CNN.',
           *_lstm_epoch_line(t),
           f"- Input: {card['input']['size']}x{card['input']['size']}, windows "
           + ', '.join(f"{w['name']} {w['center']:g}/{w['width']:g}" for w in card['input']['windows'])
           + f", resize {card['input']['resize']}, mean {card['input']['mean']}, std {card['input']['std']} "
           f"({t.get('normalisation')})."
           + (f" Full-range HU (DICOM, CT-ICH pseudo-HU) below {card['input']['huFloor']:g} HU is read as "
              f"{card['input']['huFloor']:g} before windowing: the bottom of the read-back window, under which a "
              'windowed image read back holds nothing.' if card['input'].get('huFloor') is not None else ''),
           *_png_window_lines(card),
           f"- Scan score: {card['scanAggregation']} over slices. Thresholds (each applied to a slice and to the scan max; chosen by the rule below): "
           + ', '.join(f"{c} {card['thresholds'][c]:.4f}" for c in CLASSES) + '.',
           f"- Threshold rule: {m.get('thresholdRule', '')}.", '',
           '## Training',
           f"- Config: `{t.get('configFile')}`; git commit {t.get('gitCommit')}; seed {t.get('seed')}; finished "
           f"{t.get('finishedAt')}; wall time {t.get('wallSeconds')} s (CNN {t.get('cnnSeconds')} s, PCA + LSTM "
           f"{t.get('lstmSeconds')} s) on {t.get('hardware')}.",
           '- CNN phases in this run: ' + ('; '.join(f"{p['epochs']} epoch(s) at {p['size']} px, lr {p['lr']}"
                                                    for p in t['config']['cnn']['phases']) or 'none')
           + f"; LSTM up to {t['config']['lstm']['epochs']} epochs (kept the epoch with the lowest validation loss).",
           *_warm_start_lines(t),
           *_reused_cnn_lines(t),
           '- Data (slices / sequences / any-positive slices):']
    for name, v in data.items():
        out.append(f"  - {name}: {v['slices']} / {v['sequences']} / {v['anyPositiveSlices']}")
        if v.get('patients'):
            out.append(f"    patients: {', '.join(str(p) for p in v['patients'])}")
    out += ['- Splits are by patient (sha256 of salt:patient, `ichtrain/data/split.py`), fixed by the config\'s fractions '
            'and salts; the patients of each split are listed above.',
            '- Never used for training or thresholds: the test patients, kaggle-head-ct, rsna-slices, cq500, and '
            'the ct-ich HU slices (only those of CT-ICH test patients are scored).', '']
    out += [f'- {x}' for x in card['training'].get('config', {}).get('export', {}).get('notes', [])]
    out += ['', *_summary_lines(m), *_goal_lines(m), *_engine_lines(card), '## Measured metrics per split', '']
    for name in [k for k in m if isinstance(m[k], dict) and 'final' in m[k] and k != 'realUnseen']:
        r = m[name]
        # A pooled entry names its sources instead of counting sequences.
        extent = f"{r['sequences']} sequences" if 'sequences' in r else ' + '.join(r.get('sources', []))
        out += [f"### {name} ({r['slices']} slices, {extent})", '', 'Final (CNN + BiLSTM), slice level:', '']
        out += _class_table(r['final'])
        out += ['', 'CNN alone, slice level:', ''] + _class_table(r['cnn'])
        out += ['', 'Scan level (max over slices):', ''] + _class_table(r['scanLevel']) + ['']
    real = m.get('realUnseen', {})
    for name in ('kaggle-head-ct', 'rsna-slices', 'ct-ich'):
        if name in real:
            r = real[name]
            count = r.get('images', r.get('slices'))
            out += [f"### {name} ({count} slices, {r['mode']})", '', 'Final:', ''] + _class_table(r['final'])
            out += ['', 'CNN alone:', ''] + _class_table(r['cnn']) + ['']
    if 'cq500' in real:
        out += ['### cq500', '', '```json', json.dumps(real['cq500'], indent=2), '```', '']
    out += ['## Limitations and known failure modes', ''] + [f'- {x}' for x in card['limitations']]
    return '\n'.join(out) + '\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('model_dir', type=Path)
    args = parser.parse_args()
    card = json.loads((args.model_dir / 'model.json').read_text())
    (args.model_dir / 'MODEL_CARD.md').write_text(render(card))


if __name__ == '__main__':
    main()
