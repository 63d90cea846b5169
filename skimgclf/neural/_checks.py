"""The checks of the networks' parameters and of what they route, made at ``fit``.

Declared constraints (``_parameter_constraints``, from ``_params.py``) are checked once per
call; every routed ``prefix__name`` must name an argument of what it reaches (the
architecture, the optimizer, the criterion, a callback); the network must take this
estimator's batches. Each failure names the parameter and what it accepts.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import torch
from sklearn.utils import column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length
from torch import nn

from .._labels import as_labels
from .._sklearn_compat import (
    InvalidParameterError,
    validate_parameter_constraints,
)
from ..augment import RandomAffine
from ..exceptions import InputError
from ..nets import get_net
from ._params import OPTIMIZERS, ROUTING_PREFIXES

# scikit-learn's wording for regression targets given to a classifier (its checks look for it).
_CONTINUOUS_HINT = (
    "Unknown label type: continuous. A classifier needs class labels; use a regressor for "
    "continuous targets"
)


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


class ParamChecksMixin:
    """Parameter, routing and network checks made at ``fit`` (see the module)."""

    def _check_params(self):
        """Check every parameter, once per ``fit``/``partial_fit`` call, before any work.

        The declared constraints first (scikit-learn's ``InvalidParameterError``), then what
        the constraints cannot express: combinations, and the routed ``prefix__name``
        parameters against the arguments of what they reach.
        """
        vars(self).pop("_rebuilt_by_", None)  # a fit trains the rebuilt network
        name = type(self).__name__
        validate_parameter_constraints(self._parameter_constraints,
                                       self.get_params(deep=False), caller_name=name)
        if self.validation_fraction is not None and self.train_split is not None:
            raise InvalidParameterError(
                f"{name} got both validation_fraction={self.validation_fraction!r} and "
                "train_split; set either validation_fraction or skorch's train_split, not both"
            )
        if self.ema_decay is not None and self.early_stopping is not None:
            raise InvalidParameterError(
                f"{name} got both ema_decay={self.ema_decay!r} and early_stopping="
                f"{self.early_stopping!r}: each chooses the weights fit leaves (the average, "
                "or the best epoch's); set one of them to None"
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
            raise InputError(
                f"validation_fraction={self.validation_fraction!r} holds out {n_valid} of the "
                f"{n_samples} samples, which leaves {n_samples - n_valid} to train on (at "
                "least 2 are needed); lower validation_fraction or pass more samples"
            )

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
        _check_forward_keywords(module, fit_params, shown, type(self).__name__)
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                out = module(xb, **fit_params)
        except (RuntimeError, ValueError, TypeError, IndexError) as exc:
            raise InputError(
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
            raise InputError(
                f"{shown} returns outputs of shape {tuple(out.shape)} for a batch of "
                f"{len(xb)}, but CrossEntropyLoss needs {expected} logits, one per class of y; "
                "check module__n_classes or the network's last layer"
            )


def _check_forward_keywords(module, fit_params, shown, owner):
    """The keywords of ``fit(X, y, **fit_params)`` go to the network's ``forward`` (skorch's
    routing, whole, not per batch): name the one it does not take, rather than blame the
    images."""
    names = _argument_names(module.forward)
    unknown = [] if names is None else sorted(set(fit_params) - names)
    if unknown:
        hint = (f"; {owner} does not weigh samples (class_weight weighs classes)"
                if "sample_weight" in unknown else "")
        raise InputError(
            f"{owner}.fit passes its keyword arguments to the network's forward, and {shown} "
            f"takes no {', '.join(map(repr, unknown))}{hint}"
        )
