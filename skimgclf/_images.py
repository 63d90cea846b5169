"""The image contract: every accepted array of images <-> one ``(n, H, W, C)`` view.

Everything about an image array is decided here, for every step of the package, and nowhere else:

Layout
    ``(n, d)`` flat rows, ``d = H * W * C`` (square grayscale inferred when ``image_shape`` is
    None and ``d`` is a perfect square; otherwise ``image_shape=(H, W)`` or ``(H, W, C)``),
    ``(n, H, W)`` grayscale, ``(n, H, W, C)`` numpy/skimage order.
Channel order
    A 4-D array is ``(n, H, W, C)`` unless :func:`reads_channels_first` says ``(n, C, H, W)``:
    when the caller says so (``channels_first=True``), or, with ``channels_first=None``, when the
    shape leaves no doubt (axis 1 holds 1-4 entries and the last axis does not), or when only the
    channels-first reading matches the shape seen at fit.
Value range
    Integer images hold 0-255 pixel values; bool images are masks, read as uint8 0 / 255; float
    images are in the units the caller chose. Steps keep the input dtype where their output is
    still pixels (uint8 in, uint8 out). :func:`unit_scale` gives the factor to [0, 1] and refuses
    what the rule cannot read (integers outside 0..255, floats already scaled given to a step that
    maps 0-255 to 0-1).

:func:`check_images` validates ``X`` (through scikit-learn's ``validate_data``, so NaN, inf,
sparse input, DataFrame column names and ``n_features_in_`` behave as everywhere in
scikit-learn), and returns the ``(n, H, W, C)`` view plus a :class:`Layout` that gives results
back in the caller's layout. No other module reshapes images by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.utils.validation import validate_data

from ._sklearn_compat import get_output_config, validate_params
from .exceptions import InputError, InputTypeError

__all__ = [
    "CHANNEL_COUNTS",
    "Layout",
    "bool_as_pixels",
    "check_images",
    "flatten_images",
    "image_shape_from_flat",
    "looks_unit_scaled",
    "normalize_image_shape",
    "reads_channels_first",
    "unit_scale",
]

#: Channel counts a channels-first axis may hold for the shape to be read unambiguously.
CHANNEL_COUNTS = (1, 2, 3, 4)
#: The largest pixel value of the 0-255 convention.
PIXEL_MAX = 255


_LAYOUT_NAMES = {"hw": "(n, H, W)", "hwc": "(n, H, W, C)", "chw": "(n, C, H, W)"}


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
            raise InputError(f"expected (n, H, W, C) images, got shape {images.shape}")
        if self.kind == "flat":
            return images.reshape(images.shape[0], -1)
        if self.kind == "hw" and images.shape[3] == 1:
            return images[..., 0]
        if self.kind == "chw":
            return np.moveaxis(images, 3, 1)
        return images


def check_table_output(estimator, layout: Layout) -> None:
    """Refuse images where ``set_output`` asks for tables: pandas and polars hold flat rows."""
    container = get_output_config("transform", estimator)["dense"]
    if layout.kind != "flat" and container != "default":
        raise InputError(
            f"{type(estimator).__name__} is set to give {container} output (set_output, or "
            "sklearn.set_config(transform_output=...)), a table of flat rows, but X holds "
            f"images in the {_LAYOUT_NAMES[layout.kind]} layout; give flat rows "
            "(n, H*W*C) with image_shape, or set_output(transform='default')"
        )


def normalize_image_shape(image_shape) -> tuple[int, int, int] | None:
    """Return ``image_shape`` as ``(H, W, C)`` (or None), raising a clear error when malformed.

    One of ``H`` and ``W`` may be -1, to be inferred from the row width as in ``numpy.reshape``
    (``(1, -1)`` reads each flat row as a single row of pixels).

    Examples
    --------
    >>> normalize_image_shape((28, 28))
    (28, 28, 1)
    >>> normalize_image_shape((28, 0))
    Traceback (most recent call last):
    ...
    skimgclf.exceptions.InputError: image_shape must be (H, W) or (H, W, C) ...; got (28, 0)
    """
    if image_shape is None:
        return None
    try:
        shape = tuple(int(s) for s in image_shape)
        if any(s != t for s, t in zip(shape, image_shape, strict=True)):
            raise TypeError
    except (TypeError, ValueError):
        raise InputError(
            f"image_shape must be None, (H, W) or (H, W, C) of integers; got {image_shape!r}"
        ) from None
    if len(shape) == 2:
        shape = (*shape, 1)
    sizes_ok = len(shape) == 3 and (
        all(s >= 1 for s in shape)
        or (shape[:2].count(-1) == 1 and max(shape[:2]) >= 1 and shape[2] >= 1)
    )
    if not sizes_ok:
        raise InputError(
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
            raise InputError(
                f"X has {n_features} features per sample, which image_shape={image_shape} "
                f"cannot hold: {n_features} is not a multiple of {known}"
            )
        shape = tuple(n_features // known if s == -1 else s for s in shape)
    if shape is not None:
        if math.prod(shape) != n_features:
            raise InputError(
                f"X has {n_features} features per sample, but image_shape={image_shape} holds "
                f"{math.prod(shape)} pixels; pass the image_shape of your data"
            )
        return shape
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise InputError(
            f"X has {n_features} features per sample, which is not a square image; "
            "pass image_shape=(H, W) or (H, W, C)"
        )
    return (side, side, 1)


@validate_params(
    {"X": "no_validation", "channels_first": ["boolean", None],
     "fitted_shape": [tuple, list, None]},
    prefer_skip_nested_validation=True,
)
def reads_channels_first(X, channels_first=None, fitted_shape=None) -> bool:
    """Whether a 4-D ``X`` is ``(n, C, H, W)``: the one channel-order rule of the package.

    ``channels_first`` True/False is obeyed. With None the layout is decided only when it is
    unambiguous: only one reading matches ``fitted_shape`` (the ``(H, W, C)`` seen at fit), or
    axis 1 looks like channels (1-4 entries) and the last axis does not. Otherwise ``X`` is read
    as ``(n, H, W, C)``, the package's documented layout.

    Parameters
    ----------
    X : array-like
        The images (anything with a ``shape``); arrays that are not 4-D are never channels-first.
    channels_first : bool or None, default=None
        The caller's answer (True or False is returned as it is); None decides by the rule.
    fitted_shape : tuple of int or None, default=None
        ``(H, W, C)`` seen at fit, at predict/transform time.

    Returns
    -------
    bool
        True when ``X`` is to be read as ``(n, C, H, W)``.

    See Also
    --------
    skimgclf.preprocessing.flatten_images : Flat rows of images, read by this rule.

    Examples
    --------
    >>> import numpy as np
    >>> reads_channels_first(np.zeros((5, 1, 28, 28)))
    True
    >>> reads_channels_first(np.zeros((5, 28, 28, 1)))
    False
    >>> reads_channels_first(np.zeros((5, 3, 3, 3)))  # ambiguous: (n, H, W, C)
    False
    >>> reads_channels_first(np.zeros((5, 3, 4, 4)), fitted_shape=(4, 4, 3))
    True
    """
    if channels_first is not None:
        return bool(channels_first)
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 4:
        return False
    as_chw = (shape[2], shape[3], shape[1])
    if fitted_shape is not None:
        fitted = tuple(fitted_shape)
        if as_chw == fitted and tuple(shape[1:]) != fitted:
            return True
        if tuple(shape[1:]) == fitted:
            return False
    return shape[1] in CHANNEL_COUNTS and shape[3] not in CHANNEL_COUNTS


def check_images(
    estimator,
    X,
    *,
    reset: bool,
    image_shape=None,
    channels_first=None,
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
        Images in one of the layouts of this module (a list of equally shaped images, a numpy
        array, a torch tensor, a DataFrame of flat rows).
    reset : bool
        True in ``fit``, False in ``transform``/``predict``.
    image_shape : tuple or None
        ``(H, W)`` or ``(H, W, C)`` of flat rows; ignored for image-shaped ``X``, except that it
        must agree with it.
    channels_first : bool or None
        How to read a 4-D ``X`` (see :func:`reads_channels_first`).
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
        A view of ``X`` where possible; bool images come back as uint8 0 / 255.
    layout : Layout
        Gives results back in the caller's layout.
    """
    _refuse_image_sources(estimator, X)
    X = _as_array(X)
    _check_dtype(X)
    if not reset:
        _check_batch_axis(estimator, X, channels_first)
    if X.ndim in (3, 4):
        fitted = None if reset else getattr(estimator, "image_shape_", None)
        chw = X.ndim == 4 and reads_channels_first(X, channels_first, fitted)
        layout = Layout("hw" if X.ndim == 3 else ("chw" if chw else "hwc"))
        images = X[..., np.newaxis] if X.ndim == 3 else (np.moveaxis(X, 1, 3) if chw else X)
        shape = images.shape[1:]
        _check_not_empty(estimator, X, shape)
        given = normalize_image_shape(image_shape)
        if given is not None and any(g not in (-1, s) for g, s in zip(given, shape, strict=True)):
            raise InputError(
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
    elif X.ndim == 2:
        layout = Layout("flat")
        flat = validate_data(estimator, X, reset=reset, dtype=dtype, copy=copy)
        n_features = flat.shape[1]
        fitted = getattr(estimator, "image_shape_", None)
        shape = None
        if image_shape is None and not reset and fitted is not None:
            # Flat rows at predict time take the shape learnt at fit (from images or image_shape).
            shape = fitted if math.prod(fitted) == n_features else None
        if shape is None:
            try:
                shape = image_shape_from_flat(n_features, image_shape)
            except ValueError:
                if spatial or image_shape is not None:
                    raise
                shape = (1, n_features, 1)
        images = flat.reshape(flat.shape[0], *shape)
    else:
        raise InputError(
            f"X must be 2-D (n_samples, n_pixels), 3-D (n, H, W) or 4-D (n, H, W, C) images; "
            f"got an array of shape {X.shape}"
            # scikit-learn's wording for 1-D input, which its estimator checks look for.
            + (
                ". Reshape your data with X.reshape(1, -1) if it holds one image"
                if X.ndim == 1
                else ""
            )
        )
    images = bool_as_pixels(images)
    if reset:
        estimator.image_shape_ = tuple(int(s) for s in images.shape[1:])
    return images, layout


def unit_scale(images, *, caller, floats="keep") -> float:
    """The factor that brings pixel values to [0, 1], by the package's value-range rule.

    Integer images hold 0-255 pixel values: the factor is 1/255, and values outside 0..255 are
    refused (16-bit images, labels, counts). Float images are in the caller's units:
    ``floats="keep"`` leaves them as they are (factor 1: already in [0, 1], or standardised), and
    ``floats="0-255"`` (steps documented as mapping 0-255 to 0-1) divides them by 255 after
    checking that they lie within [0, 255] and are not already scaled to [0, 1].

    Parameters
    ----------
    images : ndarray
        The images as :func:`check_images` returns them (bool already read as uint8).
    caller : str
        Who applies the rule, for the error messages (e.g. ``"Normalizer(mode='scale')"``).
    floats : {"keep", "0-255"}, default="keep"

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> unit_scale(np.array([0, 255], dtype=np.uint8), caller="demo") == 1 / 255
    True
    >>> unit_scale(np.array([0.0, 0.5]), caller="demo")
    1.0
    >>> unit_scale(np.array([0.0, 0.5]), caller="demo", floats="0-255")
    Traceback (most recent call last):
    ...
    skimgclf.exceptions.InputError: demo maps 0-255 pixels to 0-1, but X is float ... already ...
    """
    images = np.asarray(images)
    if images.size == 0:
        return 1.0 / PIXEL_MAX if images.dtype.kind in "uib" or floats != "keep" else 1.0
    if images.dtype.kind in "ui":
        low, high = images.min(), images.max()
        if low < 0 or high > PIXEL_MAX:
            # a step that maps 0-255 floats refuses floats in [0, 1]: it is not offered them
            floats_too = "" if floats == "0-255" else " or pass float images in [0, 1]"
            raise InputError(
                f"{caller} reads integer images as 0-255 pixel values, but X ({images.dtype}) "
                f"holds values from {low} to {high}; convert 16-bit images to 8 bits "
                f"(skimage.util.img_as_ubyte){floats_too}"
            )
        return 1.0 / PIXEL_MAX
    if floats == "keep":
        return 1.0
    low, high = float(images.min()), float(images.max())
    if low < 0 or high > PIXEL_MAX:
        raise InputError(
            f"{caller} maps 0-255 pixels to 0-1, but X holds values from {low:g} to {high:g}, "
            "outside [0, 255]; use Normalizer(mode='channel') or mode='pixel' to standardise "
            "such data"
        )
    if looks_unit_scaled(images):
        raise InputError(
            f"{caller} maps 0-255 pixels to 0-1, but X is float and lies within [0, 1] already "
            f"(max {high:g}); dividing by 255 again would leave values below 0.004. Leave this "
            "step out, or pass 0-255 images (e.g. uint8)"
        )
    return 1.0 / PIXEL_MAX


def bool_as_pixels(images):
    """Bool masks as uint8 0 / 255 pixels (True is full intensity); other arrays unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> bool_as_pixels(np.array([True, False]))
    array([255,   0], dtype=uint8)
    """
    if getattr(images, "dtype", None) == np.bool_:
        return images.astype(np.uint8) * np.uint8(PIXEL_MAX)
    return images


def looks_unit_scaled(images) -> bool:
    """Whether float ``images`` lie within [0, 1] with some positive pixel (already scaled).

    All-zero images say nothing about their scale, so they are not counted as scaled.

    Examples
    --------
    >>> import numpy as np
    >>> looks_unit_scaled(np.array([0.0, 0.7])), looks_unit_scaled(np.array([0.0, 7.0]))
    (True, False)
    >>> looks_unit_scaled(np.zeros(3)), looks_unit_scaled(np.array([0, 1], dtype=np.uint8))
    (False, False)
    """
    images = np.asarray(images)
    if images.dtype.kind != "f" or images.size == 0:
        return False
    high = images.max()
    return bool(0 < high <= 1 and images.min() >= 0)


def _refuse_image_sources(estimator, X):
    """Steps that need every image in memory say so, instead of reading a data set whole."""
    from ._sources import ImageDataset, is_image_source

    if isinstance(X, np.memmap) or not is_image_source(X):
        return  # a memmap is an array: a step that needs one reads it as one
    kind = type(X).__name__ if isinstance(X, ImageDataset) else "torch Dataset"
    raise InputTypeError(
        f"{type(estimator).__name__} needs the images as an array in memory, but X is an "
        f"image set read on demand ({kind}). Give the network the data set directly "
        "(CNNClassifier and TorchMLPClassifier read it batch by batch, with "
        "normalize='channel' or 'pixel' in place of a Normalizer), or load it first: "
        "X.read(range(len(X)))"
    )


def _as_array(X):
    """Bring tensors and nested lists to numpy; leave DataFrames and sparse input to sklearn."""
    if hasattr(X, "detach") and hasattr(X, "cpu"):  # a torch tensor, without importing torch
        return X.detach().cpu().numpy()
    if hasattr(X, "ndim") or hasattr(X, "iloc") or hasattr(X, "tocsr"):
        return X
    try:
        return np.asarray(X)
    except ValueError:
        shapes = sorted({np.shape(x) for x in X}, key=str)
        raise InputError(
            f"X is a list of {len(X)} images of different shapes ("
            + ", ".join(_fmt(s) or "scalar" for s in shapes[:4])
            + (", ..." if len(shapes) > 4 else "")
            + "); resize them to one shape first (e.g. skimage.transform.resize) and pass an "
            "array of shape (n, H, W) or (n, H, W, C)"
        ) from None


def _check_dtype(X):
    dtype = getattr(X, "dtype", None)
    if dtype is None or not isinstance(dtype, np.dtype):
        return
    if dtype.kind == "c":
        # "Complex data not supported" is scikit-learn's wording, which its checks look for;
        # unlike scikit-learn's message, this one does not print the whole array.
        raise InputError(
            f"Complex data not supported: X has dtype {dtype}; images must be real-valued "
            "(pass np.abs(X) or X.real)"
        )
    if dtype.kind in "SUMm" or (dtype.kind == "O" and X.size and isinstance(
            X.flat[0], (str, bytes))):
        raise InputError(
            f"X holds {dtype} values, not pixel values; images must be numbers (uint8 0-255 or "
            "floats)"
        )


def _check_not_empty(estimator, X, shape):
    if X.shape[0] == 0:
        raise InputError(
            f"Found array with 0 sample(s) (shape={tuple(X.shape)}) while a minimum of 1 is "
            f"required by {type(estimator).__name__}: X holds no images"
        )
    if math.prod(shape) == 0:
        raise InputError(
            f"X holds images of shape {_fmt(shape)}, which have no pixels; "
            f"{type(estimator).__name__} needs images of at least 1x1"
        )


def _check_batch_axis(estimator, X, channels_first=None):
    """Refuse one image given without its batch axis, saying so, where no batch reading fits.

    ``X`` is taken for one image only when, read as one image, it has exactly the fitted
    ``(H, W, C)`` and, read as a batch (its first axis as ``n``, the layouts of this module), it
    matches no fitted shape: then the batch reading would be refused anyway (with a message
    about feature counts that does not say why), so no legitimate input is refused here. E.g. for
    a 28x28 grayscale model a (28, 28) array reads as 28 flat rows of 28 features, which can
    never be the 784 expected; but for a model of 1xW images, a (1, W) array is one flat row.
    """
    fitted = getattr(estimator, "image_shape_", None)
    shape = getattr(X, "shape", None)
    if fitted is None or shape is None or len(shape) not in (2, 3):
        return
    fitted, shape = tuple(fitted), tuple(shape)
    h, w, c = fitted
    if len(shape) == 2:
        # one grayscale image (H, W); as a batch, (n, d) flat rows of d = W features
        one = c == 1 and shape == (h, w)
        as_batch = shape[1] == h * w * c
        described = _fmt(shape)
    else:
        # one (H, W, C) image, or, for channels-first readers, one (C, H, W) image; as a
        # batch, (n, H, W) grayscale images
        hwc = shape == fitted and channels_first is not True
        chw = (shape[1], shape[2], shape[0]) == fitted and channels_first is not False and c > 1
        one = hwc or chw
        as_batch = (shape[1], shape[2], 1) == fitted
        described = _fmt(shape) + (" (C, H, W)" if chw and not hwc else "")
    if not one or as_batch:
        return
    raise InputError(
        f"X looks like one {described} image; add the batch axis: X[np.newaxis] (or "
        f"X.reshape(1, {', '.join(map(str, shape))})). {type(estimator).__name__} was fitted on "
        f"images of {_fmt(fitted[:2] if c == 1 else fitted)} and takes a batch of them, "
        f"(n, {', '.join(map(str, fitted[:2] if c == 1 else fitted))}) or (n, {h * w * c}) "
        "flat rows"
    )


def _check_fitted_shape(estimator, shape):
    fitted = getattr(estimator, "image_shape_", None)
    if fitted is None or tuple(fitted) == tuple(shape):
        return
    name = type(estimator).__name__
    what = "channel count" if fitted[:2] == shape[:2] else "image shape"
    if math.prod(shape) == math.prod(fitted):  # scikit-learn's wording would read "64 but 64"
        raise InputError(
            f"X holds images of {_fmt(shape)}, but {name} was fitted on images of "
            f"{_fmt(fitted)}: the {what} differs (as many values, in another shape); pass "
            f"images of {_fmt(fitted)}"
        )
    raise InputError(
        f"X has {math.prod(shape)} features, but {name} is expecting {math.prod(fitted)} features "
        f"as input: the {what} differs (images of {_fmt(shape)} now, {_fmt(fitted)} at fit)"
    )


def _fmt(shape) -> str:
    return "x".join(str(s) for s in shape)


@validate_params(
    {"X": ["array-like", "sparse matrix"], "channels_first": ["boolean", None]},
    prefer_skip_nested_validation=True,
)
def flatten_images(X, channels_first=None):
    """Flatten images of any accepted layout to ``(n, d)`` rows (flat rows are returned as is).

    scikit-learn's own classifiers take 2-D input only; ``FunctionTransformer(flatten_images)``
    before one lets a pipeline take image arrays. Each row holds the image in ``(H, W, C)``
    order, whatever the layout it came in (channels-first arrays are read by
    :func:`reads_channels_first`).

    Parameters
    ----------
    X : array-like of shape (n, d), (n, H, W), (n, H, W, C) or (n, C, H, W)
        The images.
    channels_first : bool or None, default=None
        Read 4-D input as ``(n, C, H, W)``; None decides by
        :func:`~skimgclf.neural.reads_channels_first`.

    Returns
    -------
    ndarray of shape (n, H * W * C)
        One image per row, in ``(H, W, C)`` order.

    See Also
    --------
    skimgclf.neural.reads_channels_first : The channel-order rule.
    skimgclf.preprocessing.Normalizer : Scales images and returns them in their own layout.

    Examples
    --------
    >>> import numpy as np
    >>> flatten_images(np.zeros((5, 8, 8), dtype=np.uint8)).shape
    (5, 64)
    >>> flatten_images(np.zeros((5, 3, 8, 8))).shape             # (n, C, H, W)
    (5, 192)
    """
    X = _as_array(X)
    if getattr(X, "ndim", 2) <= 2:
        return X
    if X.ndim == 4 and reads_channels_first(X, channels_first):
        X = np.moveaxis(X, 1, 3)
    return Layout("flat").restore(X if X.ndim == 4 else X[..., np.newaxis])
