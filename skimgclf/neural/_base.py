"""The skorch ``NeuralNetClassifier`` subclass shared by the CNN and MLP estimators.

What skorch does is left to skorch (callbacks, history, ``module__*``/``optimizer__*`` routing,
``set_params``, persistence). This class overrides only the hooks that make it an image
classifier with a fast path:

- ``fit``/``partial_fit``: the image contract, labels of any type (``LabelEncoder``), one
  float32 tensor per call on the device;
- ``get_dataset``/``get_iterator``: batches by slicing that tensor (no per-sample collate);
- ``initialize``: seeding; ``initialize_module``/``_criterion``/``_optimizer``: fill the
  network's arguments from the data, class weights, optimizer by name.
"""

from __future__ import annotations

import inspect
import math
from contextlib import contextmanager
from types import MappingProxyType

import numpy as np
import torch
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted
from skorch import NeuralNetClassifier
from skorch.callbacks import (
    EarlyStopping,
    EpochScoring,
    EpochTimer,
    PassthroughScoring,
    PrintLog,
    ProgressBar,
)
from skorch.utils import is_dataset
from torch import nn
from torch.utils.data import DataLoader

from .._images import check_images
from ..augment import RandomAffine
from ..nets import get_net
from ._callbacks import OneCycleLRScheduler, encoded_accuracy, silent
from ._data import ImageTensorData, TensorBatchIterator, images_to_tensor, reads_channels_first

_OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
               "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}
_INITS = ("default", "xavier", "kaiming")
_DEFAULT_AUGMENT = {"rotation": 10.0, "shift": 2.0}


def resolve_device(device) -> str:
    """``"auto"`` -> CUDA when available, else CPU; a CUDA request without CUDA is an error.

    Examples
    --------
    >>> import torch
    >>> from skimgclf.neural import resolve_device
    >>> resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    True
    >>> resolve_device("cpu")
    'cpu'
    """
    if device is None or device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device={device!r} is not a torch device; use 'auto', 'cpu' or 'cuda'"
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this machine "
            "(torch.cuda.is_available() is False); use device='auto' (CUDA when present, "
            "otherwise CPU) or device='cpu'"
        )
    return str(resolved)


def _check_labels(y, n_samples):
    y = column_or_1d(y, warn=True)
    check_consistent_length(np.empty(n_samples), y)
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinity; drop or label those samples before fit")
    if y.dtype == object and any(v is None or (isinstance(v, float) and math.isnan(v))
                                 for v in y):
        raise ValueError("y contains NaN or None; drop or label those samples before fit")
    check_classification_targets(y)
    return y


def _init_weights(module: nn.Module, init: str):
    if init == "default":
        return
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            if init == "xavier":
                nn.init.xavier_uniform_(layer.weight)
            else:
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


class _NeuralImageClassifier(NeuralNetClassifier):
    """Shared machinery; see :class:`CNNClassifier` for the parameters."""

    _flat_batches = False  # MLPs take (n, H*W*C) rows; conv nets (n, C, H, W) channels_last
    _spatial = True  # whether flat rows must be square images (see check_images)

    # skorch's NeuralNet.__init__ sets these on the instance; as class defaults, __init__ only
    # stores parameters (scikit-learn's convention) and skorch creates them in initialize().
    history_ = None
    initialized_ = False
    virtual_params_ = MappingProxyType({})

    def _store_params(self, params, kwargs):
        for key, value in params.items():
            setattr(self, key, value)
        self._params_to_validate = set(kwargs)
        vars(self).update(kwargs)

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_"; private scratch state is not a param.
        return [k for k in super()._get_param_names() if not k.startswith("_")]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    # ----------------------------------------------------------------- fitting entry points
    def fit(self, X, y, **fit_params):
        """Train the network on images ``X`` with labels ``y`` (any type).

        Parameters
        ----------
        X : array-like or torch.Tensor
            Images in any layout of the image contract: ``(n, d)`` flat, ``(n, H, W)``,
            ``(n, H, W, C)``, or ``(n, C, H, W)`` with ``channels_first=True`` or when
            unambiguous. Integer images are divided by 255 (``input_scale="auto"``).
        y : array-like of shape (n,)
            Labels of any type; ``classes_`` holds them sorted, ``predict`` returns them.
        **fit_params
            Passed to the module's ``forward`` (skorch's routing).

        Returns
        -------
        self
        """
        reset = not (self.warm_start and self.initialized_)
        data = self._prepare_fit(X, y, reset=reset)
        with self._on_device():
            super().fit(data, None, **fit_params)
        return self

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Train ``max_epochs`` more epochs without re-initialising (initialises the first time).

        ``classes`` (all labels that will ever be seen) is used on the first call.
        """
        if isinstance(X, ImageTensorData):  # called by fit() with prepared data
            return super().partial_fit(X, y, classes, **fit_params)
        data = self._prepare_fit(X, y, reset=not self.initialized_, classes=classes)
        with self._on_device():
            super().partial_fit(data, None, **fit_params)
        return self

    def _prepare_fit(self, X, y, *, reset, classes=None):
        self._check_own_params()
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None")
        images = self._check_X(X, reset=reset)
        y = _check_labels(y, len(images))
        if reset:
            encoder = LabelEncoder().fit(y if classes is None else column_or_1d(classes))
            if len(encoder.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes, but y holds "
                    f"only one class: {encoder.classes_[0]!r}"
                )
            self.label_encoder_ = encoder
            self.class_weight_ = self._compute_class_weight(y)
            self.device_ = resolve_device(self.device)
            self._augmenter_ = self._resolve_augment()
        elif self.device_ != resolve_device(self.device):
            self.device_ = resolve_device(self.device)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if len(unknown):
            raise ValueError(f"y holds labels not seen in the first fit: {unknown.tolist()}")
        y_enc = torch.as_tensor(self.label_encoder_.transform(y), dtype=torch.long)
        return self._make_data(images, y_enc)

    def _check_X(self, X, *, reset):
        fitted = None if reset else getattr(self, "image_shape_", None)
        channels_first = reads_channels_first(X, self.channels_first, fitted)
        images, _ = check_images(self, X, reset=reset, image_shape=self.image_shape,
                                 channels_first=channels_first, spatial=self._spatial)
        return images

    def _make_data(self, images, y_enc=None):
        scale = self.input_scale
        if scale == "auto":
            scale = 1 / 255 if images.dtype.kind in "ui" else 1.0
        X_t = images_to_tensor(images, float(scale), self.device_)
        if y_enc is not None:
            y_enc = y_enc.to(X_t.device)
        return ImageTensorData(X_t, y_enc, flat=self._flat_batches)

    def _compute_class_weight(self, y):
        if self.class_weight is None:
            return None
        return compute_class_weight(self.class_weight, classes=self.label_encoder_.classes_, y=y)

    def _resolve_augment(self):
        augment = self.augment
        if augment is None or augment is False:
            return None
        if augment is True or augment == "default":
            return RandomAffine(**_DEFAULT_AUGMENT)
        if isinstance(augment, dict):
            return RandomAffine(**augment)
        if callable(augment):
            return augment
        raise ValueError(
            f"augment={augment!r} is not understood; use None, 'default' (rotation 10 degrees, "
            "shift 2 px), a dict of RandomAffine arguments or a callable(batch, generator)"
        )

    def _check_own_params(self):
        if not isinstance(self.optimizer, type) and str(self.optimizer).lower() not in _OPTIMIZERS:
            raise ValueError(f"optimizer={self.optimizer!r} is not known; use one of "
                             f"{', '.join(_OPTIMIZERS)} or a torch.optim.Optimizer class")
        if self.init not in _INITS:
            raise ValueError(f"init={self.init!r} is not known; use one of {', '.join(_INITS)}")
        if self.validation_fraction is not None:
            if not 0 < self.validation_fraction < 1:
                raise ValueError("validation_fraction must be None or in (0, 1); got "
                                 f"{self.validation_fraction!r}")
            if self.train_split is not None:
                raise ValueError("set either validation_fraction or skorch's train_split, "
                                 "not both")
        if self.early_stopping is not None and (
            isinstance(self.early_stopping, bool) or int(self.early_stopping) < 1
        ):
            raise ValueError("early_stopping is the patience in epochs (an int >= 1) or None; "
                             f"got {self.early_stopping!r}")
        if self.lr_schedule not in (None, "constant", "onecycle"):
            raise ValueError(f"lr_schedule={self.lr_schedule!r} is not known; use 'onecycle', "
                             "'constant' or None")
        if not isinstance(self.batch_size, (int, np.integer)) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive int; got {self.batch_size!r}")

    @property
    def classes_(self):
        check_is_fitted(self, "label_encoder_")
        return self.label_encoder_.classes_

    def check_data(self, X, y=None):
        # fit() validated X and y through the image contract already.
        pass

    @contextmanager
    def _on_device(self):
        # skorch reads self.device everywhere; during a call it is the resolved device
        # ("auto" -> "cpu"/"cuda") and afterwards the parameter is the user's again.
        requested = self.__dict__.get("device")
        self.__dict__["device"] = self.device_
        try:
            yield
        finally:
            # skorch may have moved the net (load_params maps CUDA to the CPU when needed)
            self.device_ = str(self.__dict__["device"])
            self.__dict__["device"] = requested

    # ------------------------------------------------------------- skorch's hooks
    def initialize(self):
        """Seed (from ``random_state``) then build callbacks, module, criterion, optimizer."""
        rng = check_random_state(self.random_state)
        torch_seed, batch_seed = (int(s) for s in rng.randint(0, 2**31 - 1, size=2))
        if self.random_state is not None:
            torch.manual_seed(torch_seed)  # weights, dropout (CPU and every CUDA device)
        self._generator_ = torch.Generator().manual_seed(batch_seed)  # shuffling, augmentation
        self._split_seed_ = int(rng.randint(0, 2**31 - 1))
        if "device_" not in vars(self):
            self.device_ = resolve_device(self.device)
        with self._on_device():
            return super().initialize()

    def _initialize_module(self, reason=None):
        with self._on_device():
            return super()._initialize_module(reason)

    def _initialize_criterion(self, reason=None):
        with self._on_device():
            return super()._initialize_criterion(reason)

    def _module_param_kwargs(self):
        """Estimator parameters that are network arguments (e.g. the MLP's hidden sizes)."""
        return {}

    def _module_data_kwargs(self, factory):
        h, w, c = self.image_shape_
        found = {"in_channels": c, "n_classes": len(self.classes_), "input_shape": (h, w),
                 **self._module_param_kwargs()}
        try:
            params = inspect.signature(factory).parameters
        except (TypeError, ValueError):
            return found
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return found
        return {k: v for k, v in found.items() if k in params}

    def initialize_module(self):
        kwargs = self.get_params_for("module")
        factory = self.module if self.module is not None else get_net(self.architecture)
        if isinstance(factory, nn.Module):
            module = self.initialized_instance(factory, kwargs)
        else:
            module = factory(**{**self._module_data_kwargs(factory), **kwargs})
        _init_weights(module, self.init)
        if not self._flat_batches:
            module = module.to(memory_format=torch.channels_last)
        self.module_ = module
        return self

    def initialize_criterion(self):
        kwargs = self.get_params_for("criterion")
        if getattr(self, "class_weight_", None) is not None and "weight" not in kwargs:
            kwargs["weight"] = torch.as_tensor(self.class_weight_, dtype=torch.float32)
        self.criterion_ = self.initialized_instance(self.criterion, kwargs)
        return self

    def initialize_optimizer(self, triggered_directly=None):
        optimizer = self.optimizer
        if not isinstance(optimizer, type):
            optimizer = _OPTIMIZERS[str(optimizer).lower()]
        args, kwargs = self.get_params_for_optimizer("optimizer",
                                                     self.get_all_learnable_params())
        if self.weight_decay is not None:
            kwargs.setdefault("weight_decay", self.weight_decay)
        self.optimizer_ = optimizer(*args, **kwargs)
        return self

    @property
    def _default_callbacks(self):
        sink = print if self.verbose else silent
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("valid_acc", EpochScoring(encoded_accuracy, name="valid_acc",
                                       lower_is_better=False)),
        ]
        if self.lr_schedule == "onecycle":
            callbacks.append(("lr_scheduler", OneCycleLRScheduler()))
        if self.early_stopping is not None:
            has_valid = self.validation_fraction is not None or self.train_split is not None
            callbacks.append(("early_stopping", EarlyStopping(
                monitor="valid_loss" if has_valid else "train_loss",
                patience=self.early_stopping, load_best=True, sink=sink)))
        if self.progress_bar:
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.append(("print_log", PrintLog()))
        return callbacks

    def _n_train_batches(self, n_samples):
        if self.validation_fraction is not None:
            n_samples -= math.ceil(self.validation_fraction * n_samples)
        return math.ceil(n_samples / self.batch_size)

    def get_split_datasets(self, X, y=None, **fit_params):
        if self.validation_fraction is None:
            y_split = X.y.cpu().numpy() if isinstance(X, ImageTensorData) and y is None else y
            return super().get_split_datasets(X, y_split, **fit_params)
        labels = X.y.cpu().numpy()
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
        if is_dataset(X):
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
        if iterator is not None or not isinstance(dataset, ImageTensorData):
            return (iterator or DataLoader)(dataset, batch_size=batch_size, **kwargs)
        shuffle = kwargs.pop("shuffle", training)
        if kwargs:
            raise ValueError(
                f"{', '.join(prefix + '__' + k for k in kwargs)} is not used by the built-in "
                f"tensor iterator; pass {prefix}=torch.utils.data.DataLoader to use it"
            )
        return TensorBatchIterator(
            dataset, batch_size, shuffle=shuffle, generator=self._generator_,
            transform=self._augmenter_ if training else None, device=self.device_,
            # BatchNorm cannot train on a batch of one image: skip such a trailing batch.
            drop_last=training and len(dataset) % batch_size == 1 and len(dataset) > 1,
        )

    # ----------------------------------------------------------------- prediction
    def predict_proba(self, X):
        """Class probabilities, one row per image, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like or torch.Tensor
            Images in the layout accepted by ``fit`` (same image shape and channels).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "label_encoder_")
        data = X if is_dataset(X) else self.get_dataset(X)
        with self._on_device():
            proba = super().predict_proba(data)
        return proba.astype(np.float64)

    def predict(self, X):
        """The most probable label of each image (labels of ``y``, not indices).

        Parameters
        ----------
        X : array-like or torch.Tensor

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def forward_iter(self, X, training=False, device="cpu"):
        with self._on_device():
            yield from super().forward_iter(X, training=training, device=device)

    # ----------------------------------------------------------------- persistence
    def load_params(self, *args, **kwargs):
        """skorch's ``load_params`` (``weights_only`` loading), onto this estimator's device."""
        if "device_" not in vars(self):
            self.device_ = resolve_device(self.device)
        with self._on_device():
            return super().load_params(*args, **kwargs)

    def __setstate__(self, state):
        # Map tensors to the device they were on, or to the CPU when it is missing here
        # (skorch's map_location logic); "auto" stays "auto", device_ tells where it lives.
        requested = state.get("device")
        state["device"] = state.get("device_") or ("cpu" if requested == "auto" else requested)
        super().__setstate__(state)
        if "device_" in state:
            self.device_ = str(self.__dict__["device"])
        if requested == "auto":
            self.__dict__["device"] = "auto"
