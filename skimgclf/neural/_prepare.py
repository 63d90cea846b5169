"""From what the user gives to batches: images, labels and the data objects the iterator reads.

Arrays become a tensor in their own dtype (``ImageTensorData``), image sets read on demand
stay on disk (``StreamData``); both convert each batch on the device (scale, ``normalize``).
The labels are encoded, the class weights and the augmentation resolved, the validation split
made as a view.
"""

from __future__ import annotations

import inspect
import math
import warnings
from numbers import Real

import numpy as np
import torch
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted
from torch.utils.data import DataLoader

from .._images import check_images
from .._labels import as_labels
from .._sources import ImageDataset
from ..augment import RandomAffine
from ..exceptions import InputError
from ..preprocessing._normalizer import image_statistics
from ._checks import _check_labels
from ._data import (
    ImageTensorData,
    InputTransform,
    StreamData,
    TensorBatchIterator,
    images_to_tensor,
)
from ._device import autocast_device, resolve_device
from ._distributed import shard
from ._input import as_source, check_source, check_units, input_scale, unit_range
from ._tta import tta_views

_DEFAULT_AUGMENT = {"rotation": 10.0, "shift": 2.0}


class DataMixin:
    """Data preparation: validation, storage, batches and the split (see the module)."""

    def _prepare_fit(self, X, y, *, reset, classes=None):
        images = self._check_X(X, reset=reset)
        if y is None and isinstance(images, ImageDataset):
            y = images.targets  # an image folder, a torch Dataset of (image, label) pairs
        if y is None:
            raise InputError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None")
        y = _check_labels(y, len(images))
        self._check_validation_fraction(len(images))
        if classes is not None:
            classes = _check_classes(classes, y)
            if not reset and not np.array_equal(np.unique(classes), self.classes_):
                new = np.setdiff1d(classes, self.classes_).tolist()[:10]
                gone = np.setdiff1d(self.classes_, classes).tolist()[:10]
                raise InputError(
                    f"classes differ from those of the first call (new: {new}, left out: "
                    f"{gone}); partial_fit keeps the classes it started with: pass the same, "
                    "or None"
                )
        if reset:
            encoder = LabelEncoder().fit(y if classes is None else classes)
            if len(encoder.classes_) < 2:
                raise InputError(
                    f"{type(self).__name__} needs samples of at least 2 classes, but y holds "
                    f"only one class: {encoder.classes_[0]!r}"
                )
            self.label_encoder_ = encoder
            self.class_weight_ = self._compute_class_weight(y)
            self.device_ = resolve_device(self.device)
            self._augmenter_ = self._resolve_augment()
            self._check_view_geometry(augment=self._augmenter_ is not None,
                                      tta=tta_views(self.tta))
            self._setup_ = self._setup_params()
        else:
            if self.device_ != resolve_device(self.device):
                self.device_ = resolve_device(self.device)
            self._apply_setup_changes(y)
        if (self.precision not in ("fp32", "auto")
                and autocast_device(self.precision, self.device_) is None):
            where = ("on CUDA, and bf16 on CPUs that compute it natively (AVX512-BF16, AMX)"
                     if self.precision == "bf16" else "on CUDA only")
            warnings.warn(
                f"precision={self.precision!r} applies {where}; {type(self).__name__} "
                f"trains in float32 on {self.device_}", UserWarning, stacklevel=3)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if len(unknown):
            where = "in classes=" if classes is not None else "seen in the first fit"
            raise InputError(f"y holds labels not {where}: {unknown.tolist()[:10]}")
        y_enc = torch.as_tensor(self.label_encoder_.transform(y), dtype=torch.long)
        if reset:
            self._fit_input_statistics(images)
        return self._make_data(images, y_enc)

    # What a network is set up with (at the first fit, or a fit without warm_start). A warm
    # fit or partial_fit applies those changed since where it can, and names the others.
    _SETUP_APPLIED = ("augment", "class_weight", "label_smoothing", "weight_decay",
                      "lr_schedule", "ema_decay", "early_stopping")
    _SETUP_FIXED = {
        "normalize": "the input statistics of the first fit",
        "init": "the weights it has learnt",
        "bn_momentum": "the BatchNorm layers it was built with",
        "architecture": "the network it has trained",
        "module": "the network it has trained",
    }

    def _fixed_setup(self):
        """Name -> what training on keeps: also the architecture's own parameters."""
        return {**self._SETUP_FIXED,
                **dict.fromkeys(self._module_params, "the network it has trained")}

    def _setup_params(self):
        return {name: getattr(self, name) for name in (*self._SETUP_APPLIED,
                                                       *self._fixed_setup())}

    def _apply_setup_changes(self, y):
        setup = getattr(self, "_setup_", None)
        if setup is None:  # a network loaded from an older file: nothing recorded
            return
        changed = {name for name, value in self._setup_params().items()
                   if name in setup and not _same_value(value, setup[name])}
        kept_by = self._fixed_setup()
        fixed = [name for name in kept_by if name in changed]
        if fixed:
            kept = "; ".join(f"{name}: {kept_by[name]}" for name in fixed)
            raise InputError(
                f"{', '.join(fixed)} changed since {type(self).__name__} set up its network, "
                f"and training on (warm_start, partial_fit) keeps what it was set up with "
                f"({kept}); call fit with warm_start=False to start afresh, or set "
                f"{'them' if len(fixed) > 1 else 'it'} back"
            )
        if "augment" in changed:
            self._augmenter_ = self._resolve_augment()
            self._check_view_geometry(augment=self._augmenter_ is not None)
        if "class_weight" in changed:
            self.class_weight_ = self._compute_class_weight(y)
        if changed & {"class_weight", "label_smoothing"}:
            self._initialize_criterion()  # skorch's: built in its context, on the device
        if "weight_decay" in changed:
            decay = self.weight_decay
            if decay is None:  # the optimizer's own default
                decay = _argument_default(type(self.optimizer_), "weight_decay", 0.0)
            for group in self.optimizer_.param_groups:
                group["weight_decay"] = decay
        if changed & {"lr_schedule", "ema_decay", "early_stopping"}:
            self.initialize_callbacks()
        self._setup_ = self._setup_params()

    def _check_X(self, X, *, reset):
        """Arrays as ``(n, H, W, C)`` images; an image set read on demand as it is."""
        source = as_source(X, self.channels_first,
                           None if reset else getattr(self, "image_shape_", None))
        if source is not None:
            return check_source(self, source, reset=reset)
        shape = self.image_shape
        if not reset and getattr(X, "ndim", None) == 2 and hasattr(self, "image_shape_"):
            # flat rows are read as the training images were, whatever image_shape says now
            # (a parameter changed after fit applies at the next fit)
            shape = self.image_shape_
        images, _ = check_images(self, X, reset=reset, image_shape=shape,
                                 channels_first=self.channels_first, spatial=self._spatial)
        return images

    def _make_data(self, images, y_enc=None):
        transform = self._input_transform(images)
        if isinstance(images, ImageDataset):  # read batch by batch, never whole
            on_cuda = torch.device(self.device_).type == "cuda"
            labels = None if y_enc is None else y_enc.to(self.device_ if on_cuda else "cpu")
            return StreamData(images, labels, flat=self._flat_batches, transform=transform)
        X_t = images_to_tensor(images, self.device_)
        if y_enc is not None:
            y_enc = y_enc.to(X_t.device)
        return ImageTensorData(X_t, y_enc, flat=self._flat_batches, transform=transform)

    def _scale(self, images):
        # the package's value-range rule: integers are 0-255 pixels, floats are used as they are
        caller = f"{type(self).__name__}(input_scale='auto')"
        fitted = "input_range_" in vars(self)  # the units of the training pixels are known
        setting = self.input_scale
        if fitted:  # as at fit, whatever input_scale says now (it applies at the next fit)
            setting = "auto" if self._auto_scale_ else self.input_scale_
        scale = input_scale(images, setting, caller=caller)
        if fitted and setting == "auto":
            check_units(images, scale, self.input_scale_, self.input_range_,
                        type(self).__name__)
        return scale

    def _fit_input_statistics(self, images):
        """The units of the training pixels (``input_scale_``, ``input_range_``), and
        ``input_mean_``/``input_std_`` of ``normalize`` in those units."""
        for name in ("input_scale_", "input_range_", "_auto_scale_", "input_mean_",
                     "input_std_"):
            vars(self).pop(name, None)
        scale = self._scale(images)
        self._auto_scale_ = self.input_scale == "auto"
        self.input_scale_ = float(scale)
        self.input_range_ = unit_range(images, scale)
        if self.normalize is not None:
            mean, std = image_statistics(images, self.normalize)  # chunked: no float copy
            self.input_mean_ = (mean * scale).astype(np.float32)
            self.input_std_ = (std * scale).astype(np.float32)

    def _input_transform(self, images):
        """Stored pixels -> network input: ``(x * scale - mean) / std`` as one offset and factor
        (``x - mean / scale``, times ``scale / std``), so every batch costs one fused pass."""
        scale = np.float32(self._scale(images))
        mean, std = getattr(self, "input_mean_", 0.0), getattr(self, "input_std_", 1.0)
        return InputTransform(np.asarray(mean / scale), np.asarray(scale / std))

    def _compute_class_weight(self, y):
        weights, classes = self.class_weight, self.label_encoder_.classes_
        if weights is None:
            return None
        if weights == "balanced":
            missing = np.setdiff1d(classes, y)
            if len(missing):
                raise InputError(
                    f"class_weight='balanced' weighs each class by its count in y, but y holds "
                    f"no sample of {missing.tolist()} (given in classes=); pass a dict of weights "
                    "or a first batch holding every class"
                )
            return compute_class_weight("balanced", classes=classes, y=y)
        known = set(classes.tolist())
        unknown = [k for k in weights if k not in known]
        if unknown:
            raise InputError(
                f"class_weight has keys that are not labels of y: {unknown}; its keys must be "
                f"among the classes {classes.tolist()}"
            )
        bad = {k: v for k, v in weights.items()
               if isinstance(v, (bool, np.bool_)) or not isinstance(v, Real)
               or not math.isfinite(v) or v < 0}
        if bad or not any(v > 0 for v in weights.values()) and len(weights) == len(classes):
            raise InputError(
                f"class_weight values must be finite numbers >= 0, at least one of them > 0; "
                f"got {bad or weights}"
            )
        return compute_class_weight(weights, classes=classes, y=y)

    def _check_view_geometry(self, *, augment=False, tta=("identity",)):
        """Augmentation and test-time views move pixels in two dimensions: flat rows that are
        not square images (read as one row of pixels, ``(1, n_features)``) have none."""
        height, width, channels = self.image_shape_
        uses = ["augment"] * augment + ["tta"] * (len(tta) > 1)
        if self._spatial or not uses or (height, channels) != (1, 1) or width == 1:
            return
        verb = "moves" if len(uses) == 1 else "move"
        raise InputError(
            f"{' and '.join(uses)} {verb} pixels within an image, but {type(self).__name__} reads "
            f"its flat rows of {width} features as one row of pixels (they are not a square "
            f"image); pass image_shape=(H, W) or (H, W, C) at fit, or set "
            f"{' and '.join(u + '=None' for u in uses)}"
        )

    def _resolve_augment(self):
        augment = self.augment  # its type was checked against the constraints
        if augment is None or augment is False:
            return None
        if augment is True or augment == "default":
            return RandomAffine(**_DEFAULT_AUGMENT)
        if isinstance(augment, dict):
            return RandomAffine(**augment)
        return augment

    def get_split_datasets(self, X, y=None, **fit_params):
        if self.validation_fraction is None:
            y_split = (X.labels.cpu().numpy()
                       if isinstance(X, (ImageTensorData, StreamData)) and y is None else y)
            return super().get_split_datasets(X, y_split, **fit_params)
        labels = X.labels.cpu().numpy()
        splitter = StratifiedShuffleSplit(1, test_size=self.validation_fraction,
                                          random_state=self._split_seed_)
        try:
            train, valid = next(splitter.split(np.zeros(len(labels)), labels))
        except ValueError:  # a class too small to stratify: split at random instead
            order = check_random_state(self._split_seed_).permutation(len(labels))
            cut = math.ceil(self.validation_fraction * len(labels))
            valid, train = order[:cut], order[cut:]
        return X.subset(train), X.subset(valid)

    def get_dataset(self, X, y=None):
        if isinstance(X, (ImageTensorData, StreamData)):
            return X
        check_is_fitted(self, "label_encoder_")
        return self._make_data(self._check_X(X, reset=False))

    def get_iterator(self, dataset, training=False):
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(prefix)
        batch_size = kwargs.pop("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        iterator = getattr(self, prefix)
        if iterator is not None or not isinstance(dataset, (ImageTensorData, StreamData)):
            return (iterator or DataLoader)(dataset, batch_size=batch_size, **kwargs)
        shuffle = kwargs.pop("shuffle", training)
        if kwargs:
            raise InputError(
                f"{', '.join(prefix + '__' + k for k in kwargs)} is not used by the built-in "
                f"tensor iterator; pass {prefix}=torch.utils.data.DataLoader to use it"
            )
        return TensorBatchIterator(
            dataset, batch_size, shuffle=shuffle, generator=self._generator_,
            transform=self._augmenter_ if training else None, device=self.device_,
            # BatchNorm cannot train on a batch of one image: skip such a trailing batch.
            drop_last=training and len(dataset) % batch_size == 1 and len(dataset) > 1,
            num_workers=self.num_workers, shard=shard if training else None,
        )


def _check_classes(classes, y):
    """``classes`` of ``partial_fit`` as 1-D labels of ``y``'s kind, or a clear error."""
    classes, kind = as_labels(classes, "classes")
    if len(classes) == 0:
        raise InputError("classes is empty; pass every label y will hold over all calls, or None")
    _, kind_y = as_labels(y, "y")
    if kind != kind_y:
        raise InputError(f"classes holds {kind} labels but y holds {kind_y} labels; pass "
                         "classes of the type of y")
    return classes


def _same_value(a, b):
    """Whether a parameter still holds what it held (``==`` where it is defined and plain)."""
    if a is b:
        return True
    numbers = (isinstance(v, Real) and not isinstance(v, bool) for v in (a, b))
    try:
        if all(numbers):  # 0.1 and np.float64(0.1) are the same setting
            return bool(a == b)
        return type(a) is type(b) and bool(a == b)
    except (TypeError, ValueError):  # arrays and other values without a plain ==
        return False


def _argument_default(cls, name, fallback):
    try:
        default = inspect.signature(cls).parameters[name].default
    except (KeyError, TypeError, ValueError):
        return fallback
    return fallback if default is inspect.Parameter.empty else default
