"""Loaders for local copies in other formats: the Olivetti faces .mat and CIFAR-10 npz parts."""

from __future__ import annotations

import os

import numpy as np

from .._sklearn_compat import validate_params
from ..exceptions import InputError, InputTypeError
from ._bunch import image_bunch
from ._fetch_color import CIFAR10_CLASSES
from ._npz import open_npz, read_array

__all__ = ["load_olivetti_faces", "load_cifar10_npz"]


def _require_file(path, what):
    """``path`` as a str, or the error a user can act on: missing, or a folder."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a directory; expected the {what}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} not found: {path}")
    return path


@validate_params(
    {"path": [str, os.PathLike], "return_X_y": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_olivetti_faces(path, *, return_X_y=False):
    """Load the Olivetti (AT&T/ORL) faces from ``olivettifaces.mat``: 40 people x 10 images.

    The file holds one 64x64 image per column, stored column-major; the images returned are
    upright. The identities are implicit in the order: image ``i`` shows person ``i // 10``.

    Parameters
    ----------
    path : str or path-like
        The ``olivettifaces.mat`` file (key ``faces``, shape (4096, 400)).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (400, 4096) uint8, one flattened image per row; ``images`` (400, 64, 64)
        uint8; ``target`` (400,) int64, the person ids 0-39; ``target_names`` ("person 0",
        ...); ``DESCR``.
    (data, target) : tuple of ndarray
        With ``return_X_y=True``, the two arrays of the Bunch.

    See Also
    --------
    load_image_folder : Load faces (or any images) stored as one image file each.

    Examples
    --------
    >>> import tempfile, os, numpy as np, scipy.io
    >>> p = os.path.join(tempfile.mkdtemp(), "faces.mat")
    >>> scipy.io.savemat(p, {"faces": np.zeros((4096, 20), dtype=np.uint8)})
    >>> faces = load_olivetti_faces(p)
    >>> faces.images.shape, faces.target[-1]
    ((20, 64, 64), np.int64(1))
    """
    from scipy.io import loadmat

    path = _require_file(path, "Olivetti faces file")
    try:
        mat = loadmat(path)
    except Exception as exc:  # scipy raises many types for a file that is not a .mat file
        reason = " ".join(str(exc).split())[:120]
        raise InputError(f"{path} is not a MATLAB .mat file ({type(exc).__name__}: {reason}); "
                         "expected olivettifaces.mat") from exc
    if "faces" not in mat:
        keys = sorted(k for k in mat if not k.startswith("__"))
        raise InputError(f"{path} has no array 'faces' (it holds {keys}); expected "
                         "olivettifaces.mat")
    faces = np.asarray(mat["faces"])
    if faces.ndim != 2 or faces.shape[0] != 64 * 64 or faces.shape[1] == 0:
        raise InputError(f"{path}: 'faces' has shape {faces.shape}; expected (4096, n_images) "
                         "with n_images >= 1")
    if faces.dtype != np.uint8 and not (
        faces.dtype.kind in "iu" and faces.min() >= 0 and faces.max() <= 255
    ):
        raise InputError(f"{path}: 'faces' holds {faces.dtype} values in [{faces.min()}, "
                         f"{faces.max()}]; expected uint8 pixels 0-255")
    n = faces.shape[1]
    images = faces.T.reshape(n, 64, 64).transpose(0, 2, 1)  # columns are column-major images
    target = np.arange(n) // 10
    names = [f"person {i}" for i in range(int(target.max()) + 1)]
    descr = (f"Olivetti (AT&T/ORL) faces: {n} grayscale 64x64 images, {len(names)} people, "
             "10 images each (AT&T Laboratories Cambridge).\n")
    return image_bunch(images.astype(np.uint8, copy=False), target, names, descr,
                       return_X_y=return_X_y)


@validate_params(
    {"path_or_paths": [str, os.PathLike, list, tuple], "return_X_y": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_cifar10_npz(path_or_paths, *, return_X_y=False):
    """Load CIFAR-10 images saved as npz parts with arrays ``X`` (n, 32, 32, 3) and ``y`` (n,).

    ``X`` must be uint8 RGB pixels and ``y`` the class indices 0-9; each file is read without
    unpickling, and a part that is not such a file raises an error naming it.

    Parameters
    ----------
    path_or_paths : str, path-like or list of them
        One npz file or several, concatenated in the given order.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (n, 3072) uint8, one image per row in (H, W, C) order; ``images``
        (n, 32, 32, 3) uint8; ``target`` (n,) int64; ``target_names``, the ten CIFAR-10
        classes; ``DESCR``.
    (data, target) : tuple of ndarray
        With ``return_X_y=True``, the two arrays of the Bunch.

    See Also
    --------
    fetch_cifar10 : Download CIFAR-10 from its publisher instead.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "part.npz")
    >>> np.savez(p, X=np.zeros((2, 32, 32, 3), np.uint8), y=np.array([3, 5], np.uint8))
    >>> b = load_cifar10_npz(p)
    >>> b.data.shape, b.target_names[b.target].tolist()
    ((2, 3072), ['cat', 'dog'])
    """
    paths = list(path_or_paths) if isinstance(path_or_paths, (list, tuple)) else [path_or_paths]
    if not paths:
        raise InputError("load_cifar10_npz needs at least one file; got an empty list")
    images, targets = [], []
    for p in paths:
        X, y = _read_cifar10_part(p)
        images.append(X)
        targets.append(y)
    images, target = np.concatenate(images), np.concatenate(targets)
    descr = f"CIFAR-10 images from {len(paths)} npz file(s): {len(images)} RGB 32x32 images.\n"
    return image_bunch(images, target, CIFAR10_CLASSES, descr, return_X_y=return_X_y)


def _read_cifar10_part(path):
    """``(X, y)`` of one CIFAR-10 npz part; every failure names the file and what is wrong."""
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(
            f"load_cifar10_npz takes paths; got a {type(path).__name__} in the list")
    path = _require_file(path, "CIFAR-10 npz part")
    hint = "expected a CIFAR-10 part with arrays X (n, 32, 32, 3) and y (n,)"
    with open_npz(path, hint) as npz:
        if "X" not in npz.files or "y" not in npz.files:
            raise InputError(f"{path} lacks the arrays 'X' and 'y' (it has {sorted(npz.files)})")
        X, y = read_array(npz, path, "X"), read_array(npz, path, "y")
    if X.ndim != 4 or X.shape[1:] != (32, 32, 3) or y.ndim != 1 or len(X) != len(y):
        raise InputError(f"{path} holds X of shape {X.shape} and y of shape {y.shape}; expected "
                         "(n, 32, 32, 3) and (n,)")
    if X.dtype != np.uint8:
        raise InputError(f"{path}: X has dtype {X.dtype}; expected uint8 pixels 0-255")
    if len(X) == 0:
        raise InputError(f"{path} holds no images (X has shape {X.shape})")
    if y.dtype.kind not in "iu" or (len(y) and (y.min() < 0 or y.max() > 9)):
        raise InputError(f"{path}: y must hold the class indices 0-9 of CIFAR-10; got {y.dtype} "
                         f"values {np.unique(y)[:10].tolist()}")
    return X, y
