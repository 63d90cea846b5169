"""Reading .npz files safely: never unpickling, every failure naming the file and its fault.

One place for the guards of the two npz readers (the CIFAR-10 parts loader and the data
sources of the CLI), so that both give the same answer to the same broken file.
"""

from __future__ import annotations

import math
import zipfile
import zlib

import numpy as np

from ..exceptions import InputError

# an .npz is a zip archive (an empty one starts with the end-of-archive record); a bare .npy
# is caught by name below, so that the message can say what the file is instead
_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY")


def open_npz(path, hint, error=InputError):
    """The ``NpzFile`` of ``path``, opened with ``allow_pickle=False``.

    ``hint`` (what the file should be, e.g. "save the data with numpy.savez(...)") ends each
    message; ``error`` is the exception class raised. Use the result in a ``with`` block.
    """
    with open(path, "rb") as f:
        magic = f.read(6)
    if not magic.startswith(_SIGNATURES):
        what = "is empty" if not magic else "does not start with the zip signature"
        raise error(f"{path} is not an .npz file (it {what}); {hint}")
    try:
        npz = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise error(f"{path} is not a readable .npz file ({reason(exc)}); {hint}") from exc
    except MemoryError:  # a bare .npy is read at once: its header may announce terabytes
        raise error(f"{path} is a single .npy array larger than memory, not an .npz archive; "
                    f"{hint}") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise error(f"{path} holds a single .npy array of shape {npz.shape}, not an .npz "
                    f"archive; {hint}")
    return npz


def read_array(npz, path, key, error=InputError):
    """Array ``key`` of the open ``npz``; an object array or a corrupt member is an ``error``."""
    _check_announced_size(npz, path, key, error)
    try:
        return npz[key]
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise error(f"{path}: array {key!r} holds Python objects; save numeric images and "
                        "numeric or string labels") from exc
        raise error(f"{path}: array {key!r} cannot be read ({reason(exc)})") from exc
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise error(f"{path} is corrupt: array {key!r} cannot be read ({reason(exc)})") from exc


def _check_announced_size(npz, path, key, error):
    """Refuse a member whose .npy header announces more bytes than the member holds, before
    numpy allocates them (a few hundred bytes may announce terabytes)."""
    name = f"{key}.npy"
    try:
        info = npz.zip.getinfo(name)
        with npz.zip.open(name) as f:
            version = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, _, dtype = read_header(f)
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error):
        return  # reading the member names these faults
    if dtype.hasobject:
        return  # refused as Python objects by the reading
    announced = math.prod(shape) * dtype.itemsize
    if announced > info.file_size:
        raise error(f"{path} is corrupt: array {key!r} announces shape {shape} ({announced} "
                    f"bytes) but holds {info.file_size} bytes")


def reason(exc):
    """``"TypeName: message"`` of ``exc`` on one line, cut to a readable length."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__
