"""Rebuilds a training checkpoint from a model folder (slice_cnn.onnx, scan_lstm.onnx, model.json).

Run folders (`runs/<name>/checkpoint.pt`) stay on the machine that trained them; the bundled model
folder is committed, so a comparison against the bundled model (`ichtrain.compare`) rebuilds its
reference from it. The exporter folds every batch norm into the convolution before it: the rebuilt
network keeps the folded weights and turns each batch norm into that bias alone. Which folded
initializer belongs to which convolution is found by exporting the same architecture with a marker
value in each convolution, so no initializer name is trusted. The LSTM gates are reordered from
ONNX's (input, output, forget, cell) to torch's (input, forget, cell, output). The rebuilt networks
must reproduce the folder's reference_outputs.json, or nothing is written.

  python -m ichtrain.onnx_checkpoint --model models/ich-r18w16x4e80-real --out runs/bundled/checkpoint.pt
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from .checkpoint import arch_of, build_networks, save_checkpoint
from .config import complete_config
from .cpu import use_cpu
from .export import export_slice_cnn, reference_images


def initializers(graph) -> dict:
    return {i.name: numpy_helper.to_array(i) for i in graph.initializer}


def batch_norm_as_bias(bn: nn.BatchNorm2d, bias: torch.Tensor) -> None:
    """bn(x) = x + bias: unit scale, zero mean, and a variance that cancels eps."""
    with torch.no_grad():
        bn.weight.fill_(1.0)
        bn.bias.copy_(bias)
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0 - bn.eps)


def conv_batch_norm_pairs(cnn: nn.Module) -> list:
    """(name, convolution, the batch norm after it) for every convolution, in module order."""
    modules = list(cnn.named_modules())
    pairs = []
    for k, (name, module) in enumerate(modules):
        if isinstance(module, nn.Conv2d):
            bn = next(m for _, m in modules[k + 1:] if isinstance(m, nn.BatchNorm2d))
            pairs.append((name, module, bn))
    return pairs


def conv_nodes(model) -> list:
    return [n for n in model.graph.node if n.op_type == 'Conv']


def load_slice_cnn(cnn: nn.Module, path: Path) -> None:
    pairs = conv_batch_norm_pairs(cnn)
    # Marker k + 1 in convolution k, batch norms neutral: the folded weights then carry the marker.
    with torch.no_grad():
        for k, (_, conv, bn) in enumerate(pairs):
            conv.weight.fill_(k + 1.0)
            batch_norm_as_bias(bn, torch.zeros_like(bn.bias))
    with tempfile.TemporaryDirectory() as tmp:
        marked_path = Path(tmp) / 'marked.onnx'
        export_slice_cnn(cnn, marked_path)
        marked = onnx.load(str(marked_path))
    bundled = onnx.load(str(path))
    marked_weights, weights = initializers(marked.graph), initializers(bundled.graph)
    marked_nodes, nodes = conv_nodes(marked), conv_nodes(bundled)
    if len(marked_nodes) != len(nodes):
        raise ValueError(f'{path}: {len(nodes)} convolutions, the architecture exports {len(marked_nodes)}')
    found = 0
    for marked_node, node in zip(marked_nodes, nodes):
        marker = marked_weights[marked_node.input[1]]
        if not np.all(marker == marker.flat[0]):
            continue  # the CAM: the head applied as a convolution, loaded with the head below
        found += 1
        _, conv, bn = pairs[int(round(float(marker.flat[0]))) - 1]
        weight, bias = weights[node.input[1]], weights[node.input[2]]
        if tuple(weight.shape) != tuple(conv.weight.shape):
            raise ValueError(f'{path}: convolution {node.name} has shape {weight.shape}, expected {tuple(conv.weight.shape)}')
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(weight.copy()))
        batch_norm_as_bias(bn, torch.from_numpy(bias))
    if found != len(pairs):
        raise ValueError(f'{path}: {found} folded convolutions, the architecture has {len(pairs)}')
    with torch.no_grad():
        for name, param in cnn.named_parameters():
            if name in weights:  # the heads keep their names: nothing folds into them
                param.copy_(torch.from_numpy(weights[name]))


def onnx_gates_to_torch(x: np.ndarray) -> torch.Tensor:
    i, o, f, c = np.split(x, 4, axis=0)
    return torch.from_numpy(np.concatenate([i, f, c, o], axis=0))


def load_scan_model(scan: nn.Module, path: Path) -> None:
    model = onnx.load(str(path))
    weights = initializers(model.graph)
    lstm_nodes = [n for n in model.graph.node if n.op_type == 'LSTM']
    if len(lstm_nodes) != scan.lstm.num_layers:
        raise ValueError(f'{path}: {len(lstm_nodes)} LSTM layers, the architecture has {scan.lstm.num_layers}')
    hidden = scan.lstm.hidden_size
    state = {}
    for layer, node in enumerate(lstm_nodes):
        w, r, b = (weights[node.input[k]] for k in (1, 2, 3))
        for direction, suffix in enumerate(('', '_reverse')):
            state[f'lstm.weight_ih_l{layer}{suffix}'] = onnx_gates_to_torch(w[direction])
            state[f'lstm.weight_hh_l{layer}{suffix}'] = onnx_gates_to_torch(r[direction])
            state[f'lstm.bias_ih_l{layer}{suffix}'] = onnx_gates_to_torch(b[direction][:4 * hidden])
            state[f'lstm.bias_hh_l{layer}{suffix}'] = onnx_gates_to_torch(b[direction][4 * hidden:])
    # The linear layers became MatMul by a transposed weight; their biases and the temperature kept their names.
    for linear in ('pca', 'classifier'):
        module = getattr(scan, linear)
        state[f'{linear}.bias'] = torch.from_numpy(weights[f'scan.{linear}.bias'])
        matches = [n for n in model.graph.node if n.op_type == 'MatMul' and n.input[1] in weights
                   and weights[n.input[1]].shape == tuple(module.weight.shape[::-1])]
        if len(matches) != 1:
            raise ValueError(f'{path}: cannot tell which MatMul is {linear}')
        state[f'{linear}.weight'] = torch.from_numpy(weights[matches[0].input[1]].T.copy())
    state['temperature'] = torch.from_numpy(weights['scan.temperature'])
    scan.load_state_dict(state)


@torch.no_grad()
def check_reference_outputs(cnn: nn.Module, scan: nn.Module, reference: dict, tolerance: float = 1e-3) -> float:
    """Largest difference from the folder's reference outputs; raises beyond `tolerance`."""
    logits, embedding, _ = cnn.eval()(reference_images())
    probs = scan.eval().probs(embedding[None], torch.sigmoid(logits)[None])
    worst = max(float(np.abs(logits.numpy() - np.array(reference['sliceCnn']['logits'])).max()),
                float(np.abs(probs.reshape(-1).numpy() - np.array(reference['scanLstm']['probs'])).max()))
    if worst > tolerance:
        raise ValueError(f'the rebuilt networks differ from reference_outputs.json by {worst:.2e} (> {tolerance:g})')
    return worst


def rebuild(model_dir: Path) -> tuple:
    """(cnn, scan, arch, card_args) of a model folder, checked against its reference outputs."""
    card = json.loads((model_dir / 'model.json').read_text())
    training = card['training']
    cfg = complete_config(json.loads(json.dumps(training['config'])), f'{model_dir}/model.json (recorded config)')
    arch = arch_of(cfg)
    cnn, scan = build_networks(arch)
    load_slice_cnn(cnn, model_dir / card['files']['sliceCnn']['path'])
    load_scan_model(scan, model_dir / card['files']['scanLstm']['path'])
    check_reference_outputs(cnn, scan, json.loads((model_dir / 'reference_outputs.json').read_text()))
    card_args = dict(name=card['name'], version=card['version'], thresholds=card['thresholds'], training=training,
                     metrics=card['metrics'], intended_use=card['intendedUse'], limitations=card['limitations'],
                     mean=card['input']['mean'], std=card['input']['std'], png_window=card['pngWindow'],
                     hu_floor=card['input'].get('huFloor'))
    return cnn, scan, arch, card_args


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--model', type=Path, required=True, help='a model folder (model.json and its ONNX graphs)')
    parser.add_argument('--out', type=Path, required=True, help='checkpoint.pt to write')
    args = parser.parse_args(argv)
    use_cpu(2)
    try:
        cnn, scan, arch, card_args = rebuild(args.model)
    except (OSError, KeyError, ValueError) as error:
        print(f'ichtrain.onnx_checkpoint: {error}')
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(args.out, cnn, scan, arch, card_args)
    print(f'wrote {args.out} ({card_args["name"]} {card_args["version"]}, reference outputs reproduced)')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
