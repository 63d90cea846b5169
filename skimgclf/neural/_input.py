"""What the networks take as input: arrays, or image sets read on demand, and their statistics.

One place decides, for both kinds, the image shape the network sees, the factor of the
value-range rule, and the mean and standard deviation of ``normalize`` (one pass over chunks,
so an image set larger than memory is read once and never whole).
"""

from __future__ import annotations

import numpy as np

from .._images import reads_channels_first, unit_scale
from .._sources import ImageDataset, as_image_source, is_image_source

# Pixels per chunk when the statistics are gathered: bounded float64 scratch memory (32 MB).
_CHUNK_ELEMENTS = 4_000_000

__all__ = ["as_source", "check_source", "input_scale", "input_statistics"]


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
        raise ValueError(f"{type(estimator).__name__} got an empty {type(source).__name__}: "
                         "X holds no images")
    shape = tuple(int(s) for s in source.image_shape)
    if np.dtype(source.dtype).kind not in "uif":
        raise ValueError(f"{type(source).__name__} holds {source.dtype} images; pixels must be "
                         "numbers (uint8 0-255 or floats)")
    if reset:
        estimator.image_shape_ = shape
        estimator.n_features_in_ = int(np.prod(shape))
    elif tuple(estimator.image_shape_) != shape:
        raise ValueError(
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
    raise ValueError(
        f"{caller} reads uint8 images as 0-255 pixels, but the {type(images).__name__} holds "
        f"{kind} images, whose range is not read in advance; convert them to uint8, or pass "
        "input_scale=1 / (the largest value)"
    )


def _chunks(images):
    n = len(images)
    step = max(_CHUNK_ELEMENTS // max(int(np.prod(images.shape[1:])), 1), 1)
    for start in range(0, n, step):
        stop = min(start + step, n)
        if isinstance(images, ImageDataset):
            yield images.read(np.arange(start, stop))
        else:
            yield images[start:stop]


def input_statistics(images, mode):
    """``(mean, std)`` of ``(n, H, W, C)`` images or an image set, in one pass over chunks.

    Per channel ``(C,)`` (``mode="channel"``) or per pixel ``(H, W, C)`` (``"pixel"``), in
    float64, population std, a zero std read as 1 (as :func:`image_statistics` does). Each chunk
    contributes its count, mean and sum of squared deviations, merged exactly (Chan et al.), so
    the result is as precise as two passes while every image is read once.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.array([[[[0.0], [2.0]]], [[[4.0], [6.0]]]])   # (2, 1, 2, 1)
    >>> input_statistics(images, "channel")
    (array([3.]), array([2.23606798]))
    """
    axes = (0, 1, 2) if mode == "channel" else (0,)
    count, mean, m2 = 0, 0.0, 0.0
    for chunk in _chunks(images):
        chunk = np.asarray(chunk, dtype=np.float64)
        n = chunk.size // (chunk.shape[3] if mode == "channel" else int(np.prod(chunk.shape[1:])))
        chunk_mean = chunk.mean(axis=axes)
        chunk_m2 = np.square(chunk - chunk_mean).sum(axis=axes)
        delta = chunk_mean - mean
        total = count + n
        mean = mean + delta * (n / total)
        m2 = m2 + chunk_m2 + np.square(delta) * (count * n / total)
        count = total
    std = np.sqrt(m2 / count)
    std[std == 0] = 1.0
    return mean, std
