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
    lines = ['| class | AUC | sensitivity | specificity | positives | negatives |', '|---|---|---|---|---|---|']
    for c in CLASSES:
        if c in report:
            r = report[c]
            lines.append(f"| {c} | {_f(r['auc'])} | {_f(r['sensitivity'])} | {_f(r['specificity'])} | "
                         f"{r['positives']} | {r['negatives']} |")
    if 'weightedLogLoss' in report:
        lines.append(f"\nWeighted log loss (any x2): **{_f(report['weightedLogLoss'], 4)}**")
    return lines


def _lstm_epoch_line(t: dict) -> list:
    kept = [h['keptEpoch'] for h in t.get('lstmHistory', []) if 'keptEpoch' in h]
    if not kept:
        return []
    note = ' (0: the sequence model adds nothing; final = CNN probabilities)' if kept[0] == 0 else ''
    return [f"- Sequence model: kept epoch {kept[0]}{note}."]


def _warm_start_lines(t: dict) -> list:
    prev = t.get('cnnInitialisedFrom')
    if not prev:
        return []
    pt = prev['training']
    phases = '; '.join(f"{p['epochs']} epoch(s) at {p['size']} px, lr {p['lr']}" for p in pt['config']['cnn']['phases'])
    return [f"- The slice CNN continued from `{prev['checkpoint']}` (git {pt.get('gitCommit')}, same data and seed), "
            f"which had trained {phases} in {pt.get('cnnSeconds')} s (that run's wall time {pt.get('wallSeconds')} s)."]


def _goal_lines(m: dict) -> list:
    """The project's goals against the measured values (final outputs, slice level)."""
    lines = ['## Goals vs measured', '']
    syn = m.get('synthetic-test', {}).get('final', {})
    if 'weightedLogLoss' in syn:
        ok = syn['weightedLogLoss'] <= 0.04
        lines.append(f"- Synthetic test weighted log loss <= 0.04: {syn['weightedLogLoss']:.4f} ({'met' if ok else 'NOT met'}).")
        aucs = {c: syn[c]['auc'] for c in CLASSES[1:] if c in syn and syn[c]['auc'] is not None}
        ok = all(v >= 0.98 for v in aucs.values())
        lines.append('- Synthetic test subtype AUC >= 0.98: ' + ', '.join(f'{c} {v:.3f}' for c, v in aucs.items())
                     + f" ({'met' if ok else 'NOT met'}).")
    real = m.get('realUnseen', {})
    for name in ('kaggle-head-ct',):
        if name in real and real[name]['final'].get('any', {}).get('auc') is not None:
            v = real[name]['final']['any']['auc']
            lines.append(f"- Real unseen `any` AUC >= 0.95 on {name}: {v:.3f} ({'met' if v >= 0.95 else 'NOT met'}).")
    for name in ('phe-sich-test',):
        if name in m and m[name]['final'].get('any', {}).get('auc') is not None:
            v = m[name]['final']['any']['auc']
            lines.append(f"- Held-out real patients `any` AUC >= 0.95 on {name}: {v:.3f} ({'met' if v >= 0.95 else 'NOT met'}).")
    lines.append('- rsna-slices, ct-ich and CQ500-CT-1 hold positives only and CQ500-CT-0 is one negative scan: '
                 'no AUC is defined there; sensitivities and scan results are listed above.')
    return lines + ['']


def render(card: dict) -> str:
    t = card['training']
    m = card['metrics']
    data = t.get('data', {})
    real_train = sum(v['slices'] for k, v in data.items() if k.startswith('phe-sich-train'))
    synth_train = sum(v['slices'] for k, v in data.items() if k == 'synthetic-train')
    out = [f"# Model card: {card['name']} {card['version']}", '',
           f"**Trained on synthetic head-CT phantoms ({synth_train} slices) and {real_train} real slices "
           f"(PHE-SICH PNG, training patients only). Not validated for clinical use.** {card['intendedUse']}", '',
           '## What it is',
           f"- Slice CNN: ResNet-18 layout at width {t['config']['cnn']['width']} (channels 32-64-128-256), GAP + linear(6); "
           f"embedding = GAP features (E = {card['embeddingSize']}); CAM output {card['camSize']} "
           f"({t.get('cam', '')}).",
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
           f"({t.get('normalisation')}).",
           f"- PNG input assumes window {card['pngWindow']['center']:g}/{card['pngWindow']['width']:g} "
           '(measured with `python -m ichtrain.png_window`: grey mode inside the skull 104/255 on 57 PHE-SICH slices and '
           '116 on 31 Kaggle images, 5th percentile 76 and 68; centre 40 / width 130 maps 30 HU brain to 108 and 8 HU '
           'CSF to 65, width 80 would map them to 96 and 26).',
           f"- Scan score: {card['scanAggregation']} over slices. Thresholds (slice level, also applied to the scan max): "
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
           '- Data (slices / sequences / any-positive slices):']
    for name, v in data.items():
        out.append(f"  - {name}: {v['slices']} / {v['sequences']} / {v['anyPositiveSlices']}")
    out += ['- Real sets never used for training or thresholds: kaggle-head-ct, rsna-slices, ct-ich, cq500 '
            '(and the PHE-SICH test patients).', '', '## Measured metrics', '']
    for name in [k for k in m if k not in ('thresholdRule', 'realUnseen')]:
        r = m[name]
        out += [f"### {name} ({r['slices']} slices, {r['sequences']} sequences)", '', 'Final (CNN + BiLSTM), slice level:', '']
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
    out += _goal_lines(m)
    out += ['## Limitations', ''] + [f'- {x}' for x in card['limitations']]
    return '\n'.join(out) + '\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('model_dir', type=Path)
    args = parser.parse_args()
    card = json.loads((args.model_dir / 'model.json').read_text())
    (args.model_dir / 'MODEL_CARD.md').write_text(render(card))


if __name__ == '__main__':
    main()
