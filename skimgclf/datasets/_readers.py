"""How the files of one subset of a named data set become ``(images, target)``.

A registry entry (:mod:`._names`) names its reader by a key of :data:`READERS` (or
``"module:function"``). A reader takes ``files``, one list of paths per file the subset needs
(one path for a whole file, the parts in order for a split one), and ``expected``, the checksum
of each file's decompressed content where the registry knows it (None elsewhere). The IDX
readers check the assembled content against it: a copy split into parts (or recompressed) is
vouched for by the original's checksum, at the cost of hashing the decompressed bytes once
(about 0.1 s for the 47 MB of Fashion-MNIST's training images).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import struct

import numpy as np

from ..exceptions import InputError
from ._download import ChecksumError
from ._idx import _parse, _read_bytes

__all__ = ["READERS", "get_reader", "read_idx_content"]


def read_idx_content(paths, expected=None) -> np.ndarray:
    """One IDX file from its parts (or whole), its content checked against ``expected``.

    ``expected`` is ``"md5:..."`` (or another :mod:`hashlib` name) of the decompressed whole
    file: the header with the total row count, then every part's data in order.
    """
    raws = [_read_bytes(os.fspath(p)) for p in paths]
    arrays = [_parse(raw, os.fspath(p)) for raw, p in zip(raws, paths, strict=True)]
    if expected is not None:
        algorithm, digest = expected.split(":", 1)
        h = hashlib.new(algorithm)
        n_dims = raws[0][3]
        h.update(raws[0][:4] + struct.pack(f">{n_dims}I", sum(len(a) for a in arrays),
                                           *arrays[0].shape[1:]))
        for raw in raws:
            h.update(memoryview(raw)[4 + 4 * raw[3]:])
        if h.hexdigest() != digest.lower():
            shown = os.fspath(paths[0]) + (f" (and its {len(paths) - 1} other parts)"
                                           if len(paths) > 1 else "")
            raise ChecksumError(
                f"{shown} do{'es' * (len(paths) == 1)} not hold the official data: the "
                f"{algorithm} of the content is {h.hexdigest()}, the official file's is "
                f"{digest}; a file is damaged or belongs to another data set: replace the copy"
            )
    if len(arrays) == 1:
        return arrays[0]
    if len({(a.dtype, a.shape[1:]) for a in arrays}) != 1:
        raise InputError(f"the parts of {os.fspath(paths[0])} disagree on element type or "
                         "item shape; they are not the parts of one file")
    return np.concatenate(arrays)


def _idx_pair(files, expected):
    images = read_idx_content(files[0], expected[0])
    target = read_idx_content(files[1], expected[1])
    if images.ndim != 3 or target.ndim != 1 or len(images) != len(target):
        raise InputError(f"{os.fspath(files[0][0])} holds images of shape {images.shape} but "
                         f"{os.fspath(files[1][0])} labels of shape {target.shape}; delete both "
                         "and fetch them again")
    return images, target


def _idx_transposed(files, expected):
    images, target = _idx_pair(files, expected)
    return images.transpose(0, 2, 1), target  # stored column-major: make them upright


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
        if (module, name) == ("numpy", "ndarray"):
            return _ReconstructedArray
        return super().find_class(module, name)


class _ReconstructedArray(np.ndarray):
    """What a pickled array names as its class: ``_reconstruct`` builds it (an empty array its
    state then fills from the file's bytes). Called directly, it would allocate any shape the
    file asks for (a hundred bytes may ask for terabytes), which no pickled array does."""

    def __new__(cls, *args, **kwargs):
        raise pickle.UnpicklingError("numpy.ndarray called directly by the file (arrays are "
                                     "pickled through numpy's _reconstruct)")


def load_cifar_batch(path):
    """``(images (n, 32, 32, 3), labels)`` of one CIFAR-10 python batch, without running code."""
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


def _cifar_python(files, expected):
    batches = [load_cifar_batch(p) for group in files for p in group]
    return np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])


def _cifar_npz(files, expected):
    from ._local import _read_cifar10_part

    parts = [_read_cifar10_part(p) for p in files[0]]
    return (np.concatenate([X for X, _ in parts]),
            np.concatenate([y for _, y in parts]).astype(np.int64))


def _svhn_mat(files, expected):
    from scipy.io import loadmat

    (path,) = files[0]
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
    return images, y.ravel().astype(np.int64) % 10  # the files use 10 for the digit 0


READERS = {
    "idx": _idx_pair,
    "idx-transposed": _idx_transposed,
    "cifar10-python": _cifar_python,
    "cifar10-npz": _cifar_npz,
    "svhn-mat": _svhn_mat,
}
# Readers that check each file's content against the registry's checksum themselves.
CHECKS_CONTENT = {"idx", "idx-transposed"}


def get_reader(name):
    """The reader named ``name``: a key of :data:`READERS` or ``"module:function"``."""
    if name in READERS:
        return READERS[name]
    module, sep, function = name.partition(":")
    if not sep:
        raise InputError(f"unknown reader {name!r}; use one of {sorted(READERS)} or "
                         "'module:function'")
    return getattr(importlib.import_module(module), function)
