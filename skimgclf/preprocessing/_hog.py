"""Histogram-of-oriented-gradients features: skimage's HOG, computed for a whole stack at once."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .._images import check_images
from .._sklearn_compat import Interval, NJobs, StrOptions, _fit_context, validate_params
from ..exceptions import InputError
from ._chunks import map_chunks

__all__ = ["HOGFeatures", "hog_features", "hog_feature_count"]

_CHUNK_SIZE = 1024

_HOG_CONSTRAINTS = {
    "orientations": [Interval(Integral, 1, None, closed="left")],
    "pixels_per_cell": [tuple, list],
    "cells_per_block": [tuple, list],
    "block_norm": [StrOptions({"L1", "L1-sqrt", "L2", "L2-Hys"})],
    "transform_sqrt": ["boolean"],
    "n_jobs": [NJobs(), None],
    "progress_bar": ["boolean"],
}


@validate_params(
    {
        "image_shape": [tuple, list],
        "orientations": _HOG_CONSTRAINTS["orientations"],
        "pixels_per_cell": [tuple, list],
        "cells_per_block": [tuple, list],
    },
    prefer_skip_nested_validation=True,
)
def hog_feature_count(image_shape, orientations=9, pixels_per_cell=(8, 8),
                      cells_per_block=(3, 3)) -> int:
    """Length of :func:`skimage.feature.hog`'s feature vector for images of ``(H, W[, C])``.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)`` or ``(H, W, C)``.
    orientations : int, default=9
    pixels_per_cell : tuple of (int, int), default=(8, 8)
    cells_per_block : tuple of (int, int), default=(3, 3)

    Returns
    -------
    int

    Examples
    --------
    >>> hog_feature_count((28, 28), orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1))
    392
    """
    _check_pairs(pixels_per_cell=pixels_per_cell, cells_per_block=cells_per_block)
    cells = [image_shape[i] // pixels_per_cell[i] for i in range(2)]
    blocks = [cells[i] - cells_per_block[i] + 1 for i in range(2)]
    if min(blocks) < 1:
        raise InputError(
            f"images of {image_shape[0]}x{image_shape[1]} pixels are too small for one HOG block "
            f"of cells_per_block={tuple(cells_per_block)} cells of pixels_per_cell="
            f"{tuple(pixels_per_cell)} pixels; use smaller cells or blocks (the hog-* presets "
            "size them for the images given as make_model(name, image_shape=(H, W)))"
        )
    return blocks[0] * blocks[1] * cells_per_block[0] * cells_per_block[1] * orientations


@validate_params(
    {"images": ["array-like"], **_HOG_CONSTRAINTS, "colour": ["boolean", None]},
    prefer_skip_nested_validation=True,
)
def hog_features(images, *, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(3, 3),
                 block_norm="L2-Hys", transform_sqrt=False, colour=None, n_jobs=None,
                 progress_bar=False):
    """:func:`skimage.feature.hog` of every image, as one float32 ``(n, n_features)`` array.

    The function behind :class:`HOGFeatures`: the images are processed a chunk at a time,
    vectorised in numpy, and the chunks spread over ``n_jobs`` workers.

    Parameters
    ----------
    images : array-like of shape (n, H, W, C)
        Images; not modified.
    orientations : int, default=9
        Orientation bins.
    pixels_per_cell : tuple of (int, int), default=(8, 8)
        Size of a cell, in pixels.
    cells_per_block : tuple of (int, int), default=(3, 3)
        Size of a normalisation block, in cells.
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}, default="L2-Hys"
        Block normalisation, as in :func:`skimage.feature.hog`.
    transform_sqrt : bool, default=False
        Power-law compression (square root) of the image first; needs non-negative pixels.
    colour : bool or None, default=None
        Pass each ``(H, W, C)`` image with ``channel_axis=-1`` (skimage keeps, per pixel, the
        channel with the strongest gradient). None: colour when ``C > 1``; False needs
        ``C == 1``.
    n_jobs : int or None, default=None
        Joblib workers over chunks of images (``-1``: all cores).
    progress_bar : bool, default=False
        Show a tqdm bar over the images (on standard error), for long stacks.

    Returns
    -------
    ndarray of shape (n, n_features), float32
        Row ``i`` equals ``hog(images[i], ...)`` cast to float32 (bit for bit: the whole chunk
        is computed in skimage's own arithmetic and summation order, without its per-image
        Python overhead).

    See Also
    --------
    HOGFeatures : The same as a scikit-learn transformer, for any layout.
    skimage.feature.hog : The descriptor of one image.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.zeros((2, 16, 16, 1))
    >>> images[:, 4:12, 7:9] = 1.0                   # a vertical bar
    >>> features = hog_features(images, pixels_per_cell=(8, 8), cells_per_block=(1, 1))
    >>> features.shape, features.dtype
    ((2, 36), dtype('float32'))
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise InputError(
            f"images must be a 4-D (n, H, W, C) array; got shape {images.shape} (the HOGFeatures "
            "estimator takes every layout)"
        )
    if colour is None:
        colour = images.shape[3] > 1
    elif not colour and images.shape[3] != 1:
        raise InputError(
            f"colour=False needs grayscale images, but images have {images.shape[3]} channels; "
            "pass colour=True or colour=None"
        )
    if transform_sqrt and images.size and images.min() < 0:
        raise InputError(
            "transform_sqrt=True takes the square root of the pixels, but the images have "
            "negative values; rescale them to non-negative values or set transform_sqrt=False"
        )
    params = dict(orientations=orientations, pixels_per_cell=tuple(pixels_per_cell),
                  cells_per_block=tuple(cells_per_block), block_norm=block_norm,
                  transform_sqrt=transform_sqrt)
    n_features = hog_feature_count(images.shape[1:3], orientations, pixels_per_cell,
                                   cells_per_block)
    out = np.empty((len(images), n_features), dtype=np.float32)
    return map_chunks(_hog_chunk, images, out, n_jobs=n_jobs, chunk_size=_CHUNK_SIZE,
                      progress="HOG" if progress_bar else None, colour=colour, params=params)


def _hog_chunk(images, *, colour, params):
    """skimage's HOG of a whole chunk at once, in skimage's own arithmetic (bit-equal output).

    The steps and their number types follow ``skimage.feature.hog`` (0.2x): centred gradients in
    the image's float type (float32 stays float32); for colour, per pixel the channel with the
    largest gradient magnitude; orientation ``rad2deg(arctan2(g_row, g_col)) % 180`` in float64;
    per cell and orientation bin (bounds rounded to float32, as its Cython kernel declares them)
    the magnitudes summed *in float32, pixel by pixel in row-major order*, divided by the cell
    area; then block normalisation in float64. Summing in that order for all images together is
    what makes the features bit-equal to skimage's while skipping its per-image Python overhead.
    """
    orientations = params["orientations"]
    cell_r, cell_c = params["pixels_per_cell"]
    block_r, block_c = params["cells_per_block"]
    float_type = np.float32 if images.dtype in (np.float16, np.float32) else np.float64
    image = images.astype(float_type)
    if params["transform_sqrt"]:
        image = np.sqrt(image)
    g_row = np.zeros_like(image)
    g_col = np.zeros_like(image)
    g_row[:, 1:-1] = image[:, 2:] - image[:, :-2]
    g_col[:, :, 1:-1] = image[:, :, 2:] - image[:, :, :-2]
    if colour and image.shape[3] > 1:
        strongest = np.hypot(g_row, g_col).argmax(axis=3)[..., None]
        g_row = np.take_along_axis(g_row, strongest, axis=3)
        g_col = np.take_along_axis(g_col, strongest, axis=3)
    g_row = g_row[..., 0].astype(np.float64, copy=False)
    g_col = g_col[..., 0].astype(np.float64, copy=False)
    magnitude = np.hypot(g_col, g_row)
    n, height, width = magnitude.shape
    cells_r, cells_c = height // cell_r, width // cell_c
    per_bin = 180.0 / orientations
    bounds = np.array([per_bin * i for i in range(1, orientations)], dtype=np.float32)
    # Only pixels with a gradient need an orientation: the others add 0.0 to whatever bin, which
    # changes nothing (digits and flat backgrounds leave most pixels without a gradient).
    moving = np.flatnonzero(magnitude)
    orientation = np.rad2deg(np.arctan2(g_row.reshape(-1)[moving], g_col.reshape(-1)[moving])) % 180
    bins = np.zeros(magnitude.shape, dtype=np.intp)
    bins.reshape(-1)[moving] = np.searchsorted(bounds.astype(np.float64), orientation, side="right")

    def by_cell(a):  # (n, H, W) -> (n, cells_r, cell_r, cells_c, cell_c)
        return a[:, :cells_r * cell_r, :cells_c * cell_c].reshape(n, cells_r, cell_r, cells_c,
                                                                   cell_c)

    # Pixel offset within the cell first, so that each step below reads contiguous memory.
    magnitude = np.ascontiguousarray(by_cell(magnitude).transpose(2, 4, 0, 1, 3))
    bins = np.ascontiguousarray(by_cell(bins).transpose(2, 4, 0, 1, 3))
    # One float32 accumulator per (image, cell, bin); every pixel offset of the cells adds each
    # cell's pixel to the bin it falls in (one per cell, so no index repeats within a step).
    histogram = np.zeros(n * cells_r * cells_c * orientations, dtype=np.float32)
    base = np.arange(n * cells_r * cells_c) * orientations
    for a in range(cell_r):
        for b in range(cell_c):
            where = base + bins[a, b].reshape(-1)
            # float64 sum rounded to float32 on assignment: the Cython kernel's `total += m`.
            histogram[where] = histogram[where] + magnitude[a, b].reshape(-1)
    histogram = histogram.reshape(n, cells_r, cells_c, orientations)
    histogram = (histogram / np.float32(cell_r * cell_c)).astype(np.float64)

    blocks_r, blocks_c = cells_r - block_r + 1, cells_c - block_c + 1
    blocks = np.empty((n, blocks_r, blocks_c, block_r, block_c, orientations))
    for r in range(blocks_r):
        for c in range(blocks_c):
            blocks[:, r, c] = histogram[:, r:r + block_r, c:c + block_c]
    blocks = blocks.reshape(n, blocks_r, blocks_c, -1)
    return _normalize_blocks(blocks, params["block_norm"]).reshape(n, -1).astype(np.float32)


def _normalize_blocks(block, method):
    """skimage's ``_hog_normalize_block``, over the last axis of a stack of blocks."""
    eps = 1e-5
    if method == "L1":
        return block / (np.sum(np.abs(block), axis=-1, keepdims=True) + eps)
    if method == "L1-sqrt":
        return np.sqrt(block / (np.sum(np.abs(block), axis=-1, keepdims=True) + eps))
    out = block / np.sqrt(np.sum(block**2, axis=-1, keepdims=True) + eps**2)
    if method == "L2-Hys":
        out = np.minimum(out, 0.2)
        out = out / np.sqrt(np.sum(out**2, axis=-1, keepdims=True) + eps**2)
    return out


class HOGFeatures(TransformerMixin, BaseEstimator):
    """HOG descriptors (:func:`skimage.feature.hog`) of each image, as a feature matrix.

    Each row of the output is exactly skimage's feature vector of that image (cast to float32), so
    results match skimage-based code; the images are processed a chunk at a time (vectorised in
    numpy, in skimage's arithmetic) and the chunks spread over ``n_jobs`` workers.
    Stateless: ``fit`` only records the image shape.

    Parameters
    ----------
    orientations : int, default=9
        Orientation bins.
    pixels_per_cell : tuple of (int, int), default=(8, 8)
        Size of a cell, in pixels.
    cells_per_block : tuple of (int, int), default=(3, 3)
        Size of a normalisation block, in cells.
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}, default="L2-Hys"
        Block normalisation, as in :func:`skimage.feature.hog`.
    transform_sqrt : bool, default=False
        Power-law compression (square root) of the image first; needs non-negative pixels.
    image_shape : tuple or None, default=None
        ``(H, W)`` or ``(H, W, C)`` of flat input rows (square grayscale is inferred). Colour
        images (more than one channel) are described as skimage's ``channel_axis=-1`` does: per
        pixel, the channel with the strongest gradient.
    channels_first : bool or None, default=None
        Read 4-D input as ``(n, C, H, W)``; None decides by the package's one rule
        (:func:`skimgclf.neural.reads_channels_first`: only when the shape leaves no doubt).
    n_jobs : int or None, default=None
        Joblib workers over chunks of images (``-1``: all cores).
    progress_bar : bool, default=False
        Show a tqdm bar over the images in ``transform`` (on standard error).

    Attributes
    ----------
    n_features_in_ : int
        Values per input image seen in ``fit``.
    image_shape_ : tuple of int
        ``(H, W, C)`` seen in ``fit``.
    n_features_out_ : int
        Length of each HOG descriptor, for the image shape seen in ``fit`` and the parameters
        as they are now (as :meth:`transform` computes it).

    See Also
    --------
    hog_features : The same as a function of ``(n, H, W, C)`` images.
    skimgclf.neural.TorchMLPClassifier : A network that takes the descriptors as flat rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skimgclf.preprocessing import HOGFeatures
    >>> X = np.random.default_rng(0).integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    >>> hog = HOGFeatures(orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1))
    >>> hog.fit_transform(X).shape
    (3, 392)
    """

    _parameter_constraints: dict = {
        **_HOG_CONSTRAINTS,
        "image_shape": [tuple, list, None],
        "channels_first": ["boolean", None],
    }

    def __init__(self, *, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(3, 3),
                 block_norm="L2-Hys", transform_sqrt=False, image_shape=None,
                 channels_first=None, n_jobs=None, progress_bar=False):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm
        self.transform_sqrt = transform_sqrt
        self.image_shape = image_shape
        self.channels_first = channels_first
        self.n_jobs = n_jobs
        self.progress_bar = progress_bar

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and record the image shape and the descriptor length.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, H, W[, C])
            Training images (only their shape is recorded).
        y : None
            Ignored; accepted for scikit-learn's API.

        Returns
        -------
        self : HOGFeatures
            The fitted transformer.
        """
        _check_pairs(pixels_per_cell=self.pixels_per_cell, cells_per_block=self.cells_per_block)
        images, _ = self._images(X, reset=True)
        self._count(images.shape[1:])  # images too small for one block are named here
        return self

    @property
    def n_features_out_(self):
        # The transformer is stateless: transform follows the parameters as they are now, and
        # so do this count and the feature names (set_params after fit changes all three).
        if "image_shape_" not in vars(self):
            raise AttributeError("'HOGFeatures' object has no attribute 'n_features_out_' "
                                 "(it is known after fit)")
        return self._count(self.image_shape_)

    def transform(self, X):
        """Return the HOG descriptor of every image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, H, W[, C])
            Images of the shape seen in ``fit`` (any shape without ``fit``).

        Returns
        -------
        ndarray of shape (n_samples, ``n_features_out_``), float32
            One descriptor per image, as :func:`skimage.feature.hog` computes it.
        """
        if not hasattr(self, "n_features_in_"):  # stateless: usable without fit
            self._validate_params()
        _check_pairs(pixels_per_cell=self.pixels_per_cell, cells_per_block=self.cells_per_block)
        images, _ = self._images(X, reset=False)
        self._count(images.shape[1:])
        return hog_features(
            images, orientations=self.orientations, pixels_per_cell=self.pixels_per_cell,
            cells_per_block=self.cells_per_block, block_norm=self.block_norm,
            transform_sqrt=self.transform_sqrt, n_jobs=self.n_jobs,
            progress_bar=self.progress_bar,
        )

    def _images(self, X, reset):
        images, layout = check_images(self, X, reset=reset, image_shape=self.image_shape,
                                      channels_first=self.channels_first)
        if self.transform_sqrt and np.any(images < 0):
            raise InputError(
                "transform_sqrt=True takes the square root of the pixels, but X has negative "
                "values; rescale X to non-negative values or set transform_sqrt=False"
            )
        return images, layout

    def _count(self, shape):
        return hog_feature_count(shape, self.orientations, self.pixels_per_cell,
                                 self.cells_per_block)

    def get_feature_names_out(self, input_features=None):
        """Get the names ``hog0 ... hogN`` of the descriptor values.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; accepted for scikit-learn's API (the descriptor values do not map to
            input columns).

        Returns
        -------
        ndarray of str objects, shape ``(n_features_out_,)``
            One name per descriptor value.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "n_features_out_")
        return np.asarray([f"hog{i}" for i in range(self.n_features_out_)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _check_pairs(**pairs):
    for name, value in pairs.items():
        if len(value) != 2 or not all(isinstance(v, Integral) and v > 0 for v in value):
            raise InputError(f"{name} must be two positive integers; got {value!r}")
