"""Networks: the slice CNN (ResNet-18 layout, width 32, GAP + linear head with CAM output) and the
scan model (frozen PCA projection -> 3-layer BiLSTM -> concat CNN probs -> linear)."""
from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

NUM_CLASSES = 6


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.down is None else self.down(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + identity)


class SliceCnn(nn.Module):
    """ResNet-18 layout at base width `width` (32 -> channels 32-64-128-256).

    `work_size`: the resolution the network works at. An input of another size (the engine's
    256 x 256 preprocessing) is first resized to it inside the network (bilinear, half-pixel
    centres, no antialias: an ONNX Resize node), which is exactly how training batches are made
    from the stored 256 x 256 slices. None: the network works at its input's size.

    forward returns (logits [N,6], embedding [N,E] = GAP features, cam [N,6,h,w]).
    cam_k(h,w) = sum_c W[k,c] * A_c(h,w) with A the last conv feature map, no bias, no ReLU:
    Grad-CAM of logit k before its ReLU, times h*w (see tests/test_cam.py).
    """

    def __init__(self, width: int = 32, blocks: Tuple[int, ...] = (2, 2, 2, 2), num_classes: int = NUM_CLASSES,
                 work_size: Optional[int] = None):
        super().__init__()
        self.work_size = work_size
        self.stem = nn.Sequential(
            nn.Conv2d(3, width, 7, 2, 3, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1),
        )
        layers = []
        cin = width
        for i, n in enumerate(blocks):
            cout = width * (2 ** i)
            for j in range(n):
                layers.append(BasicBlock(cin, cout, 2 if (j == 0 and i > 0) else 1))
                cin = cout
        self.features = nn.Sequential(*layers)
        self.embedding_size = cin
        self.head = nn.Linear(cin, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
        # Zero-init the last BN of each block: each residual block starts as identity (faster start).
        for m in self.modules():
            if isinstance(m, BasicBlock):
                nn.init.zeros_(m.bn2.weight)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        if self.work_size is not None and tuple(x.shape[-2:]) != (self.work_size, self.work_size):
            x = F.interpolate(x, size=(self.work_size, self.work_size), mode='bilinear', align_corners=False)
        return self.features(self.stem(x))

    def forward(self, x: torch.Tensor):
        fmap = self.feature_map(x)
        embedding = fmap.mean(dim=(2, 3))
        logits = self.head(embedding)
        # A 1x1 convolution with the head's weights (exports as a plain Conv node).
        cam = F.conv2d(fmap, self.head.weight[:, :, None, None])
        return logits, embedding, cam


class SliceCnnEnsemble(nn.Module):
    """Several slice CNNs trained alike from different seeds, exported as one graph.

    logits = mean of the members' logits; embedding = the members' embeddings side by side (the
    scan model's PCA reduces them); cam = mean of the members' CAMs, so that, as for one CNN,
    cam.mean(h, w) + mean bias = logits. Members must share their CAM size (same work_size).
    """

    def __init__(self, members: list):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.embedding_size = sum(m.embedding_size for m in members)

    def forward(self, x: torch.Tensor):
        outputs = [m(x) for m in self.members]
        logits = torch.stack([o[0] for o in outputs]).mean(dim=0)
        embedding = torch.cat([o[1] for o in outputs], dim=1)
        cam = torch.stack([o[2] for o in outputs]).mean(dim=0)
        return logits, embedding, cam


class FlipAveraged(nn.Module):
    """Test-time augmentation: a slice CNN (or ensemble) run on the image and on its left-right mirror.

    logits and embedding = the mean of the two runs; cam = the mean of the image's CAM and the
    mirrored CAM of the mirror, so cam.mean(h, w) + bias = logits still holds. A head is nearly
    symmetric left to right and the CNNs trained on mirrored slices, so the mirror is a second
    opinion at twice the CNN's cost. It has no weights of its own: its state dict is the wrapped
    CNN's, under the same keys, so checkpoints load with or without it.
    """

    def __init__(self, cnn: nn.Module):
        super().__init__()
        self.cnn = cnn
        self.embedding_size = cnn.embedding_size

    def forward(self, x: torch.Tensor):
        logits, embedding, cam = self.cnn(x)
        m_logits, m_embedding, m_cam = self.cnn(torch.flip(x, dims=[3]))
        return (logits + m_logits) / 2, (embedding + m_embedding) / 2, (cam + torch.flip(m_cam, dims=[3])) / 2

    def state_dict(self, *args, **kwargs):
        return self.cnn.state_dict(*args, **kwargs)

    def load_state_dict(self, state_dict, strict: bool = True):
        return self.cnn.load_state_dict(state_dict, strict)


def without_test_time_flip(cnn: nn.Module) -> nn.Module:
    """The CNN that trains: `cnn` itself unless it is wrapped in FlipAveraged."""
    return cnn.cnn if isinstance(cnn, FlipAveraged) else cnn


def slice_cnn_members(cnn: nn.Module) -> list:
    """An ensemble's members, or the CNN itself, each as the model runs it (mirrored too under FlipAveraged)."""
    plain = without_test_time_flip(cnn)
    members = list(plain.members) if isinstance(plain, SliceCnnEnsemble) else [plain]
    return [FlipAveraged(m) for m in members] if plain is not cnn else members


def neighbour_smoothed(logits: torch.Tensor, keep_peak: bool = False) -> torch.Tensor:
    """Each slice's logits [..., S, C] averaged with its neighbours' along S (weights 1-2-1, the
    scan's end slices repeated). With `keep_peak`, each slice keeps the larger of that and its own
    logit, so that the scan's highest slice, its score, stays exactly as it was (training README,
    "Neighbour smoothing that keeps each scan's peak")."""
    padded = torch.cat([logits[..., :1, :], logits, logits[..., -1:, :]], dim=-2)
    smoothed = (padded[..., :-2, :] + 2 * padded[..., 1:-1, :] + padded[..., 2:, :]) / 4
    if not keep_peak:
        return smoothed
    # A mean of the scan's logits cannot exceed its highest: the cap only removes rounding.
    highest = logits.max(dim=-2, keepdim=True).values
    return torch.maximum(torch.minimum(smoothed, highest), logits)


class ScanModel(nn.Module):
    """Per-scan refinement of slice probabilities.

    embedding [B,S,E] -> frozen PCA linear [B,S,P] -> BiLSTM(hidden, layers) [B,S,2*hidden]
    -> concat slice_probs [B,S,6] -> linear(6), added to logit(slice_probs) -> / temperature
    [-> neighbour smoothing that keeps the scan's peak] -> sigmoid.
    The residual on the CNN's own logit (a deviation from Burduja et al., whose linear layer
    stands alone) makes an untrained sequence model the identity, so training can only correct
    the CNN; the linear layer starts at zero. forward returns logits; probs() the sigmoid, which
    is what the ONNX graph outputs. The smoothing (`peak_kept_smoothing`) is a fixed step after
    training and calibration, so it lives in probs() alone and the losses never see it.
    """

    def __init__(self, embedding_size: int = 256, pca_dim: int = 120, hidden: int = 256, layers: int = 3,
                 dropout: float = 0.3, num_classes: int = NUM_CLASSES, peak_kept_smoothing: bool = False):
        super().__init__()
        self.peak_kept_smoothing = peak_kept_smoothing
        self.pca = nn.Linear(embedding_size, pca_dim)
        self.pca.weight.requires_grad_(False)
        self.pca.bias.requires_grad_(False)
        self.lstm = nn.LSTM(pca_dim, hidden, num_layers=layers, batch_first=True, bidirectional=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.classifier = nn.Linear(2 * hidden + num_classes, num_classes)
        nn.init.zeros_(self.classifier.weight)
        nn.init.zeros_(self.classifier.bias)
        # Per-class temperature fitted on validation patients after training (1 = none).
        self.register_buffer('temperature', torch.ones(num_classes))

    def set_pca(self, mean: torch.Tensor, components: torch.Tensor, scale: torch.Tensor) -> None:
        """projection = ((e - mean) @ components.T) / scale, written as one frozen linear layer."""
        with torch.no_grad():
            weight = components / scale[:, None]
            self.pca.weight.copy_(weight)
            self.pca.bias.copy_(-(weight @ mean))

    def forward(self, embedding: torch.Tensor, slice_probs: torch.Tensor) -> torch.Tensor:
        reduced = self.pca(embedding)
        seq, _ = self.lstm(reduced)
        p = slice_probs.clamp(1e-6, 1 - 1e-6)
        cnn_logit = torch.log(p) - torch.log1p(-p)
        return (cnn_logit + self.classifier(torch.cat([seq, slice_probs], dim=-1))) / self.temperature

    def probs(self, embedding: torch.Tensor, slice_probs: torch.Tensor) -> torch.Tensor:
        logits = self.forward(embedding, slice_probs)
        if self.peak_kept_smoothing:
            logits = neighbour_smoothed(logits, keep_peak=True)
        return torch.sigmoid(logits)


class ScanModelProbs(nn.Module):
    """Export wrapper: the ONNX graph outputs probabilities."""

    def __init__(self, scan: ScanModel):
        super().__init__()
        self.scan = scan

    def forward(self, embedding: torch.Tensor, slice_probs: torch.Tensor) -> torch.Tensor:
        return self.scan.probs(embedding, slice_probs)
