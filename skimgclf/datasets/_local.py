"""Loaders for local copies in other formats: the Olivetti faces .mat and CIFAR-10 npz parts."""

from __future__ import annotations

import os

import numpy as np

from ._bunch import image_bunch
from ._fetch_color import CIFAR10_CLASSES

__all__ = ["load_olivetti_faces", "load_cifar10_npz"]


def load_olivetti_faces(path, *, return_X_y=False):
    """Load the Olivetti (AT&T/ORL) faces from ``olivettifaces.mat``: 40 people x 10 images.

    The file holds one 64x64 image per column, stored column-major; the images returned are
    upright. The identities are implicit in the order: image ``i`` shows person ``i // 10``.

    Parameters
    ----------
    path : str or path-like
        The ``olivettifaces.mat`` file (key ``faces``, shape (4096, 400)).
    return_X_y : bool, default=False

    Returns
    -------
    Bunch with ``data`` (400, 4096) uint8, ``images`` (400, 64, 64) uint8, ``target`` (400,)
    int64 person ids 0-39, ``target_names``, ``DESCR``; or ``(data, target)``.

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

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Olivetti faces file not found: {path}")
    try:
        faces = loadmat(path)["faces"]
    except (ValueError, KeyError, OSError, TypeError) as exc:
        raise ValueError(f"{path} is not the Olivetti faces .mat file ({exc!r})") from exc
    if faces.ndim != 2 or faces.shape[0] != 64 * 64:
        raise ValueError(f"{path}: 'faces' has shape {faces.shape}; expected (4096, n_images)")
    n = faces.shape[1]
    images = faces.T.reshape(n, 64, 64).transpose(0, 2, 1)  # columns are column-major images
    target = np.arange(n) // 10
    names = [f"person {i}" for i in range(int(target.max()) + 1)]
    descr = (f"Olivetti (AT&T/ORL) faces: {n} grayscale 64x64 images, {len(names)} people, "
             "10 images each (AT&T Laboratories Cambridge).\n")
    return image_bunch(images.astype(np.uint8, copy=False), target, names, descr,
                       return_X_y=return_X_y)


def load_cifar10_npz(path_or_paths, *, return_X_y=False):
    """Load CIFAR-10 images saved as npz parts with arrays ``X`` (n, 32, 32, 3) and ``y`` (n,).

    Parameters
    ----------
    path_or_paths : str, path-like or list of them
        One npz file or several, concatenated in the given order.
    return_X_y : bool, default=False

    Returns
    -------
    Bunch with ``data`` (n, 3072), ``images`` (n, 32, 32, 3) uint8, ``target`` (n,) int64,
    ``target_names`` (the ten CIFAR-10 classes), ``DESCR``; or ``(data, target)``.

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
        raise ValueError("load_cifar10_npz needs at least one file; got an empty list")
    images, targets = [], []
    for p in paths:
        p = os.fspath(p)
        if not os.path.isfile(p):
            raise FileNotFoundError(f"CIFAR-10 npz part not found: {p}")
        with np.load(p, allow_pickle=False) as npz:
            if "X" not in npz or "y" not in npz:
                raise ValueError(f"{p} lacks the arrays 'X' and 'y' (it has {list(npz.keys())})")
            X, y = npz["X"], npz["y"]
        if X.ndim != 4 or X.shape[1:] != (32, 32, 3) or len(X) != len(y):
            raise ValueError(f"{p} holds X of shape {X.shape} and {len(y)} labels; expected "
                             "(n, 32, 32, 3) and n labels")
        images.append(X)
        targets.append(y)
    images, target = np.concatenate(images), np.concatenate(targets)
    descr = f"CIFAR-10 images from {len(paths)} npz file(s): {len(images)} RGB 32x32 images.\n"
    return image_bunch(images, target, CIFAR10_CLASSES, descr, return_X_y=return_X_y)
