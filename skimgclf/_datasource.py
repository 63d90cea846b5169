"""Read ``(X, y)`` from a data specification string, as the command line takes it.

Specifications
--------------
- ``digits``: the embedded 8x8 digits (no download).
- ``mnist``, ``fashion-mnist``, ``kmnist``, ``cifar10``, ``svhn``, ``emnist-SPLIT``
  (e.g. ``emnist-balanced``): the fetchers of :mod:`skimgclf.datasets`.
- ``idx:IMAGES:LABELS``: IDX files; ``IMAGES`` may list part files separated by commas.
- ``folder:PATH``: one sub-folder per class (:func:`skimgclf.datasets.load_image_folder`).
- ``PATH.npz`` or ``npz:PATH``: arrays ``X`` and ``y`` (or ``data``/``images`` and
  ``target``/``labels``). ``X`` holds images, ``(n, H, W)`` or ``(n, H, W, C)``, or flat rows
  ``(n, H*W*C)`` in (H, W, C) order; flat rows take their shape from an optional array
  ``image_shape`` in the file (``[H, W]`` or ``[H, W, C]``), else from the ``image_shape``
  argument, else they must be square grayscale images.

Every source gives its images in their natural layout, ``(n, H, W)`` or ``(n, H, W, C)``, so that
nothing downstream re-derives the image shape from a row width. Anything wrong with the data
raises :class:`DataError` (a ``ValueError``) or ``FileNotFoundError`` naming the file.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib

import numpy as np

__all__ = ["load_data", "describe", "DataError", "NAMED_DATASETS"]

NAMED_DATASETS = ("digits", "mnist", "fashion-mnist", "kmnist", "cifar10", "svhn", "emnist-SPLIT")
_X_KEYS = ("X", "data", "images")
_Y_KEYS = ("y", "target", "labels")


class DataError(ValueError):
    """The data named by a specification cannot be used; the message names the file and why."""


def load_data(spec, *, subset="train", data_home=None, download=True, image_shape=None):
    """Return ``(X, y)`` for a data specification (see the module docstring).

    Parameters
    ----------
    spec : str
        The data specification.
    subset : {"train", "test"}, default="train"
        Split of a fetched data set.
    data_home : str or None
        Cache folder of the fetchers.
    download : bool, default=True
        Whether the fetchers may download.
    image_shape : tuple of int or None
        ``(H, W)`` or ``(H, W, C)``: the shape of the rows of a flat npz file; for data that
        has a shape of its own, the shape it must have.

    Returns
    -------
    X : ndarray of shape (n, H, W) or (n, H, W, C)
        The images in their natural layout.
    y : ndarray of shape (n,)
        The labels.

    Examples
    --------
    >>> X, y = load_data("digits")
    >>> X.shape, y.shape
    ((1797, 8, 8), (1797,))
    >>> load_data("npz:/no/such/file.npz")
    Traceback (most recent call last):
    ...
    FileNotFoundError: data file not found: /no/such/file.npz
    """
    kind, _, rest = spec.partition(":")
    if spec.endswith(".npz") and kind not in ("npz", "idx", "folder"):
        kind, rest = "npz", spec
    if kind == "npz":
        X, y, shape_in_file = _load_npz(rest)
        source = rest
    elif kind == "idx":
        X, y, source, shape_in_file = *_load_idx_pair(spec, rest), None
    elif kind == "folder":
        X, y, source, shape_in_file = *_load_folder(rest), rest, None
    else:
        X, y, source, shape_in_file = *_load_named(spec, subset, data_home, download), spec, None
    return _as_images(X, y, source, shape_in_file, image_shape)


def describe(spec, subset):
    """How to name the data in messages: the subset only where it means something.

    Examples
    --------
    >>> describe("mnist", "test"), describe("digits", "test"), describe("x.npz", "train")
    ('mnist (test)', 'digits', 'x.npz')
    """
    fetched = spec.partition(":")[0] not in ("npz", "idx", "folder") and not spec.endswith(".npz")
    return f"{spec} ({subset})" if fetched and spec != "digits" else spec


# ------------------------------------------------------------------------------- the sources
def _load_named(spec, subset, data_home, download):
    from . import datasets

    if spec == "digits":
        bunch = datasets.load_digits_images()
        return bunch.images, bunch.target
    fetch = dict(data_home=data_home, download=download, subset=subset)
    if spec.startswith("emnist-"):
        bunch = datasets.fetch_emnist(split=spec[len("emnist-") :], **fetch)
        return bunch.images, bunch.target
    fetchers = {
        "mnist": datasets.fetch_mnist,
        "fashion-mnist": datasets.fetch_fashion_mnist,
        "kmnist": datasets.fetch_kmnist,
        "cifar10": datasets.fetch_cifar10,
        "svhn": datasets.fetch_svhn,
    }
    if spec not in fetchers and os.path.isdir(spec):
        raise DataError(f"{spec} is a folder; give folder:{spec} for a folder with one "
                        "sub-folder of images per class")
    if spec not in fetchers and os.path.isfile(spec):
        raise DataError(f"{spec} is not a .npz file; the files read are .npz (arrays X and y) "
                        "and IDX (idx:IMAGES:LABELS)")
    if spec not in fetchers:
        raise DataError(
            f"unknown data {spec!r}; give one of {', '.join(NAMED_DATASETS)}, "
            "idx:IMAGES:LABELS, folder:PATH or a .npz file"
        )
    bunch = fetchers[spec](**fetch)
    return bunch.images, bunch.target


def _load_idx_pair(spec, rest):
    from .datasets import load_idx

    images, sep, labels = rest.rpartition(":")
    if not sep or not images or not labels:
        raise DataError(f"an idx source is idx:IMAGES:LABELS, got {spec!r}")
    parts = images.split(",")
    for path in [*parts, labels]:
        _require_file(path)
    X = load_idx(parts if len(parts) > 1 else parts[0])
    y = load_idx(labels)
    if X.ndim < 3:
        raise DataError(
            f"{images} holds an array of shape {X.shape}, not images (n, rows, cols); "
            "is it the labels file? An idx source is idx:IMAGES:LABELS"
        )
    if y.ndim != 1:
        raise DataError(
            f"{labels} holds an array of shape {y.shape}, not labels (n,); is it the images "
            "file? An idx source is idx:IMAGES:LABELS"
        )
    return X, y, images if len(parts) == 1 else f"{parts[0]} (+{len(parts) - 1} parts)"


def _load_folder(path):
    from .datasets import load_image_folder

    if os.path.isfile(path):
        raise DataError(f"{path} is a file; folder:PATH takes a folder with one sub-folder "
                        "of images per class")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"image folder not found: {path}")
    bunch = load_image_folder(path)
    return bunch.images, bunch.target


def _require_file(path):
    if os.path.isdir(path):
        raise DataError(f"{path} is a directory; expected a data file")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"data file not found: {path}")


def _load_npz(path):
    """``(X, y, image_shape or None)`` of an npz file; every failure names the file."""
    _require_file(path)
    with open(path, "rb") as f:
        magic = f.read(6)
    if not magic.startswith((b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY")):
        what = "is empty" if not magic else "does not start with the zip signature"
        raise DataError(f"{path} is not an .npz file (it {what}); save the data with "
                        "numpy.savez(path, X=images, y=labels)")
    try:
        npz = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path} is not a readable .npz file ({_reason(exc)}); save the data "
                        "with numpy.savez(path, X=images, y=labels)") from exc
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise DataError(f"{path} holds a single .npy array of shape {npz.shape}, not an .npz "
                        "archive; save the data with numpy.savez(path, X=images, y=labels)")
    with npz:
        x_key = next((k for k in _X_KEYS if k in npz.files), None)
        y_key = next((k for k in _Y_KEYS if k in npz.files), None)
        if x_key is None or y_key is None:
            raise DataError(
                f"{path} must hold arrays X and y (or data/images and target/labels); "
                f"it holds {sorted(npz.files) or 'no arrays'}"
            )
        arrays = {}
        for key in (x_key, y_key, "image_shape"):
            if key not in npz.files:
                continue
            try:
                arrays[key] = npz[key]
            except ValueError as exc:
                if "allow_pickle" in str(exc):
                    raise DataError(f"{path}: array {key!r} holds Python objects; save numeric "
                                    "images and numeric or string labels") from exc
                raise DataError(f"{path}: array {key!r} cannot be read ({_reason(exc)})") \
                    from exc
            except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
                raise DataError(f"{path} is corrupt: array {key!r} cannot be read "
                                f"({_reason(exc)})") from exc
    shape = arrays.get("image_shape")
    if shape is not None:
        shape = _check_shape(shape, f"{path}: array 'image_shape'")
    return arrays[x_key], arrays[y_key], shape


def _reason(exc):
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


# --------------------------------------------------------------------------- the checks
def _check_shape(shape, what):
    """``shape`` as a tuple of 2 or 3 positive ints, or a DataError naming ``what``."""
    arr = np.asarray(shape)
    if arr.ndim != 1 or len(arr) not in (2, 3) or arr.dtype.kind not in "iu" or (arr < 1).any():
        raise DataError(f"{what} must be (H, W) or (H, W, C) positive integers; got "
                        f"{arr.tolist()!r}")
    return tuple(int(s) for s in arr)


def _fmt(shape):
    return "x".join(str(s) for s in shape)


def _as_images(X, y, source, shape_in_file, image_shape):
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
    given = None if image_shape is None else _check_shape(image_shape, "image_shape")
    if shape_in_file is not None and given is not None and _hwc(given) != _hwc(shape_in_file):
        raise DataError(f"{source} says its images are {_fmt(shape_in_file)}, but the image "
                        f"shape given is {_fmt(given)}; drop one of them or make them agree")
    shape = given or shape_in_file
    if X.ndim == 2:
        d = X.shape[1]
        if shape is None:
            side = math.isqrt(d)
            if side * side != d:
                raise DataError(
                    f"{source} holds flat rows of {d} values, which are not square grayscale "
                    "images; give their shape (e.g. --image-shape 32x32x3, or an array "
                    "image_shape=[32, 32, 3] in the npz file)"
                )
            shape = (side, side)
        if math.prod(shape) != d:
            raise DataError(f"{source} holds flat rows of {d} values, but images of "
                            f"{_fmt(shape)} (the image shape given) hold {math.prod(shape)}")
        return X.reshape(len(X), *shape), y
    if shape is not None and _hwc(shape) != _hwc(X.shape[1:]):
        raise DataError(f"{source} holds images of {_fmt(X.shape[1:])}, not of the image "
                        f"shape given, {_fmt(shape)}")
    return X, y


def _hwc(shape):
    return tuple(shape) if len(shape) == 3 else (*shape, 1)
