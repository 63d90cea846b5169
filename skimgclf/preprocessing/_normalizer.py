"""Pixel normalisation for images: per-channel or per-pixel z-scores, or 0-255 -> 0-1."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._images import check_images, check_table_output, unit_scale
from .._sklearn_compat import StrOptions, _fit_context, validate_params
from .._sources import ImageDataset
from ..exceptions import InputError

__all__ = ["Normalizer", "image_statistics", "normalize_images"]

_CHUNK_ELEMENTS = 1 << 20


@validate_params(
    {"images": [np.ndarray, ImageDataset], "mode": [StrOptions({"scale", "channel", "pixel"})]},
    prefer_skip_nested_validation=True,
)
def image_statistics(images, mode="channel"):
    """``(mean, std)`` of ``(n, H, W, C)`` images: per channel ``(C,)`` or per pixel ``(H, W, C)``.

    Computed in float64 over the whole stack (population std). A zero std becomes 1, so constant
    pixels (e.g. MNIST's empty borders) are centred but not divided by zero, as in scikit-learn's
    StandardScaler. ``mode="scale"`` gives ``(0.0, 255.0)``.

    Parameters
    ----------
    images : ndarray of shape (n, H, W, C) or ImageDataset
        The training images; an image set read on demand is read in chunks, once.
    mode : {"channel", "pixel", "scale"}, default="channel"
        Statistics per channel, per pixel position (and channel), or the fixed ``(0, 255)``.

    Returns
    -------
    mean : float or ndarray
        Shape ``(C,)`` (``"channel"``) or ``(H, W, C)`` (``"pixel"``); 0.0 for ``"scale"``.
    std : float or ndarray
        The population standard deviations, of the same shape; 255.0 for ``"scale"``.

    See Also
    --------
    normalize_images : Apply the statistics.
    Normalizer : Fits them in ``fit`` and applies them in ``transform``.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.array([[[[0.0], [2.0]]], [[[4.0], [6.0]]]])   # (2, 1, 2, 1)
    >>> image_statistics(images, "channel")
    (array([3.]), array([2.23606798]))
    >>> image_statistics(images, "pixel")[0][..., 0]
    array([[2., 4.]])
    """
    if mode == "scale":
        return np.float64(0.0), np.float64(255.0)
    axes = (0, 1, 2) if mode == "channel" else (0,)
    count, mean, m2 = 0, 0.0, 0.0
    for chunk in _chunks(images):
        # Each chunk's count, mean and squared deviations from its own mean, merged exactly
        # (Chan et al.): as precise as two passes, and an image set is read once, never whole.
        chunk = np.asarray(chunk, dtype=np.float64)
        n = chunk.size // (chunk.shape[3] if mode == "channel" else int(np.prod(chunk.shape[1:])))
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below
            chunk_mean = chunk.mean(axis=axes)
            delta, total = chunk_mean - mean, count + n
            m2 = m2 + np.square(chunk - chunk_mean).sum(axis=axes) + np.square(delta) * (
                count * n / total)
            mean, count = mean + delta * (n / total), total
    std = np.sqrt(m2 / count)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
        # squared deviations past float64's range (|values| near 1e154 or more)
        raise InputError(
            f"the pixel values are too large for their {mode} mean and standard deviation "
            "(they overflow float64); rescale the images first"
        )
    std[std == 0] = 1.0
    return mean, std


def _chunks(images):
    """Consecutive chunks of about ``_CHUNK_ELEMENTS`` pixels (arrays sliced, sets read)."""
    n = len(images)
    step = max(_CHUNK_ELEMENTS // max(int(np.prod(images.shape[1:])), 1), 1)
    for start in range(0, n, step):
        stop = min(start + step, n)
        yield images.read(np.arange(start, stop)) if isinstance(images, ImageDataset) \
            else images[start:stop]


@validate_params(
    {"X": ["array-like"], "mean": ["array-like", Real], "std": ["array-like", Real],
     "dtype": "no_validation"},
    prefer_skip_nested_validation=True,
)
def normalize_images(X, mean, std, dtype=np.float32):
    """``(X - mean) / std`` in chunks, into a new array of ``dtype`` (``X`` is not modified).

    The chunks of about a million values keep the temporaries small, so that a large stack
    needs no float64 copy of itself.

    Parameters
    ----------
    X : array-like
        The images, in any layout that ``mean`` and ``std`` broadcast against.
    mean : array-like or float
        Subtracted from every image (e.g. from :func:`image_statistics`).
    std : array-like or float
        Each centred value is divided by it (multiplied by its inverse, computed in float64).
    dtype : dtype, default=np.float32
        The dtype of the result.

    Returns
    -------
    ndarray
        The normalised images, of the shape of ``X``.

    See Also
    --------
    image_statistics : The mean and std of a stack of images.
    Normalizer : The same as a scikit-learn transformer.

    Examples
    --------
    >>> import numpy as np
    >>> normalize_images(np.array([[0, 51, 255]], dtype=np.uint8), 0.0, 255.0)
    array([[0. , 0.2, 1. ]], dtype=float32)
    """
    X = np.asarray(X)
    out = np.empty(X.shape, dtype=dtype)
    mean = np.asarray(mean, dtype=dtype)
    inverse = (1.0 / np.asarray(std, dtype=np.float64)).astype(dtype)
    step = max(_CHUNK_ELEMENTS // max(int(np.prod(X.shape[1:])), 1), 1)
    for start in range(0, len(X), step):
        dest = out[start:start + step]
        np.subtract(X[start:start + step], mean, out=dest, casting="unsafe")
        np.multiply(dest, inverse, out=dest)
    return out


class Normalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Normalise image pixels: per-channel or per-pixel z-scores, or 0-255 to 0-1.

    .. note:: Not :class:`sklearn.preprocessing.Normalizer`, which rescales each *sample* to unit
       norm. This one works on *pixels*, with statistics of the training images, as image
       pipelines do (``transforms.Normalize(mean, std)`` in torchvision).

    Parameters
    ----------
    mode : {"scale", "channel", "pixel"}, default="scale"
        - ``"scale"``: divide by 255, mapping 0-255 pixels to 0-1 (nothing is learnt). Integer
          images must hold 0-255 values (16-bit images are refused: convert them with
          ``skimage.util.img_as_ubyte``), floats must lie within [0, 255], and float images
          already within [0, 1] are refused (they are scaled already: leave the step out).
        - ``"channel"``: subtract each channel's mean and divide by its std, both fitted on the
          training images (the face-identity study's per-channel standardisation).
        - ``"pixel"``: the same per pixel position (and channel), like StandardScaler on flat
          images. A constant pixel gets std 1.
    image_shape : tuple or None, default=None
        ``(H, W, C)`` of flat colour rows, needed by ``mode="channel"`` to know the channels;
        flat rows are otherwise read as grayscale.
    channels_first : bool or None, default=None
        Read 4-D input as ``(n, C, H, W)``; None decides by the package's one rule
        (:func:`skimgclf.neural.reads_channels_first`: only when the shape leaves no doubt).

    Attributes
    ----------
    mean_ : float or ndarray
        0.0 (``"scale"``), shape ``(C,)`` (``"channel"``) or ``(H, W, C)`` (``"pixel"``).
    std_ : float or ndarray
        255.0, or the fitted standard deviations, of the same shape as ``mean_``.
    n_features_in_ : int
        Values per sample seen in ``fit``.
    image_shape_ : tuple of int
        ``(H, W, C)`` seen in ``fit``.

    See Also
    --------
    image_statistics : The statistics ``fit`` learns.
    normalize_images : What ``transform`` applies.
    sklearn.preprocessing.StandardScaler : Per-feature z-scores of flat rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skimgclf.preprocessing import Normalizer
    >>> X = np.array([[[0, 255]], [[51, 102]]], dtype=np.uint8)      # two 1x2 images
    >>> Normalizer().fit_transform(X)
    array([[[0. , 1. ]],
           [[0.2, 0.4]]], dtype=float32)
    >>> Normalizer(mode="channel").fit(X).mean_
    array([102.])
    """

    _parameter_constraints: dict = {
        "mode": [StrOptions({"scale", "channel", "pixel"})],
        "image_shape": [tuple, list, None],
        "channels_first": ["boolean", None],
    }

    def __init__(self, *, mode="scale", image_shape=None, channels_first=None):
        self.mode = mode
        self.image_shape = image_shape
        self.channels_first = channels_first

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the mean and std (``"channel"``/``"pixel"``) from the training images.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, H, W[, C])
            Training images.
        y : None
            Ignored; accepted for scikit-learn's API.

        Returns
        -------
        self : Normalizer
            The fitted transformer.
        """
        images, _ = self._images(X, reset=True)
        self.mean_, self.std_ = image_statistics(images, self.mode)
        return self

    def _images(self, X, *, reset, inverse=False):
        images, layout = check_images(self, X, reset=reset, image_shape=self.image_shape,
                                      channels_first=self.channels_first, spatial=False)
        if self.mode == "scale" and not inverse:
            unit_scale(images, caller="Normalizer(mode='scale')", floats="0-255")
        return images, layout

    def transform(self, X):
        """Return ``(X - mean_) / std_``, float32 (float64 for float64 input), in X's layout.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, H, W[, C])
            Images of the shape seen in ``fit``.

        Returns
        -------
        ndarray of the same shape as ``X``
            The normalised images.
        """
        check_is_fitted(self)
        images, layout = self._images(X, reset=False)
        check_table_output(self, layout)
        return layout.restore(normalize_images(images, self.mean_, self.std_,
                                               _output_dtype(images.dtype)))

    def inverse_transform(self, X):
        """Undo :meth:`transform`: ``X * std_ + mean_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, H, W[, C])
            Normalised images, as :meth:`transform` returns them.

        Returns
        -------
        ndarray of the same shape as ``X``
            The images in their original units (float).
        """
        check_is_fitted(self)
        images, layout = self._images(X, reset=False, inverse=True)
        dtype = _output_dtype(images.dtype)
        out = images.astype(dtype) * np.asarray(self.std_, dtype) + np.asarray(self.mean_, dtype)
        return layout.restore(out)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _output_dtype(dtype):
    return dtype if dtype in (np.float32, np.float64) else np.float32
