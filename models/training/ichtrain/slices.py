"""Turning stored slices (HU or pseudo-HU, at 256 x 256) into network input batches."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from .augment import blur, geometric, head_crop, jitter_hu
from .config import Augment
from .constants import CLASSES, INPUT_SIZE
from .data.png import window_and_resize
from .inserted_bleeds import cavity_depth_squared, insert_bleed


@dataclass
class SliceTable:
    """One list of slices from one source with their labels and known-label mask."""
    name: str
    images: list  # HU or pseudo-HU slices, float32 or int16, 256 x 256
    labels: np.ndarray  # [N,6]
    known: np.ndarray  # [N,6] bool
    groups: np.ndarray  # [N] sequence id (series / patient)
    order: np.ndarray  # [N] position inside the sequence
    patient_ids: Optional[list] = None  # patient ID of each group id, for recording splits
    # Windowed channels [3,256,256] as the engine makes them (windowed at the image's own size, then
    # resized; `images` are resized first, then windowed): used whenever a slice is not augmented.
    engine_inputs: Optional[list] = None
    # [N] 0/1 skull fracture per slice, where the source labels it (CT-ICH): the target of the
    # CNN's auxiliary fracture output while it trains (cnn.fracture_weight); None elsewhere.
    fracture: Optional[np.ndarray] = None

    def __len__(self):
        return len(self.images)

    def sequences(self):
        """[(group id, indices in slice order)]"""
        out = []
        for g in np.unique(self.groups):
            idx = np.nonzero(self.groups == g)[0]
            out.append((g, idx[np.argsort(self.order[idx], kind='stable')]))
        return out


class BatchMaker:
    def __init__(self, mean, std, png_window: dict, seed: int, augment: Optional[dict] = None):
        """augment: the config's augment section (None: its defaults, no PNG export or head crop)."""
        self.mean = torch.tensor(mean, dtype=torch.float32)[:, None, None]
        self.std = torch.tensor(std, dtype=torch.float32)[:, None, None]
        self.png_window = png_window
        self.augment = augment or dataclasses.asdict(Augment())
        # Full-range HU below it read as it: augment.hu_floor while the CNNs train, the card's
        # input.huFloor once the model has one (set after stage 1).
        self.hu_floor: Optional[float] = self.augment['hu_floor']
        self.gen = torch.Generator().manual_seed(seed)
        # id(stored slice) -> (that slice, its cavity_depth_squared): a slice's cavity is computed
        # once per run, not at every draw (a slice is kept with its entry so that its id stays its own).
        self.cavities: dict[int, tuple] = {}

    def channels(self, table: SliceTable, i: int, augment: bool) -> torch.Tensor:
        """Windowed channels [3,256,256] in [0,1]; augmented in HU first when training."""
        if not augment and table.engine_inputs is not None:
            return torch.from_numpy(table.engine_inputs[i])
        hu = torch.from_numpy(np.asarray(table.images[i], dtype=np.float32))
        return self.augmented_channels(hu) if augment else window_and_resize(self.floored(hu), INPUT_SIZE)

    def floored(self, hu: torch.Tensor) -> torch.Tensor:
        return hu if self.hu_floor is None else hu.clamp(min=self.hu_floor)

    def augmented_channels(self, hu: torch.Tensor, png_export: bool = True) -> torch.Tensor:
        a = self.augment
        png_prob = a['png_prob'] if png_export else 0.0
        hu = jitter_hu(hu, self.gen, self.png_window, png_prob, a['png_center'], a['png_width'], a['noise_sd'],
                       a['png_export_reads_saturated'], a['png_export_resize_prob'], a['png_export_resize'],
                       grey_range_prob=a['png_export_grey_range_prob'], grey_range_low=a['png_export_grey_range_low'],
                       grey_range_high=a['png_export_grey_range_high'])
        x = window_and_resize(self.floored(hu), INPUT_SIZE)
        if torch.rand(1, generator=self.gen) < a['head_crop_prob']:
            x = head_crop(x, self.gen)
        if torch.rand(1, generator=self.gen) < 0.3:
            x = blur(x, 0.3 + 0.8 * torch.rand(1, generator=self.gen).item())
        return x

    def batch(self, table: SliceTable, indices, augment: bool, size: int = INPUT_SIZE) -> torch.Tensor:
        x = torch.stack([self.channels(table, int(i), augment) for i in indices])
        return self.network_input(x, augment, size)

    def training_batch(self, table: SliceTable, indices, size: int):
        """An augmented batch for the slice CNN with its labels and known-label mask: as `batch`, and
        a share of the slices (augment.inserted_bleeds) gets a synthetic bleed, labelled as such."""
        indices = [int(i) for i in indices]
        labels, known = table.labels[indices].copy(), table.known[indices].copy()
        kinds = list(self.augment['inserted_bleeds'].items())
        xs = []
        for row, i in enumerate(indices):
            hu = np.asarray(table.images[i], dtype=np.float32)
            # Drawn only when the config asks for bleeds, so that recipes without them keep their
            # random stream (and reproduce their bundled models exactly).
            kind = self.draw_bleed_kind(kinds) if kinds else None
            inserted = None
            if kind is not None:
                inserted = insert_bleed(hu, kind, np.random.default_rng(int(torch.randint(2 ** 31, (1,), generator=self.gen))),
                                        depth_squared=self.cavity_of(table.images[i], hu))
                if inserted is not None:
                    hu = inserted
                    subtype = CLASSES.index(kind)
                    labels[row, subtype], known[row, subtype] = 1, True
                    if self.augment['inserted_label_any']:
                        labels[row, 0], known[row, 0] = 1, True
                    elif labels[row, 0] != 1:
                        known[row, 0] = False
            png_export = inserted is None or self.augment['png_export_inserted']
            xs.append(self.augmented_channels(torch.from_numpy(hu), png_export))
        return self.network_input(torch.stack(xs), True, size), labels, known

    def cavity_of(self, stored, hu: np.ndarray) -> Optional[np.ndarray]:
        entry = self.cavities.get(id(stored))
        if entry is None or entry[0] is not stored:
            entry = self.cavities[id(stored)] = (stored, cavity_depth_squared(hu))
        return entry[1]

    def draw_bleed_kind(self, kinds: list) -> Optional[str]:
        u = torch.rand(1, generator=self.gen).item()
        for kind, share in kinds:
            if u < share:
                return kind
            u -= share
        return None

    def network_input(self, x: torch.Tensor, augment: bool, size: int) -> torch.Tensor:
        if augment:
            x = geometric(x, self.gen, size)
        elif size != INPUT_SIZE:
            x = F.interpolate(x, size=(size, size), mode='bilinear', align_corners=False)
        return (x - self.mean) / self.std
