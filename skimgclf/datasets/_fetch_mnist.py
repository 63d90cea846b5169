"""Fetchers for the MNIST family: MNIST, Fashion-MNIST, Kuzushiji-MNIST and EMNIST."""

from __future__ import annotations

import os

from .._sklearn_compat import StrOptions, validate_params
from ._lookup import load_named
from ._names import EMNIST_SPLITS

__all__ = ["fetch_mnist", "fetch_fashion_mnist", "fetch_kmnist", "fetch_emnist"]

_COMMON_PARAMS = """
    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        The official split.
    data_home : str, path-like or None, default=None
        Data home; None takes the environment variable ``SKIMGCLF_DATA``, else
        ``~/skimgclf_data``. Downloaded files live in ``<data_home>/<key>/`` under their
        official names; a local copy (whole files or ``.partKKofNN`` parts) in
        ``<data_home>/<name>/`` is read in place, verified against the originals' checksums.
    download : bool, default=True
        Download missing files (checksum-verified, written atomically). With False, only the
        cache and local copies are used -- fully offline -- and a missing file raises
        ``FileNotFoundError`` naming it.
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


def _fetch_idx_set(key, subset, data_home, download, base_url, return_X_y):
    return load_named(key, subset, data_home=data_home, download=download, base_url=base_url,
                      return_X_y=return_X_y)


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
    return _fetch_idx_set("mnist", subset, data_home, download, base_url, return_X_y)


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
    return _fetch_idx_set("fashion_mnist", subset, data_home, download, base_url, return_X_y)


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
    return _fetch_idx_set("kmnist", subset, data_home, download, base_url, return_X_y)


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
        Download missing files; with False only the cache and local copies are used (offline).
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
    return load_named("emnist", subset, variant=split, data_home=data_home, download=download,
                      base_url=base_url, return_X_y=return_X_y)


def _fill_doc(func, **blocks):
    """Put the shared, already indented doc blocks in place of the ``    {name}`` lines."""
    for key, text in blocks.items():
        func.__doc__ = func.__doc__.replace("    {" + key + "}\n", "\n" + text.strip("\n") + "\n")


_RETURNS_28 = _RETURNS.format(d=784, hw="28, 28")
for _f in (fetch_mnist, fetch_fashion_mnist, fetch_kmnist):
    _fill_doc(_f, params=_COMMON_PARAMS, returns=_RETURNS_28)
_fill_doc(fetch_emnist, returns=_RETURNS_28)
