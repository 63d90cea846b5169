"""The skorch ``NeuralNetClassifier`` subclass shared by the CNN and MLP estimators.

What skorch does is left to skorch (callbacks, history, ``module__*``/``optimizer__*`` routing,
``set_params``, persistence). This class overrides only the hooks that make it an image
classifier with a fast path:

- ``fit``/``partial_fit``: every parameter checked against ``_parameter_constraints`` (built
  in ``_params.py``) and the routed ``prefix__name`` ones against what they reach; the image
  contract, labels of any type (``LabelEncoder``), one float32 tensor per call on the device;
- ``get_dataset``/``get_iterator``: batches by slicing that tensor (no per-sample collate);
- ``initialize``: seeding; ``initialize_module``/``_criterion``/``_optimizer``: fill the
  network's arguments from the data, class weights, optimizer by name.
"""

from __future__ import annotations

import inspect
import math
import threading
import warnings
from contextlib import contextmanager, nullcontext
from numbers import Real
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
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator, to_numpy, to_tensor
from torch import nn
from torch.utils.data import DataLoader

from .._console import epoch_log
from .._images import check_images
from .._labels import as_labels
from .._sklearn_compat import (
    InvalidParameterError,
    validate_parameter_constraints,
    validate_params,
)
from .._sources import ImageDataset
from ..augment import RandomAffine
from ..nets import get_net
from ._callbacks import OneCycleLRScheduler, encoded_accuracy, silent
from ._data import (
    ImageTensorData,
    InputTransform,
    StreamData,
    TensorBatchIterator,
    images_to_tensor,
)
from ._distributed import average_buffers, mean_over_processes, same_seeds, shard, world
from ._input import as_source, check_source, input_scale, input_statistics
from ._params import OPTIMIZERS, ROUTING_PREFIXES
from ._tta import averaged_proba, tta_views

_DEFAULT_AUGMENT = {"rotation": 10.0, "shift": 2.0}
# scikit-learn's wording for regression targets given to a classifier (its checks look for it).
_CONTINUOUS_HINT = (
    "Unknown label type: continuous. A classifier needs class labels; use a regressor for "
    "continuous targets"
)


_THREAD_STATE = threading.local()


def _active_devices() -> dict:
    """This thread's ``id(estimator) -> device`` of the calls in progress (see ``device``)."""
    devices = getattr(_THREAD_STATE, "devices", None)
    if devices is None:
        devices = _THREAD_STATE.devices = {}
    return devices


# precision -> the dtype of torch.autocast on CUDA (None: float32 throughout)
AUTOCAST_DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


@validate_params({"device": [str, torch.device, None]}, prefer_skip_nested_validation=True)
def resolve_device(device) -> str:
    """``"auto"`` -> CUDA when available, else CPU; a CUDA request without CUDA is an error.

    The estimators resolve their ``device`` parameter with it at ``fit`` (into ``device_``), so
    that ``device="auto"`` runs on whatever the machine has, and an impossible request fails
    at once with a message saying what to pass instead.

    Parameters
    ----------
    device : str, torch.device or None
        ``"auto"`` (or None), or any torch device (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...).

    Returns
    -------
    str
        The device, as ``str(torch.device(...))``.

    Raises
    ------
    ValueError
        When ``device`` is not a torch device, or names CUDA on a machine without it.

    See Also
    --------
    CNNClassifier : Its ``device`` parameter is resolved by this function.

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
    # Mixed str/number labels, NaN/None and scores are refused by the package's one label rule
    # (numpy would silently turn [0, "a"] into strings); the rest is scikit-learn's own checks.
    as_labels(y, "y", hint=_CONTINUOUS_HINT)
    y = column_or_1d(y, warn=True)
    check_consistent_length(np.empty(n_samples), y)
    check_classification_targets(y)
    return y


def _argument_names(factory):
    """The keyword arguments ``factory`` takes; None when it takes any (``**kwargs``) or its
    signature cannot be read."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return None
    return {n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _check_arguments(owner, prefix, kwargs, factory, shown, hidden=()):
    """Each routed ``prefix__name`` in ``kwargs`` must be an argument of ``factory``."""
    accepted = _argument_names(factory) if kwargs else None
    if accepted is None:
        return
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        takes = ", ".join(n for n in inspect.signature(factory).parameters
                          if n in accepted and n not in hidden)
        verb = "is not an argument" if len(unknown) == 1 else "are not arguments"
        raise InvalidParameterError(
            f"{', '.join(prefix + '__' + k for k in unknown)} {verb} of {shown}, which takes "
            f"{takes} ({owner} passes each {prefix}__<name> to it as <name>)"
        )


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
    _module_params: dict = {}  # estimator parameter -> the architecture argument it fills
    _parameter_constraints: dict = {}  # set by _params.declare_parameters on each estimator
    _param_defaults: dict = {}

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

    def set_params(self, **params):
        """Set parameters (skorch's ``set_params``; they are checked at the next ``fit``).

        ``callbacks`` is set like any parameter: skorch would first rebuild the callback list
        from the old value, and an invalid old value would raise here instead of in ``fit``.

        Parameters
        ----------
        **params
            Estimator parameters and skorch's routed ones (``module__*``, ...).

        Returns
        -------
        self
            The estimator.
        """
        if "callbacks" in params:
            vars(self)["callbacks"] = params.pop("callbacks")
            self._params_to_validate.add("callbacks")
        return super().set_params(**params)

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_"; private scratch state is not a param.
        return [k for k in super()._get_param_names() if not k.startswith("_")]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    # ----------------------------------------------------------------- fitting entry points
    def fit(self, X, y=None, **fit_params):
        """Train the network on images ``X`` with labels ``y`` (any type).

        Parameters
        ----------
        X : array-like, torch.Tensor or image set read on demand
            Images in any layout of the image contract: ``(n, d)`` flat, ``(n, H, W)``,
            ``(n, H, W, C)``, or ``(n, C, H, W)`` with ``channels_first=True`` or when
            unambiguous. Integer images are divided by 255 (``input_scale="auto"``). Or images
            read batch by batch, never whole: a ``numpy.memmap``, an
            :class:`~skimgclf.datasets.ImageFolderDataset`, any map-style torch ``Dataset``
            (items ``image`` or ``(image, label)``, tensors in ``(C, H, W)`` order).
        y : array-like of shape (n,) or None, default=None
            Labels of any type; ``classes_`` holds them sorted, ``predict`` returns them.
            None only for an image set that carries its labels (``targets``).
        **fit_params
            Passed to the module's ``forward`` (skorch's routing).

        Returns
        -------
        self
            The fitted estimator.
        """
        self._check_params()
        reset = not (self.warm_start and self.initialized_)
        data = self._prepare_fit(X, y, reset=reset)
        with self._on_device():
            super().fit(data, None, **fit_params)
        return self

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Train ``max_epochs`` more epochs without re-initialising (initialises the first time).

        ``classes`` (all labels that will ever be seen) is used on the first call.

        Parameters
        ----------
        X : array-like or torch.Tensor
            Images in any layout of the image contract, as in ``fit``; on later calls of the
            image shape seen at the first.
        y : array-like of shape (n,)
            Labels (required; None is an error).
        classes : array-like or None, default=None
            Every label ``y`` will hold over all calls; None takes those of the first ``y``.
        **fit_params
            Passed to the module's ``forward`` (skorch's routing).

        Returns
        -------
        self
            The estimator, trained further.
        """
        if isinstance(X, (ImageTensorData, StreamData)):  # called by fit() with prepared data
            return super().partial_fit(X, y, classes, **fit_params)
        self._check_params()
        data = self._prepare_fit(X, y, reset=not self.initialized_, classes=classes)
        with self._on_device():
            super().partial_fit(data, None, **fit_params)
        return self

    def _prepare_fit(self, X, y, *, reset, classes=None):
        images = self._check_X(X, reset=reset)
        if y is None and isinstance(images, ImageDataset):
            y = images.targets  # an image folder, a torch Dataset of (image, label) pairs
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None")
        y = _check_labels(y, len(images))
        self._check_validation_fraction(len(images))
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
        if self.precision != "fp32" and torch.device(self.device_).type != "cuda":
            warnings.warn(
                f"precision={self.precision!r} applies on CUDA only; {type(self).__name__} "
                f"trains in float32 on {self.device_}", UserWarning, stacklevel=3)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if len(unknown):
            raise ValueError(f"y holds labels not seen in the first fit: {unknown.tolist()}")
        y_enc = torch.as_tensor(self.label_encoder_.transform(y), dtype=torch.long)
        if reset:
            self._fit_input_statistics(images)
        return self._make_data(images, y_enc)

    def _check_X(self, X, *, reset):
        """Arrays as ``(n, H, W, C)`` images; an image set read on demand as it is."""
        source = as_source(X, self.channels_first,
                           None if reset else getattr(self, "image_shape_", None))
        if source is not None:
            return check_source(self, source, reset=reset)
        images, _ = check_images(self, X, reset=reset, image_shape=self.image_shape,
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
        return input_scale(images, self.input_scale,
                           caller=f"{type(self).__name__}(input_scale='auto')")

    def _fit_input_statistics(self, images):
        """``input_mean_``/``input_std_`` of ``normalize``, in the units after the scale."""
        for name in ("input_mean_", "input_std_"):
            vars(self).pop(name, None)
        if self.normalize is not None:
            mean, std = input_statistics(images, self.normalize)  # chunked: no float copy
            scale = self._scale(images)
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
                raise ValueError(
                    f"class_weight='balanced' weighs each class by its count in y, but y holds "
                    f"no sample of {missing.tolist()} (given in classes=); pass a dict of weights "
                    "or a first batch holding every class"
                )
            return compute_class_weight("balanced", classes=classes, y=y)
        known = set(classes.tolist())
        unknown = [k for k in weights if k not in known]
        if unknown:
            raise ValueError(
                f"class_weight has keys that are not labels of y: {unknown}; its keys must be "
                f"among the classes {classes.tolist()}"
            )
        bad = {k: v for k, v in weights.items()
               if isinstance(v, (bool, np.bool_)) or not isinstance(v, Real)
               or not math.isfinite(v) or v < 0}
        if bad or not any(v > 0 for v in weights.values()) and len(weights) == len(classes):
            raise ValueError(
                f"class_weight values must be finite numbers >= 0, at least one of them > 0; "
                f"got {bad or weights}"
            )
        return compute_class_weight(weights, classes=classes, y=y)

    def _resolve_augment(self):
        augment = self.augment  # its type was checked against the constraints
        if augment is None or augment is False:
            return None
        if augment is True or augment == "default":
            return RandomAffine(**_DEFAULT_AUGMENT)
        if isinstance(augment, dict):
            return RandomAffine(**augment)
        return augment

    # ----------------------------------------------------------------- parameter checks
    def _check_params(self):
        """Check every parameter, once per ``fit``/``partial_fit`` call, before any work.

        The declared constraints first (scikit-learn's ``InvalidParameterError``), then what
        the constraints cannot express: combinations, and the routed ``prefix__name``
        parameters against the arguments of what they reach.
        """
        name = type(self).__name__
        validate_parameter_constraints(self._parameter_constraints,
                                       self.get_params(deep=False), caller_name=name)
        if self.validation_fraction is not None and self.train_split is not None:
            raise InvalidParameterError(
                f"{name} got both validation_fraction={self.validation_fraction!r} and "
                "train_split; set either validation_fraction or skorch's train_split, not both"
            )
        if isinstance(self.augment, dict):
            try:
                RandomAffine(**self.augment)
            except (TypeError, ValueError) as exc:
                raise InvalidParameterError(
                    f"The 'augment' parameter of {name} holds a bad RandomAffine argument: "
                    f"{exc}"
                ) from None
        self._check_onecycle_momentum()
        self._check_routed_params()

    def _optimizer_class(self):
        if isinstance(self.optimizer, str):
            return OPTIMIZERS[self.optimizer]
        return self.optimizer

    def _check_onecycle_momentum(self):
        if self.lr_schedule != "onecycle":
            return
        if not self.get_params_for("callbacks__lr_scheduler").get("cycle_momentum", True):
            return
        optimizer = self._optimizer_class()
        params = _argument_names(optimizer)
        if params is not None and "momentum" not in params and "betas" not in params:
            raise InvalidParameterError(
                f"lr_schedule='onecycle' cycles the optimizer's momentum, which "
                f"{optimizer.__name__} has not (no momentum or betas argument); use "
                "lr_schedule='constant', an optimizer with momentum ('adamw', 'adam', 'sgd', "
                "'rmsprop') or callbacks__lr_scheduler__cycle_momentum=False"
            )

    def _module_factory(self):
        """(what builds the module, its name in messages, whether data arguments reach it)."""
        if self.module is None:
            return get_net(self.architecture), f"architecture {self.architecture!r}", True
        if isinstance(self.module, nn.Module):
            return type(self.module), f"module {type(self.module).__name__}", False
        shown = getattr(self.module, "__name__", repr(self.module))
        return self.module, f"module {shown}", True

    def _check_routed_params(self):
        cls = type(self).__name__
        routed = [k for k in self._get_param_names() if "__" in k]
        unknown = sorted(k for k in routed if k.split("__")[0] not in ROUTING_PREFIXES)
        if unknown:
            raise InvalidParameterError(
                f"{cls} got {', '.join(unknown)}, which no routing prefix matches; routed "
                f"parameters start with {', '.join(p + '__' for p in ROUTING_PREFIXES[:-2])} "
                "or compile__"
            )
        dataset = [k for k in routed if k.startswith("dataset__")]
        if dataset:
            raise InvalidParameterError(
                f"{', '.join(dataset)} of {cls} would be ignored: the estimator builds its own "
                "in-memory tensor dataset; drop it (use iterator_train=DataLoader and its "
                "iterator_train__* arguments to change the loading)"
            )
        factory, shown, takes_data = self._module_factory()
        module_kwargs = self.get_params_for("module")
        _check_arguments(cls, "module", module_kwargs, factory, shown)
        accepted = _argument_names(factory) if takes_data else set()
        for param, argument in self._module_params.items():
            value = getattr(self, param)
            if (accepted is not None and argument not in accepted
                    and argument not in module_kwargs and value != self._param_defaults[param]):
                takes = ", ".join(sorted(accepted)) or "no arguments from the estimator"
                raise InvalidParameterError(
                    f"{param}={value!r} cannot reach {shown}, which takes no {argument!r} "
                    f"argument (it takes {takes}); leave {param} at its default or choose an "
                    "architecture that takes it, such as 'mlp'"
                )
        # param_groups (and skorch's older param_groups__* spelling) are skorch's own: it splits
        # the module's parameters by name pattern before the optimizer sees them.
        optimizer_kwargs = {k: v for k, v in self.get_params_for("optimizer").items()
                            if "__" not in k and k != "param_groups"}
        optimizer = self._optimizer_class()
        _check_arguments(cls, "optimizer", optimizer_kwargs, optimizer,
                         f"{optimizer.__module__}.{optimizer.__name__}", hidden={"params"})
        criterion = self.criterion if isinstance(self.criterion, type) else type(self.criterion)
        _check_arguments(cls, "criterion", self.get_params_for("criterion"), criterion,
                         f"criterion {criterion.__name__}")
        for prefix in ("iterator_train", "iterator_valid"):
            kwargs = self.get_params_for(prefix)
            iterator = getattr(self, prefix)
            if iterator is None:
                extra = sorted(set(kwargs) - {"shuffle", "batch_size"})
                if extra:
                    raise InvalidParameterError(
                        f"{', '.join(prefix + '__' + k for k in extra)} is not used by the "
                        f"built-in tensor iterator (it takes {prefix}__shuffle and "
                        f"{prefix}__batch_size); pass {prefix}=torch.utils.data.DataLoader "
                        "to use it"
                    )
            else:
                shown = f"{prefix} {getattr(iterator, '__name__', repr(iterator))}"
                _check_arguments(cls, prefix, kwargs, iterator, shown, hidden={"dataset"})
        _check_arguments(cls, "compile", self.get_params_for("compile"), torch.compile,
                         "torch.compile", hidden={"model"})
        self._check_callback_names()

    def _check_callback_names(self):
        given = {k.split("__")[1] for k in self._get_param_names() if k.startswith("callbacks__")}
        if not given:
            return
        names = ([] if self.callbacks == "disable"
                 else [name for name, _ in self._uniquely_named_callbacks()])
        unknown = sorted(given - set(names))
        if unknown:
            raise InvalidParameterError(
                f"{type(self).__name__} has no callback named {', '.join(map(repr, unknown))} "
                f"(set as callbacks__<name>...); with these parameters its callbacks are "
                f"{', '.join(names) or 'none'} (lr_scheduler needs lr_schedule='onecycle', "
                "early_stopping needs early_stopping=<patience>, progress_bar needs "
                "progress_bar=True)"
            )

    def _check_validation_fraction(self, n_samples):
        if self.validation_fraction is None:
            return
        n_valid = math.ceil(self.validation_fraction * n_samples)
        if n_samples - n_valid < 2:
            raise ValueError(
                f"validation_fraction={self.validation_fraction!r} holds out {n_valid} of the "
                f"{n_samples} samples, which leaves {n_samples - n_valid} to train on (at "
                "least 2 are needed); lower validation_fraction or pass more samples"
            )

    @property
    def classes_(self):
        check_is_fitted(self, "label_encoder_")
        return self.label_encoder_.classes_

    def check_data(self, X, y=None):
        """Accept the data: ``fit`` has validated it through the image contract already.

        Parameters
        ----------
        X : ImageTensorData or array-like
            The data skorch's ``fit`` hands on.
        y : array-like or None, default=None
            Not used (the labels travel inside the prepared data).
        """
        # fit() validated X and y through the image contract already.
        pass

    # skorch reads ``self.device`` wherever it places a tensor. During a call of this estimator
    # (fit, predict, ...) the calling thread sees the resolved ``device_`` ("auto" -> "cpu" or
    # "cuda"); every other reader -- get_params, clone, pickle, another thread's call -- sees the
    # parameter as the user set it. A per-thread view, not a swap of the attribute: a swap would
    # make a prediction change a parameter, and concurrent predictions race on it.
    @property
    def device(self):
        """The ``device`` parameter (or, inside this thread's call, the resolved device)."""
        active = _active_devices().get(id(self))
        return self.__dict__.get("device", "auto") if active is None else active

    @device.setter
    def device(self, value):
        devices = _active_devices()
        if id(self) in devices:  # skorch moving the net during a call (load_params on a
            devices[id(self)] = value  # machine without CUDA): the call's device, not the param
        else:
            self.__dict__["device"] = value

    @contextmanager
    def _on_device(self):
        devices, key = _active_devices(), id(self)
        outer = devices.get(key)
        devices[key] = outer if outer is not None else self.device_
        try:
            yield
        finally:
            final = str(devices.pop(key))
            if outer is not None:
                devices[key] = outer
            if final != self.device_:  # skorch moved the net (never during a prediction)
                self.device_ = final

    # ------------------------------------------------------------- skorch's hooks
    def initialize(self):
        """Seed (from ``random_state``) then build callbacks, module, criterion, optimizer.

        Returns
        -------
        self
            The initialised estimator (skorch's ``initialize``).
        """
        rng = check_random_state(self.random_state)
        torch_seed, batch_seed = (int(s) for s in rng.randint(0, 2**31 - 1, size=2))
        split_seed = int(rng.randint(0, 2**31 - 1))
        # Data-parallel: process 0's seeds everywhere (same batches, split and weights).
        torch_seed, batch_seed, split_seed = same_seeds(torch_seed, batch_seed, split_seed)
        if self.random_state is not None or world()[1] > 1:
            torch.manual_seed(torch_seed)  # weights, dropout (CPU and every CUDA device)
        self._generator_ = torch.Generator().manual_seed(batch_seed)  # shuffling, augmentation
        self._split_seed_ = split_seed
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
        kwargs = {arg: getattr(self, param) for param, arg in self._module_params.items()}
        if "hidden" in kwargs:
            kwargs["hidden"] = tuple(kwargs["hidden"])
        return kwargs

    def _module_data_kwargs(self, factory):
        h, w, c = self.image_shape_
        found = {"in_channels": c, "n_classes": len(self.classes_), "input_shape": (h, w),
                 **self._module_param_kwargs()}
        accepted = _argument_names(factory)
        if accepted is None:
            return found
        return {k: v for k, v in found.items() if k in accepted}

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
        optimizer = self._optimizer_class()
        args, kwargs = self.get_params_for_optimizer("optimizer",
                                                     self.get_all_learnable_params())
        if self.weight_decay is not None:
            kwargs.setdefault("weight_decay", self.weight_decay)
        self.optimizer_ = optimizer(*args, **kwargs)
        return self

    @property
    def _default_callbacks(self):
        # Epoch lines go out flushed and, off a terminal, without colour codes (a log file or a
        # notebook reads them as text); skorch's sinks other than print ignore verbose, so a
        # silent net gets the silent sink.
        sink = epoch_log if self.verbose else silent
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
        callbacks.append(("print_log", PrintLog(sink=sink)))
        return callbacks

    def _autocast(self):
        """``torch.autocast`` of the ``precision`` setting on CUDA; nothing elsewhere."""
        dtype = AUTOCAST_DTYPES[getattr(self, "precision", "fp32")]
        if dtype is None or torch.device(self.device_).type != "cuda":
            return nullcontext()
        return torch.autocast("cuda", dtype=dtype)

    def infer(self, x, **fit_params):
        ddp = getattr(self, "_ddp_", None)
        with self._autocast():
            if ddp is not None and self.module_.training:  # gradients averaged by DDP
                out = ddp(to_tensor(x, device=self.device), **fit_params)
            else:
                out = super().infer(x, **fit_params)
        # the loss, the softmax and the callbacks see float32 logits
        return out.float() if torch.is_tensor(out) and out.is_floating_point() else out

    def _grad_scaler(self):
        """The fp16 loss scaler (made on first use, never pickled: it holds CUDA state)."""
        if self.precision != "fp16" or torch.device(self.device_).type != "cuda":
            return None
        if getattr(self, "_grad_scaler_", None) is None:
            self._grad_scaler_ = torch.amp.GradScaler("cuda")
        return self._grad_scaler_

    def train_step_single(self, batch, **fit_params):
        scaler = self._grad_scaler()
        if scaler is None:
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        scaler.scale(loss).backward()
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch, **fit_params):
        step = self._train_step(batch, **fit_params)
        # history_ (and early stopping on train_loss) see the loss of the whole global batch
        step["loss"] = mean_over_processes(step["loss"])
        return step

    def _train_step(self, batch, **fit_params):
        scaler = self._grad_scaler()
        if scaler is None:
            return super().train_step(batch, **fit_params)
        # GradScaler.step takes no closure: one forward/backward, unscaled gradients for the
        # callbacks (gradient clipping sees true values), then a step skipped on inf/NaN.
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        optimizers = [getattr(self, name + "_") for name in self._optimizers]
        for optimizer in optimizers:
            scaler.unscale_(optimizer)
        self.notify("on_grad_computed",
                    named_parameters=TeeGenerator(self.get_all_learnable_params()),
                    batch=batch, training=True)
        for optimizer in optimizers:
            scaler.step(optimizer)
        scaler.update()
        return step

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        if isinstance(X, (ImageTensorData, StreamData)) and len(X):
            # skorch threads private keywords (_routing_method) through fit_params
            forward = {k: v for k, v in fit_params.items() if not k.startswith("_")}
            self._check_module_takes_batches(X, forward)
        with self._data_parallel():
            return super().fit_loop(X, y, epochs=epochs, **fit_params)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        if training:  # data-parallel: one BatchNorm state before validation, in every process
            with torch.no_grad():
                average_buffers(self.module_)

    @contextmanager
    def _data_parallel(self):
        """``_ddp_``, the module under ``DistributedDataParallel``, while a process group of
        several processes trains (see ``_distributed``); nothing in a single process."""
        if world()[1] == 1:
            yield
            return
        on_cuda = torch.device(self.device_).type == "cuda"
        # vars(): skorch refuses torch modules set outside initialize; this one is scratch
        vars(self)["_ddp_"] = torch.nn.parallel.DistributedDataParallel(
            self.module_, device_ids=[torch.device(self.device_).index or 0] if on_cuda else None)
        try:
            yield
        finally:
            vars(self).pop("_ddp_", None)

    def _check_module_takes_batches(self, data, fit_params):
        """One forward pass on two training images, in eval mode without gradients (no random
        draws, BatchNorm statistics untouched): a network that cannot take this estimator's
        batches, or returns the wrong number of logits, fails here with a message that says
        so, instead of deep inside torch."""
        module = getattr(self.module_, "_orig_mod", self.module_)  # not the compiled one
        xb, _ = data.batch(slice(0, 2), self.device_)
        _, shown, _ = self._module_factory()
        if self._flat_batches:
            layout = "flat rows"
            fix = ("use CNNClassifier for convolutional networks, or an architecture for flat "
                   "rows such as 'mlp'")
        else:
            layout = "(batch, C, H, W) images"
            fix = ("give it a network for images, or use TorchMLPClassifier for networks on "
                   "flat rows")
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                out = module(xb, **fit_params)
        except (RuntimeError, ValueError, TypeError, IndexError) as exc:
            raise ValueError(
                f"{type(self).__name__} feeds its network {layout} of shape "
                f"{tuple(xb.shape)}, which {shown} cannot take ({type(exc).__name__}: {exc}); "
                f"{fix}"
            ) from exc
        finally:
            module.train(was_training)
        out = out[0] if isinstance(out, (tuple, list)) else out
        expected = (len(xb), len(self.classes_))
        if (isinstance(self.criterion_, nn.CrossEntropyLoss) and torch.is_tensor(out)
                and tuple(out.shape) != expected):
            raise ValueError(
                f"{shown} returns outputs of shape {tuple(out.shape)} for a batch of "
                f"{len(xb)}, but CrossEntropyLoss needs {expected} logits, one per class of y; "
                "check module__n_classes or the network's last layer"
            )

    def _n_train_batches(self, n_samples):
        if self.validation_fraction is not None:
            n_samples -= math.ceil(self.validation_fraction * n_samples)
        return math.ceil(n_samples / self.batch_size)

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
            raise ValueError(
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
            Float64 probabilities; each row sums to 1.
        """
        check_is_fitted(self, "label_encoder_")
        views = tta_views(self.tta)  # checked here too: tta may be set after fit
        data = self.get_dataset(X)
        with self._on_device():
            if len(views) == 1:
                proba = super().predict_proba(data)
            else:
                proba = self._tta_proba(data, views)
        return proba.astype(np.float64)

    def _tta_proba(self, data, views):
        """skorch's predict_proba loop, each batch seen through every view."""
        nonlin = self._get_predict_nonlinearity()
        shape = self.image_shape_ if self._flat_batches else None
        probas = []
        self._set_training(False)
        with torch.no_grad():
            for batch in self.get_iterator(data, training=False):
                xb = unpack_data(batch)[0]
                probas.append(to_numpy(averaged_proba(self.infer, nonlin, xb, views, shape)))
        return np.concatenate(probas, 0)

    def predict(self, X):
        """The most probable label of each image (labels of ``y``, not indices).

        Parameters
        ----------
        X : array-like or torch.Tensor
            Images in the layout accepted by ``fit`` (same image shape and channels).

        Returns
        -------
        ndarray of shape (n_samples,)
            The predicted labels, of the type of the ``y`` given to ``fit``.
        """
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def forward_iter(self, X, training=False, device="cpu"):
        with self._on_device():
            yield from super().forward_iter(X, training=training, device=device)

    # ----------------------------------------------------------------- persistence
    def load_params(self, *args, **kwargs):
        """Load saved parameters as skorch's ``load_params`` does, onto this estimator's device.

        The tensors are read with ``weights_only`` loading (an untrusted file cannot run code)
        and mapped to ``device_`` (resolved from ``device`` when not fitted yet).

        Parameters
        ----------
        *args
            Positional arguments of skorch's ``load_params`` (``f_params``, ...).
        **kwargs
            Its keyword arguments (``f_params``, ``f_optimizer``, ``f_history``,
            ``checkpoint``, ...).

        Returns
        -------
        None
            The parameters are loaded into the estimator itself, as in skorch.
        """
        if "device_" not in vars(self):
            self.device_ = resolve_device(self.device)
        with self._on_device():
            return super().load_params(*args, **kwargs)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_grad_scaler_", None)  # CUDA state; remade on the next fp16 step
        state.pop("_ddp_", None)  # a process group's, not the model's
        return state

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
