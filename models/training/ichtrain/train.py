"""Three-stage training of the detector and export of the model folder.

  npm run train -- --config models/training/configs/smoke.json
  (= PYTHONPATH=models/training nice -n 10 /usr/bin/python3 -m ichtrain.train --config ...)

Stage 1: slice CNN on windowed slices (masked BCE, `any` weighted 2), optionally at a lower
resolution first. Stage 2: PCA of the training embeddings -> a frozen linear layer. Stage 3: the
BiLSTM over each series with the CNN probabilities concatenated before its classifier.
The sequence model keeps its epoch with the lowest validation loss and thresholds are chosen on
the validation split; metrics are measured on the test splits and the real
sets never used for training, and everything goes into the model card.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel

from .cam_pointing import POINTED_CLASSES, mask_cells
from .checkpoint import arch_of, build_networks, load_checkpoint, save_checkpoint
from .config import ConfigError, complete_config, load_config
from .constants import CLASS_WEIGHTS, CLASSES, INPUT_SIZE
from .cpu import use_cpu
from .evaluate import evaluate_real_sets, sequence_probs
from .export import INTENDED_USE, git_commit, write_model_folder
from .metrics import classification_report, threshold_for_sensitivity
from .model import SliceCnnEnsemble, slice_cnn_members, without_test_time_flip
from .png_window import choose_png_window
from .slices import BatchMaker, SliceTable
from .sources import REPO_ROOT, ct_ich_tables, patients_of, phe_sich_tables, synthetic_table

WEIGHTS = torch.tensor(CLASS_WEIGHTS)
SUBTYPES = torch.tensor([0.0] + [1.0] * (len(CLASSES) - 1))
# The config sections that decide what stage 1 (the slice CNN) learns: a checkpoint whose recorded
# config agrees on all of them can stand in for training it again (--reuse-cnn).
STAGE1_KEYS = ('seed', 'png_window', 'mean', 'std', 'synthetic', 'ct_ich', 'phe_sich', 'augment', 'cnn')


def log(msg: str) -> None:
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', flush=True)


def masked_bce(logits: torch.Tensor, labels: torch.Tensor, known: torch.Tensor,
               subtype_positive_weight: float = 1.0, fracture: tuple = None) -> torch.Tensor:
    """Weighted BCE over the labels a source provides (any x2); a positive subtype label weighs
    subtype_positive_weight times a negative one (subtypes are rare: a few percent of the slices).
    fracture: (logits [N], labels [N], known [N], weight) of the auxiliary fracture output, one more
    label in the same weighted mean."""
    loss = F.binary_cross_entropy_with_logits(logits, labels, reduction='none')
    w = WEIGHTS.to(logits.dtype) * known * (1 + (subtype_positive_weight - 1) * labels * SUBTYPES.to(logits.dtype))
    total, weight = (loss * w).sum(), w.sum()
    if fracture is not None:
        f_logits, f_labels, f_known, f_weight = fracture
        f_w = f_weight * f_known.to(f_logits.dtype)
        total = total + (F.binary_cross_entropy_with_logits(f_logits, f_labels, reduction='none') * f_w).sum()
        weight = weight + f_w.sum()
    return total / weight.clamp(min=1)


def cam_mask_loss(cam: torch.Tensor, masks: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Where the class maps of POINTED_CLASSES put their mass, on the slices labelled `any` whose bleed
    is drawn (masks [N,1,H,W], NaN where unknown): -log of the share of the map's softmax over its
    cells that falls on the bleed's cells, averaged over those slices and classes (0 without any).
    It moves a map's peak onto the bleed and leaves the slice's logit alone: that logit is the map's
    mean plus the bias (GAP + linear head), trained by the BCE; a per-cell BCE would instead ask a
    small bleed's few cells to outweigh all the others in that mean."""
    known = ~masks.flatten(1).isnan().any(dim=1)
    cells = mask_cells(masks.nan_to_num(0.0), cam.shape[-2:]).flatten(1)
    rows = known & (labels[:, 0] == 1) & cells.any(dim=1)
    if not bool(rows.any()):
        return cam.sum() * 0.0
    maps = cam[rows][:, [CLASSES.index(c) for c in POINTED_CLASSES]].flatten(2)
    on_bleed = cells[rows][:, None, :].expand_as(maps)
    return (torch.logsumexp(maps, dim=2) - torch.logsumexp(maps.masked_fill(~on_bleed, float('-inf')), dim=2)).mean()


def replace_tables(by_split: dict, reloaded: dict) -> None:
    """Puts each split's reloaded table where the table of the same name was."""
    for split, table in reloaded.items():
        names = [t.name for t in by_split[split]]
        by_split[split][names.index(table.name)] = table


def resolve(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else REPO_ROOT / p


def existing_or_repo_relative(path: str) -> Path:
    """A command-line path: as given where it exists from the current folder, else relative to the repo root."""
    return Path(path).resolve() if Path(path).exists() else resolve(path)


# ---------------------------------------------------------------- stage 1

def train_cnn(cnn, tables, maker: BatchMaker, cfg: dict, seed: int) -> tuple:
    """Trains `cnn` in place -> (history, the last step's weights where cnn.average_last_epochs
    replaced them by the tail average, else None)."""
    rng = np.random.default_rng(seed)
    index = [(t, i) for t in tables for i in range(len(t))]
    history = []
    # The auxiliary fracture output lives only while the CNN trains (made only when asked for, so
    # that recipes without it keep their random stream).
    fracture_head = torch.nn.Linear(cnn.embedding_size, 1) if cfg['fracture_weight'] > 0 else None
    parameters = list(cnn.parameters()) + (list(fracture_head.parameters()) if fracture_head is not None else [])
    # Batch-norm statistics are averaged with the weights: the average is then used as it is, as
    # timm's weight EMA does, instead of a pass over the training slices to estimate them again.
    averaged = AveragedModel(cnn, use_buffers=True) if cfg['average_last_epochs'] else None
    with_masks = cfg['cam_mask_weight'] > 0
    for p, phase in enumerate(cfg['phases']):
        steps_per_epoch = math.ceil(len(index) / cfg['batch'])
        total = steps_per_epoch * phase['epochs']
        opt = torch.optim.AdamW(parameters, lr=phase['lr'], weight_decay=cfg['weight_decay'])
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=phase['lr'], total_steps=total, pct_start=0.15)
        for epoch in range(phase['epochs']):
            cnn.train()
            if cfg['freeze_batch_norm']:
                for module in cnn.modules():
                    if isinstance(module, torch.nn.BatchNorm2d):
                        module.eval()
            order = rng.permutation(len(index))
            t0, running = time.time(), 0.0
            for s in range(steps_per_epoch):
                chosen = [index[j] for j in order[s * cfg['batch']:(s + 1) * cfg['batch']]]
                by_table = {}
                for t, i in chosen:
                    by_table.setdefault(id(t), (t, []))[1].append(i)
                xs, ys, ks, fractures, masks = [], [], [], [], []
                for t, idx in by_table.values():
                    x, y, k, m = maker.training_batch(t, idx, phase['size'], with_masks=with_masks)
                    xs.append(x)
                    ys.append(torch.from_numpy(y))
                    ks.append(torch.from_numpy(k).float())
                    fractures.append(fracture_labels(t, idx))
                    masks.append(m)
                logits, embedding, cam = cnn(torch.cat(xs))
                fracture = None
                if fracture_head is not None:
                    f_labels = torch.cat(fractures)
                    fracture = (fracture_head(embedding)[:, 0], f_labels.nan_to_num(0.0), ~f_labels.isnan(),
                                cfg['fracture_weight'])
                loss = masked_bce(logits, torch.cat(ys), torch.cat(ks), cfg['subtype_positive_weight'], fracture)
                if with_masks:
                    loss = loss + cfg['cam_mask_weight'] * cam_mask_loss(cam, torch.cat(masks), torch.cat(ys))
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                running += loss.item()
                if (s + 1) % 50 == 0:
                    log(f'cnn size {phase["size"]} epoch {epoch + 1}/{phase["epochs"]} step {s + 1}/{steps_per_epoch} '
                        f'loss {running / (s + 1):.4f} ({(s + 1) * cfg["batch"] / (time.time() - t0):.1f} img/s)')
            history.append({'size': phase['size'], 'epoch': epoch + 1, 'loss': running / steps_per_epoch,
                            'seconds': round(time.time() - t0, 1)})
            log(f'cnn phase size {phase["size"]} epoch {epoch + 1} done: loss {history[-1]["loss"]:.4f} '
                f'in {history[-1]["seconds"]} s')
            if averaged is not None and p == len(cfg['phases']) - 1 and \
                    epoch >= phase['epochs'] - cfg['average_last_epochs']:
                averaged.update_parameters(cnn)
    if averaged is None:
        return history, None
    last_weights = copy.deepcopy(cnn.state_dict())
    cnn.load_state_dict(averaged.module.state_dict())
    log(f'cnn: weights averaged over the last {int(averaged.n_averaged)} epochs')
    return history, last_weights


def fracture_labels(table: SliceTable, indices) -> torch.Tensor:
    """[n] 0/1 fracture labels of those slices, NaN where the source does not label fractures."""
    if table.fracture is None:
        return torch.full((len(indices),), float('nan'))
    return torch.from_numpy(table.fracture[np.asarray(indices, dtype=int)].astype(np.float32))


@torch.no_grad()
def embed(cnn, table: SliceTable, maker: BatchMaker, augment: bool, batch: int = 48):
    """-> (embeddings [N,E], slice probs [N,6]) at full input size."""
    cnn.eval()
    embs, probs = [], []
    for s in range(0, len(table), batch):
        x = maker.batch(table, range(s, min(s + batch, len(table))), augment=augment, size=INPUT_SIZE)
        logits, emb, _ = cnn(x)
        embs.append(emb)
        probs.append(torch.sigmoid(logits))
    return torch.cat(embs).numpy(), torch.cat(probs).numpy()


def any_probs(cnn, maker: BatchMaker, images: list) -> np.ndarray:
    """`any` probabilities of the slice CNN for HU slices (no augmentation)."""
    n = len(images)
    table = SliceTable('unlabelled', images, np.zeros((n, len(CLASSES)), np.float32),
                       np.zeros((n, len(CLASSES)), bool), np.zeros(n, int), np.arange(n))
    return embed(cnn, table, maker, augment=False)[1][:, 0]


def model_read_back(window: dict, cfg: dict) -> dict:
    """A window as the model reads windowed images through it (the card's pngWindow): with the
    config's png_saturated_hu when it sets one."""
    saturated = cfg['png_saturated_hu']
    return dict(window) if saturated is None else {**window, 'saturatedHu': saturated}


def reusable_cnn(path: Path, cfg: dict) -> dict:
    """The checkpoint at `path`, if its run trained the slice CNN this config asks for, or an ensemble
    whose first cnn.members CNNs are that CNN; else ConfigError naming the first section that differs.
    -> {'cnn', 'training' (the checkpoint's record), 'members': (taken, trained)}"""
    ckpt = load_checkpoint(path)
    training = ckpt['card_args'].get('training', {})
    # Through JSON: the checkpoint pickled the config's tuples, the schema reads JSON lists.
    recorded = complete_config(json.loads(json.dumps(training.get('config', {}))), f'{path} (recorded config)')
    wanted, trained = cfg['cnn']['members'], recorded['cnn']['members']
    for key in STAGE1_KEYS:
        ours, theirs = cfg[key], recorded[key]
        if key == 'cnn':
            # Members train one after another, from seeds seed, seed+1, ..., drawing their batches from one
            # generator, so the first N members of a larger ensemble are exactly what an N-member run trains.
            ours, theirs = {**ours, 'members': None}, {**theirs, 'members': None}
        if ours != theirs:
            raise ConfigError(f'--reuse-cnn {path}: its run trained with another {key!r} than this config')
    if wanted > trained:
        raise ConfigError(f'--reuse-cnn {path}: its run trained {trained} CNN(s), this config asks for {wanted}')
    members = slice_cnn_members(without_test_time_flip(ckpt['cnn']))[:wanted]
    cnn = members[0] if wanted == 1 else SliceCnnEnsemble(members)
    history = training.get('cnnHistory', [])
    if wanted < trained:
        history = history[:wanted]
        training = {**training, 'cnnSeconds': round(sum(epoch['seconds'] for member in history for epoch in member), 1)}
    return {'cnn': cnn, 'training': {**training, 'cnnHistory': history}, 'members': (wanted, trained)}


# ---------------------------------------------------------------- stage 2

def fit_pca(embeddings: np.ndarray, dim: int):
    mean = embeddings.mean(axis=0)
    _, sing, vt = np.linalg.svd(embeddings - mean, full_matrices=False)
    scale = sing[:dim] / math.sqrt(max(len(embeddings) - 1, 1)) + 1e-6
    explained = float((sing[:dim] ** 2).sum() / (sing ** 2).sum())
    return (torch.from_numpy(mean).float(), torch.from_numpy(vt[:dim].copy()).float(),
            torch.from_numpy(scale).float(), explained)


# ---------------------------------------------------------------- stage 3

def sequences_of(table: SliceTable, emb: np.ndarray, probs: np.ndarray) -> list:
    return [(emb[idx], probs[idx], table.labels[idx], table.known[idx]) for _, idx in table.sequences()]


@torch.no_grad()
def sequences_loss(scan, sequences: list, subtype_positive_weight: float) -> float:
    scan.eval()
    total, weight = 0.0, 0.0
    for emb, probs, labels, known in sequences:
        logits = scan(torch.from_numpy(emb)[None], torch.from_numpy(probs)[None])[0]
        k = torch.from_numpy(known).float()
        total += masked_bce(logits, torch.from_numpy(labels), k, subtype_positive_weight).item() * float(k.sum())
        weight += float(k.sum())
    return total / max(weight, 1.0)


def train_lstm(scan, sequences: list, cfg: dict, seed: int, val_sequences: list) -> list:
    """Trains on the training series; keeps the epoch with the lowest validation loss."""
    rng = np.random.default_rng(seed)
    params = [p for p in scan.parameters() if p.requires_grad]
    total = cfg['epochs'] * len(sequences)
    opt = torch.optim.AdamW(params, lr=cfg['lr'], weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg['lr'], total_steps=total, pct_start=0.1)
    start_loss = sequences_loss(scan, val_sequences, cfg['subtype_positive_weight'])  # epoch 0: the CNN's own probabilities
    log(f'lstm: validation loss before training {start_loss:.4f}')
    history, best = [{'epoch': 0, 'valLoss': start_loss}], (start_loss, 0, copy.deepcopy(scan.state_dict()))
    for epoch in range(cfg['epochs']):
        scan.train()
        t0, running = time.time(), 0.0
        for j in rng.permutation(len(sequences)):
            emb, probs, labels, known = sequences[j]
            n = len(emb)
            if n > 1 and rng.random() < cfg['crop_prob']:
                length = int(rng.integers(1, n + 1))
                start = int(rng.integers(0, n - length + 1))
                sl = slice(start, start + length)
                emb, probs, labels, known = emb[sl], probs[sl], labels[sl], known[sl]
            e = torch.from_numpy(emb)[None]
            p = torch.from_numpy(probs)[None]
            # The CNN is better on its own training slices than on new ones: perturb its outputs
            # so the sequence model does not learn to trust them blindly.
            if cfg['input_noise']:
                e = e + torch.randn_like(e) * cfg['input_noise'] * e.std()
            e = F.dropout(e, p=cfg['input_dropout'])
            if cfg['prob_noise']:
                p = torch.sigmoid(torch.logit(p.clamp(1e-4, 1 - 1e-4)) + torch.randn_like(p) * cfg['prob_noise'])
            logits = scan(e, p)[0]
            loss = masked_bce(logits, torch.from_numpy(labels), torch.from_numpy(known).float(), cfg['subtype_positive_weight'])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            sched.step()
            running += loss.item()
        val_loss = sequences_loss(scan, val_sequences, cfg['subtype_positive_weight'])
        history.append({'epoch': epoch + 1, 'loss': running / len(sequences), 'valLoss': val_loss,
                        'seconds': round(time.time() - t0, 1)})
        log(f'lstm epoch {epoch + 1}/{cfg["epochs"]}: loss {history[-1]["loss"]:.4f} val {val_loss:.4f} '
            f'in {history[-1]["seconds"]} s')
        if val_loss < best[0]:
            best = (val_loss, epoch + 1, copy.deepcopy(scan.state_dict()))
    scan.load_state_dict(best[2])
    log(f'lstm: kept epoch {best[1]} (validation loss {best[0]:.4f})')
    history.append({'keptEpoch': best[1]})
    return history


TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(4.0), 97))


@torch.no_grad()
def fit_temperature(scan, val_sequences: list) -> list:
    """Per class, the temperature (grid over 0.25..4) that minimises the BCE of the sequence model's
    validation outputs; 1 for a class without both labels on the validation patients."""
    scan.temperature.fill_(1.0)
    logits, labels, known = [], [], []
    for emb, probs, lab, kn in val_sequences:
        logits.append(scan(torch.from_numpy(emb)[None], torch.from_numpy(probs)[None])[0].numpy())
        labels.append(lab)
        known.append(kn)
    logits, labels, known = np.concatenate(logits), np.concatenate(labels), np.concatenate(known)
    fitted = []
    for k in range(logits.shape[1]):
        z, y = logits[known[:, k], k].astype(np.float64), labels[known[:, k], k]
        if y.min() == y.max():
            fitted.append(1.0)
            continue
        losses = [np.mean(np.logaddexp(0, z / t) - y * z / t) for t in TEMPERATURES]
        fitted.append(float(TEMPERATURES[int(np.argmin(losses))]))
    scan.temperature.copy_(torch.tensor(fitted))
    return fitted


def final_probs(scan, table, emb, probs) -> np.ndarray:
    out = np.zeros_like(probs)
    for _, idx in table.sequences():
        out[idx] = sequence_probs(scan, emb[idx], probs[idx])
    return out


def scan_level(table: SliceTable, probs: np.ndarray):
    """Series-level labels and max-aggregated probabilities."""
    labels, scores, known = [], [], []
    for _, idx in table.sequences():
        labels.append(table.labels[idx].max(axis=0))
        scores.append(probs[idx].max(axis=0))
        known.append(table.known[idx].all(axis=0))
    return np.stack(labels), np.stack(scores), np.stack(known)


def choose_thresholds(val_tables, val_probs, cfg: dict) -> dict:
    """`any`: the highest threshold with sensitivity >= target on the validation slices, or with
    cfg['any_level'] == 'scan' on the validation scans (scan score = max over its slices, the
    worklist's flag), of cfg['any_sources'] (default: all validation tables); subtypes: same rule
    with their own target and cfg['subtype_level'] on the validation slices or scans that label them."""
    thresholds = {}
    for k, name in enumerate(CLASSES):
        ys, ps = [], []
        sources = cfg['any_sources'] if name == 'any' else None
        level = cfg['any_level'] if name == 'any' else cfg['subtype_level']
        for t, p in zip(val_tables, val_probs):
            if sources and t.name not in sources:
                continue
            if level == 'scan':
                labels, scores, known = scan_level(t, p)
                ys.append(labels[known[:, k], k])
                ps.append(scores[known[:, k], k])
                continue
            m = t.known[:, k]
            ys.append(t.labels[m, k])
            ps.append(p[m, k])
        y, p = np.concatenate(ys), np.concatenate(ps)
        target = cfg['any_sensitivity'] if name == 'any' else cfg['subtype_sensitivity']
        thresholds[name] = threshold_for_sensitivity(y, p, target) if y.sum() > 0 else 0.5
    return thresholds


def report_table(table, cnn_probs, fin_probs, thresholds) -> dict:
    out = {'slices': len(table), 'sequences': int(len(np.unique(table.groups))),
           'cnn': classification_report(table.labels, cnn_probs, thresholds, table.known),
           'final': classification_report(table.labels, fin_probs, thresholds, table.known)}
    sl, sp, sk = scan_level(table, fin_probs)
    out['scanLevel'] = classification_report(sl, sp, thresholds, sk)
    return out


def report_pooled(tables: list, results: dict, thresholds: dict) -> dict:
    """Slice and scan metrics over several real sources together (`sources` names them)."""
    labels = np.concatenate([t.labels for t in tables])
    known = np.concatenate([t.known for t in tables])
    cnn_p = np.concatenate([results[t.name][0] for t in tables])
    fin_p = np.concatenate([results[t.name][1] for t in tables])
    scan_labels, scan_p, scan_known = (np.concatenate(parts) for parts in
                                       zip(*(scan_level(t, results[t.name][1]) for t in tables)))
    return {'sources': [t.name for t in tables], 'slices': len(labels),
            'cnn': classification_report(labels, cnn_p, thresholds, known),
            'final': classification_report(labels, fin_p, thresholds, known),
            'scanLevel': classification_report(scan_labels, scan_p, thresholds, scan_known)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', required=True, help='JSON config (path relative to the repo root or absolute)')
    parser.add_argument('--reuse-cnn', metavar='CHECKPOINT',
                        help='take the slice CNN from this checkpoint instead of training it; refused unless its run '
                             'recorded the same seed, data, augmentation and cnn sections as this config')
    args = parser.parse_args(argv)
    config_path = existing_or_repo_relative(args.config)
    try:
        cfg = load_config(config_path)
        reused = reusable_cnn(resolve(args.reuse_cnn), cfg) if args.reuse_cnn else None
    except ConfigError as error:
        print(f'ichtrain: {error}', file=sys.stderr)
        return 2
    started = time.time()
    seed = cfg['seed']
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    use_cpu(cfg['threads'])
    run_dir = resolve(cfg['run_dir'])
    run_dir.mkdir(parents=True, exist_ok=True)
    cache = REPO_ROOT / '.cache' / 'ichtrain'
    png_window = model_read_back(cfg['png_window'], cfg)
    mean, std = tuple(cfg['mean']), tuple(cfg['std'])

    # ---- data
    train_tables, val_tables, test_tables = [], [], []
    by_split = {'train': train_tables, 'val': val_tables, 'test': test_tables}
    syn = cfg['synthetic']
    if syn:
        workers = cfg['workers']
        for i, split in enumerate(('train', 'val', 'test')):
            if syn[f'{split}_series'] > 0:
                t = synthetic_table(f'synthetic-{split}', syn[f'{split}_series'], seed * 100 + i, syn, workers, cache)
                by_split[split].append(t)
                log(f'synthetic {split}: {len(t)} slices ({int(t.labels[:, 0].sum())} any+)')
    for key, loader in (('ct_ich', ct_ich_tables), ('phe_sich', lambda c: phe_sich_tables(c, png_window))):
        if cfg[key]['use']:
            real = loader(cfg[key])
            for split, t in real.items():
                by_split[split].append(t)
            log(f'{key}: ' + ', '.join(f'{k} {len(t)} slices ({int(t.labels[:, 0].sum())} any+) / {patients_of(t)} patients'
                                       for k, t in real.items()))

    hu_val = [t for t in val_tables if not t.name.startswith('phe-sich')]
    if cfg['png_window_choice'] and len({int(v) for t in hu_val for v in t.labels[:, 0]}) < 2:
        print('ichtrain: png_window_choice needs validation HU slices (every source but PHE-SICH) with and without '
              'haemorrhage', file=sys.stderr)
        return 2

    # ---- stage 1
    arch = arch_of(cfg)
    # Stage 1 trains the CNNs themselves; the model runs them as `cnn` (mirrored too under test_time_flip).
    cnn, scan = build_networks(arch)
    plain_cnn = without_test_time_flip(cnn)
    warm_start = None
    if cfg['cnn']['init_from']:
        # Continue the slice CNN of an earlier run (its card's training record is kept below).
        warm_start = torch.load(resolve(cfg['cnn']['init_from']), map_location='cpu')
        cnn.load_state_dict(warm_start['cnn'])
        log(f'cnn initialised from {cfg["cnn"]["init_from"]}')
    maker = BatchMaker(mean, std, png_window, seed, cfg['augment'])
    t1 = time.time()
    if reused:
        cnn.load_state_dict(reused['cnn'].state_dict())
        cnn_history = reused['training'].get('cnnHistory', [])
        cnn_seconds = reused['training'].get('cnnSeconds')
        log(f'cnn reused from {args.reuse_cnn} (trained in {cnn_seconds} s)')
    else:
        members = slice_cnn_members(plain_cnn)
        cnn_history = []
        for m, member in enumerate(members):
            if len(members) > 1:
                log(f'cnn ensemble member {m + 1} of {len(members)}')
            cnn_history.append(train_cnn(member, train_tables, maker, cfg['cnn'], seed + m)[0])
        cnn_seconds = time.time() - t1
    maker_eval = BatchMaker(mean, std, png_window, seed)

    # ---- the window the model reads windowed images back through (the card's pngWindow)
    window_choice = None
    if cfg['png_window_choice']:
        window_choice = choose_png_window(
            lambda images: any_probs(cnn, maker_eval, images), [im for t in hu_val for im in t.images],
            np.concatenate([t.labels[:, 0] for t in hu_val]),
            [model_read_back(c, cfg) for c in cfg['png_window_choice']['candidates']],
            cfg['png_window_choice']['exports'])
        log('png window: ' + ', '.join(f"{r['window']['center']:g}/{r['window']['width']:g} mean AUC {r['meanAuc']}"
                                      for r in window_choice['candidates']))
        if window_choice['window'] != png_window:
            png_window = window_choice['window']
            # Stages 2-3, thresholds and evaluation see windowed images as the engine will read them.
            maker.png_window = maker_eval.png_window = png_window
            if cfg['phe_sich']['use']:
                replace_tables(by_split, phe_sich_tables(cfg['phe_sich'], png_window))

    # ---- the floor under full-range HU: the bottom of the read-back window (the card's input.huFloor)
    hu_floor = None
    if cfg['hu_floor_at_read_back']:
        # The floor the CNNs trained on, if any (augment.hu_floor); else the read-back window's bottom.
        trained = cfg['augment']['hu_floor']
        hu_floor = float(trained if trained is not None else png_window['center'] - png_window['width'] / 2)
        maker.hu_floor = maker_eval.hu_floor = hu_floor
        log(f'full-range HU floored at {hu_floor:g} HU')
        if cfg['ct_ich']['use']:
            # Its validation and test slices as the engine will prepare them.
            replace_tables(by_split, ct_ich_tables(cfg['ct_ich'], hu_floor=hu_floor))

    # ---- stage 2
    t2 = time.time()
    train_emb = [embed(cnn, t, maker, augment=cfg['lstm']['augment_train_embeddings']) for t in train_tables]
    all_emb = np.concatenate([e for e, _ in train_emb])
    pca_mean, comps, scale, explained = fit_pca(all_emb, arch['pca_dim'])
    scan.set_pca(pca_mean, comps, scale)
    log(f'pca: {arch["pca_dim"]} components explain {explained:.3f} of the variance')

    # ---- stage 3
    eval_emb = {t.name: embed(cnn, t, maker_eval, augment=False) for t in val_tables + test_tables}
    sequences, val_sequences = [], []
    for t, (e, p) in zip(train_tables, train_emb):
        sequences += sequences_of(t, e, p)
    for t in val_tables:
        val_sequences += sequences_of(t, *eval_emb[t.name])
    lstm_history = train_lstm(scan, sequences, cfg['lstm'], seed, val_sequences)
    scan.eval()
    temperature = fit_temperature(scan, val_sequences) if cfg['calibrate'] else [1.0] * len(CLASSES)
    log(f'temperature: {[round(t, 3) for t in temperature]}')
    lstm_seconds = time.time() - t2
    # Saved before the (long) evaluation so that a failure there loses no training.
    save_checkpoint(run_dir / 'networks.pt', cnn, scan, arch, {})

    # ---- thresholds on validation, metrics on test
    results = {}
    for t in val_tables + test_tables:
        e, p = eval_emb[t.name]
        results[t.name] = (p, final_probs(scan, t, e, p))
    val_final = [results[t.name][1] for t in val_tables]
    thresholds = choose_thresholds(val_tables, val_final, cfg['thresholds'])
    log(f'thresholds: {json.dumps({k: round(v, 4) for k, v in thresholds.items()})}')
    metrics = {t.name: report_table(t, results[t.name][0], results[t.name][1], thresholds)
               for t in val_tables + test_tables}
    for split, tables in (('val', val_tables), ('test', test_tables)):
        real = [t for t in tables if not t.name.startswith('synthetic')]
        if len(real) > 1:
            metrics[f'pooled-real-{split}'] = report_pooled(real, results, thresholds)
    any_sources = cfg['thresholds']['any_sources'] or [t.name for t in val_tables]
    metrics['thresholdRule'] = (f"any: highest threshold with {cfg['thresholds']['any_level']} sensitivity >= {cfg['thresholds']['any_sensitivity']} "
                                f"on {', '.join(any_sources)}; subtypes: sensitivity >= "
                                f"{cfg['thresholds']['subtype_sensitivity']} at {cfg['thresholds']['subtype_level']} level on the validation "
                                f"{cfg['thresholds']['subtype_level']}s that label them")
    if cfg['evaluate_real']:
        ct_ich_test = next((t for t in test_tables if t.name == 'ct-ich-test'), None)
        metrics['realUnseen'] = evaluate_real_sets(
            cnn, scan, thresholds, mean, std, png_window, skip_phe_sich=True, log=log,
            ct_ich_patients=None if ct_ich_test is None else {str(int(p)) for p in ct_ich_test.patient_ids},
            hu_floor=hu_floor)
    elapsed = time.time() - started
    log(f'metrics: {json.dumps(metrics)[:2000]}')

    # ---- export
    exp = cfg['export']
    training = {
        'config': cfg,
        'configFile': str(config_path.relative_to(REPO_ROOT)) if config_path.is_relative_to(REPO_ROOT) else str(config_path),
        'gitCommit': git_commit(),
        'seed': seed,
        'finishedAt': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
        'wallSeconds': round(elapsed, 1),
        'cnnSeconds': round(cnn_seconds, 1),
        'lstmSeconds': round(lstm_seconds, 1),
        'data': {t.name: {'slices': len(t), 'sequences': int(len(np.unique(t.groups))),
                          'anyPositiveSlices': int(t.labels[t.known[:, 0], 0].sum()),
                          **({'patients': t.patient_ids} if t.patient_ids else {})}
                 for t in train_tables + val_tables + test_tables},
        'normalisation': 'seed mean/std (Burduja et al. code), not recomputed' if 'mean' not in cfg else 'from config',
        'pcaExplainedVariance': round(explained, 4),
        'pcaWhitened': True,
        'temperature': {'values': dict(zip(CLASSES, temperature)),
                        'rule': 'per class, minimum BCE of the sequence model on the validation patients of every '
                                'validation source (grid 0.25..4); 1 = not fitted (a class without both labels there)'},
        'cam': 'cam_k = sum_c W[k,c] * A_c(h,w), no bias, no ReLU (= Grad-CAM before ReLU times h*w)',
        'cnnHistory': cnn_history,
        'lstmHistory': lstm_history,
        'hardware': f'CPU, {torch.get_num_threads()} threads, nice 10 (shared machine)',
    }
    if window_choice:
        training['pngWindowChoice'] = window_choice
    if reused:
        rt = reused['training']
        training['cnnReusedFrom'] = {'checkpoint': args.reuse_cnn, 'gitCommit': rt.get('gitCommit'),
                                     'finishedAt': rt.get('finishedAt'), 'cnnSeconds': rt.get('cnnSeconds'),
                                     'wallSeconds': rt.get('wallSeconds'), 'configFile': rt.get('configFile'),
                                     'membersTaken': reused['members'][0], 'membersTrained': reused['members'][1]}
    if warm_start is not None:
        training['cnnInitialisedFrom'] = {'checkpoint': cfg['cnn']['init_from'],
                                          'training': warm_start['card_args'].get('training', {})}
    card_args = dict(name=exp['name'], version=exp['version'], thresholds=thresholds, training=training,
                     metrics=metrics, intended_use=INTENDED_USE, limitations=exp['limitations'], mean=mean, std=std,
                     png_window=png_window, hu_floor=hu_floor)
    save_checkpoint(run_dir / 'checkpoint.pt', cnn, scan, arch, card_args)
    (run_dir / 'metrics.json').write_text(json.dumps(metrics, indent=2) + '\n')
    out = resolve(exp['out'])
    write_model_folder(out, cnn, scan, **card_args)
    log(f'exported {out} in {time.time() - started:.0f} s total')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
