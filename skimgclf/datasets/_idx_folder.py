"""A local copy of an MNIST-like data set: one folder of IDX files, whole or split in parts."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from .._sklearn_compat import StrOptions, validate_params
from ..exceptions import InputError
from ._bunch import image_bunch
from ._idx import load_idx

__all__ = ["load_idx_folder"]

_PREFIXES = {"train": ("train",), "test": ("t10k", "test")}
_PART = re.compile(r"\.part(\d+)of(\d+)")


@validate_params(
    {
        "folder": [str, os.PathLike],
        "subset": [StrOptions({"train", "test"})],
        "target_names": ["array-like", None],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_idx_folder(folder, *, subset="train", target_names=None, return_X_y=False):
    """Load one split of an MNIST-like data set from a folder of IDX files, as published.

    The folder holds the files under their official names, gzip-compressed or not
    (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``, ``t10k-...``, or with a
    prefix such as ``emnist-balanced-train-...``). An images file may also be split into parts
    ``...idx3-ubyte.partKKofNN.gz``, each a complete IDX file of consecutive rows (as mirrors
    under a file-size limit keep them): the parts are read in order and concatenated, which gives
    the official array. The fetchers (:func:`fetch_mnist`, ...) download and verify the official
    files; this loader reads a copy you already have, with no network.

    Parameters
    ----------
    folder : str or path-like
        The folder of one data set (e.g. ``.../mnist``).
    subset : {"train", "test"}, default="train"
        ``"test"`` reads the ``t10k-`` (or ``test-``) files.
    target_names : array-like or None, default=None
        A name per class, indexed by label (e.g. the Fashion-MNIST names). None: the labels
        themselves, as strings.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    Bunch or (data, target)
        ``images`` ``(n, H, W)`` uint8, ``data`` the same as flat rows, ``target`` ``(n,)``,
        ``target_names``, ``DESCR``.

    Raises
    ------
    FileNotFoundError
        When the folder, its images or its labels file are missing (the message lists what the
        folder holds).
    ValueError
        When the images and the labels do not match in number.

    See Also
    --------
    load_idx : Read one IDX file (or its parts).
    fetch_mnist : Download the official files into the cache first.

    Examples
    --------
    >>> import gzip, tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> folder = Path(tempfile.mkdtemp())
    >>> def write(name, magic, shape, values):
    ...     header = magic.to_bytes(4, "big") + b"".join(s.to_bytes(4, "big") for s in shape)
    ...     (folder / name).write_bytes(gzip.compress(header + bytes(values)))
    >>> write("train-images-idx3-ubyte.part01of02.gz", 2051, (2, 2, 2), range(8))
    >>> write("train-images-idx3-ubyte.part02of02.gz", 2051, (1, 2, 2), range(4))
    >>> write("train-labels-idx1-ubyte.gz", 2049, (3,), [0, 1, 1])
    >>> data = load_idx_folder(folder)
    >>> data.images.shape, data.target.tolist(), data.target_names.tolist()
    ((3, 2, 2), [0, 1, 1], ['0', '1'])
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of IDX files")
    images_paths = _find(folder, subset, "images-idx3-ubyte")
    labels_paths = _find(folder, subset, "labels-idx1-ubyte")
    if len(labels_paths) != 1:
        raise FileNotFoundError(
            f"{folder} holds {len(labels_paths)} {subset} labels files (one "
            f"...{_PREFIXES[subset][0]}-labels-idx1-ubyte[.gz] expected); it holds "
            f"{sorted(p.name for p in folder.iterdir())[:12]}"
        )
    images = load_idx([str(p) for p in images_paths])
    target = load_idx(str(labels_paths[0]))
    if images.ndim != 3 or target.ndim != 1 or len(images) != len(target):
        raise InputError(
            f"{folder}: the {subset} images have shape {images.shape} but the labels "
            f"{target.shape}; the folder must hold one images file (or all its parts) and its "
            "labels file"
        )
    n_classes = int(target.max()) + 1
    if target_names is None:
        target_names = [str(label) for label in range(n_classes)]
    elif np.ndim(target_names) != 1 or len(target_names) < n_classes:
        # target_names[target] names each image: one name per label, 0 to the largest
        raise InputError(
            f"target_names holds {np.size(target_names)} names, but the {subset} labels of "
            f"{folder} go from 0 to {n_classes - 1}: give one name per label, in label order"
        )
    descr = f"{subset} split read from the IDX files of {folder}"
    return image_bunch(images, target, np.asarray(target_names), descr, return_X_y=return_X_y)


def _find(folder, subset, kind):
    """The files of one kind, whole or in parts (parts sorted by number, all of them present)."""
    found = sorted(
        p for p in folder.iterdir()
        if any(re.search(rf"(^|-){prefix}-{kind}(\.part\d+of\d+)?(\.gz)?$", p.name)
               for prefix in _PREFIXES[subset])
    )
    if not found:
        raise FileNotFoundError(
            f"{folder} holds no {subset} {kind} file (...{_PREFIXES[subset][0]}-{kind}[.gz], "
            f"whole or in parts); it holds {sorted(p.name for p in folder.iterdir())[:12]}"
        )
    parts = [p for p in found if _PART.search(p.name)]
    if not parts:
        return found[:1]
    numbers = sorted((int(m[1]), int(m[2])) for m in (_PART.search(p.name) for p in parts))
    total = numbers[0][1]
    if [k for k, _ in numbers] != list(range(1, total + 1)):
        have = [k for k, _ in numbers]
        raise FileNotFoundError(
            f"{folder}: the {subset} {kind} file is split into {total} parts, but only parts "
            f"{have} are there"
        )
    return sorted(parts, key=lambda p: int(_PART.search(p.name)[1]))
