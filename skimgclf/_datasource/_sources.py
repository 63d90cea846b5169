"""Read images, labels and class names from a data specification string, as the command line
takes it.

Specifications
--------------
- ``digits``: the embedded 8x8 digits (no download).
- ``mnist``, ``fashion-mnist``, ``kmnist``, ``cifar10``, ``svhn``, ``emnist-SPLIT``
  (e.g. ``emnist-balanced``; ``emnist`` alone is the balanced split): the fetchers of
  :mod:`skimgclf.datasets`. Case, and ``_`` for ``-``, do not matter (``fashion_mnist``).
- ``idx:IMAGES:LABELS``: IDX files; ``IMAGES`` may list part files separated by commas. Parts
  named ``...partKKofNN...`` may come with the whole label file: the labels of the parts' rows
  are taken from it (the parts' headers give their row counts, their names the order).
- ``folder:PATH``: one sub-folder per class (:func:`skimgclf.datasets.load_image_folder`).
- ``PATH.npz`` or ``npz:PATH``: arrays ``X`` and ``y`` (or ``data``/``images`` and
  ``target``/``labels``), optionally ``target_names`` (or ``class_names``). ``X`` holds
  images, ``(n, H, W)`` or ``(n, H, W, C)``, or flat rows ``(n, H*W*C)`` in (H, W, C) order;
  flat rows take their shape from an optional array ``image_shape`` in the file (``[H, W]`` or
  ``[H, W, C]``), else from the ``image_shape`` argument, else they must be square grayscale
  images.

Every source gives its images in their natural layout, ``(n, H, W)`` or ``(n, H, W, C)``, so that
nothing downstream re-derives the image shape from a row width. Class names follow scikit-learn's
``target_names`` convention: with integer labels, ``target_names[i]`` names the label ``i``;
string labels name themselves. Anything wrong with the data raises :class:`DataError` (a
``ValueError``) or ``FileNotFoundError`` naming the file.
"""

from __future__ import annotations

import math
import os
import re
import zipfile
import zlib

import numpy as np

from .datasets._names import DATASET_NAMES, EMNIST_SPLITS, dataset_name

__all__ = ["load_data", "describe", "canonical_spec", "class_names_for", "DataError",
           "NAMED_DATASETS"]

NAMED_DATASETS = ("digits", *(n for n in DATASET_NAMES if n != "emnist"), "emnist-SPLIT")
_X_KEYS = ("X", "data", "images")
_Y_KEYS = ("y", "target", "labels")
_NAME_KEYS = ("target_names", "class_names")


class DataError(ValueError):
    """The data named by a specification cannot be used; the message names the file and why."""


def load_data(spec, *, subset="train", data_home=None, download=True, image_shape=None,
              class_names=None, limit=None, random_state=None):
    """Read a data specification (see the module docstring): images, labels, class names.

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
    class_names : list of str or None
        Names of the classes, ``class_names[i]`` for the label ``i``; they replace the names
        the data brings. Every label must have one, and there must be no more names than
        labels ``0 .. max``.
    limit : int or None
        Keep a stratified random subset of this many images (all of them when there are no
        more), in the data's order; it must be at least the number of classes.
    random_state : int or None
        Seed of the ``limit`` subset.

    Returns
    -------
    Bunch
        ``images`` (n, H, W) or (n, H, W, C) in their natural layout, ``target`` (n,),
        ``target_names`` (list of str, indexed by label value, or None when the data names no
        classes), ``source`` (how to name the data in messages), ``n_total`` (images before
        ``limit``).

    Examples
    --------
    >>> data = load_data("digits", limit=100, random_state=0)
    >>> data.images.shape, data.target.shape, data.n_total, data.target_names[:3]
    ((100, 8, 8), (100,), 1797, ['0', '1', '2'])
    >>> load_data("npz:/no/such/file.npz")
    Traceback (most recent call last):
    ...
    FileNotFoundError: data file not found: /no/such/file.npz
    """
    from sklearn.utils import Bunch

    kind, _, rest = spec.partition(":")
    if spec.endswith(".npz") and kind not in ("npz", "idx", "folder"):
        kind, rest = "npz", spec
    names = None
    if kind == "npz":
        X, y, shape_in_file, names = _load_npz(rest)
        source = rest
    elif kind == "idx":
        X, y, source, shape_in_file = *_load_idx_pair(spec, rest), None
    elif kind == "folder":
        X, y, names = _load_folder(rest)
        source, shape_in_file = rest, None
    else:
        X, y, names = _load_named(spec, subset, data_home, download)
        source, shape_in_file = spec, None
    X, y = _as_images(X, y, source, shape_in_file, image_shape)
    if class_names is not None:
        names = _check_names(y, class_names, source, "the class names given", exact=True)
    elif names is not None:
        names = _check_names(y, names, source, f"the class names of {source}", exact=False)
    n_total = len(y)
    if limit is not None:
        X, y = _limit(X, y, limit, random_state, source)
    return Bunch(images=X, target=y, target_names=names, source=source, n_total=n_total)


def canonical_spec(spec):
    """The one spelling of a named data set (``fashion_mnist`` -> ``fashion-mnist``,
    ``emnist`` -> ``emnist-balanced``); other specifications are returned as they are.

    Examples
    --------
    >>> canonical_spec("Fashion_MNIST"), canonical_spec("emnist"), canonical_spec("x.npz")
    ('fashion-mnist', 'emnist-balanced', 'x.npz')
    """
    key = spec.strip().lower().replace("_", "-")
    if key == "digits":
        return "digits"
    if key == "emnist":
        return "emnist-balanced"
    if key.startswith("emnist-") and key[len("emnist-"):] in EMNIST_SPLITS:
        return key
    return dataset_name(key) or spec


def class_names_for(classes, target_names):
    """Names of ``classes`` (a model's ``classes_``) from ``target_names`` (indexed by label
    value, as :func:`load_data` gives them); None when they do not name every class.

    Examples
    --------
    >>> class_names_for([1, 3], ["zero", "one", "two", "three"])
    ['one', 'three']
    >>> class_names_for(["cat", "dog"], None) is None, class_names_for([7], ["a"]) is None
    (True, True)
    """
    if target_names is None:
        return None
    classes = np.asarray(classes)
    if classes.dtype.kind not in "iuf" or not np.all(classes == np.round(classes)):
        return None
    index = classes.astype(np.int64)
    if index.min() < 0 or index.max() >= len(target_names):
        return None
    return [str(target_names[i]) for i in index]


def describe(spec, subset):
    """How to name the data in messages: the subset only where it means something.

    Examples
    --------
    >>> describe("mnist", "test"), describe("digits", "test"), describe("x.npz", "train")
    ('mnist (test)', 'digits', 'x.npz')
    >>> describe("fashion_mnist", "train")
    'fashion-mnist (train)'
    >>> describe("idx:/data/a.part01of06.gz,/data/a.part02of06.gz:/data/labels.gz", "train")
    'idx:a.part01of06.gz (+1 part)'
    """
    kind, _, rest = spec.partition(":")
    if kind == "idx":  # the paths can be long: the images' file name says what they are
        images = rest.rpartition(":")[0].split(",") if ":" in rest else [rest]
        more = len(images) - 1
        plus = f" (+{more} part{'s' * (more > 1)})" if more else ""
        return f"idx:{os.path.basename(images[0])}{plus}"
    fetched = kind not in ("npz", "folder") and not spec.endswith(".npz")
    spec = canonical_spec(spec) if fetched else spec
    return f"{spec} ({subset})" if fetched and spec != "digits" else spec


# ------------------------------------------------------------------------------- the sources
def _load_named(spec, subset, data_home, download):
    from . import datasets

    name = canonical_spec(spec)
    if name == "digits":
        bunch = datasets.load_digits_images()
        return bunch.images, bunch.target, _names(bunch)
    fetch = dict(data_home=data_home, download=download, subset=subset)
    if name.startswith("emnist-"):
        split = name[len("emnist-") :]
        if split not in EMNIST_SPLITS:
            raise DataError(f"unknown EMNIST split {split!r} in {spec!r}; give emnist-SPLIT "
                            f"with SPLIT one of {', '.join(EMNIST_SPLITS)}")
        bunch = datasets.fetch_emnist(split=split, **fetch)
        return bunch.images, bunch.target, _names(bunch)
    fetchers = {
        "mnist": datasets.fetch_mnist,
        "fashion-mnist": datasets.fetch_fashion_mnist,
        "kmnist": datasets.fetch_kmnist,
        "cifar10": datasets.fetch_cifar10,
        "svhn": datasets.fetch_svhn,
    }
    if name not in fetchers and os.path.isdir(spec):
        raise DataError(f"{spec} is a folder; give folder:{spec} for a folder with one "
                        "sub-folder of images per class")
    if name not in fetchers and os.path.isfile(spec):
        raise DataError(f"{spec} is not a .npz file; the files read are .npz (arrays X and y) "
                        "and IDX (idx:IMAGES:LABELS)")
    if name not in fetchers:
        raise DataError(
            f"unknown data {spec!r}; give one of {', '.join(NAMED_DATASETS)}, "
            "idx:IMAGES:LABELS, folder:PATH or a .npz file"
        )
    bunch = fetchers[name](**fetch)
    return bunch.images, bunch.target, _names(bunch)


def _names(bunch):
    names = bunch.get("target_names")
    return None if names is None else [str(n) for n in np.asarray(names).tolist()]


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
    source = images if len(parts) == 1 else f"{parts[0]} (+{len(parts) - 1} parts)"
    if len(y) > len(X):
        y = _labels_of_parts(parts, labels, y)
    return X, y, source


_PART = re.compile(r"^(?P<head>.*?part)(?P<k>\d+)(?P<of>of)(?P<n>\d+)(?P<tail>.*)$", re.IGNORECASE)


def _labels_of_parts(parts, labels_path, y):
    """The rows of the whole label array ``y`` that the image part files hold, in the order
    given. A part ``...partKKofNN...`` holds consecutive rows of the whole file, part 1 first;
    the row counts come from the parts' headers (of the parts given, and of the other parts
    when their files lie beside them). Anything that cannot be told is a DataError."""
    from .datasets._idx import idx_shape

    n_labels = len(y)
    shown = ", ".join(os.path.basename(p) for p in parts)
    cannot = (f"{shown} hold fewer images than {labels_path} has labels ({n_labels}), and "
              "which of its rows they hold cannot be told")
    fix = ("put every part file beside them (their headers give the row counts), or give a "
           "labels file for these images only")
    matches = [_PART.match(os.path.basename(p)) for p in parts]
    if not all(matches):
        raise DataError(f"{cannot}: name the parts ...partKKofNN... (part KK of NN, in the "
                        f"whole file's order), or give a labels file for these images only")
    families = {(m["head"], m["of"], m["n"], m["tail"], os.path.dirname(os.path.abspath(p)))
                for m, p in zip(matches, parts, strict=True)}
    if len(families) != 1:
        raise DataError(f"{cannot}: the parts are not parts of one file (same name and "
                        "folder, but for KK); give one file's parts")
    head, of, n_text, tail, folder = families.pop()
    n_parts = int(n_text)
    width = len(matches[0]["k"])
    given = [int(m["k"]) for m in matches]
    if any(not 1 <= k <= n_parts for k in given) or len(set(given)) != len(given):
        raise DataError(f"{cannot}: their numbers {given} are not distinct parts 1 to "
                        f"{n_parts}")
    sizes = {}
    for k in range(1, n_parts + 1):
        path = os.path.join(folder, f"{head}{k:0{width}d}{of}{n_text}{tail}")
        if os.path.isfile(path):
            sizes[k] = idx_shape(path)[0]
    for k, path in zip(given, parts, strict=True):
        sizes[k] = idx_shape(path)[0]
    missing = [k for k in range(1, n_parts + 1) if k not in sizes]
    if missing:
        # The other parts are not here: they can only be assumed as big as the known ones
        # (the last may be smaller), and the total must come out as the number of labels.
        common = {sizes[k] for k in sizes if k != n_parts}
        if len(common) != 1:
            raise DataError(f"{cannot}: parts {missing} are not beside them and the known "
                            f"parts differ in size; {fix}")
        (size,) = common
        for k in missing:
            sizes[k] = size
        if n_parts in missing:
            sizes[n_parts] = n_labels - size * (n_parts - 1)
            if not 0 < sizes[n_parts] <= size:
                raise DataError(f"{cannot}: {n_parts} parts of {size} rows do not make "
                                f"{n_labels} labels; {fix}")
    total = sum(sizes.values())
    if total != n_labels:
        raise DataError(f"the {n_parts} parts of {head}KK{of}{n_text}{tail} hold {total} rows, "
                        f"but {labels_path} holds {n_labels} labels; is it that file's labels "
                        "file?")
    starts = np.cumsum([0] + [sizes[k] for k in range(1, n_parts)])
    return np.concatenate([y[starts[k - 1] : starts[k - 1] + sizes[k]] for k in given])


def _load_folder(path):
    from .datasets import load_image_folder

    if os.path.isfile(path):
        raise DataError(f"{path} is a file; folder:PATH takes a folder with one sub-folder "
                        "of images per class")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"image folder not found: {path}")
    bunch = load_image_folder(path)
    return bunch.images, bunch.target, _names(bunch)


def _require_file(path):
    if os.path.isdir(path):
        raise DataError(f"{path} is a directory; expected a data file")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"data file not found: {path}")


def _load_npz(path):
    """``(X, y, image_shape or None, class names or None)`` of an npz file; every failure
    names the file."""
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
        names_key = next((k for k in _NAME_KEYS if k in npz.files), None)
        arrays = {}
        for key in (x_key, y_key, "image_shape", names_key):
            if key is None:
                continue
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
    names = None
    if names_key is not None:
        names = arrays[names_key]
        if names.ndim != 1 or names.dtype.kind not in "US" or not len(names):
            raise DataError(f"{path}: array {names_key!r} must be a list of class names "
                            f"(strings), one per label; got {names.dtype} of shape "
                            f"{names.shape}")
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in names.tolist()]
    return arrays[x_key], arrays[y_key], shape, names


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


def _check_names(y, names, source, what, *, exact):
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


def _limit(X, y, limit, random_state, source):
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
