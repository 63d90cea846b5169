"""Read ``(X, y)`` from a data specification string, as the command line takes it.

Specifications
--------------
- ``digits``: the embedded 8x8 digits (no download).
- ``mnist``, ``fashion-mnist``, ``kmnist``, ``cifar10``, ``svhn``, ``emnist-SPLIT``
  (e.g. ``emnist-balanced``): the fetchers of :mod:`skimgclf.datasets`.
- ``idx:IMAGES:LABELS``: IDX files; ``IMAGES`` may list part files separated by commas.
- ``folder:PATH``: one sub-folder per class (:func:`skimgclf.datasets.load_image_folder`).
- ``PATH.npz`` or ``npz:PATH``: arrays ``X`` and ``y`` (or ``data``/``images`` and ``target``).
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["load_data", "describe", "NAMED_DATASETS"]

NAMED_DATASETS = ("digits", "mnist", "fashion-mnist", "kmnist", "cifar10", "svhn", "emnist-SPLIT")


def load_data(spec, *, subset="train", data_home=None, download=True):
    """Return ``(X, y)`` for a data specification (see the module docstring).

    Examples
    --------
    >>> X, y = load_data("digits")
    >>> X.shape, y.shape
    ((1797, 64), (1797,))
    >>> load_data("npz:/no/such/file.npz")
    Traceback (most recent call last):
    ...
    FileNotFoundError: data file not found: /no/such/file.npz
    """
    from . import datasets

    kind, _, rest = spec.partition(":")
    if spec.endswith(".npz") and kind != "npz":
        kind, rest = "npz", spec
    if kind == "npz":
        return _load_npz(rest)
    if kind == "idx":
        images, sep, labels = rest.rpartition(":")
        if not sep or not images:
            raise ValueError(f"an idx source is idx:IMAGES:LABELS, got {spec!r}")
        parts = images.split(",")
        for path in [*parts, labels]:
            _require_file(path)
        return datasets.load_idx(parts if len(parts) > 1 else parts[0]), datasets.load_idx(labels)
    if kind == "folder":
        if not os.path.isdir(rest):
            raise FileNotFoundError(f"image folder not found: {rest}")
        return datasets.load_image_folder(rest, return_X_y=True)
    if spec == "digits":
        return datasets.load_digits_images(return_X_y=True)
    fetch = dict(data_home=data_home, download=download, subset=subset, return_X_y=True)
    if spec.startswith("emnist-"):
        return datasets.fetch_emnist(split=spec[len("emnist-") :], **fetch)
    fetchers = {
        "mnist": datasets.fetch_mnist,
        "fashion-mnist": datasets.fetch_fashion_mnist,
        "kmnist": datasets.fetch_kmnist,
        "cifar10": datasets.fetch_cifar10,
        "svhn": datasets.fetch_svhn,
    }
    if spec not in fetchers:
        raise ValueError(
            f"unknown data {spec!r}; give one of {', '.join(NAMED_DATASETS)}, "
            "idx:IMAGES:LABELS, folder:PATH or a .npz file"
        )
    return fetchers[spec](**fetch)


def describe(spec, subset):
    """How to name the data in messages: the subset only where it means something.

    Examples
    --------
    >>> describe("mnist", "test"), describe("digits", "test"), describe("x.npz", "train")
    ('mnist (test)', 'digits', 'x.npz')
    """
    fetched = spec.partition(":")[0] not in ("npz", "idx", "folder") and not spec.endswith(".npz")
    return f"{spec} ({subset})" if fetched and spec != "digits" else spec


def _require_file(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"data file not found: {path}")


def _load_npz(path):
    _require_file(path)
    with np.load(path, allow_pickle=False) as npz:
        x_key = next((k for k in ("X", "data", "images") if k in npz), None)
        y_key = next((k for k in ("y", "target", "labels") if k in npz), None)
        if x_key is None or y_key is None:
            raise ValueError(
                f"{path} must hold arrays X and y (or data/images and target/labels); "
                f"it holds {sorted(npz.files)}"
            )
        return npz[x_key], npz[y_key]
