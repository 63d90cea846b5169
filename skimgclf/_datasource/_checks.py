"""What every source's arrays go through: the image check (shape rule of ``_images``), the
colour asked for, the class names and the ``limit`` subset."""

from __future__ import annotations

import math

import numpy as np

from .._images import image_shape_from_flat, normalize_image_shape
from ..exceptions import InputError
from ._spec import DataError

__all__ = ["check_shape", "as_images", "to_color", "check_names", "limit_subset"]

# Luminance weights of ITU-R BT.709, those of skimage.color.rgb2gray (what image folders use).
_LUMA = np.array([0.2125, 0.7154, 0.0721])


def _fmt(shape):
    return "x".join(str(s) for s in shape)


def check_shape(shape, what, *, unknown_side=False):
    """``shape`` as ``(H, W, C)`` (``_images.normalize_image_shape``: positive ints, and one side
    -1 where ``unknown_side``, to be read from the rows' width), or a DataError naming
    ``what``."""
    arr = np.asarray(shape)
    sides = "positive integers" + (" (one of H, W may be -1)" if unknown_side else "")
    low = -1 if unknown_side else 1
    if arr.ndim != 1 or arr.dtype.kind not in "iu" or (arr < low).any() or (arr == 0).any():
        raise DataError(f"{what} must be (H, W) or (H, W, C) {sides}; got {arr.tolist()!r}")
    try:
        return normalize_image_shape(arr.tolist())
    except InputError:
        raise DataError(f"{what} must be (H, W) or (H, W, C) {sides}; got "
                        f"{arr.tolist()!r}") from None


def as_images(X, y, source, shape_in_file, image_shape):
    """Check ``(X, y)`` of ``source`` and return ``X`` as ``(n, H, W)`` or ``(n, H, W, C)``."""
    X, y = np.asarray(X), np.asarray(y)
    if X.dtype.kind not in "biuf":
        raise DataError(f"{source}: the images have dtype {X.dtype}; expected numeric pixel "
                        "values (integers or floats)")
    if y.ndim != 1:
        raise DataError(f"{source}: the labels have shape {y.shape}; expected one label per "
                        "image, shape (n,)")
    if y.dtype.kind not in "biufUS":
        raise DataError(f"{source}: the labels have dtype {y.dtype}; expected integers or "
                        "strings")
    if X.ndim not in (2, 3, 4):
        raise DataError(f"{source}: the images have shape {X.shape}; expected (n, H, W), "
                        "(n, H, W, C) or flat rows (n, H*W*C)")
    if len(X) == 0:
        raise DataError(f"{source} holds no images (the images have shape {X.shape})")
    if len(X) != len(y):
        raise DataError(f"{source} holds {len(X)} images but {len(y)} labels; expected one "
                        "label per image")
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        bad = int(np.flatnonzero(~np.isfinite(X).reshape(len(X), -1).all(axis=1))[0])
        raise DataError(f"{source}: image {bad} holds NaN or infinite values; images must be "
                        "finite")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError(f"{source}: the labels hold NaN or infinite values")
    if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
        bad = y[y != np.round(y)]
        raise DataError(f"{source}: the labels hold fractions ({bad[0]:g}, ...: {len(bad)} of "
                        f"{len(y)}); labels are classes, whole numbers or strings")
    given = None
    if image_shape is not None:
        given = check_shape(image_shape, "image_shape", unknown_side=X.ndim == 2)
        if -1 in given:  # one side read from the rows' width, by the package's one rule
            try:
                given = image_shape_from_flat(X.shape[1], given)
            except InputError as exc:
                raise DataError(f"{source}: {exc}") from None
    if shape_in_file is not None and given is not None and given != shape_in_file:
        raise DataError(f"{source} says its images are {_fmt(shape_in_file)}, but the image "
                        f"shape given is {_fmt(given)}; drop one of them or make them agree")
    shape = given or shape_in_file
    if X.ndim == 2:
        d = X.shape[1]
        if shape is None:
            try:  # the one rule of the package: square grayscale, else say the shape
                shape = image_shape_from_flat(d)
            except InputError:
                raise DataError(
                    f"{source} holds flat rows of {d} values, which are not square grayscale "
                    "images; give their shape (e.g. --image-shape 32x32x3, or an array "
                    "image_shape=[32, 32, 3] in the npz file)"
                ) from None
        if math.prod(shape) != d:
            raise DataError(f"{source} holds flat rows of {d} values, but images of "
                            f"{_fmt(shape)} (the image shape given) hold {math.prod(shape)}")
        H, W, C = shape
        return X.reshape((len(X), H, W) if C == 1 else (len(X), H, W, C)), y
    own = normalize_image_shape(X.shape[1:])
    if shape is not None and shape != own:
        raise DataError(f"{source} holds images of {_fmt(X.shape[1:])}, not of the image "
                        f"shape given, {_fmt(shape)}; resizing is for image folders "
                        "(folder:PATH)")
    return X, y


def to_color(X, color):
    """``X`` (n, H, W) or (n, H, W, C) as ``color`` asks: ``"gray"`` (n, H, W) luminance,
    ``"rgb"`` (n, H, W, 3), None as it is. Integers stay integers (rounded)."""
    if color is None:
        return X
    channels = 1 if X.ndim == 3 else X.shape[-1]
    if color == "rgb":
        if channels == 3:
            return X
        if channels == 4:
            return X[..., :3]  # the alpha channel says nothing about the class
        gray = X if X.ndim == 3 else X[..., 0]
        if channels != 1:
            raise DataError(f"images of {channels} channels cannot be read as RGB; give "
                            "--color gray, or no --color")
        return np.repeat(gray[..., None], 3, axis=-1)
    if channels == 1:
        return X if X.ndim == 3 else X[..., 0]
    if channels not in (3, 4):
        raise DataError(f"images of {channels} channels cannot be read as grayscale; give "
                        "--color rgb, or no --color")
    gray = X[..., :3] @ _LUMA
    if X.dtype.kind in "iub":
        gray = np.clip(np.round(gray), np.iinfo(X.dtype).min if X.dtype.kind != "b" else 0,
                       np.iinfo(X.dtype).max if X.dtype.kind != "b" else 1).astype(X.dtype)
    else:
        gray = gray.astype(X.dtype, copy=False)
    return gray


def check_names(y, names, source, what, *, exact):
    """``names`` as a list of str naming every label of ``y`` (``names[i]`` for label ``i``);
    a DataError when they cannot. With ``exact``, more names than labels 0 .. max is a
    mistake too (a name given for a label that is not there shifts none, but is suspect)."""
    names = [str(n) for n in names]
    if not names or any(not n.strip() for n in names):
        raise DataError(f"{what} hold an empty name; give one non-empty name per class")
    if y.dtype.kind in "US":
        if exact:
            raise DataError(f"the labels of {source} are strings, which name the classes "
                            "already; drop the class names")
        return None
    labels = np.unique(y)
    if y.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise DataError(f"{what} name integer labels, but the labels of {source} are not "
                        "integers")
    low, high = int(labels.min()), int(labels.max())
    expected = f"{high + 1} (the name of label i in place i)"
    if low < 0:
        raise DataError(f"{what} name the labels 0, 1, ...; but {source} has the label {low}")
    if high >= len(names):
        raise DataError(f"{what} are {len(names)}, but the labels of {source} run up to "
                        f"{high}; give {expected}")
    if exact and len(names) != high + 1:
        raise DataError(f"{what} are {len(names)}, but the labels of {source} run from 0 to "
                        f"{high}; give {expected}")
    return names


def limit_subset(X, y, limit, random_state, source):
    """A stratified random subset of ``limit`` images, kept in the data's order."""
    from sklearn.utils import resample

    if limit >= len(y):
        return X, y
    n_classes = len(np.unique(y))
    if limit < n_classes:
        raise DataError(f"a limit of {limit} images is below the {n_classes} classes of "
                        f"{source}; a stratified subset needs one image per class at least")
    index = resample(np.arange(len(y)), n_samples=limit, replace=False, stratify=y,
                     random_state=random_state)
    index.sort()
    return X[index], y[index]
