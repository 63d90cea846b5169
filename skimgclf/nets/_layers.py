"""Small building blocks shared by the architectures."""

from __future__ import annotations

from numbers import Integral, Real

import torch
from torch import nn

from ..exceptions import InputError

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "elu": nn.ELU,
                "gelu": nn.GELU, "leaky_relu": nn.LeakyReLU}


def activation(name: str) -> nn.Module:
    """A fresh activation module from its name (``relu``, ``tanh``, ``sigmoid``, ...)."""
    try:
        return _ACTIVATIONS[str(name).lower()]()
    except KeyError:
        raise InputError(
            f"unknown activation {name!r}; choose one of {', '.join(sorted(_ACTIVATIONS))}"
        ) from None


def channel_counts(widths, name="widths", *, count=None, at_least=1,
                   what=" (channel counts)") -> tuple:
    """``widths`` as a tuple of positive ints, or an error that names them.

    ``count`` is the exact number a network takes, ``at_least`` the smallest; ``what`` says
    what they are, in the message.
    """
    try:
        values = tuple(widths)
    except TypeError:
        values = None
    ok = (values is not None and all(isinstance(v, Integral) and not isinstance(v, bool)
                                     and v >= 1 for v in values)
          and (len(values) == count if count is not None else len(values) >= at_least))
    if not ok:
        many = (f"{count} " if count is not None else f"at least {at_least} " if at_least
                else "")
        raise InputError(f"{name} must be {many}positive ints{what}; got {widths!r}")
    return tuple(int(v) for v in values)


def check_dropout(dropout) -> float:
    """``dropout`` as a probability in [0, 1), or an error that names it."""
    if not (isinstance(dropout, Real) and not isinstance(dropout, bool) and 0 <= dropout < 1):
        raise InputError(f"dropout must be a probability in [0, 1); got {dropout!r}")
    return float(dropout)


def hw(input_shape) -> tuple[int, int]:
    """``(H, W)`` from ``input_shape`` given as ``(H, W)`` or ``(H, W, C)``."""
    shape = tuple(int(s) for s in input_shape)
    return shape[0], shape[1]


def pool2(h: int, w: int, kind=nn.MaxPool2d) -> tuple[nn.Module, int, int]:
    """A 2x2 pooling that never pools a side of length 1 (tiny images keep working)."""
    kh, kw = min(2, h), min(2, w)
    return kind((kh, kw)), h // kh, w // kw


def flat_size(features: nn.Module, in_channels: int, input_shape, net_name: str) -> int:
    """Features per sample after ``features``, found by one forward pass on zeros."""
    h, w = hw(input_shape)
    try:
        with torch.no_grad():
            was_training = features.training
            features.eval()
            out = features(torch.zeros(1, in_channels, h, w))
            features.train(was_training)
    except RuntimeError as exc:
        raise InputError(
            f"{net_name} cannot process {h}x{w} images ({exc}); resize the images or choose "
            "another architecture (bn_cnn works from 1x1 upwards)"
        ) from None
    return int(out[0].numel())
