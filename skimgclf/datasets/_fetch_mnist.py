"""Fetchers for the MNIST family: MNIST, Fashion-MNIST, Kuzushiji-MNIST and EMNIST."""

from __future__ import annotations

import os
import string

from .._sklearn_compat import StrOptions, validate_params
from ..exceptions import InputError
from ._bunch import image_bunch
from ._idx import load_idx
from ._registry import DATASETS, EMNIST_SPLITS, ensure_subset

__all__ = ["fetch_mnist", "fetch_fashion_mnist", "fetch_kmnist", "fetch_emnist"]

_COMMON_PARAMS = """
    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        The official split.
    data_home : str, path-like or None, default=None
        Cache root; None takes the environment variable ``SKIMGCLF_DATA``, else
        ``~/skimgclf_data``. Files live in ``<data_home>/<name>/`` under their official names.
    download : bool, default=True
        Download missing files (checksum-verified, written atomically). With False, only the
        cache is used -- fully offline -- and a missing file raises ``FileNotFoundError``
        naming it.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    base_url : str or None, default=None
        A mirror that holds the official files under their official names; None uses the
        publisher's URLs."""

_RETURNS = """
    Returns
    -------
    data : Bunch
        ``data`` (n, {d}) uint8, one flattened image per row; ``images`` (n, {hw}) uint8;
        ``target`` (n,) int64; ``target_names``, the name of each label; ``DESCR``.
    (data, target) : tuple of ndarray
        With ``return_X_y=True``, the two arrays of the Bunch.

    See Also
    --------
    load_idx : Read an IDX file, such as those of this family, already on disk.
    load_idx_folder : Load a folder of IDX files with the layout of this family.
    get_data_home : The cache folder the files are downloaded to."""


_FETCH_CONSTRAINTS = {
    "subset": [StrOptions({"train", "test"})],
        "data_home": [str, os.PathLike, None],
        "download": ["boolean"],
        "return_X_y": ["boolean"],
        "base_url": [str, None],
}
_validate_fetch = validate_params(_FETCH_CONSTRAINTS, prefer_skip_nested_validation=True)


def _fetch_idx_set(name, subset, data_home, download, base_url, target_names, return_X_y):
    images_path, labels_path = ensure_subset(
        name, subset, data_home=data_home, download=download, base_url=base_url
    )
    images, target = load_idx(images_path), load_idx(labels_path)
    _check_lengths(images, target, images_path, labels_path)
    spec = DATASETS[name]
    descr = (f"{spec.title}, {subset} split: {len(images)} images of {images.shape[1]}x"
             f"{images.shape[2]} uint8, {len(target_names)} classes.\n"
             f"Source: {spec.homepage}\nLicence: {spec.licence}\n")
    return image_bunch(images, target, target_names, descr, return_X_y=return_X_y)


def _check_lengths(images, target, images_path, labels_path):
    if len(images) != len(target):
        raise InputError(f"{images_path} holds {len(images)} images but {labels_path} holds "
                         f"{len(target)} labels; delete both and fetch them again")


@_validate_fetch
def fetch_mnist(*, subset="train", data_home=None, download=True, return_X_y=False,
                base_url=None):
    """Load MNIST (60,000 train / 10,000 test handwritten digits, 28x28), downloading if needed.

    The two IDX files of ``subset`` (images and labels) are downloaded into the cache the first
    time, checksum-verified, and read from there afterwards; the labels are the digits 0-9.
    {params}
    {returns}

    Examples
    --------
    >>> import tempfile
    >>> fetch_mnist(data_home=tempfile.mkdtemp(), download=False)
    Traceback (most recent call last):
    ...
    FileNotFoundError: ...train-images-idx3-ubyte.gz is not in the cache and download=False...
    """
    return _fetch_idx_set("mnist", subset, data_home, download, base_url,
                          [str(i) for i in range(10)], return_X_y)


@_validate_fetch
def fetch_fashion_mnist(*, subset="train", data_home=None, download=True, return_X_y=False,
                        base_url=None):
    """Load Fashion-MNIST (60,000 / 10,000 article images, 28x28, 10 classes).

    Zalando's drop-in replacement for MNIST, fetched and cached the same way: grey images of
    clothes, shoes and bags, ``target_names`` from "T-shirt/top" to "Ankle boot".
    {params}
    {returns}

    Examples
    --------
    >>> import tempfile
    >>> fetch_fashion_mnist(subset="test", data_home=tempfile.mkdtemp(), download=False)
    Traceback (most recent call last):
    ...
    FileNotFoundError: ...t10k-images-idx3-ubyte.gz is not in the cache and download=False...
    """
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
             "Sneaker", "Bag", "Ankle boot"]
    return _fetch_idx_set("fashion_mnist", subset, data_home, download, base_url, names,
                          return_X_y)


@_validate_fetch
def fetch_kmnist(*, subset="train", data_home=None, download=True, return_X_y=False,
                 base_url=None):
    """Load Kuzushiji-MNIST (60,000 / 10,000 cursive hiragana, 28x28, 10 classes).

    A drop-in replacement for MNIST in cursive Japanese, fetched and cached the same way; the
    ``target_names`` are the romanised readings of the ten hiragana ("o", "ki", ...).
    {params}
    {returns}

    Examples
    --------
    >>> import tempfile
    >>> fetch_kmnist(data_home=tempfile.mkdtemp(), download=False)
    Traceback (most recent call last):
    ...
    FileNotFoundError: ...train-images-idx3-ubyte.gz is not in the cache and download=False...
    """
    names = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
    return _fetch_idx_set("kmnist", subset, data_home, download, base_url, names, return_X_y)


_MERGED = set("cijklmopsuvwxyz")  # lower-case letters merged into their upper case
_EMNIST_NAMES = {
    "byclass": list(string.digits + string.ascii_uppercase + string.ascii_lowercase),
    "bymerge": list(string.digits + string.ascii_uppercase)
    + [c for c in string.ascii_lowercase if c not in _MERGED],
    "digits": list(string.digits),
    "mnist": list(string.digits),
    # Labels run 1-26 (upper and lower case merged); index 0 is unused.
    "letters": ["N/A"] + list(string.ascii_uppercase),
}
_EMNIST_NAMES["balanced"] = _EMNIST_NAMES["bymerge"]


@validate_params(
    {"split": [StrOptions(set(EMNIST_SPLITS))], **_FETCH_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def fetch_emnist(*, split="balanced", subset="train", data_home=None, download=True,
                 return_X_y=False, base_url=None):
    """Load one split of EMNIST (28x28 handwritten characters), downloading ``gzip.zip`` if needed.

    The official files store every image transposed; the images returned here are upright
    (transposed back), so they look like MNIST's.

    Parameters
    ----------
    split : {"balanced", "byclass", "bymerge", "letters", "digits", "mnist"}
        ``balanced`` has 47 classes (112,800 train / 18,800 test); ``letters`` has labels
        1-26. The whole archive (all splits) is downloaded once and extracted into the cache.
    subset : {"train", "test"}, default="train"
        The official split.
    data_home : str, path-like or None, default=None
        Cache root, as in :func:`fetch_mnist`.
    download : bool, default=True
        Download missing files; with False only the cache is used (fully offline).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    base_url : str or None, default=None
        A mirror that holds the official files under their official names; None uses the
        publisher's URL.
    {returns}

    Examples
    --------
    >>> import tempfile
    >>> fetch_emnist(split="letters", data_home=tempfile.mkdtemp(), download=False)
    Traceback (most recent call last):
    ...
    FileNotFoundError: ...emnist-letters-train-images-idx3-ubyte.gz is not in the cache...
    """
    images_path, labels_path = ensure_subset(
        "emnist", f"{split}/{subset}", data_home=data_home, download=download, base_url=base_url
    )
    images, target = load_idx(images_path), load_idx(labels_path)
    _check_lengths(images, target, images_path, labels_path)
    images = images.transpose(0, 2, 1)  # stored column-major: make the characters upright
    names = _EMNIST_NAMES[split]
    spec = DATASETS["emnist"]
    descr = (f"{spec.title}, split {split!r}, {subset}: {len(images)} upright 28x28 uint8 "
             f"images, {len(names) - (split == 'letters')} classes.\n"
             f"Source: {spec.homepage}\nLicence: {spec.licence}\n")
    return image_bunch(images, target, names, descr, return_X_y=return_X_y)


def _fill_doc(func, **blocks):
    """Put the shared, already indented doc blocks in place of the ``    {name}`` lines."""
    for key, text in blocks.items():
        func.__doc__ = func.__doc__.replace("    {" + key + "}\n", "\n" + text.strip("\n") + "\n")


_RETURNS_28 = _RETURNS.format(d=784, hw="28, 28")
for _f in (fetch_mnist, fetch_fashion_mnist, fetch_kmnist):
    _fill_doc(_f, params=_COMMON_PARAMS, returns=_RETURNS_28)
_fill_doc(fetch_emnist, returns=_RETURNS_28)
