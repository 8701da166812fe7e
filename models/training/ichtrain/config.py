"""The training config (`npm run train -- --config FILE`): one typed schema with every default here.

`load_config` reads a JSON file into these dataclasses: an unknown key anywhere is an error naming
its path, a value of the wrong type too, and whatever a file leaves out takes the default below. The
training code then reads a plain dict with every key present (`asdict`), so no default lives in two
places.
"""
from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from .constants import SEED_MEAN, SEED_STD
from .inserted_bleeds import KINDS as INSERTED_BLEED_KINDS


class ConfigError(ValueError):
    """A config file that does not follow the schema: the message names the file and the key."""


@dataclass(frozen=True)
class Window:
    center: float
    width: float


@dataclass(frozen=True)
class Fractions:
    """Share of the patients per split (by patient, never by slice); `unused` patients are left out."""
    train: float
    val: float
    test: float = 0.0
    unused: float = 0.0


@dataclass(frozen=True)
class RealSource:
    use: bool = False
    fractions: Fractions = Fractions(train=0.6, val=0.2, test=0.2)
    # Salt of the patient hash that assigns splits: a fixed, recorded split per source.
    salt: str = ''


@dataclass(frozen=True)
class Synthetic:
    """Phantom series (augmentation or smoke tests only)."""
    train_series: int = 0
    val_series: int = 0
    test_series: int = 0
    positive_fraction: float = 0.5
    # Probability of each slice thickness 5.0, 2.5, 1.25, 0.625 mm.
    thickness_probs: tuple[float, ...] = (0.6, 0.2, 0.1, 0.1)
    # Slices per series [low, high]: one range for every thickness, or one per thickness (mm, as text).
    slices: Union[dict[str, list[int]], list[int]] = field(default_factory=lambda: {'5.0': [24, 32], '2.5': [24, 32], '1.25': [24, 32], '0.625': [24, 32]})


@dataclass(frozen=True)
class Augment:
    # Share of HU training slices shown as a windowed 8-bit image (as PNG sources are).
    png_prob: float = 0.0
    # Share of training slices cropped around the head (field-of-view differences between sources).
    head_crop_prob: float = 0.0
    # Ranges (low, high) of the centre and width of the window a simulated PNG export draws from:
    # sites export PNGs through windows from narrow brain windows to wide ones.
    png_center: tuple[float, float] = (25.0, 55.0)
    png_width: tuple[float, float] = (70.0, 180.0)
    # Largest standard deviation (HU) of the noise added to half of the slices (drawn uniformly up to it).
    noise_sd: float = 6.0
    # Share of the CNN's training slices that get a synthetic bleed of each kind drawn into their HU
    # (`ichtrain/inserted_bleeds.py`; only slices with a closed cranial cavity qualify, so windowed
    # PNG sources never do), e.g. {"epidural": 0.06, "subdural": 0.06}. Empty: none.
    inserted_bleeds: dict[str, float] = field(default_factory=dict)
    # Whether a slice with an inserted bleed may also be shown as a windowed 8-bit image (png_prob).
    # Measured (recipe real-v10, training README): keeping them at full range did not stop the loss
    # of accuracy on windowed images that inserted bleeds bring.
    png_export_inserted: bool = True
    # Whether a slice that got a bleed is labelled `any` as well as the bleed's subtype. False leaves
    # `any` unknown on it (unless the slice was positive already): the synthetic positives then teach
    # the subtype heads without raising the share of `any` positives the CNN sees. Measured (recipe
    # real-v11, training README): it halves both the epidural gain and the loss on windowed images.
    inserted_label_any: bool = True
    # Whether the simulated PNG export reads a saturated grey back as the model will (png_saturated_hu)
    # rather than as the window's top, so that the CNN trains on the read-back it will see.
    png_export_reads_saturated: bool = False
    # Share of the simulated PNG exports resized after windowing (bilinear, still 8-bit) by a factor
    # drawn from png_export_resize, as real PNG sets often were: the saturated skull's edge then
    # spreads into greys below 255. Measured (probe-resized-exports, training README): it does not
    # stop CNNs trained on the bone read-back failing on Kaggle, whose whole skull sits below 255.
    png_export_resize_prob: float = 0.0
    png_export_resize: tuple[float, float] = (0.6, 1.6)
    # Share of the simulated PNG exports whose grey range is narrowed (after any resize) to a low..high
    # drawn from these ranges: limited-range video or display pipelines (16-235), screenshots and lossy
    # round trips leave white, and so the skull, below 255, where the bone read-back does not reach it.
    # Measured (recipe real-v16, training README): with it, CNNs trained on the bone read-back keep
    # Kaggle (0.92, against 0.48 without), but their plain read-back on validation falls.
    png_export_grey_range_prob: float = 0.0
    png_export_grey_range_low: tuple[float, float] = (0.0, 16.0)
    png_export_grey_range_high: tuple[float, float] = (220.0, 254.0)
    # HU below it are read as it in the CNNs' training batches too (after the other HU augmentations),
    # so CNNs learn the floor the model will apply (hu_floor_at_read_back, which then uses this value:
    # the read-back window is chosen only after the CNNs train). None: no floor in training.
    hu_floor: Optional[float] = None

    def __post_init__(self):
        if self.noise_sd < 0:
            raise ConfigError(f'augment.noise_sd must be 0 or more, not {self.noise_sd}')
        for key in ('png_export_resize_prob', 'png_export_grey_range_prob'):
            if not 0 <= getattr(self, key) <= 1:
                raise ConfigError(f'augment.{key} must be between 0 and 1, not {getattr(self, key)}')
        for kind, share in self.inserted_bleeds.items():
            if kind not in INSERTED_BLEED_KINDS:
                raise ConfigError(f'augment.inserted_bleeds.{kind}: unknown kind (known: {", ".join(INSERTED_BLEED_KINDS)})')
            if share < 0:
                raise ConfigError(f'augment.inserted_bleeds.{kind} must be 0 or more, not {share}')
        if sum(self.inserted_bleeds.values()) > 1:
            raise ConfigError('augment.inserted_bleeds: the shares add up to more than 1')
        for key in ('png_center', 'png_width', 'png_export_resize', 'png_export_grey_range_low', 'png_export_grey_range_high'):
            low_high = getattr(self, key)
            if len(low_high) != 2 or low_high[0] > low_high[1]:
                raise ConfigError(f'augment.{key} must be [low, high], not {list(low_high)}')
        if self.png_export_resize[0] <= 0:
            raise ConfigError(f'augment.png_export_resize must be above 0, not {list(self.png_export_resize)}')
        if not (0 <= self.png_export_grey_range_low[0] and self.png_export_grey_range_low[1] < self.png_export_grey_range_high[0]
                and self.png_export_grey_range_high[1] <= 255):
            raise ConfigError('augment.png_export_grey_range_low and _high must lie in 0..255 with every low below every high')


@dataclass(frozen=True)
class PngWindowChoice:
    """After the slice CNN is trained, choose the window the engine reads windowed images back
    through (the model's pngWindow) on the CT-ICH validation patients (`ichtrain/png_window.py`):
    each slice is exported through every window of `exports` and read back through each candidate."""
    candidates: tuple[Window, ...]
    # Spans the default PNG-export augmentation ranges (Augment.png_center x png_width).
    exports: tuple[Window, ...] = tuple(Window(c, w) for c in (25.0, 40.0, 55.0) for w in (70.0, 100.0, 130.0, 180.0))


@dataclass(frozen=True)
class Phase:
    size: int
    epochs: int
    lr: float


@dataclass(frozen=True)
class Cnn:
    phases: tuple[Phase, ...]
    width: int = 32
    batch: int = 32
    weight_decay: float = 1e-4
    # A checkpoint whose slice CNN this run continues from.
    init_from: Optional[str] = None
    # Keep every batch norm at its stored statistics while training. For a CNN continued from a model
    # folder's rebuilt checkpoint (ichtrain.onnx_checkpoint): the export folded the batch norms into
    # the convolutions, so they are identities that batch statistics would overwrite.
    freeze_batch_norm: bool = False
    # Resolution the CNN works at, inside the network (None: the 256 x 256 input itself). Every
    # phase must train at this size: scored at another size than it trained at, a CNN loses about
    # 0.05 AUC (training README).
    work_size: Optional[int] = None
    # Slice CNNs trained from different seeds and averaged (one exported graph).
    members: int = 1
    # Loss weight of a positive subtype label against a negative one (1: plain BCE).
    subtype_positive_weight: float = 1.0
    # Loss weight of an auxiliary skull-fracture output against one subtype label (0: none). Trained
    # on the slices whose source labels fractures (CT-ICH), beside the six classes, and dropped
    # before export: the model contract keeps its six outputs.
    fracture_weight: float = 0.0
    # Weight averaging over the tail of training (stochastic weight averaging, Izmailov et al. 2018):
    # the CNN kept is the mean of its weights and batch-norm statistics at the end of each of the
    # last N epochs of the last phase (0: the weights of the last step).
    average_last_epochs: int = 0
    # Loss weight of the CAM's placement on drawn bleeds (train.cam_mask_loss; 0: none): on slices
    # whose source draws the bleed (PHE-SICH's haematoma masks), the class map of `any` and
    # intraparenchymal is taught to put its mass on the bleed's cells.
    cam_mask_weight: float = 0.0

    def __post_init__(self):
        positive_weight('cnn', self.subtype_positive_weight)
        for key in ('fracture_weight', 'cam_mask_weight'):
            if getattr(self, key) < 0:
                raise ConfigError(f'cnn.{key} must be 0 or more, not {getattr(self, key)}')
        if not 0 <= self.average_last_epochs <= self.phases[-1].epochs:
            raise ConfigError(f'cnn.average_last_epochs must lie between 0 and the last phase\'s '
                              f'{self.phases[-1].epochs} epochs, not {self.average_last_epochs}')
        sizes = sorted({p.size for p in self.phases})
        if self.work_size is not None and sizes != [self.work_size]:
            raise ConfigError(f'cnn.work_size is {self.work_size} but the phases train at {sizes}: '
                              'every phase must train at the size the CNN works at')


@dataclass(frozen=True)
class Lstm:
    epochs: int
    pca_dim: int = 120
    hidden: int = 256
    layers: int = 3
    lr: float = 1e-3
    # Share of training sequences cut to a random run of their slices.
    crop_prob: float = 0.4
    input_noise: float = 0.0
    input_dropout: float = 0.0
    prob_noise: float = 0.0
    augment_train_embeddings: bool = True
    # As cnn.subtype_positive_weight, for the sequence model (its validation loss, which picks the
    # kept epoch, is weighted the same way; temperature scaling recalibrates afterwards).
    subtype_positive_weight: float = 1.0
    # After training and calibration, each slice's final logits averaged with its neighbours' (1-2-1)
    # where that is higher than its own, so the scan score (its highest slice) never changes
    # (model.neighbour_smoothed; part of the exported graph).
    peak_kept_smoothing: bool = False

    def __post_init__(self):
        positive_weight('lstm', self.subtype_positive_weight)


def positive_weight(section: str, value: float) -> None:
    if not value > 0:
        raise ConfigError(f'{section}.subtype_positive_weight must be above 0, not {value}')


@dataclass(frozen=True)
class Thresholds:
    any_sensitivity: float = 0.95
    subtype_sensitivity: float = 0.9
    # Validation sources the `any` threshold is chosen on (None: all of them).
    any_sources: Optional[tuple[str, ...]] = None
    # What the `any` sensitivity is counted over: 'slice' (every validation slice) or 'scan' (each
    # validation scan's max, which is what flags a study on the worklist).
    any_level: str = 'slice'
    # The same for the subtype thresholds (a scan counts where every slice labels the subtype).
    subtype_level: str = 'slice'

    def __post_init__(self):
        for key in ('any_level', 'subtype_level'):
            if getattr(self, key) not in ('slice', 'scan'):
                raise ConfigError(f"thresholds.{key} must be 'slice' or 'scan', not {getattr(self, key)!r}")


@dataclass(frozen=True)
class Export:
    out: str
    name: str
    version: str
    limitations: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainConfig:
    seed: int
    run_dir: str
    # The window PNG sources (PHE-SICH, the PNG-export augmentation) are read through in training.
    png_window: Window
    cnn: Cnn
    lstm: Lstm
    export: Export
    threads: int = 2
    workers: int = 2
    # Per-channel normalisation after windowing (the model card records it).
    mean: tuple[float, ...] = SEED_MEAN
    std: tuple[float, ...] = SEED_STD
    synthetic: Optional[Synthetic] = None
    ct_ich: RealSource = RealSource(salt='ct-ich')
    phe_sich: RealSource = RealSource(salt='phe-sich')
    augment: Augment = Augment()
    thresholds: Thresholds = Thresholds()
    # Per-class temperature scaling fitted on the validation patients.
    calibrate: bool = False
    evaluate_real: bool = True
    # None: the model reads windowed images through png_window.
    png_window_choice: Optional[PngWindowChoice] = None
    # The HU a saturated grey (255) of a windowed image is read back as (the card's
    # pngWindow.saturatedHu): anything above 230, the widest input window's top, reads as bone. None:
    # the window's top. It changes the model's read-back (window choice, PHE-SICH, thresholds,
    # evaluation, the engine); the CNN's PNG-export augmentation only with augment.png_export_reads_saturated.
    png_saturated_hu: Optional[float] = None
    # Whether full-range HU (DICOM, CT-ICH pseudo-HU) is floored at the bottom of the read-back window
    # (the card's input.huFloor), so that below brain every source shows the network what a windowed
    # image read back shows: nothing under that bottom. Set after stage 1 (like the read-back window),
    # so it changes stages 2-3, thresholds, evaluation and the engine, not the CNNs.
    hu_floor_at_read_back: bool = False
    # Whether the model averages the slice CNN over the image and its left-right mirror (model.FlipAveraged):
    # chosen after the CNNs train, so it changes stages 2-3, the read-back window and the export, not the CNNs.
    test_time_flip: bool = False

    def __post_init__(self):
        if self.augment.hu_floor is not None and not self.hu_floor_at_read_back:
            raise ConfigError('augment.hu_floor trains the CNNs on a floor the model must then apply: it needs hu_floor_at_read_back')
        if self.augment.png_export_reads_saturated and self.png_saturated_hu is None:
            raise ConfigError('augment.png_export_reads_saturated needs png_saturated_hu (what a saturated grey is read as)')


def load_config(path: Path) -> dict:
    """The config file as a complete dict (every default filled in), or ConfigError."""
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f'{path}: {error}') from error
    return complete_config(raw, str(path))


def complete_config(raw: dict, source: str) -> dict:
    """A config (a file's, or one a model card recorded) checked and completed with the defaults."""
    try:
        return dataclasses.asdict(build(TrainConfig, raw, 'config'))
    except ConfigError as error:
        raise ConfigError(f'{source}: {error}') from None


def build(kind, value, where: str):
    """`value` (parsed JSON) checked against the type `kind`; dataclasses get their defaults."""
    origin = typing.get_origin(kind)
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise ConfigError(f'{where} must be an object')
        hints = typing.get_type_hints(kind)
        fields = {f.name: f for f in dataclasses.fields(kind)}
        unknown = sorted(set(value) - set(fields))
        if unknown:
            raise ConfigError(f'unknown key {where}.{unknown[0]} (known: {", ".join(fields)})')
        args = {}
        for name, f in fields.items():
            if name in value:
                args[name] = build(hints[name], value[name], f'{where}.{name}')
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f'{where}.{name} is required')
        return kind(**args)
    if origin is typing.Union:
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        if value is None and len(options) < len(typing.get_args(kind)):
            return None
        errors = []
        for option in options:
            try:
                return build(option, value, where)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(' or '.join(errors))
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f'{where} must be a list')
        item = typing.get_args(kind)[0]
        return tuple(build(item, v, f'{where}[{i}]') for i, v in enumerate(value))
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f'{where} must be a list')
        return [build(typing.get_args(kind)[0], v, f'{where}[{i}]') for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f'{where} must be an object')
        key_type, value_type = typing.get_args(kind)
        return {build(key_type, k, where): build(value_type, v, f'{where}.{k}') for k, v in value.items()}
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f'{where} must be a number')
        return float(value)
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f'{where} must be a whole number')
        return value
    if kind in (bool, str):
        if not isinstance(value, kind):
            raise ConfigError(f'{where} must be a {"true/false" if kind is bool else "text"}')
        return value
    raise ConfigError(f'{where}: unsupported type {kind}')
