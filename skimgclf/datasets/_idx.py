"""Reader for the IDX format of MNIST-like data sets (gzip or raw, whole files or parts)."""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib

import numpy as np

from .._sklearn_compat import validate_params
from ..exceptions import InputError, InputTypeError

__all__ = ["load_idx"]

# The third magic byte names the element type (big-endian in the file); the fourth, the number
# of dimensions. MNIST-like sets use 0x08 (uint8) with 3 dims (images) or 1 dim (labels).
_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


@validate_params(
    {"path_or_paths": [str, os.PathLike, list, tuple]}, prefer_skip_nested_validation=True
)
def load_idx(path_or_paths) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw), or several part files concatenated in order.

    The header is validated (magic number, element type, dimensions) and the data must hold
    exactly the number of values the header announces; a truncated or corrupt file (also a
    damaged gzip stream) raises a ``ValueError`` that names the file.

    Parameters
    ----------
    path_or_paths : str, path-like or list of them
        One IDX file, or the parts of one (each a complete IDX file with its own header, all
        of the same kind and item shape).

    Returns
    -------
    ndarray
        ``(n, rows, cols)`` uint8 for image files (magic 2051), ``(n,)`` uint8 for label files
        (magic 2049); other IDX element types and ranks are read too, in native byte order.

    See Also
    --------
    load_idx_folder : Load a whole folder of IDX files (train and test, images and labels).
    fetch_mnist : Download the IDX files of MNIST and read them with this function.

    Examples
    --------
    >>> import gzip, tempfile, os, numpy as np
    >>> d = tempfile.mkdtemp()
    >>> p = os.path.join(d, "labels.gz")
    >>> with gzip.open(p, "wb") as f:
    ...     _ = f.write(b"\\x00\\x00\\x08\\x01\\x00\\x00\\x00\\x03" + bytes([7, 2, 1]))
    >>> load_idx(p)
    array([7, 2, 1], dtype=uint8)
    >>> load_idx([p, p]).shape
    (6,)
    """
    if isinstance(path_or_paths, (list, tuple)):
        if not path_or_paths:
            raise InputError("load_idx needs at least one file; got an empty list")
        for i, p in enumerate(path_or_paths):
            if not isinstance(p, (str, os.PathLike)):
                raise InputTypeError(f"load_idx takes a path or a list of paths; item {i} of the "
                                f"list is {p!r} ({type(p).__name__})")
        parts = [load_idx(p) for p in path_or_paths]
        kinds = {(p.dtype, p.shape[1:]) for p in parts}
        if len(kinds) != 1:
            shapes = ", ".join(
                f"{os.fspath(path)}: {part.dtype} {part.shape}"
                for path, part in zip(path_or_paths, parts, strict=True)
            )
            raise InputError(f"IDX parts disagree on element type or item shape ({shapes}); "
                             "pass the parts of one file")
        return np.concatenate(parts)
    path = os.fspath(path_or_paths)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a folder; pass the IDX file itself (e.g. "
                                "<folder>/train-images-idx3-ubyte.gz)")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"IDX file not found: {path}")
    raw = _read_bytes(path)
    return _parse(raw, path)


def idx_shape(path) -> tuple[int, ...]:
    """The shape an IDX file's header announces, read without reading the data.

    Cheap even for a large gzip'd file (only the first bytes are decompressed); used to tell
    which rows of a whole label file the part files of an image file hold.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        is_gzip = f.read(2) == b"\x1f\x8b"
    opener = gzip.open if is_gzip else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4:
                raise InputError(f"{path} is too short to be an IDX file")
            zero, type_code, n_dims = struct.unpack(">HBB", head)
            if zero != 0 or type_code not in _DTYPES or n_dims == 0:
                (magic,) = struct.unpack(">i", head)
                raise InputError(f"{path} has magic number {magic}, which is not an IDX "
                                 "header; expected 2051 (images) or 2049 (labels)")
            dims = f.read(4 * n_dims)
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(f"{path} is a corrupt or truncated file ({exc})") from exc
    if len(dims) < 4 * n_dims:
        raise InputError(f"{path} is truncated: its header announces {n_dims} dimensions")
    return struct.unpack(f">{n_dims}I", dims)


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        is_gzip = f.read(2) == b"\x1f\x8b"
    if path.endswith(".gz") and not is_gzip:
        raise InputError(f"{path} is not a gzip file (its first bytes are not the gzip magic); "
                         "the download may be corrupt: delete it and fetch it again")
    try:
        with (gzip.open if is_gzip else open)(path, "rb") as f:
            # The header first, then only the bytes it announces (one more shows trailing
            # data): a small gzip file that inflates to gigabytes is never inflated whole.
            head = f.read(4)
            if len(head) < 4 or head[:2] != b"\x00\x00" or head[2] not in _DTYPES:
                return head  # not an IDX header: _parse names it
            head += f.read(4 * head[3])
            if len(head) < 4 + 4 * head[3]:
                return head
            dims = struct.unpack(f">{head[3]}I", head[4:])
            announced = math.prod(dims) * _DTYPES[head[2]].itemsize
            return head + f.read(announced + 1)
    except MemoryError:
        raise InputError(f"{path} announces more data than this machine can hold in memory "
                         "(its header: shape " + str(dims) + ")") from None
    except EOFError as exc:  # the gzip stream ends early
        raise InputError(f"{path} is truncated (the gzip stream ends early: {exc}); "
                         "delete it and fetch it again") from exc
    except (OSError, zlib.error) as exc:  # bad CRC, bad length, damaged deflate data
        raise InputError(f"{path} is a corrupt gzip file ({exc}); delete it and fetch it again") \
            from exc


def _parse(raw: bytes, path: str) -> np.ndarray:
    if len(raw) < 4:
        raise InputError(f"{path} is too short to be an IDX file ({len(raw)} bytes)")
    zero, type_code, n_dims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or type_code not in _DTYPES or n_dims == 0:
        (magic,) = struct.unpack(">i", raw[:4])
        raise InputError(
            f"{path} has magic number {magic}, which is not an IDX header; "
            "expected 2051 (images) or 2049 (labels)"
        )
    header = 4 + 4 * n_dims
    if len(raw) < header:
        raise InputError(f"{path} is truncated: its header announces {n_dims} dimensions "
                         f"but the file holds only {len(raw)} bytes")
    dims = struct.unpack(f">{n_dims}I", raw[4:header])
    dtype = _DTYPES[type_code]
    expected = math.prod(int(d) for d in dims) * dtype.itemsize  # Python ints: no overflow
    held = len(raw) - header
    if held != expected:
        problem = "truncated" if held < expected else "corrupt (it has trailing bytes)"
        holds = held if held < expected else "more"  # read no further than one byte past
        raise InputError(
            f"{path} is {problem}: its header announces shape {dims} ({expected} bytes of data), "
            f"the file holds {holds}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return data.astype(dtype.newbyteorder("="), copy=True)
