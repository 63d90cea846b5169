"""The image contract: every accepted layout of ``X`` <-> one ``(n, H, W, C)`` view.

Accepted layouts
----------------
- ``(n, d)`` flat rows, ``d = H * W * C``. Square grayscale is inferred when ``image_shape`` is
  None and ``d`` is a perfect square; otherwise ``image_shape=(H, W)`` or ``(H, W, C)`` is needed.
- ``(n, H, W)`` grayscale images.
- ``(n, H, W, C)`` images in numpy/skimage order.
- ``(n, C, H, W)`` only when the caller says so (``channels_first=True``); never guessed here.

:func:`check_images` validates ``X`` (through scikit-learn's ``validate_data``, so NaN, inf,
empty arrays, sparse input, DataFrame column names and ``n_features_in_`` behave as everywhere in
scikit-learn) and returns the ``(n, H, W, C)`` view plus a :class:`Layout` that gives results back
in the caller's layout. No other module reshapes images by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.utils.validation import validate_data

__all__ = [
    "Layout",
    "check_images",
    "flatten_images",
    "image_shape_from_flat",
    "normalize_image_shape",
]


@dataclass(frozen=True)
class Layout:
    """How the caller gave ``X``, so that outputs can be given back the same way.

    Parameters
    ----------
    kind : {"flat", "hw", "hwc", "chw"}
        ``(n, d)``, ``(n, H, W)``, ``(n, H, W, C)`` or ``(n, C, H, W)``.
    """

    kind: str

    def restore(self, images: np.ndarray) -> np.ndarray:
        """Return ``(n, H, W, C)`` images in this layout (``H, W, C`` may differ from the input's).

        A grayscale result given as ``(n, H, W)`` stays 3-D; a colour result cannot be squeezed
        into that layout, so it is returned as ``(n, H, W, C)``.
        """
        if images.ndim != 4:
            raise ValueError(f"expected (n, H, W, C) images, got shape {images.shape}")
        if self.kind == "flat":
            return images.reshape(images.shape[0], -1)
        if self.kind == "hw" and images.shape[3] == 1:
            return images[..., 0]
        if self.kind == "chw":
            return np.moveaxis(images, 3, 1)
        return images


def normalize_image_shape(image_shape) -> tuple[int, int, int] | None:
    """Return ``image_shape`` as ``(H, W, C)`` (or None), raising a clear error when malformed.

    One of ``H`` and ``W`` may be -1, to be inferred from the row width as in ``numpy.reshape``
    (``(1, -1)`` reads each flat row as a single row of pixels).
    """
    if image_shape is None:
        return None
    try:
        shape = tuple(int(s) for s in image_shape)
    except TypeError:
        raise ValueError(
            f"image_shape must be None, (H, W) or (H, W, C); got {image_shape!r}"
        ) from None
    if len(shape) == 2:
        shape = (*shape, 1)
    sizes_ok = all(s >= 1 for s in shape) or (
        shape[:2].count(-1) == 1 and max(shape[:2]) >= 1 and shape[2] >= 1
    )
    if len(shape) != 3 or not sizes_ok:
        raise ValueError(
            f"image_shape must be (H, W) or (H, W, C) with positive sizes (one of H, W may be "
            f"-1); got {image_shape!r}"
        )
    return shape


def image_shape_from_flat(n_features: int, image_shape=None) -> tuple[int, int, int]:
    """``(H, W, C)`` of flat rows of ``n_features`` values, inferred (square grayscale) or checked.

    Examples
    --------
    >>> image_shape_from_flat(784)
    (28, 28, 1)
    >>> image_shape_from_flat(3072, image_shape=(32, 32, 3))
    (32, 32, 3)
    >>> image_shape_from_flat(10, image_shape=(1, -1))
    (1, 10, 1)
    """
    shape = normalize_image_shape(image_shape)
    if shape is not None and -1 in shape:
        known = -math.prod(shape)
        if n_features % known:
            raise ValueError(
                f"X has {n_features} features per sample, which image_shape={image_shape} "
                f"cannot hold: {n_features} is not a multiple of {known}"
            )
        shape = tuple(n_features // known if s == -1 else s for s in shape)
    if shape is not None:
        if math.prod(shape) != n_features:
            raise ValueError(
                f"X has {n_features} features per sample, but image_shape={image_shape} holds "
                f"{math.prod(shape)} pixels; pass the image_shape of your data"
            )
        return shape
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(
            f"X has {n_features} features per sample, which is not a square image; "
            "pass image_shape=(H, W) or (H, W, C)"
        )
    return (side, side, 1)


def check_images(
    estimator,
    X,
    *,
    reset: bool,
    image_shape=None,
    channels_first: bool = False,
    spatial: bool = True,
    dtype="numeric",
    copy: bool = False,
):
    """Validate ``X`` and return it as ``(n, H, W, C)`` images plus the caller's :class:`Layout`.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted or applied. With ``reset=True`` it receives
        ``n_features_in_`` (pixels x channels per image, whatever the layout) and
        ``image_shape_`` ``(H, W, C)``; with ``reset=False`` the images are checked against them.
    X : array-like
        Images in one of the layouts of this module.
    reset : bool
        True in ``fit``, False in ``transform``/``predict``.
    image_shape : tuple or None
        ``(H, W)`` or ``(H, W, C)`` of flat rows; ignored for image-shaped ``X``, except that it
        must agree with it.
    channels_first : bool
        Read a 4-D ``X`` as ``(n, C, H, W)``.
    spatial : bool
        Whether the caller needs the true ``(H, W)``. Pixel-wise steps pass False: flat rows
        whose width is not a square are then read as one row of ``d`` grayscale pixels.
    dtype : str, type or list
        Passed to :func:`sklearn.utils.check_array` (``"numeric"`` keeps uint8 as uint8).
    copy : bool
        Force a copy (steps that write into their input need one).

    Returns
    -------
    images : ndarray of shape (n, H, W, C)
        A view of ``X`` where possible.
    layout : Layout
        Gives results back in the caller's layout.
    """
    X = _as_array(X)
    if X.ndim in (3, 4):
        layout = Layout("hw" if X.ndim == 3 else ("chw" if channels_first else "hwc"))
        images = X[..., np.newaxis] if X.ndim == 3 else X
        if channels_first and X.ndim == 4:
            images = np.moveaxis(X, 1, 3)
        shape = images.shape[1:]
        given = normalize_image_shape(image_shape)
        if given is not None and any(g not in (-1, s) for g, s in zip(given, shape, strict=True)):
            raise ValueError(
                f"X holds images of shape {_fmt(shape)}, but image_shape={image_shape}; "
                "drop image_shape or make it match the images"
            )
        if not reset:
            _check_fitted_shape(estimator, shape)
        flat = validate_data(
            estimator,
            np.ascontiguousarray(images).reshape(images.shape[0], -1),
            reset=reset,
            dtype=dtype,
            copy=copy,
        )
        images = flat.reshape(flat.shape[0], *shape)
    elif X.ndim == 2 or not hasattr(X, "ndim"):
        layout = Layout("flat")
        flat = validate_data(estimator, X, reset=reset, dtype=dtype, copy=copy)
        n_features = flat.shape[1]
        fitted = getattr(estimator, "image_shape_", None)
        if image_shape is None and not reset and fitted is not None:
            # Flat rows at predict time take the shape learnt at fit (from images or image_shape).
            shape = fitted if math.prod(fitted) == n_features else None
        else:
            shape = None
        if shape is None:
            try:
                shape = image_shape_from_flat(n_features, image_shape)
            except ValueError:
                if spatial or image_shape is not None:
                    raise
                shape = (1, n_features, 1)
        images = flat.reshape(flat.shape[0], *shape)
    else:
        raise ValueError(
            f"X must be 2-D (n_samples, n_pixels), 3-D (n, H, W) or 4-D (n, H, W, C) images; "
            f"got an array of shape {X.shape}"
            # scikit-learn's wording for 1-D input, which its estimator checks look for.
            + (
                ". Reshape your data with X.reshape(1, -1) if it holds one image"
                if X.ndim == 1
                else ""
            )
        )
    if reset:
        estimator.image_shape_ = tuple(int(s) for s in images.shape[1:])
    return images, layout


def _as_array(X):
    """Bring tensors and nested lists to numpy; leave DataFrames and sparse input to sklearn."""
    if hasattr(X, "detach") and hasattr(X, "cpu"):  # a torch tensor, without importing torch
        return X.detach().cpu().numpy()
    if hasattr(X, "ndim") or hasattr(X, "iloc") or hasattr(X, "tocsr"):
        return X
    return np.asarray(X)


def _check_fitted_shape(estimator, shape):
    fitted = getattr(estimator, "image_shape_", None)
    if fitted is None or tuple(fitted) == tuple(shape):
        return
    name = type(estimator).__name__
    what = "channel count" if fitted[:2] == shape[:2] else "image shape"
    raise ValueError(
        f"X has {math.prod(shape)} features, but {name} is expecting {math.prod(fitted)} features "
        f"as input: the {what} differs (images of {_fmt(shape)} now, {_fmt(fitted)} at fit)"
    )


def _fmt(shape) -> str:
    return "x".join(str(s) for s in shape)


def flatten_images(X):
    """Images of any accepted layout as flat ``(n, d)`` rows (flat rows are returned as they are).

    scikit-learn's own classifiers take 2-D input only; ``FunctionTransformer(flatten_images)``
    before one lets a pipeline take image arrays.

    Examples
    --------
    >>> import numpy as np
    >>> flatten_images(np.zeros((5, 8, 8), dtype=np.uint8)).shape
    (5, 64)
    """
    X = _as_array(X)
    if getattr(X, "ndim", 2) <= 2:
        return X
    return Layout("flat").restore(X if X.ndim == 4 else X[..., np.newaxis])
