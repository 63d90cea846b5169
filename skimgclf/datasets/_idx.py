"""Reader for the IDX format of MNIST-like data sets (gzip or raw, whole files or parts)."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np

__all__ = ["load_idx"]

_MAGIC = {2051: 3, 2049: 1}  # images: count, rows, cols; labels: count


def load_idx(path_or_paths) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw), or several part files concatenated in order.

    Parameters
    ----------
    path_or_paths : str, path-like or list of them
        One IDX file, or the parts of one (each a complete IDX file with its own header).

    Returns
    -------
    ndarray of uint8
        ``(n, rows, cols)`` for image files (magic 2051), ``(n,)`` for label files (magic 2049).

    Examples
    --------
    >>> import gzip, tempfile, os, numpy as np
    >>> d = tempfile.mkdtemp()
    >>> p = os.path.join(d, "labels.gz")
    >>> with gzip.open(p, "wb") as f:
    ...     _ = f.write(b"\\x00\\x00\\x08\\x01\\x00\\x00\\x00\\x03" + bytes([7, 2, 1]))
    >>> load_idx(p)
    array([7, 2, 1], dtype=uint8)
    """
    if isinstance(path_or_paths, (list, tuple)):
        if not path_or_paths:
            raise ValueError("load_idx needs at least one file; got an empty list")
        parts = [load_idx(p) for p in path_or_paths]
        if len({p.shape[1:] for p in parts}) != 1:
            raise ValueError(
                f"IDX parts disagree on item shape: {[p.shape for p in parts]}; "
                "pass the parts of one file"
            )
        return np.concatenate(parts)
    path = os.fspath(path_or_paths)
    if not os.path.exists(path):
        raise FileNotFoundError(f"IDX file not found: {path}")
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path} is not a readable IDX file ({exc})") from exc
    if len(raw) < 8:
        raise ValueError(f"{path} is too short to be an IDX file ({len(raw)} bytes)")
    (magic,) = struct.unpack(">i", raw[:4])
    if magic not in _MAGIC:
        raise ValueError(
            f"{path} has magic number {magic}; expected 2051 (images) or 2049 (labels)"
        )
    n_dims = _MAGIC[magic]
    header = 4 + 4 * n_dims
    dims = struct.unpack(f">{n_dims}I", raw[4:header])
    expected = int(np.prod(dims))
    if len(raw) - header != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: header announces {dims} ({expected} bytes of data), "
            f"file holds {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()
