"""What a fitted model holds: training curves, convolution kernels, parameters, a layer summary.

These functions read a fitted estimator (a skorch net, scikit-learn's ``MLPClassifier``, a
linear model, a Pipeline or search ending in one) or a bare ``torch.nn.Module``; they never
change it. The figures of :mod:`skimgclf.plotting` and the report of :mod:`skimgclf.report`
draw what they return. torch is not imported here: a torch object can only come from a
program that imported torch already.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._sklearn_compat import HasMethods, validate_params
from .exceptions import InputError, InputTypeError

__all__ = [
    "LayerParameters",
    "LayerSummary",
    "conv_kernels",
    "history_curves",
    "layer_summary",
    "parameter_counts",
    "summary",
]

#: Curves read from a skorch history, in the order they are reported.
CURVE_KEYS = ("train_loss", "valid_loss", "train_acc", "valid_acc")


class LayerParameters(NamedTuple):
    """Learnable parameters of one layer.

    One row of :func:`parameter_counts`, a named tuple: it unpacks and compares as a tuple.

    Parameters
    ----------
    name : str
        The layer's name in ``module.named_modules()`` (``"(root)"`` for the module itself).
    kind : str
        The layer's class name.
    shapes : str
        Each parameter tensor and its shape, e.g. ``"weight 4x1x3x3, bias 4"``.
    count : int
        Number of parameters.
    trainable : int
        How many of them are trainable (``requires_grad``).

    See Also
    --------
    parameter_counts : The rows of a model.

    Examples
    --------
    >>> import torch
    >>> parameter_counts(torch.nn.Linear(4, 2))[0]
    LayerParameters(name='(root)', kind='Linear', shapes='weight 2x4, bias 2', count=10,
                    trainable=10)
    """

    name: str
    kind: str
    shapes: str
    count: int
    trainable: int


class LayerSummary(NamedTuple):
    """One row of :func:`summary`: a layer, the shape of its output and its parameters.

    A named tuple, as returned by :func:`layer_summary`.

    Parameters
    ----------
    name : str
        The layer's name in ``module.named_modules()``.
    kind : str
        The layer's class name.
    output_shape : str or None
        ``"(None, 4, 8, 8)"`` (``None`` stands for the batch), or None when not computed.
    count : int
        Number of parameters the layer owns.
    trainable : int
        How many of them are trainable.

    See Also
    --------
    layer_summary : The rows of a model.

    Examples
    --------
    >>> import torch
    >>> layer_summary(torch.nn.Linear(4, 2), input_shape=(4,))[0]
    LayerSummary(name='(root)', kind='Linear', output_shape='(None, 2)', count=10, trainable=10)
    """

    name: str
    kind: str
    output_shape: str | None
    count: int
    trainable: int


@validate_params({"source": "no_validation"}, prefer_skip_nested_validation=True)
def history_curves(source) -> dict:
    """Per-epoch training curves of a network, as arrays.

    Losses and accuracies as the network recorded them, epoch by epoch: a skorch net's history,
    or the loss curve (and validation scores) of scikit-learn's ``MLPClassifier``.

    Parameters
    ----------
    source : estimator, Pipeline, search or history
        A fitted skorch net (its ``history_`` or ``history``), scikit-learn's ``MLPClassifier``
        (its ``loss_curve_`` and, with ``early_stopping``, ``validation_scores_``), a Pipeline or
        fitted search ending in one of these, or a skorch ``History`` / list of epoch dicts.

    Returns
    -------
    dict of str to ndarray
        ``"epoch"`` and those of ``"train_loss"``, ``"valid_loss"``, ``"train_acc"``,
        ``"valid_acc"`` that were recorded (NaN in epochs that lack them).

    Raises
    ------
    NotFittedError
        When ``source`` is a network that was not fitted.
    ValueError
        When ``source`` records no curves.

    See Also
    --------
    skimgclf.plotting.LossCurveDisplay : Draws these curves.

    Examples
    --------
    >>> curves = history_curves([{"epoch": 1, "train_loss": 0.9, "valid_loss": 1.0},
    ...                          {"epoch": 2, "train_loss": 0.5, "valid_loss": 0.7}])
    >>> sorted(curves), curves["valid_loss"]
    (['epoch', 'train_loss', 'valid_loss'], array([1. , 0.7]))
    """
    estimator = _final_estimator(source)
    if _is_skorch_net(estimator) or _is_sklearn_mlp(estimator):
        check_is_fitted(estimator)
    if hasattr(estimator, "loss_curve_"):  # scikit-learn MLP
        curves = {"epoch": np.arange(1, len(estimator.loss_curve_) + 1)}
        curves["train_loss"] = np.asarray(estimator.loss_curve_, dtype=float)
        scores = getattr(estimator, "validation_scores_", None)
        if scores is not None:
            curves["valid_acc"] = np.asarray(scores, dtype=float)
        return curves
    history = _history_of(estimator)
    if history is None or len(history) == 0:
        raise InputError(
            f"{type(estimator).__name__} records no training curves; pass a fitted skorch net "
            "(history_ / history), an MLPClassifier (loss_curve_) or a list of epoch dicts"
        )
    if not all(isinstance(row, Mapping) for row in history):
        odd = next(row for row in history if not isinstance(row, Mapping))
        raise InputError("the history must be a list of epoch dicts (e.g. {'epoch': 1, "
                         f"'train_loss': 0.5}}); got an entry of type {type(odd).__name__}")
    epochs = [dict(row) for row in history]
    curves = {"epoch": np.array([row.get("epoch", i + 1) for i, row in enumerate(epochs)])}
    for key in CURVE_KEYS:
        if any(key in row for row in epochs):
            values = [row.get(key, np.nan) for row in epochs]
            if not all(isinstance(v, Real) and not isinstance(v, bool) for v in values):
                raise InputError(f"the history's {key} must be numbers, one per epoch; got "
                                 f"{[v for v in values if not isinstance(v, Real)][:3]!r}")
            curves[key] = np.array(values, dtype=float)
    if len(curves) == 1:
        raise InputError(
            "the history holds no train_loss, valid_loss, train_acc or valid_acc; record at "
            "least one of them (skorch records train_loss by default)"
        )
    return curves


@validate_params(
    {"model": "no_validation", "layer": [str, None]}, prefer_skip_nested_validation=True
)
def conv_kernels(model, *, layer=None) -> np.ndarray:
    """Read the weights of a 2-D convolution, ``(out_channels, in_channels, kh, kw)``.

    The first ``Conv2d`` of the network by default, or the one named ``layer``.

    Parameters
    ----------
    model : torch.nn.Module, skorch net, Pipeline or search
        A fitted skorch net contributes its ``module_``.
    layer : str, default=None
        Name of the layer in ``module.named_modules()``; default: the first ``Conv2d``.

    Returns
    -------
    ndarray of shape (out_channels, in_channels, kh, kw)
        A copy: changing it leaves the model untouched.

    Raises
    ------
    NotFittedError
        When ``model`` is a skorch net that was not fitted.
    TypeError
        When ``model`` is not a network (a linear model, for instance).
    ValueError
        When the network has no ``Conv2d``, or none named ``layer``.

    See Also
    --------
    skimgclf.plotting.ConvKernelDisplay : Draws these kernels.

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(),
    ...                           torch.nn.Conv2d(4, 2, 5))
    >>> conv_kernels(net).shape, conv_kernels(net, layer="2").shape
    ((4, 1, 3, 3), (2, 4, 5, 5))
    """
    module = _torch_module(model)
    if module is None:
        raise InputTypeError(
            f"expected a torch module or a fitted skorch net, got {type(model).__name__}; "
            "kernels exist only for convolutional networks"
        )
    torch = sys.modules["torch"]
    convs = {name: m for name, m in module.named_modules() if isinstance(m, torch.nn.Conv2d)}
    if layer is not None:
        if layer not in convs:
            raise InputError(
                f"layer={layer!r} is not a Conv2d of this module; its Conv2d layers are "
                f"{sorted(convs)}"
            )
        conv = convs[layer]
    elif convs:
        conv = next(iter(convs.values()))
    else:
        raise InputError(
            f"{type(module).__name__} has no Conv2d layer, so there are no kernels to show; "
            "pass a convolutional network"
        )
    return conv.weight.detach().cpu().numpy().copy()


@validate_params({"estimator": "no_validation"}, prefer_skip_nested_validation=True)
def parameter_counts(estimator) -> list | None:
    """Count the parameters per layer (the HOG study's "model complexity").

    One row per layer that owns parameters, with the shapes of its tensors and how many of its
    parameters are trainable.

    Parameters
    ----------
    estimator : estimator, Pipeline, search or torch.nn.Module
        A torch module or fitted skorch net (its ``module_``): one row per module that owns
        parameters. scikit-learn's ``MLPClassifier``: one row per dense layer. Linear models
        (``coef_``, ``intercept_``): one row.

    Returns
    -------
    list of LayerParameters or None
        None for a fitted estimator whose parameters are not layers (a tree, a dummy).

    Raises
    ------
    NotFittedError
        When ``estimator`` is an estimator that was not fitted.

    See Also
    --------
    layer_summary : The same layers with their output shapes.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 9, 3), torch.nn.ReLU(),
    ...                           torch.nn.Flatten(), torch.nn.Linear(9 * 26 * 26, 10))
    >>> for row in parameter_counts(net):
    ...     print(row.name, row.kind, row.shapes, row.count)
    0 Conv2d weight 9x1x3x3, bias 9 90
    3 Linear weight 10x6084, bias 10 60850
    >>> from sklearn.linear_model import LogisticRegression
    >>> lr = LogisticRegression().fit([[0, 1], [1, 0], [1, 1]], [0, 1, 2])
    >>> parameter_counts(lr)
    [LayerParameters(name='linear', kind='LogisticRegression', shapes='coef 3x2, intercept 3',
                     count=9, trainable=9)]
    """
    rows = _layers(estimator)
    if rows is None:
        return None
    return [
        LayerParameters(name, kind, shapes, count, trainable)
        for name, kind, shapes, count, trainable, _ in rows
        if count or shapes
    ]


@validate_params(
    {"estimator": "no_validation", "input_shape": [tuple, list, None]},
    prefer_skip_nested_validation=True,
)
def layer_summary(estimator, input_shape=None) -> list | None:
    """List the layers of a model with the shape of their output and their parameter counts.

    For a network, one row per layer that owns parameters or has no sub-layers (activations,
    pooling, ...), in the order of ``named_modules()``; the output shapes come from one forward
    pass of a zero input in eval mode, without gradients (the model is left as it was).

    Parameters
    ----------
    estimator : estimator, Pipeline, search or torch.nn.Module
        As for :func:`parameter_counts`.
    input_shape : tuple of int, default=None
        Shape of one sample as the network's module takes it, without the batch: ``(C, H, W)``
        for a convolutional network, ``(n_features,)`` for a dense one. Default: read from a
        fitted skimgclf network (its ``image_shape_``); otherwise the output shapes of a torch
        module are None.

    Returns
    -------
    list of LayerSummary or None
        None for a fitted estimator whose parameters are not layers.

    Raises
    ------
    NotFittedError
        When ``estimator`` is an estimator that was not fitted.
    ValueError
        When ``input_shape`` is malformed or does not go through the network.

    See Also
    --------
    summary : Prints these rows as a table.
    parameter_counts : The parameters alone, with their tensor shapes.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(),
    ...                           torch.nn.Flatten(), torch.nn.Linear(2 * 6 * 6, 3))
    >>> for row in layer_summary(net, input_shape=(1, 8, 8)):
    ...     print(row.name, row.kind, row.output_shape, row.count)
    0 Conv2d (None, 2, 6, 6) 20
    1 ReLU (None, 2, 6, 6) 0
    2 Flatten (None, 72) 0
    3 Linear (None, 3) 219
    """
    shape = _check_input_shape(input_shape)
    rows = _layers(estimator, input_shape=shape)
    if rows is None:
        return None
    return [LayerSummary(name, kind, out, count, trainable) for name, kind, _, count, trainable,
            out in rows]


@validate_params(
    {
        "estimator": "no_validation",
        "input_shape": [tuple, list, None],
        "file": [HasMethods(["write"]), None],
    },
    prefer_skip_nested_validation=True,
)
def summary(estimator, input_shape=None, *, file=None) -> None:
    """Print a Keras-like summary of a model: each layer, its output shape and its parameters.

    The table ends with the total, trainable and non-trainable parameter counts.

    Parameters
    ----------
    estimator : estimator, Pipeline, search or torch.nn.Module
        As for :func:`parameter_counts`.
    input_shape : tuple of int, default=None
        Shape of one sample as the network's module takes it, without the batch (see
        :func:`layer_summary`). Default: read from a fitted skimgclf network.
    file : file-like, default=None
        Where to write; default: standard output.

    Raises
    ------
    NotFittedError
        When ``estimator`` is an estimator that was not fitted.
    ValueError
        When ``estimator`` has no layers (a tree, a dummy) or ``input_shape`` does not go
        through the network.

    See Also
    --------
    layer_summary : The rows as data.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(),
    ...                           torch.nn.Flatten(), torch.nn.Linear(2 * 6 * 6, 3))
    >>> summary(net, input_shape=(1, 8, 8))
    Model: Sequential
    Input shape: (None, 1, 8, 8)
    ==========================================
    Layer (type)    Output shape       Param #
    ==========================================
    0 (Conv2d)      (None, 2, 6, 6)         20
    1 (ReLU)        (None, 2, 6, 6)          0
    2 (Flatten)     (None, 72)               0
    3 (Linear)      (None, 3)              219
    ==========================================
    Total params: 239
    Trainable params: 239
    Non-trainable params: 0
    """
    rows = layer_summary(estimator, input_shape)
    final = _final_estimator(estimator)
    if rows is None:
        raise InputError(
            f"{type(final).__name__} has no layers to summarise; summary() reads networks, "
            "MLPClassifier and linear models"
        )
    module = _torch_module(final)
    shape = _check_input_shape(input_shape) or (
        _module_input_shape(final) if module is not None else None
    )
    name = type(final).__name__
    if module is not None and module is not final:  # a skorch net: its class and its module's
        name += f", module {type(module).__name__}"
    table = [("Layer (type)", "Output shape", "Param #")]
    table += [(f"{r.name} ({r.kind})", r.output_shape or "?", f"{r.count:,}") for r in rows]
    widths = [max(len(row[j]) for row in table) for j in range(3)]
    rule = "=" * (widths[0] + widths[1] + widths[2] + 8)

    def line(cells):
        return f"{cells[0]:<{widths[0]}}    {cells[1]:<{widths[1]}}    {cells[2]:>{widths[2]}}"

    total = sum(r.count for r in rows)
    trainable = sum(r.trainable for r in rows)
    out = [f"Model: {name}"]
    if module is not None:
        out.append(
            "Input shape: " + (_shape_text((None, *shape)) if shape else
                               "unknown (pass input_shape=(C, H, W) to see the output shapes)")
        )
    out += [rule, line(table[0]).rstrip(), rule, *(line(row) for row in table[1:]), rule]
    out += [
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
    ]
    print("\n".join(out), file=file)


# --- helpers shared by plotting and report ---------------------------------------------------


def _final_estimator(estimator):
    """The estimator that predicts: a search's ``best_estimator_``, a Pipeline's last step."""
    for _ in range(10):  # nested searches / pipelines, bounded
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif hasattr(estimator, "steps") and hasattr(estimator, "_final_estimator"):
            estimator = estimator._final_estimator
        else:
            break
    return estimator


def _class_scores(estimator, X):
    """``predict_proba(X)``, else ``decision_function(X)``, as floats; None when it has neither."""
    for method in ("predict_proba", "decision_function"):
        try:
            scores = getattr(estimator, method)(X)
        except (AttributeError, NotImplementedError):
            continue
        return np.asarray(scores, dtype=float)
    return None


def _module_input_shape(estimator):
    """Shape of one sample as a fitted skimgclf network's module takes it, or None."""
    shape = getattr(estimator, "image_shape_", None)
    if shape is None or not hasattr(estimator, "module_"):
        return None
    h, w, c = (int(s) for s in shape)
    return (h * w * c,) if getattr(estimator, "_flat_batches", False) else (c, h, w)


# --- private ---------------------------------------------------------------------------------


def _is_torch_module(obj):
    # torch is looked up only if imported: an object of a never-imported library cannot be a
    # torch module, and importing torch costs seconds.
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


def _is_skorch_net(obj):
    skorch = sys.modules.get("skorch")
    return skorch is not None and isinstance(obj, skorch.NeuralNet)


def _is_sklearn_mlp(obj):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    return isinstance(obj, (MLPClassifier, MLPRegressor))


def _torch_module(model):
    """The torch module of a network (a fitted skorch net's ``module_``), or None."""
    estimator = _final_estimator(model)
    if _is_torch_module(estimator):
        return estimator
    if _is_skorch_net(estimator):
        check_is_fitted(estimator)
        return estimator.module_
    module = getattr(estimator, "module_", None)
    return module if _is_torch_module(module) else None


def _history_of(estimator):
    if isinstance(estimator, (list, tuple)):  # skorch's History is a list of epoch dicts
        return estimator
    for name in ("history_", "history"):
        history = getattr(estimator, name, None)
        if history is not None and not callable(history):
            return history
    return None


def _layers(estimator, input_shape=None):
    """Rows ``(name, kind, shapes, count, trainable, output_shape)`` or None."""
    final = _final_estimator(estimator)
    module = _torch_module(final)
    if module is not None:
        shape = input_shape or _module_input_shape(final)
        outputs = _output_shapes(module, shape) if shape else {}
        rows = []
        for name, layer in module.named_modules():
            own = list(layer.named_parameters(recurse=False))
            leaf = next(layer.children(), None) is None
            if own or (leaf and name):
                key = name or "(root)"
                rows.append(
                    (
                        key,
                        type(layer).__name__,
                        ", ".join(f"{n} {_shape(p.shape)}" for n, p in own),
                        sum(p.numel() for _, p in own),
                        sum(p.numel() for _, p in own if p.requires_grad),
                        outputs.get(key),
                    )
                )
        return rows
    if not (hasattr(final, "fit") and hasattr(final, "get_params")):
        raise InputTypeError(
            "expected an estimator, a Pipeline, a search or a torch.nn.Module; got "
            f"{type(final).__name__}"
        )
    check_is_fitted(final)
    n_features = getattr(final, "n_features_in_", None)
    if input_shape is not None and n_features is not None and input_shape != (n_features,):
        raise InputError(f"input_shape={input_shape} does not fit {type(final).__name__}, "
                         f"which takes rows of {n_features} features: ({n_features},)")
    if hasattr(final, "coefs_") and hasattr(final, "intercepts_"):  # scikit-learn MLP
        return [
            (
                f"dense {i + 1}",
                "Dense",
                f"weight {_shape(w.shape)}, bias {_shape(b.shape)}",
                w.size + b.size,
                w.size + b.size,
                _shape_text((None, w.shape[1])),
            )
            for i, (w, b) in enumerate(zip(final.coefs_, final.intercepts_, strict=True))
        ]
    if hasattr(final, "coef_"):
        coef = np.atleast_2d(np.asarray(final.coef_))
        intercept = np.atleast_1d(getattr(final, "intercept_", np.zeros(0)))
        shapes = f"coef {_shape(np.shape(final.coef_))}" + (
            f", intercept {_shape(intercept.shape)}" if intercept.size else ""
        )
        n = int(coef.size + intercept.size)
        out = _shape_text((None, coef.shape[0]))
        return [("linear", type(final).__name__, shapes, n, n, out)]
    return None


def _check_input_shape(input_shape):
    if input_shape is None:
        return None
    shape = tuple(input_shape)
    if not shape or not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1
                            for s in shape):
        raise InputError(
            f"input_shape={input_shape!r} must be the shape of one sample without the batch, "
            "positive ints: (C, H, W) for a convolutional network, (n_features,) for a dense one"
        )
    return tuple(int(s) for s in shape)


def _output_shapes(module, input_shape):
    """Output shape of every sub-module on one zero input of ``input_shape`` (eval, no grad)."""
    torch = sys.modules["torch"]
    shapes = {}

    def hook(name):
        def record(_module, _inputs, output):
            shapes[name] = _output_text(output)

        return record

    handles = [
        layer.register_forward_hook(hook(name or "(root)"))
        for name, layer in module.named_modules()
    ]
    param = next(module.parameters(), None)
    device = param.device if param is not None else "cpu"
    dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            module(torch.zeros((1, *input_shape), dtype=dtype, device=device))
    except (RuntimeError, TypeError, ValueError, IndexError) as e:
        raise InputError(
            f"a zero input of shape {(1, *input_shape)} does not go through "
            f"{type(module).__name__} ({e}); pass input_shape as one sample of what the module "
            "takes, without the batch: (C, H, W) for a convolutional network"
        ) from None
    finally:
        module.train(was_training)
        for handle in handles:
            handle.remove()
    return shapes


def _output_text(output):
    if hasattr(output, "shape"):
        return _shape_text((None, *tuple(output.shape)[1:]))
    if isinstance(output, (tuple, list)):
        return ", ".join(_output_text(o) for o in output)
    return "?"


def _shape_text(shape):
    return "(" + ", ".join("None" if s is None else str(int(s)) for s in shape) + ")"


def _shape(shape):
    return "x".join(str(int(s)) for s in shape)
