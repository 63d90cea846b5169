"""Fetchers for the 32x32 colour sets: CIFAR-10 (python tarball) and SVHN (MATLAB files)."""

from __future__ import annotations

import os
import pickle

import numpy as np

from .._sklearn_compat import StrOptions, validate_params
from ..exceptions import InputError
from ._bunch import image_bunch
from ._registry import DATASETS, ensure_subset

__all__ = ["fetch_cifar10", "fetch_svhn", "CIFAR10_CLASSES"]

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck"]


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles dicts of numpy arrays, lists and bytes only.

    The CIFAR batches are pickles. A cached file is compared with its stamp before every load,
    but whoever can write into the cache can replace a file and its stamp together, so loading
    must still not be able to run arbitrary code: only the numpy reconstructors are resolvable.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # how Python 3 pickles bytes at protocol 2
    }

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name} from a data file (only numpy arrays allowed)"
            )
        return super().find_class(module, name)


def _load_cifar_batch(path):
    try:
        with open(path, "rb") as f:
            batch = _ArrayUnpickler(f, encoding="bytes").load()
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path} is not a CIFAR-10 python batch ({exc!r}); delete the "
                         "cache folder and fetch again") from exc
    if data.ndim != 2 or data.shape[1] != 3072 or len(data) != len(labels):
        raise InputError(f"{path} holds data of shape {data.shape} and {len(labels)} labels; "
                         "expected (n, 3072) and n labels")
    # Rows are channel-major (1024 red, 1024 green, 1024 blue values): make them (32, 32, 3).
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


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
        Download missing files; with False only the cache is used (fully offline).
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
    paths = ensure_subset("cifar10", subset, data_home=data_home, download=download,
                          base_url=base_url)
    batches = [_load_cifar_batch(p) for p in paths]
    images = np.concatenate([b[0] for b in batches])
    target = np.concatenate([b[1] for b in batches])
    spec = DATASETS["cifar10"]
    descr = (f"{spec.title}, {subset} split: {len(images)} RGB images.\n"
             f"Source: {spec.homepage}\nLicence: {spec.licence}\n")
    return image_bunch(images, target, CIFAR10_CLASSES, descr, return_X_y=return_X_y)


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
        Download missing files; with False only the cache is used (fully offline).
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
    from scipy.io import loadmat

    (path,) = ensure_subset("svhn", subset, data_home=data_home, download=download,
                            base_url=base_url)
    try:
        mat = loadmat(path)
        X, y = mat["X"], mat["y"]
    except (ValueError, KeyError, OSError, TypeError) as exc:
        raise InputError(f"{path} is not an SVHN .mat file ({exc!r}); delete it and fetch "
                         "it again") from exc
    if X.ndim != 4 or X.shape[:3] != (32, 32, 3) or y.size != X.shape[3]:
        raise InputError(f"{path} holds X of shape {X.shape} and {y.size} labels; expected "
                         "(32, 32, 3, n) and n labels")
    images = np.moveaxis(X, 3, 0).astype(np.uint8, copy=False)  # stored as (H, W, C, n)
    target = y.ravel().astype(np.int64) % 10  # the files use 10 for the digit 0
    spec = DATASETS["svhn"]
    descr = (f"{spec.title}, {subset} split: {len(images)} RGB images, digits 0-9 "
             "(the official label 10 is mapped to 0).\n"
             f"Source: {spec.homepage}\nLicence: {spec.licence}\n")
    return image_bunch(images, target, [str(i) for i in range(10)], descr,
                       return_X_y=return_X_y)
