"""Background removal: the Modified-MNIST rule (digits are exactly 255) and Otsu's threshold."""

from __future__ import annotations

import numpy as np
from skimage.filters import threshold_otsu
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

from .._images import (
    PIXEL_MAX,
    bool_as_pixels,
    check_images,
    check_table_output,
    looks_unit_scaled,
)
from .._sklearn_compat import FINITE, StrOptions, _fit_context, validate_params
from ..exceptions import InputError

__all__ = ["BackgroundRemover", "otsu_thresholds", "remove_background"]

#: Elements per chunk: about a megabyte of uint8 pixels keeps the input, the mask and the output
#: of a chunk in cache, which is what makes the chunked version faster than one ``np.where``.
_CHUNK_ELEMENTS = 1 << 20


@validate_params(
    {"X": ["array-like"], "threshold": [FINITE, StrOptions({"otsu"})], "fill": [FINITE]},
    prefer_skip_nested_validation=True,
)
def remove_background(X, threshold=255, fill=0):
    """Set every pixel below ``threshold`` (or at/below each image's Otsu level) to ``fill``.

    The function behind :class:`BackgroundRemover`: pixel-wise, on any layout, working through
    the stack in chunks of about a million pixels, and always into a new array.

    Parameters
    ----------
    X : array-like of shape (n_images, ...)
        Images (any layout; axis 0 indexes the images). Not modified. Bool masks are read as
        uint8 0 / 255, as everywhere in the package.
    threshold : int, float or "otsu", default=255
        Pixels ``< threshold`` become ``fill`` (the Modified-MNIST rule: digit pixels are exactly
        255, so ``threshold=255`` keeps only them). In the units of ``X``: float images scaled
        to [0, 1] need a threshold within [0, 1] (a larger one is refused, as it would blank
        every image). ``"otsu"`` computes one threshold ``t`` per
        image with :func:`skimage.filters.threshold_otsu` and fills pixels ``<= t`` (skimage's own
        convention: the foreground is ``image > t``).
    fill : int or float, default=0
        The value background pixels take. Must be storable in ``X``'s dtype.

    Returns
    -------
    ndarray
        Same shape and dtype as ``X`` (uint8 for bool masks).

    See Also
    --------
    BackgroundRemover : The same as a scikit-learn transformer.
    otsu_thresholds : The per-image thresholds of ``threshold="otsu"``.

    Examples
    --------
    >>> import numpy as np
    >>> remove_background(np.array([[10, 255, 254, 255]], dtype=np.uint8))
    array([[  0, 255,   0, 255]], dtype=uint8)
    >>> remove_background(np.array([[10, 200, 20, 210]], dtype=np.uint8), threshold="otsu")
    array([[  0, 200,   0, 210]], dtype=uint8)
    """
    X = bool_as_pixels(np.asarray(X))
    if X.ndim < 1 or X.dtype.kind not in "uif":
        raise InputError(
            f"X must be an array of images with numeric pixels; got shape {X.shape} and dtype "
            f"{X.dtype}"
        )
    _check_fill(fill, X.dtype)
    if not isinstance(threshold, str):
        _check_threshold(threshold, X)
    n = X.shape[0]
    out = np.empty_like(X)
    per_image = max(int(np.prod(X.shape[1:])), 1)
    step = max(_CHUNK_ELEMENTS // per_image, 1)
    mask = np.empty((min(step, n), *X.shape[1:]), dtype=bool)
    for start in range(0, n, step):
        chunk, dest = X[start:start + step], out[start:start + step]
        keep = mask[: len(chunk)]
        if isinstance(threshold, str):
            levels = otsu_thresholds(chunk).reshape(-1, *([1] * (X.ndim - 1)))
            np.greater(chunk, levels, out=keep)
        else:
            np.greater_equal(chunk, threshold, out=keep)
        if fill == 0:
            # One pass, no temporary: kept pixels times True, background times False.
            np.multiply(chunk, keep, out=dest)
        else:
            np.copyto(dest, fill, casting="unsafe")
            np.copyto(dest, chunk, where=keep)
    return out


@validate_params({"X": ["array-like"]}, prefer_skip_nested_validation=True)
def otsu_thresholds(X) -> np.ndarray:
    """Compute Otsu's threshold of each image, as skimage.filters.threshold_otsu image by image.

    uint8 stacks are handled at once (one 256-bin histogram per image, all thresholds from
    cumulative sums, in the same arithmetic as skimage); other dtypes call skimage per image.

    Parameters
    ----------
    X : array-like of shape (n_images, ...)
        Images (any layout; axis 0 indexes the images). Bool masks are read as uint8 0 / 255.

    Returns
    -------
    ndarray of shape (n_images,)
        In the dtype of ``X``.

    See Also
    --------
    remove_background : Uses them with ``threshold="otsu"``.
    skimage.filters.threshold_otsu : The threshold of one image.

    Examples
    --------
    >>> import numpy as np
    >>> otsu_thresholds(np.array([[0, 10, 200, 220], [5, 5, 5, 5]], dtype=np.uint8))
    array([10,  5], dtype=uint8)
    """
    X = bool_as_pixels(np.asarray(X))
    n = X.shape[0]
    flat = X.reshape(n, -1)
    if flat.shape[1] == 0:
        raise InputError(f"X holds images without pixels (shape {X.shape})")
    if X.dtype != np.uint8:
        return np.array([threshold_otsu(image) for image in flat], dtype=X.dtype)
    bins = np.arange(n, dtype=np.int64)[:, None] * 256 + flat
    counts = np.bincount(bins.ravel(), minlength=n * 256).reshape(n, 256)
    centers = np.arange(256, dtype=np.int64)
    weight1 = np.cumsum(counts, axis=1)
    weight2 = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1]
    moment = counts * centers
    with np.errstate(invalid="ignore", divide="ignore"):
        mean1 = np.cumsum(moment, axis=1) / weight1
        mean2 = np.cumsum(moment[:, ::-1], axis=1)[:, ::-1] / weight2
        variance = weight1[:, :-1] * weight2[:, 1:] * (mean1[:, :-1] - mean2[:, 1:]) ** 2
    low, high = flat.min(axis=1), flat.max(axis=1)
    # skimage's histogram spans [min, max] of each image only; outside it the sums are empty.
    valid = (centers[:-1] >= low[:, None]) & (centers[:-1] < high[:, None])
    variance[~valid] = -np.inf
    thresholds = np.argmax(variance, axis=1)
    thresholds[low == high] = low[low == high]  # a constant image: skimage returns its value
    return thresholds.astype(np.uint8)


def _check_threshold(threshold, X):
    """Refuse a threshold no pixel of ``X`` can reach (every image would come out blank)."""
    if np.issubdtype(X.dtype, np.integer) and threshold > np.iinfo(X.dtype).max:
        raise InputError(
            f"threshold={threshold!r} is above the largest {X.dtype} value "
            f"({np.iinfo(X.dtype).max}): every pixel would become background"
        )
    if threshold > 1 and looks_unit_scaled(X):
        raise InputError(
            f"threshold={threshold!r} is in 0-{PIXEL_MAX} units, but X is float and lies within "
            "[0, 1]: every pixel would become background. Pass a threshold in the units of X "
            "(threshold=1.0 keeps the pixels equal to 1), or 0-255 images (e.g. uint8)"
        )


def _check_fill(fill, dtype):
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        if not np.isfinite(fill) or float(fill) != int(fill) or not info.min <= fill <= info.max:
            raise InputError(
                f"fill={fill!r} cannot be stored in {dtype} images (range {info.min}..{info.max}); "
                f"pass an integer fill in that range or convert X to float"
            )
    elif np.issubdtype(dtype, np.floating) and abs(fill) > float(np.finfo(dtype).max):
        raise InputError(
            f"fill={fill!r} cannot be stored in {dtype} images (largest value "
            f"{np.finfo(dtype).max:g}); pass a smaller fill or convert X to a wider float dtype"
        )


class BackgroundRemover(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Set background pixels to ``fill``: a fixed threshold (the 255 rule) or Otsu per image.

    In the Modified-MNIST data the digits are exactly 255 and the noise never is, so the default
    ``threshold=255`` leaves only the digits. For real photographs ``threshold="otsu"`` picks a
    threshold per image (skimage's Otsu) and keeps the brighter class. Pixel-wise: any layout
    (flat rows of any width, ``(n, H, W)``, ``(n, H, W, C)``) is accepted and returned as given,
    with the same dtype. Stateless: ``fit`` only records the input size.

    Parameters
    ----------
    threshold : int, float or "otsu", default=255
        Pixels ``< threshold`` become ``fill``, in the units of ``X`` (use 1.0 for float images in
        [0, 1] whose foreground is exactly 1). With ``"otsu"`` each image's threshold ``t`` comes
        from :func:`skimage.filters.threshold_otsu` and pixels ``<= t`` become ``fill``.
    fill : int or float, default=0
        Value given to background pixels; it must be storable in ``X``'s dtype.

    Attributes
    ----------
    n_features_in_ : int
        Values per sample seen in ``fit``.
    image_shape_ : tuple of int
        ``(H, W, C)`` seen in ``fit`` (flat rows of non-square width read as ``(1, d, 1)``).

    See Also
    --------
    remove_background : The same as a function.
    LargestDigitExtractor : Keeps the largest digit of the cleaned images.

    Examples
    --------
    >>> import numpy as np
    >>> from skimgclf.preprocessing import BackgroundRemover
    >>> X = np.array([[[12, 255], [255, 254]]], dtype=np.uint8)
    >>> BackgroundRemover().fit_transform(X)
    array([[[  0, 255],
            [255,   0]]], dtype=uint8)
    """

    _parameter_constraints: dict = {
        "threshold": [FINITE, StrOptions({"otsu"})],
        "fill": [FINITE],
    }

    def __init__(self, *, threshold=255, fill=0):
        self.threshold = threshold
        self.fill = fill

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and record the input size.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, H, W[, C])
            Training images (only their size is recorded).
        y : None
            Ignored; accepted for scikit-learn's API.

        Returns
        -------
        self : BackgroundRemover
            The fitted transformer.
        """
        check_images(self, X, reset=True, spatial=False)
        return self

    def transform(self, X):
        """Return a copy of ``X`` with the background set to ``fill``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, H, W[, C])
            Images of the size seen in ``fit`` (or of any size without ``fit``).

        Returns
        -------
        ndarray of the same shape and dtype as ``X``
            The images with their background pixels set to ``fill``.
        """
        if not hasattr(self, "n_features_in_"):  # stateless: usable without fit
            self._validate_params()
        images, layout = check_images(self, X, reset=False, spatial=False)
        check_table_output(self, layout)
        return layout.restore(remove_background(images, self.threshold, self.fill))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
