"""The skorch ``NeuralNetClassifier`` subclass shared by the CNN and MLP estimators.

What skorch does is left to skorch (callbacks, history, ``module__*``/``optimizer__*`` routing,
``set_params``, persistence). This class is skorch's hooks plus our choices; each concern it
mixes in has its own module:

- ``_prepare.DataMixin``: the image contract, labels of any type, images kept in their own
  dtype (arrays) or read on demand (image sets), the validation split as a view, the iterator;
- ``_checks.ParamChecksMixin``: every parameter against ``_parameter_constraints`` (built in
  ``_params.py``), the routed ``prefix__name`` ones against what they reach;
- ``_device.DeviceMixin``: ``device`` read per thread, mixed precision;
- here: seeding and building the network, optimizer and callbacks (``initialize*``), the
  training step (data-parallel under ``_distributed``), prediction with TTA, persistence.
"""

from __future__ import annotations

import copy
import math
from contextlib import contextmanager
from types import MappingProxyType

import numpy as np
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
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
from skorch.utils import to_numpy, to_tensor
from torch import nn

from .._console import epoch_log
from ..exceptions import InputError, InputTypeError
from ..nets import get_net
from ._callbacks import (
    OneCycleLRScheduler,
    WeightAverage,
    _uncompiled,
    encoded_accuracy,
    silent,
)
from ._checks import ParamChecksMixin, _argument_names
from ._data import (
    ImageTensorData,
    StreamData,
)
from ._device import DeviceMixin, resolve_device
from ._distributed import average_buffers, mean_over_processes, same_seeds, world
from ._prepare import DataMixin
from ._tta import averaged_proba, tta_views

_BATCHNORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def _init_weights(module: nn.Module, init: str):
    if init == "default":
        return
    if init == "dirac":
        _init_dirac(module)
        return
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            if init == "xavier":
                nn.init.xavier_uniform_(layer.weight)
            else:
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def _init_dirac(module: nn.Module):
    """airbench's identity initialisation: each plain convolution (odd square kernel, no
    groups) with at least as many outputs as inputs starts with its first ``in_channels``
    filters passing their input channel through unchanged, the others as torch initialised
    them, so that a deep stack starts near the identity."""
    for layer in module.modules():
        if (isinstance(layer, nn.Conv2d) and layer.groups == 1
                and layer.kernel_size[0] == layer.kernel_size[1]
                and layer.kernel_size[0] % 2 == 1
                and layer.out_channels >= layer.in_channels):
            with torch.no_grad():
                nn.init.dirac_(layer.weight[:layer.in_channels])


# Images given to a network's init_from_data: enough for the statistics of small patches, few
# enough (and at most ~64 MB of float32) to cost a fraction of one epoch.
_DATA_INIT_IMAGES = 2000
_DATA_INIT_VALUES = 1 << 24


def _init_from_data(module: nn.Module, train, device):
    """Call ``module.init_from_data`` (if it has one) with training images, evenly spaced
    (no random draw: the seeded batches stay the same), converted but not augmented."""
    prepared = isinstance(train, (ImageTensorData, StreamData))
    if not (prepared and hasattr(module, "init_from_data")):
        return
    n = len(train)
    per_image = max(1, math.prod(train.image_shape))
    k = max(1, min(n, _DATA_INIT_IMAGES, _DATA_INIT_VALUES // per_image))
    xb, _ = train.batch(slice(0, n, math.ceil(n / k)), device)
    with torch.no_grad():
        module.init_from_data(xb)


class _NeuralImageClassifier(DataMixin, ParamChecksMixin, DeviceMixin, NeuralNetClassifier):
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
        # stored as they are: skorch's __setattr__ takes a torch Module instance (module=,
        # criterion=) for a component set outside initialize() once initialized_ exists
        vars(self).update(params)
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
        instances = {key: params.pop(key) for key in ("module", "criterion")
                     if isinstance(params.get(key), torch.nn.Module)}
        vars(self).update(instances)  # as skorch's __init__ takes them (its setattr refuses)
        if "criterion" in instances and self.initialized_:
            self._initialize_criterion()  # as skorch does for a criterion class
        rebuilt = sorted(k for k in params if k == "module" or k.startswith("module__"))
        fitted = "label_encoder_" in vars(self) and getattr(self, "initialized_", False)
        super().set_params(**params)
        if rebuilt and fitted:
            # skorch rebuilds the network when a module parameter changes: its weights are new
            # and untrained, and predict must not pass them off as the fitted ones.
            self._rebuilt_by_ = rebuilt
        return self

    def get_params(self, deep=True, **kwargs):
        """Get parameters (skorch's ``get_params``), the ``callbacks__*`` ones as set.

        skorch's deep listing reads them off freshly made default callbacks, which hold their
        defaults: ``set_params(**get_params())`` would silently reset them.

        Parameters
        ----------
        deep : bool, default=True
            Also the parameters of the callbacks and of the other components.
        **kwargs
            Passed to skorch's ``get_params``.

        Returns
        -------
        dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep, **kwargs)
        if deep:
            params.update({key: value for key, value in vars(self).items()
                           if key.startswith("callbacks__") and key in params})
        return params

    def __sklearn_is_fitted__(self):
        # a fit that failed leaves module_ and the other parts of the attempt behind
        return bool(self.initialized_) and "label_encoder_" in vars(self)

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
        with self._fitting(reset):
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
        reset = not self.initialized_
        with self._fitting(reset):
            data = self._prepare_fit(X, y, reset=reset, classes=classes)
            with self._on_device():
                super().partial_fit(data, None, **fit_params)
        return self

    @contextmanager
    def _fitting(self, reset):
        """What every fit (``fit``, ``partial_fit``) runs in: its own random stream, and
        unfitted if it fails before training."""
        with self._unfitted_if_it_fails(reset), self._own_random_stream(reset):
            yield

    def _seeded(self):
        return self.random_state is not None or world()[1] > 1

    @contextmanager
    def _own_random_stream(self, reset):
        """A seeded fit draws its weights and dropout from torch's global generator (torch
        has no other for them): in a fork of it, so that the caller's stream is left as it was.
        Training on is seeded from the estimator's own generator, the same at every run."""
        if not self._seeded():
            yield
            return
        # the CPU generator, and the one of the GPU the fit runs on (not every visible GPU:
        # that would start CUDA on all of them, for a fit on the CPU too)
        device = torch.device(resolve_device(self.device))
        gpus = [] if device.type != "cuda" else [
            device.index if device.index is not None else torch.cuda.current_device()]
        with torch.random.fork_rng(devices=gpus):
            if not reset:
                torch.manual_seed(int(torch.randint(2**31 - 1, (1,),
                                                    generator=self._generator_)))
            yield

    @contextmanager
    def _unfitted_if_it_fails(self, reset):
        """A fit from scratch that is refused or stopped before training (an error, Ctrl-C
        while the network is built) leaves the estimator unfitted: the labels of the new fit
        beside the old network, or untrained weights, would still predict. (Ctrl-C during the
        epochs is skorch's: it keeps the weights trained so far.)"""
        try:
            yield
        except BaseException:
            if reset:
                vars(self).pop("label_encoder_", None)
                self.initialized_ = False
            raise


    # ----------------------------------------------------------------- parameter checks


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
        if self._seeded():
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
            if module is factory:
                # the parameter is the starting point of every fit (and of clones), never
                # trained in place
                module = copy.deepcopy(factory)
        else:
            arguments = {**self._module_data_kwargs(factory), **kwargs}
            try:
                module = factory(**arguments)
            except TypeError as exc:  # a signature that does not take what is passed
                raise InputError(
                    f"{self._module_factory()[1]} could not be built with the arguments "
                    f"{sorted(arguments)} ({exc}); a network takes in_channels, n_classes and "
                    "input_shape (or **kwargs), and module__* for the rest"
                ) from exc
            if not isinstance(module, nn.Module):
                raise InputTypeError(
                    f"{self._module_factory()[1]} returned a {type(module).__name__}, not a "
                    "torch.nn.Module"
                )
        _init_weights(module, self.init)
        if self.bn_momentum is not None:
            for layer in module.modules():
                if isinstance(layer, _BATCHNORMS):
                    layer.momentum = float(self.bn_momentum)
        if not self._flat_batches:
            module = module.to(memory_format=torch.channels_last)
        self.module_ = module
        self._data_init_pending_ = True  # init_from_data before the first step (see below)
        return self

    def get_split_datasets(self, X, y=None, **fit_params):
        train, valid = super().get_split_datasets(X, y, **fit_params)
        if getattr(self, "_data_init_pending_", False):
            self._data_init_pending_ = False
            _init_from_data(_uncompiled(self.module_), train, self.device_)
        return train, valid

    def initialize_criterion(self):
        kwargs = self.get_params_for("criterion")
        if getattr(self, "class_weight_", None) is not None and "weight" not in kwargs:
            kwargs["weight"] = torch.as_tensor(self.class_weight_, dtype=torch.float32)
        if self.label_smoothing and "label_smoothing" not in kwargs:
            accepted = _argument_names(self.criterion)
            if accepted is not None and "label_smoothing" not in accepted:
                raise InputError(
                    f"label_smoothing={self.label_smoothing} is passed to the criterion, but "
                    f"{getattr(self.criterion, '__name__', self.criterion)!r} takes no "
                    "label_smoothing argument; use torch.nn.CrossEntropyLoss or set "
                    "label_smoothing=0")
            kwargs["label_smoothing"] = float(self.label_smoothing)
        criterion = self.initialized_instance(self.criterion, kwargs)
        # an instance given as the parameter is copied: moving it to the device, or training
        # one with parameters, must not change the user's object
        self.criterion_ = copy.deepcopy(criterion) if criterion is self.criterion else criterion
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
        if self.ema_decay is not None:
            callbacks.append(("weight_average", WeightAverage(self.ema_decay)))
        if self.early_stopping is not None:
            has_valid = self.validation_fraction is not None or self.train_split is not None
            callbacks.append(("early_stopping", EarlyStopping(
                monitor="valid_loss" if has_valid else "train_loss",
                patience=self.early_stopping, load_best=True, sink=sink)))
        if self.progress_bar:
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.append(("print_log", PrintLog(sink=sink)))
        return callbacks


    def infer(self, x, **fit_params):
        ddp = getattr(self, "_ddp_", None)
        with self._autocast():
            if ddp is not None and self.module_.training:  # gradients averaged by DDP
                out = ddp(to_tensor(x, device=self.device), **fit_params)
            else:
                out = super().infer(x, **fit_params)
        # the loss, the softmax and the callbacks see float32 logits
        return out.float() if torch.is_tensor(out) and out.is_floating_point() else out


    def train_step(self, batch, **fit_params):
        step = self._train_step(batch, **fit_params)
        # history_ (and early stopping on train_loss) see the loss of the whole global batch
        step["loss"] = mean_over_processes(step["loss"])
        return step


    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        if isinstance(X, (ImageTensorData, StreamData)) and len(X):
            # skorch threads private keywords (_routing_method) through fit_params
            forward = {k: v for k, v in fit_params.items() if not k.startswith("_")}
            self._check_module_takes_batches(X, forward)
        if epochs is None:
            epochs = self._epochs_for(len(X))
        self.interrupted_ = False
        try:
            with self._data_parallel():
                return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            # skorch keeps the weights trained so far and returns from fit: a caller training
            # several networks (BestOfNClassifier) reads this to stop too
            self.interrupted_ = True
            raise

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
        device = torch.device(self.device_)
        if device.type == "cuda":  # "cuda" is the process's own GPU (init_distributed sets it)
            index = device.index if device.index is not None else torch.cuda.current_device()
        # vars(): skorch refuses torch modules set outside initialize; this one is scratch
        vars(self)["_ddp_"] = torch.nn.parallel.DistributedDataParallel(
            self.module_, device_ids=[index] if device.type == "cuda" else None)
        try:
            yield
        finally:
            vars(self).pop("_ddp_", None)


    def _n_train_batches(self, n_samples):
        if self.validation_fraction is not None:
            n_samples -= math.ceil(self.validation_fraction * n_samples)
        return math.ceil(n_samples / self.batch_size)

    def _epochs_for(self, n_samples):
        """Epochs of one ``fit`` call on ``n_samples``: ``max_epochs``, or more where they
        would take fewer than ``min_steps`` optimizer steps."""
        if self.min_steps is None:
            return self.max_epochs
        per_epoch = max(1, self._n_train_batches(n_samples))
        return max(self.max_epochs, math.ceil(self.min_steps / per_epoch))


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
        if getattr(self, "_rebuilt_by_", None):
            raise NotFittedError(
                f"set_params({', '.join(self._rebuilt_by_)}=...) after fit rebuilt the network "
                f"of this {type(self).__name__} (skorch does so when a module parameter "
                "changes): its weights are untrained; call fit (or load_params) again"
            )
        views = tta_views(self.tta)  # checked here too: tta may be set after fit
        self._check_view_geometry(tta=views)
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
        vars(self).pop("_rebuilt_by_", None)  # trained weights again
        with self._on_device():
            return super().load_params(*args, **kwargs)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_grad_scaler_", None)  # CUDA state; remade on the next fp16 step
        state.pop("_ddp_", None)  # a process group's, not the model's
        return state

    def __setstate__(self, state):
        # Map tensors to the device they were on, or to the CPU when it is missing here
        # (skorch's map_location logic); device_ tells where they live. The parameter stays
        # what the user set: "cuda" unpickled without CUDA must not quietly train on the CPU.
        requested = state.get("device")
        state["device"] = state.get("device_") or ("cpu" if requested == "auto" else requested)
        super().__setstate__(state)
        if "device_" in state:
            self.device_ = str(self.__dict__["device"])
        self.__dict__["device"] = requested
