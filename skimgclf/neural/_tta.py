"""Test-time augmentation: the views of a batch whose predicted probabilities are averaged.

A view maps a batch ``(n, C, H, W)`` to a batch of the same shape. The named views are cheap
tensor operations that need no interpolation: ``"flip"`` mirrors left-right (for classes that
are left-right symmetric, such as clothes or CIFAR-10 objects; never for digits), ``"shift"``
translates by one pixel up, down, left and right, filling with zeros in the network's input
units (the background of 0-1 scaled digits; with ``normalize``, the mean pixel, as in the
training augmentation). The unchanged batch is always one of the views.
"""

from __future__ import annotations

import torch.nn.functional as F

from ..exceptions import InputError

__all__ = ["TTA_NAMES", "averaged_proba", "tta_views", "valid_tta"]


def _identity(x):
    return x


def _hflip(x):
    return x.flip(-1)


def _shift(x, dy, dx):
    """``x`` translated by (dy, dx) whole pixels, zeros coming in from the edge."""
    h, w = x.shape[-2:]
    padded = F.pad(x, (1, 1, 1, 1))
    return padded[..., 1 - dy : 1 - dy + h, 1 - dx : 1 - dx + w]


def _shifts():
    return [lambda x, d=d: _shift(x, *d) for d in ((1, 0), (-1, 0), (0, 1), (0, -1))]


TTA_NAMES = {"flip": lambda: [_hflip], "shift": _shifts}


def valid_tta(value) -> bool:
    """Whether ``value`` is a ``tta`` setting (the parameter's constraint)."""
    if value is None or (isinstance(value, str) and value in TTA_NAMES):
        return True
    return (isinstance(value, (list, tuple)) and len(value) > 0
            and all(isinstance(v, str) and v in TTA_NAMES or callable(v) for v in value))


def tta_views(tta):
    """The views of a ``tta`` setting: the identity first, then each named view or callable.

    Examples
    --------
    >>> import torch
    >>> from skimgclf.neural._tta import tta_views
    >>> len(tta_views(None)), len(tta_views("flip")), len(tta_views(["flip", "shift"]))
    (1, 2, 6)
    >>> x = torch.arange(4.0).reshape(1, 1, 2, 2)
    >>> tta_views("flip")[1](x).flatten().tolist()
    [1.0, 0.0, 3.0, 2.0]
    >>> tta_views("shift")[1](x).flatten().tolist()    # one pixel down, zeros from the top
    [0.0, 0.0, 0.0, 1.0]
    """
    if not valid_tta(tta):
        names = ", ".join(repr(n) for n in TTA_NAMES)
        raise InputError(
            f"tta={tta!r} is not a test-time augmentation: use None, one of {names}, or a "
            "non-empty list of those names and callables view(batch_nchw) -> batch of the "
            "same shape"
        )
    if tta is None:
        return [_identity]
    views = [_identity]
    for item in [tta] if isinstance(tta, str) else tta:
        views.extend(TTA_NAMES[item]() if isinstance(item, str) else [item])
    return views


def averaged_proba(infer, nonlin, xb, views, image_shape=None):
    """The mean over ``views`` of ``nonlin(infer(view(xb)))``.

    ``image_shape`` ``(H, W, C)`` is given for flat rows (MLPs): the views see the rows as
    ``(n, C, H, W)`` images and the network gets rows back.
    """
    total = None
    for view in views:
        if image_shape is None:
            seen = view(xb)
        else:
            h, w, c = image_shape
            images = view(xb.reshape(-1, h, w, c).permute(0, 3, 1, 2))
            seen = images.permute(0, 2, 3, 1).reshape(len(xb), -1)
        if seen.shape != xb.shape:
            raise InputError(
                f"a tta view returned a batch of shape {tuple(seen.shape)} for one of shape "
                f"{tuple(xb.shape)}; a view must keep the shape"
            )
        proba = nonlin(infer(seen)).float()
        total = proba if total is None else total + proba
    return total / len(views)
