"""Fetchers for the 32x32 colour sets: CIFAR-10 (python tarball) and SVHN (MATLAB files)."""

from __future__ import annotations

import os

from .._sklearn_compat import StrOptions, validate_params
from ._lookup import load_named
from ._names import DATASETS

__all__ = ["fetch_cifar10", "fetch_svhn", "CIFAR10_CLASSES"]

CIFAR10_CLASSES = DATASETS["cifar10"].names_of()


@validate_params(
    {
        "subset": [StrOptions({"train", "test"})],
        "data_home": [str, os.PathLike, None],
        "download": ["boolean"],
        "return_X_y": ["boolean"],
        "base_url": [str, None],
    },
    prefer_skip_nested_validation=True,
)
def fetch_cifar10(*, subset="train", data_home=None, download=True, return_X_y=False,
                  base_url=None):
    """Load CIFAR-10 (50,000 train / 10,000 test colour images, 32x32x3, 10 classes).

    Downloads the official ``cifar-10-python.tar.gz`` (md5-verified), extracts it safely into
    the cache and reads the python batches (``data_batch_1`` .. ``_5``, ``test_batch``).

    Parameters
    ----------
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

    Returns
    -------
    data : Bunch
        ``data`` (n, 3072) uint8, one image per row in (H, W, C) order; ``images``
        (n, 32, 32, 3) uint8 RGB; ``target`` (n,) int64; ``target_names``, the 10 class names
        ("airplane" ... "truck"); ``DESCR``.
    (data, target) : tuple of ndarray
        With ``return_X_y=True``, the two arrays of the Bunch.

    See Also
    --------
    fetch_svhn : The other 32x32 colour set, of house-number digits.
    load_cifar10_npz : Load CIFAR-10 from a local ``.npz`` file instead.

    Examples
    --------
    >>> import tempfile
    >>> fetch_cifar10(subset="test", data_home=tempfile.mkdtemp(), download=False)
    Traceback (most recent call last):
    ...
    FileNotFoundError: ...test_batch is not in the cache and download=False...
    """
    return load_named("cifar10", subset, data_home=data_home, download=download,
                      base_url=base_url, return_X_y=return_X_y)


@validate_params(
    {
        "subset": [StrOptions({"train", "test", "extra"})],
        "data_home": [str, os.PathLike, None],
        "download": ["boolean"],
        "return_X_y": ["boolean"],
        "base_url": [str, None],
    },
    prefer_skip_nested_validation=True,
)
def fetch_svhn(*, subset="train", data_home=None, download=True, return_X_y=False,
               base_url=None):
    """Load SVHN cropped digits (73,257 train / 26,032 test / 531,131 extra, 32x32x3).

    Reads the official MATLAB files (``train_32x32.mat`` ...). The files label the digit 0 as
    10; here it is 0, so ``target`` is the digit itself.

    Parameters
    ----------
    subset : {"train", "test", "extra"}, default="train"
        The official split; ``"extra"`` holds easier, additional training digits.
    data_home : str, path-like or None, default=None
        Cache root, as in :func:`fetch_mnist`.
    download : bool, default=True
        Download missing files; with False only the cache and local copies are used (offline).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    base_url : str or None, default=None
        A mirror that holds the official files under their official names; None uses the
        publisher's URL.

    Returns
    -------
    data : Bunch
        ``data`` (n, 3072) uint8, one image per row in (H, W, C) order; ``images``
        (n, 32, 32, 3) uint8 RGB; ``target`` (n,) int64, the digits 0-9; ``target_names``;
        ``DESCR``.
    (data, target) : tuple of ndarray
        With ``return_X_y=True``, the two arrays of the Bunch.

    See Also
    --------
    fetch_cifar10 : The other 32x32 colour set, of objects and animals.
    fetch_mnist : Handwritten digits, 28x28 grey.

    Examples
    --------
    >>> import tempfile
    >>> fetch_svhn(subset="test", data_home=tempfile.mkdtemp(), download=False)
    Traceback (most recent call last):
    ...
    FileNotFoundError: ...test_32x32.mat is not in the cache and download=False...
    """
    return load_named("svhn", subset, data_home=data_home, download=download,
                      base_url=base_url, return_X_y=return_X_y)
