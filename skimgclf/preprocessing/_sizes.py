"""Component size channels: every foreground pixel told how large its component is."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .._images import PIXEL_MAX, check_images, check_table_output, unit_scale
from .._sklearn_compat import Interval, NJobs, StrOptions, _fit_context, validate_params
from ..exceptions import InputError
from ._chunks import DEFAULT_CHUNK_SIZE, map_chunks
from ._components import HEURISTICS, label_stack

__all__ = ["ComponentSizeMap", "component_size_map", "SIZE_CHANNELS"]

#: The size channels a map can hold, and what each pixel of a component gets in it.
SIZE_CHANNELS = {
    "relative": "the component's size over the size of the largest component of its image "
                "(1 on the largest)",
    "absolute": "the component's size as a length (a side, or the square root of an area) "
                "over the image's longer side (clipped to 1)",
}
# Heuristics measuring an area (square pixels): their square root is compared with the side.
_AREAS = {"rotated_area", "pixel_count", "bbox_area"}


@validate_params(
    {
        "images": ["array-like"],
        "channels": [tuple, list],
        "heuristic": [StrOptions(set(HEURISTICS))],
        "min_size": [Interval(Integral, 1, None, closed="left")],
        "merge_distance": [Interval(Integral, 0, None, closed="left")],
        "keep_image": ["boolean"],
        "n_jobs": [NJobs(), None],
    },
    prefer_skip_nested_validation=True,
)
def component_size_map(images, *, channels=("relative", "absolute"), heuristic="rotated_side",
                       min_size=10, merge_distance=1, keep_image=True, n_jobs=None):
    """Paint each connected component with its size, one channel per size measure.

    The foreground is every non-zero pixel (run :class:`BackgroundRemover` first). The
    8-connected components of each image (pieces closer than ``merge_distance`` join) are
    measured with ``heuristic``, as :class:`LargestDigitExtractor` ranks them; every pixel of a
    component then holds, in each of ``channels``, a value in [0, 1] derived from that size
    (:data:`SIZE_CHANNELS`). Components of fewer than ``min_size`` pixels, and the background,
    hold 0.

    Parameters
    ----------
    images : array-like of shape (n, H, W, C)
        Images with a zero background. Not modified.
    channels : tuple of {"relative", "absolute"}, default=("relative", "absolute")
        The size channels, in this order; see :class:`ComponentSizeMap`.
    heuristic : {"rotated_side", "rotated_area", "pixel_count", "bbox_side", "bbox_area"}, \
default="rotated_side"
        How a component's size is measured (see :class:`LargestDigitExtractor`).
    min_size : int, default=10
        Components with fewer pixels are specks: 0 in every size channel, and never the largest.
    merge_distance : int, default=1
        Components separated by at most this many background pixels count as one.
    keep_image : bool, default=True
        Put the input channels first, then the size channels. False returns the size channels
        alone.
    n_jobs : int or None, default=None
        Joblib workers over chunks of images (``-1``: all cores).

    Returns
    -------
    ndarray of shape (n, H, W, C_out)
        ``C_out = C + len(channels)`` (``len(channels)`` without ``keep_image``). The dtype of
        ``images`` (bool masks give uint8): integer images hold the sizes as 0-255 pixel values,
        float images as 0-1.

    See Also
    --------
    ComponentSizeMap : The same as a scikit-learn transformer, for any layout.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((1, 12, 12, 1), dtype=np.uint8)
    >>> image[0, 1:4, 1:4] = 255                      # a 3x3 blob
    >>> image[0, 5:11, 6:8] = 255                     # a 6x2 bar, the largest
    >>> out = component_size_map(image, min_size=1)
    >>> out.shape, out.dtype
    ((1, 12, 12, 3), dtype('uint8'))
    >>> int(out[0, 2, 2, 1]), int(out[0, 6, 6, 1])    # relative: 3/6 and 6/6 of 255
    (128, 255)
    >>> int(out[0, 6, 6, 2]), int(out[0, 0, 0, 2])    # absolute: 6/12 of 255; background 0
    (128, 0)
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise InputError(
            f"images must be a 4-D (n, H, W, C) array; got shape {images.shape} (the "
            "ComponentSizeMap estimator takes every layout)"
        )
    channels = _check_channels(channels)
    if images.dtype == np.bool_:
        images = images.astype(np.uint8) * np.uint8(PIXEL_MAX)
    # The sizes' full value in the images' units: 255 for pixels, 1 for floats.
    full = 1.0 / unit_scale(images, caller="ComponentSizeMap")
    n, height, width, c_in = images.shape
    c_out = (c_in if keep_image else 0) + len(channels)
    out = np.empty((n, height, width, c_out), dtype=images.dtype)
    map_chunks(
        _size_chunk, images, out, n_jobs=n_jobs, chunk_size=DEFAULT_CHUNK_SIZE,
        channels=channels, heuristic=heuristic, min_size=min_size,
        merge_distance=merge_distance, keep_image=keep_image, full=full,
    )
    return out


def _check_channels(channels):
    names = tuple(channels) if isinstance(channels, (tuple, list)) else None
    if (not names or len(set(names)) != len(names)
            or not all(isinstance(c, str) and c in SIZE_CHANNELS for c in names)):
        raise InputError(
            f"channels must be a non-empty tuple of distinct names from {sorted(SIZE_CHANNELS)}; "
            f"got {channels!r}"
        )
    return names


def _size_chunk(images, *, channels, heuristic, min_size, merge_distance, keep_image, full):
    m, height, width, c_in = images.shape
    mask = (images != 0).any(axis=3) if c_in > 1 else images[..., 0] != 0
    comps = label_stack(mask, merge_distance)
    size = comps.size(heuristic)
    size[comps.count < min_size] = 0.0
    largest = np.zeros(m)
    np.maximum.at(largest, comps.image, size)
    per_image_max = largest[comps.image]
    value = {
        "relative": np.divide(size, per_image_max, out=np.zeros_like(size),
                              where=per_image_max > 0),
        "absolute": np.minimum((np.sqrt(size) if heuristic in _AREAS else size)
                               / max(height, width), 1.0),
    }
    # Labels are unique over the chunk: one lookup table per channel paints every component.
    table = np.zeros(int(comps.labels.max(initial=0)) + 1)
    out = np.empty((m, height, width, (c_in if keep_image else 0) + len(channels)),
                   dtype=images.dtype)
    if keep_image:
        out[..., :c_in] = images
    integer = np.issubdtype(images.dtype, np.integer)
    for k, name in enumerate(channels, start=c_in if keep_image else 0):
        table[comps.label] = value[name] * full
        painted = table[comps.labels]
        out[..., k] = np.rint(painted) if integer else painted
    return out


class ComponentSizeMap(TransformerMixin, BaseEstimator):
    """Add channels that tell every foreground pixel how large its connected component is.

    Built for the Modified-MNIST composites (several digits, the label is the one scaled up the
    most): a convolutional network sees each digit through a window smaller than the image, and
    must compare the digits' sizes across it. This step measures every component once
    (8-connected, pieces closer than ``merge_distance`` joined, sized by ``heuristic`` as
    :class:`LargestDigitExtractor` ranks them) and paints its pixels with that size, relative to
    the image's largest component and absolute, as extra channels. The network still reads each
    digit's shape, and decides itself where digits touch and a component holds two of them.
    Stateless.

    Measured on composites of MNIST digits (2-3 per 64x64 image, scales 0.4-1.2, the largest at
    least 1.2x the others, rotations up to 45 degrees, overlapping where they fall) with the
    ``"modified-mnist"`` network, 10 epochs, 5,000 training / 2,000 test composites, in one run:
    84.95 % without these channels, 87.30 % with them, at the same fit time. The more
    composites, the less it adds: with 20,000 overlapping, 92.25 % against 92.95 %; with
    40,000 whose digits do not touch, 97.02 % against 96.95 % (the network then learns the
    sizes itself). It pays on a few thousand composites.

    The output keeps the caller's layout (flat rows in, flat rows out; ``(n, H, W)`` in,
    ``(n, H, W, C_out)`` out) and dtype (uint8 in, uint8 out, sizes as 0-255 values; float
    images get sizes in 0-1).

    Parameters
    ----------
    channels : tuple of {"relative", "absolute"}, default=("relative", "absolute")
        The size channels, in this order.

        - ``"relative"``: the component's size over the largest component's size in the same
          image (1 on the largest component).
        - ``"absolute"``: the component's size as a length (a side, or the square root of an
          area) over the image's longer side, clipped to 1.
    heuristic : {"rotated_side", "rotated_area", "pixel_count", "bbox_side", "bbox_area"}, \
default="rotated_side"
        How a component's size is measured (see :class:`LargestDigitExtractor`); the default
        measures a digit's scale whatever its rotation.
    min_size : int, default=10
        Components with fewer pixels are specks: 0 in every size channel, never the largest.
    merge_distance : int, default=1
        Components separated by at most this many background pixels (chessboard distance)
        count as one. 0 disables merging.
    keep_image : bool, default=True
        Put the input channels first, then the size channels. False returns the size channels
        alone.
    image_shape : tuple or None, default=None
        ``(H, W)`` or ``(H, W, C)`` of flat input rows whose width is not a square.
    channels_first : bool or None, default=None
        Read 4-D input as ``(n, C, H, W)``; None decides by the package's one rule.
    n_jobs : int or None, default=None
        Joblib workers over chunks of images (``-1``: all cores).

    Attributes
    ----------
    n_features_in_ : int
        Values per input image seen in ``fit``.
    image_shape_ : tuple of int
        ``(H, W, C)`` seen in ``fit``.

    See Also
    --------
    component_size_map : The same as a function of ``(n, H, W, C)`` images.
    BackgroundRemover : Leaves only the digits' pixels non-zero, before this step.
    LargestDigitExtractor : Keeps the largest component alone instead.

    Examples
    --------
    >>> import numpy as np
    >>> from skimgclf.preprocessing import ComponentSizeMap
    >>> X = np.zeros((2, 16, 16), dtype=np.uint8)
    >>> X[:, 1:5, 1:5] = 255                          # a 4x4 blob
    >>> X[:, 7:15, 8:12] = 255                        # an 8x4 bar, the largest
    >>> out = ComponentSizeMap(min_size=1).fit_transform(X)
    >>> out.shape, out.dtype                          # the image, relative, absolute
    ((2, 16, 16, 3), dtype('uint8'))
    >>> out[0, 2, 2].tolist(), out[0, 9, 9].tolist(), out[0, 0, 0].tolist()
    ([255, 128, 64], [255, 255, 128], [0, 0, 0])
    >>> ComponentSizeMap(channels=("relative",)).fit_transform(X.reshape(2, -1)).shape
    (2, 512)
    """

    _parameter_constraints: dict = {
        "channels": [tuple, list],
        "heuristic": [StrOptions(set(HEURISTICS))],
        "min_size": [Interval(Integral, 1, None, closed="left")],
        "merge_distance": [Interval(Integral, 0, None, closed="left")],
        "keep_image": ["boolean"],
        "image_shape": [tuple, list, None],
        "channels_first": ["boolean", None],
        "n_jobs": [NJobs(), None],
    }

    def __init__(self, *, channels=("relative", "absolute"), heuristic="rotated_side",
                 min_size=10, merge_distance=1, keep_image=True, image_shape=None,
                 channels_first=None, n_jobs=None):
        self.channels = channels
        self.heuristic = heuristic
        self.min_size = min_size
        self.merge_distance = merge_distance
        self.keep_image = keep_image
        self.image_shape = image_shape
        self.channels_first = channels_first
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and record the input image shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, H, W[, C])
            Training images (only their shape is recorded).
        y : None
            Ignored; accepted for scikit-learn's API.

        Returns
        -------
        self : ComponentSizeMap
            The fitted transformer.
        """
        _check_channels(self.channels)
        check_images(self, X, reset=True, image_shape=self.image_shape,
                     channels_first=self.channels_first)
        return self

    def transform(self, X):
        """Return the images with their size channels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, H, W[, C])
            Images with a zero background, of the shape seen in ``fit`` (any shape without
            ``fit``).

        Returns
        -------
        ndarray
            In the caller's layout, with ``C_out = C + len(channels)`` channels
            (``len(channels)`` without ``keep_image``): flat rows for flat rows,
            ``(n, H, W, C_out)`` for ``(n, H, W)`` and ``(n, H, W, C)`` (``(n, H, W)`` when
            ``C_out`` is 1), ``(n, C_out, H, W)`` for channels-first input. The dtype of ``X``
            (bool masks give uint8).
        """
        if not hasattr(self, "n_features_in_"):  # stateless: usable without fit
            self._validate_params()
        images, layout = check_images(self, X, reset=False, image_shape=self.image_shape,
                                      channels_first=self.channels_first)
        check_table_output(self, layout)
        out = component_size_map(
            images, channels=self.channels, heuristic=self.heuristic, min_size=self.min_size,
            merge_distance=self.merge_distance, keep_image=self.keep_image, n_jobs=self.n_jobs,
        )
        return layout.restore(out)

    def get_feature_names_out(self, input_features=None):
        """Get the names of the outputs: ``pixel<i>_<channel>`` in the order of flat rows.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; accepted for scikit-learn's API.

        Returns
        -------
        ndarray of str objects, shape (H * W * C_out,)
            One name per output value.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "n_features_in_")
        height, width, c_in = self.image_shape_
        names = [f"c{c}" for c in range(c_in)] if self.keep_image else []
        names += list(_check_channels(self.channels))
        return np.asarray([f"pixel{p}_{name}" for p in range(height * width) for name in names],
                          dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
