"""What the networks take as input: arrays, or image sets read on demand.

One place decides, for both kinds, whether the input is read on demand, the image shape the
network sees and the factor of the value-range rule (the statistics of ``normalize`` are
:func:`~skimgclf.preprocessing.image_statistics`, which reads an image set in chunks, once).
"""

from __future__ import annotations

import numpy as np

from .._images import PIXEL_MAX, reads_channels_first, unit_scale
from .._sources import ImageDataset, as_image_source, is_image_source
from ..exceptions import InputError

__all__ = ["as_source", "check_source", "check_units", "input_scale", "unit_range"]


def as_source(X, channels_first=None, fitted_shape=None):
    """``X`` as an :class:`ImageDataset` when it is read on demand, else None.

    A memmap of ``(n, H, W)`` or ``(n, H, W, C)`` images is read by batch; one of flat rows or
    of ``(n, C, H, W)`` images is an array like any other (read whole by the image contract).
    """
    if isinstance(X, np.memmap) and not (
        X.ndim == 3 or (X.ndim == 4 and not reads_channels_first(X, channels_first,
                                                                  fitted_shape))):
        return None
    return as_image_source(X) if is_image_source(X) else None


def check_source(estimator, source: ImageDataset, *, reset: bool) -> ImageDataset:
    """Check an image set read on demand against the estimator (shape learnt at fit)."""
    if len(source) == 0:
        raise InputError(f"{type(estimator).__name__} got an empty {type(source).__name__}: "
                         "X holds no images")
    shape = tuple(int(s) for s in source.image_shape)
    if np.dtype(source.dtype).kind not in "uif":
        raise InputError(f"{type(source).__name__} holds {source.dtype} images; pixels must be "
                         "numbers (uint8 0-255 or floats)")
    if reset:
        estimator.image_shape_ = shape
        estimator.n_features_in_ = int(np.prod(shape))
    elif tuple(estimator.image_shape_) != shape:
        raise InputError(
            f"X holds images of shape {'x'.join(map(str, shape))}, but "
            f"{type(estimator).__name__} was fitted on "
            f"{'x'.join(map(str, estimator.image_shape_))}; resize them to that shape"
        )
    return source


def input_scale(images, setting, caller) -> float:
    """The factor that brings the pixels to the network's units (the value-range rule).

    For an image set read on demand the rule is applied to its dtype (its values are not all
    read): uint8 is 0-255 pixels, floats are used as they are, and wider integers need an
    explicit ``input_scale``.
    """
    if setting != "auto":
        return float(setting)
    if not isinstance(images, ImageDataset):
        return unit_scale(images, caller=caller)
    kind = np.dtype(images.dtype)
    if kind == np.uint8 or kind == np.bool_:
        return 1 / 255
    if kind.kind == "f":
        return 1.0
    raise InputError(
        f"{caller} reads uint8 images as 0-255 pixels, but the {type(images).__name__} holds "
        f"{kind} images, whose range is not read in advance; convert them to uint8, or pass "
        "input_scale=1 / (the largest value)"
    )


def unit_range(images, scale):
    """``(low, high)`` of the pixels in the network's units (times ``scale``), or None where
    it is not read in advance (floats of an image set read on demand)."""
    if isinstance(images, ImageDataset):
        kind = np.dtype(images.dtype)
        return (0.0, float(PIXEL_MAX * scale)) if kind == np.uint8 or kind == np.bool_ else None
    if np.asarray(images).size == 0:
        return None
    return float(images.min()) * scale, float(images.max()) * scale


def check_units(images, scale, fitted_scale, fitted_range, caller):
    """Refuse pixels that the value-range rule would bring to other units than the training
    pixels: the network would predict from them without a sign that anything is wrong.

    Integer pixels are read as [0, 1] and float ones as they are, so either kind may follow
    the other only where the floats lie within [0, 1]: float images of 0-255 pixels after a
    fit on uint8, or uint8 after a fit on 0-255 (or standardised) floats, are refused.
    """
    if fitted_range is None or np.isclose(scale, fitted_scale):
        return  # the kind of the training images, or a fit whose range was not read
    if np.isclose(scale, 1 / PIXEL_MAX):  # integers now, floats at fit
        low, high = fitted_range
        if low < -_TOLERANCE or high > 1 + _TOLERANCE:
            raise InputError(
                f"{caller} was fitted on float images with values from {low:g} to {high:g}, "
                f"and reads integer images such as X ({images.dtype}) as 0-255 pixels, "
                "mapped to [0, 1]: other units than it learned. Pass floats in the units of "
                "the training images (e.g. X.astype(np.float32))"
            )
        return
    now = unit_range(images, scale)  # floats now, integers (read as [0, 1]) at fit
    if now is not None and (now[0] < -_TOLERANCE or now[1] > 1 + _TOLERANCE):
        raise InputError(
            f"{caller} was fitted on integer 0-255 pixels, which it reads as [0, 1], but X is "
            f"{images.dtype} with values from {now[0]:g} to {now[1]:g}, which it would use as "
            "they are; pass uint8 pixels (X.astype(np.uint8) for 0-255 floats) or floats in "
            "[0, 1] (X / 255)"
        )


_TOLERANCE = 1e-6  # float rounding of values scaled to [0, 1]
