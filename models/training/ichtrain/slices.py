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
    # Per slice, the bleed's pixel mask (uint8 256 x 256) or None where it is empty, for a source that
    # draws them (PHE-SICH's haematomas); None elsewhere.
    masks: Optional[list] = None

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

    def augmented_channels(self, hu: torch.Tensor, png_export: bool = True,
                           mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Augmented windowed channels [3,256,256]; with a bleed mask [256,256], it comes back as a
        fourth channel that followed the head crop (and is not blurred). The random draws are the same
        with or without it."""
        a = self.augment
        png_prob = a['png_prob'] if png_export else 0.0
        hu = jitter_hu(hu, self.gen, self.png_window, png_prob, a['png_center'], a['png_width'], a['noise_sd'],
                       a['png_export_reads_saturated'], a['png_export_resize_prob'], a['png_export_resize'],
                       grey_range_prob=a['png_export_grey_range_prob'], grey_range_low=a['png_export_grey_range_low'],
                       grey_range_high=a['png_export_grey_range_high'])
        x = window_and_resize(self.floored(hu), INPUT_SIZE)
        if mask is not None:
            x = torch.cat([x, mask[None]])
        if torch.rand(1, generator=self.gen) < a['head_crop_prob']:
            x = head_crop(x, self.gen)
        if torch.rand(1, generator=self.gen) < 0.3:
            x = torch.cat([blur(x[:3], 0.3 + 0.8 * torch.rand(1, generator=self.gen).item()), x[3:]])
        return x

    def batch(self, table: SliceTable, indices, augment: bool, size: int = INPUT_SIZE) -> torch.Tensor:
        x = torch.stack([self.channels(table, int(i), augment) for i in indices])
        return self.network_input(x, augment, size)

    def training_batch(self, table: SliceTable, indices, size: int, with_masks: bool = False):
        """An augmented batch for the slice CNN with its labels and known-label mask: as `batch`, and
        a share of the slices (augment.inserted_bleeds) gets a synthetic bleed, labelled as such.
        -> (x, labels, known, masks): with_masks, masks [n,1,size,size] are the slices' bleed masks
        through the same geometry (0 where none is drawn; where the table draws none or a bleed was
        inserted, NaN over the image and 0 where the geometry pads beyond its edge); else None."""
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
            mask = self.bleed_mask(table, i, inserted is not None, hu.shape) if with_masks else None
            xs.append(self.augmented_channels(torch.from_numpy(hu), png_export, mask))
        x = self.network_input(torch.stack(xs), True, size)
        return (x[:, :3], labels, known, x[:, 3:]) if with_masks else (x, labels, known, None)

    @staticmethod
    def bleed_mask(table: SliceTable, i: int, inserted: bool, shape) -> torch.Tensor:
        """Slice i's bleed mask as a float plane: NaN (unknown) where the table draws none or a bleed
        was inserted into the slice, zeros where the drawn mask is empty."""
        if table.masks is None or inserted:
            return torch.full(shape, float('nan'))
        drawn = table.masks[i]
        return torch.zeros(shape) if drawn is None else torch.from_numpy(drawn.astype(np.float32))

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
        """[B,3,H,W] windowed channels -> the normalised network input; channels after the third (a
        bleed mask) follow the same geometry and come back as they are."""
        if augment:
            x = geometric(x, self.gen, size)
        elif size != INPUT_SIZE:
            x = F.interpolate(x, size=(size, size), mode='bilinear', align_corners=False)
        if x.shape[1] == 3:
            return (x - self.mean) / self.std
        return torch.cat([(x[:, :3] - self.mean) / self.std, x[:, 3:]], dim=1)
