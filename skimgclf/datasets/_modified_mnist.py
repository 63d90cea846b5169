"""Modified-MNIST: several rescaled, rotated digits on a random background, labelled by the
digit that was scaled up the most (the procedure of the Modified-MNIST study)."""

from __future__ import annotations

import numbers

import numpy as np
from scipy import ndimage
from sklearn.utils import check_random_state

from .._images import image_shape_from_flat
from .._labels import as_labels
from .._sklearn_compat import Interval, StrOptions, validate_params
from ..exceptions import InputError
from ._embedded import load_digits_images

__all__ = ["make_modified_mnist"]

_MNIST_SIDE = 28  # the embedded 8x8 digits are upscaled to MNIST's size, so scales mean the same
# Draws of one image's scales, or of its digits' placement, before the parameters are declared
# impossible. Workable parameters need a handful (the defaults with min_gap=3 fail ~1 draw in
# 300); the cap only turns what would be an endless loop into an error, within seconds.
_MAX_DRAWS = 1000
_INT64_MAX = np.iinfo(np.int64).max


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "digits": [tuple, list, None],
        "n_digits": [Interval(numbers.Integral, 1, None, closed="left"), tuple, list],
        "scale_range": [tuple, list],
        "rotation_range": [tuple, list],
        "image_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "background": [
            StrOptions({"uniform", "smooth"}),
            Interval(numbers.Integral, 0, 255, closed="both"),
        ],
        "digit_value": [Interval(numbers.Integral, 0, 255, closed="both")],
        "random_state": ["random_state"],
        "return_metadata": ["boolean"],
        "min_gap": [Interval(numbers.Integral, 0, None, closed="left"), None],
        "min_scale_ratio": [Interval(numbers.Real, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_modified_mnist(n_samples, digits=None, n_digits=(2, 3), scale_range=(0.4, 1.2),
                        rotation_range=(-45, 45), image_size=64, background="uniform",
                        digit_value=255, random_state=None, return_metadata=False,
                        min_gap=None, min_scale_ratio=1.0):
    """Generate Modified-MNIST images: 2-3 digits, rescaled, rotated, on a random background.

    For each image: draw the number of digits, pick that many digit images at random, rescale
    each by a factor drawn from ``scale_range`` (relative to its original size), rotate it by
    an angle drawn from ``rotation_range``, threshold it (pixels at or above half of the
    digit's maximum are the digit) and paste it at a random position where it fits entirely.
    Digit pixels are exactly ``digit_value``; background pixels never are. Later digits may
    overlap earlier ones unless ``min_gap`` is set. The label is the label of the digit with the
    largest scale.

    Parameters
    ----------
    n_samples : int
        Number of images.
    digits : (images, labels) or None
        Source digits: images (n, H, W) or flat square rows (n, H*W), any numeric dtype, the
        digit brighter than its background (as in MNIST); labels (n,), integers >= 0 (the
        classes, e.g. 0-9; integral floats such as 3.0 are accepted). None uses the embedded
        8x8 digits (:func:`load_digits_images`) upscaled to 28x28.
    n_digits : int or (min, max), default=(2, 3)
        Digits per image, drawn uniformly between ``min`` and ``max`` inclusive.
    scale_range : (low, high), default=(0.4, 1.2)
        Range of the rescaling factors. When an image may hold more than one digit, the range
        must have a width (``low < high``): the label is the digit with the unique largest
        scale.
    rotation_range : (low, high), default=(-45, 45)
        Range of the rotation angles, in degrees (counter-clockwise).
    image_size : int, default=64
        Output images are ``image_size x image_size``.
    background : "uniform", "smooth" or int, default="uniform"
        ``"uniform"``: independent random values over 0-255 except ``digit_value``;
        ``"smooth"``: blurred random noise (blobs) over the same values; an int: that
        constant (not ``digit_value``).
    digit_value : int in 0-255, default=255
        The value of every digit pixel.
    random_state : int, RandomState instance or None
        Makes the output reproducible.
    return_metadata : bool, default=False
        Also return, for each image, a list of dicts (one per digit, in pasting order) with
        ``label``, ``index`` (the source image in ``digits``), ``scale``, ``angle``, ``bbox``
        (``(row0, col0, row1, col1)``, end exclusive, tight around the digit's pixels),
        ``n_pixels``, ``mask`` (the digit's pixels inside ``bbox``, boolean) and ``largest``
        (whether this digit gives the image's label).
    min_gap : int or None, default=None
        None lets digits overlap (the study superimposed them). An int k keeps at least k
        background pixels between any two digits (chessboard distance), so that each digit is a
        component of its own; placements are redrawn until they fit (an error is raised when
        the digits keep finding no room: a larger ``image_size`` or smaller digits are needed).
    min_scale_ratio : float >= 1, default=1.0
        The largest digit's scale is at least this many times every other digit's, so that the
        label is clear by eye (e.g. 1.2). With 1.0 all scales are drawn independently.

    Returns
    -------
    X : ndarray of shape (n_samples, image_size, image_size), uint8
        The images.
    y : ndarray of shape (n_samples,), int64
        The label of each image: the label of its largest digit.
    metadata : list of list of dict
        Only with ``return_metadata=True``.

    See Also
    --------
    skimgclf.preprocessing.LargestDigitExtractor : Crops the largest digit out of such images.
    skimgclf.preprocessing.BackgroundRemover : Removes their background (the 255 rule).

    Examples
    --------
    >>> X, y = make_modified_mnist(3, random_state=0)
    >>> X.shape, X.dtype, y.shape
    ((3, 64, 64), dtype('uint8'), (3,))
    >>> X, y, meta = make_modified_mnist(1, random_state=0, return_metadata=True)
    >>> best = max(meta[0], key=lambda d: d["scale"])
    >>> int(y[0]) == best["label"], len(meta[0]) in (2, 3)
    (True, True)
    """
    rng = check_random_state(random_state)
    n_samples, image_size, digit_value = int(n_samples), int(image_size), int(digit_value)
    lo_n, hi_n = _check_n_digits(n_digits)
    s_lo, s_hi = _check_range(scale_range, "scale_range", positive=True)
    a_lo, a_hi = _check_range(rotation_range, "rotation_range")
    if not isinstance(background, str) and background == digit_value:
        raise InputError(f"background={background} must differ from digit_value={digit_value}: "
                         "the digits are the pixels of that value")
    images, labels = _source_digits(digits)
    ratio = float(min_scale_ratio)
    if s_lo * ratio > s_hi:
        raise InputError(f"min_scale_ratio={min_scale_ratio} must be >= 1 and leave room in "
                         f"scale_range={scale_range} (low * ratio <= high)")
    if hi_n > 1 and s_lo == s_hi:
        # Every digit would get the same scale: no unique largest digit, so no label.
        raise InputError(f"scale_range={scale_range!r} has zero width, but n_digits={n_digits!r} "
                         f"puts up to {hi_n} digits in an image and the label is the digit with "
                         "the unique largest scale; widen scale_range (low < high) or pass "
                         "n_digits=1")

    X = np.empty((n_samples, image_size, image_size), dtype=np.uint8)
    y = np.empty(n_samples, dtype=np.int64)
    metadata = []
    i = 0
    no_room = 0  # draws in a row whose digits found no room min_gap apart
    while i < n_samples:
        k = int(rng.randint(lo_n, hi_n + 1))
        picks = rng.randint(0, len(images), size=k)
        scales = _draw_scales(k, s_lo, s_hi, ratio, rng)
        angles = rng.uniform(a_lo, a_hi, size=k)
        masks = [
            _digit_mask(images[p], s, a) for p, s, a in zip(picks, scales, angles, strict=True)
        ]
        for mask, scale in zip(masks, scales, strict=True):
            if max(mask.shape) > image_size:
                raise InputError(f"a digit rescaled by {scale:.2f} and rotated is "
                                 f"{mask.shape[0]}x{mask.shape[1]} pixels, more than "
                                 f"image_size={image_size}; lower scale_range or raise image_size")
        corners = _place(masks, image_size, min_gap, rng)
        if corners is None:  # no room for these digits min_gap apart: draw the image anew
            no_room += 1
            if no_room >= _MAX_DRAWS:
                # Some digit sizes never fit; bounded so that those parameters fail, not hang.
                raise InputError(
                    f"could not place the digits of image {i} min_gap={min_gap} pixels apart in "
                    f"image_size={image_size} ({_MAX_DRAWS} draws in a row, with "
                    f"n_digits={n_digits!r} and scale_range={scale_range!r}): they do not fit; "
                    "raise image_size, lower scale_range (smaller digits), lower min_gap (or "
                    "pass None to let digits overlap) or lower n_digits")
            continue
        no_room = 0
        canvas = _background(background, image_size, digit_value, rng)
        largest = int(np.argmax(scales))
        digits_meta = []
        for j, (mask, (top, left)) in enumerate(zip(masks, corners, strict=True)):
            h, w = mask.shape
            canvas[top:top + h, left:left + w][mask] = digit_value
            digits_meta.append({
                "label": int(labels[picks[j]]),
                "index": int(picks[j]),
                "scale": float(scales[j]),
                "angle": float(angles[j]),
                "bbox": (top, left, top + h, left + w),
                "n_pixels": int(mask.sum()),
                "mask": mask,
                "largest": j == largest,
            })
        X[i] = canvas
        y[i] = digits_meta[largest]["label"]
        metadata.append(digits_meta)
        i += 1
    if return_metadata:
        return X, y, metadata
    return X, y


def _draw_scales(k, low, high, ratio, rng):
    """k scales in [low, high] with a unique largest one, ``ratio`` times above the others."""
    for _ in range(_MAX_DRAWS):
        if ratio > 1.0 and k > 1:
            big = rng.uniform(low * ratio, high)
            scales = np.r_[big, rng.uniform(low, big / ratio, size=k - 1)][rng.permutation(k)]
        else:
            scales = rng.uniform(low, high, size=k)
        # A tie would make the label ambiguous. Only a range a few floats wide makes ties
        # likely (a zero-width one is refused up front), so the redraws are bounded.
        if k == 1 or np.sum(scales == scales.max()) == 1:
            return scales
    raise InputError(f"scale_range=({low!r}, {high!r}) gave {k} digits no unique largest scale in "
                     f"{_MAX_DRAWS} draws: it holds too few distinct values; widen scale_range "
                     "or lower n_digits")


def _place(masks, size, min_gap, rng, tries=50):
    """Top-left corners for each mask: anywhere it fits, or ``min_gap`` pixels from the others."""
    corners = []
    taken = np.zeros((size, size), dtype=bool)  # pixels within min_gap of a placed digit
    for mask in masks:
        h, w = mask.shape
        for _ in range(tries if min_gap is not None else 1):
            top, left = int(rng.randint(0, size - h + 1)), int(rng.randint(0, size - w + 1))
            if min_gap is None or not taken[top:top + h, left:left + w][mask].any():
                break
        else:
            return None
        corners.append((top, left))
        if min_gap is not None:
            g = min_gap
            grown = ndimage.binary_dilation(np.pad(mask, g), np.ones((2 * g + 1, 2 * g + 1)))
            r0, c0 = top - g, left - g
            rs, cs = max(r0, 0), max(c0, 0)
            re, ce = min(r0 + grown.shape[0], size), min(c0 + grown.shape[1], size)
            taken[rs:re, cs:ce] |= grown[rs - r0:re - r0, cs - c0:ce - c0]
    return corners


def _digit_mask(image, scale, angle):
    """The digit's pixels after rescaling and rotation, cropped to their bounding box."""
    from skimage.transform import resize, rotate

    h, w = image.shape
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    scaled = resize(image, size, order=1, anti_aliasing=scale < 1, preserve_range=True)
    turned = rotate(scaled, angle, resize=True, order=1, preserve_range=True)
    mask = turned >= 0.5 * turned.max()
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _background(background, size, digit_value, rng):
    if isinstance(background, str) and background in ("uniform", "smooth"):
        if background == "uniform":
            values = rng.randint(0, 255, size=(size, size))
        else:
            from scipy.ndimage import gaussian_filter

            noise = gaussian_filter(rng.random((size, size)), sigma=max(1.0, size / 10))
            span = noise.max() - noise.min()
            values = np.rint((noise - noise.min()) / (span if span > 0 else 1) * 254)
        # 255 values 0..254 shifted past digit_value: every value but digit_value, never it.
        values = values.astype(np.int64)
        values[values >= digit_value] += 1
        return values.astype(np.uint8)
    return np.full((size, size), background, dtype=np.uint8)  # checked: 0-255, not the digits


def _source_digits(digits):
    if digits is None:
        from skimage.transform import resize

        small = load_digits_images()
        images = np.stack([resize(im.astype(np.float64), (_MNIST_SIDE, _MNIST_SIDE), order=1)
                           for im in small.images])
        return images, small.target
    if len(digits) != 2:
        raise InputError(f"digits must be an (images, labels) pair, e.g. "
                         f"fetch_mnist(return_X_y=True); got a {type(digits).__name__} of "
                         f"length {len(digits)}")
    images, raw_labels = digits
    try:
        images, labels = np.asarray(images), np.asarray(raw_labels)
    except ValueError:
        raise InputError("digits=(images, labels) holds ragged sequences; pass arrays of "
                         "(n, H, W) images and (n,) labels") from None
    if images.dtype.kind not in "biuf":
        raise InputError(f"digit images must be numeric (any int or float dtype); got dtype "
                         f"{images.dtype}")
    if labels.ndim != 1:
        raise InputError(f"digit labels must be 1-D, one per image; got shape {labels.shape}")
    if images.ndim == 2:
        try:
            h, w, _ = image_shape_from_flat(images.shape[1])
        except InputError:  # its message speaks of X and image_shape, which are not ours
            raise InputError(f"digit images given as flat rows must be square: rows of "
                             f"{images.shape[1]} values are not; pass (n, H, W) images") from None
        images = images.reshape(len(images), h, w)
    elif images.ndim == 4 and images.shape[3] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise InputError(f"digit images must be (n, H, W) or flat square rows; got shape "
                         f"{images.shape}")
    if len(images) == 0 or len(images) != len(labels):
        raise InputError(f"digits holds {len(images)} images and {len(labels)} labels; "
                         "they must be as many, and at least one")
    if 0 in images.shape[1:]:  # numpy would fail deep inside, on the max of no pixels
        raise InputError(f"digit images of shape {images.shape[1]}x{images.shape[2]} have no "
                         "pixels; pass images of at least 1x1 (e.g. 28x28, as in MNIST)")
    labels = _digit_labels(raw_labels)
    images = images.astype(np.float64)
    if not np.isfinite(images).all():
        raise InputError("digit images hold NaN or infinite values; pass finite pixel values")
    blank = np.flatnonzero(images.reshape(len(images), -1).max(axis=1) <= 0)
    if blank.size:
        raise InputError(f"digit images {blank[:5].tolist()} are blank (no pixel above 0)")
    return images, labels


def _digit_labels(labels):
    """The labels of ``digits`` (already checked 1-D, one per image) as int64, or an error."""
    rule = ("digits=(images, labels) needs labels that are integers >= 0 (the digit classes, "
            "e.g. 0-9); convert or map them to such ints first")
    # as_labels names missing (NaN, None), fractional, infinite and mixed str/number labels.
    labels, kind = as_labels(labels, "digits[1]", hint=rule)
    if kind == "str" or labels.dtype.kind == "b":
        raise InputError(f"digits[1] holds {'str' if kind == 'str' else 'bool'} labels "
                         f"(digits[1][0] = {_py(labels[0])!r}); {rule}")
    if labels.dtype.kind == "O":  # numbers no numeric dtype holds (ints beyond 64 bits)
        bad = [i for i, v in enumerate(labels) if v != int(v) or not 0 <= v <= _INT64_MAX]
    elif labels.dtype.kind == "f":
        # y is int64; float64 rounds 2**63 - 1 up to 2**63, which int64 cannot hold.
        bad = np.flatnonzero((labels < 0) | (labels >= 2.0 ** 63)).tolist()
    elif labels.dtype.kind == "u":  # only uint64 goes past int64
        bad = np.flatnonzero(labels > np.uint64(_INT64_MAX)).tolist()
    else:
        bad = np.flatnonzero(labels < 0).tolist()
    if bad:
        raise InputError(f"digits[1] holds {len(bad)} label(s) that are not integers in "
                         f"0..2**63-1 (digits[1][{bad[0]}] = {_py(labels[bad[0]])!r}); {rule}")
    return labels.astype(np.int64)


def _py(value):
    """A numpy scalar as the Python value it holds (for messages); other objects unchanged."""
    return value.item() if isinstance(value, np.generic) else value


def _check_n_digits(n_digits):
    """``n_digits`` (an int, already validated) or a (min, max) pair as two ints."""
    if isinstance(n_digits, numbers.Integral):
        return int(n_digits), int(n_digits)
    if len(n_digits) != 2 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in n_digits
    ):
        raise InputError(f"n_digits must be an int >= 1 or a (min, max) pair of ints >= 1; got "
                         f"{n_digits!r}")
    lo, hi = (int(v) for v in n_digits)
    if lo > hi:
        raise InputError(f"n_digits=(min, max) needs min <= max; got {n_digits}")
    return lo, hi


def _check_range(values, name, positive=False):
    """A (low, high) pair of finite numbers with low <= high (and low > 0 when positive)."""
    if len(values) != 2 or not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values
    ):
        raise InputError(f"{name} must be a (low, high) pair of numbers; got {values!r}")
    lo, hi = (float(v) for v in values)
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi or (positive and lo <= 0):
        raise InputError(f"{name} must satisfy {'0 < ' if positive else ''}low <= high (finite "
                         f"numbers); got {values!r}")
    return lo, hi
