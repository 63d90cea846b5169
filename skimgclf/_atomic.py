"""Files written whole or not at all: the one way skimgclf writes a file a user asked for (a
model, an ONNX graph, predictions)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(path, write):
    """Call ``write(file)`` on a temporary file beside ``path``, then give it the name ``path``:
    a file at ``path`` is either whole or not there.

    The temporary file is on the same file system (where ``os.replace`` is atomic) and flushed
    to the disk before it takes the name, so that an error, a signal or a crash leaves the
    previous file or the new one, never part of one. Only a SIGKILL or a power cut during the
    write leaves the hidden ``.NAME.PID.THREAD.tmp`` behind. The file gets the permissions any
    new file gets (``open``'s, under the umask), not the private ones of ``tempfile``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> write_atomically(path, lambda f: f.write(b"whole"))
    PosixPath('...out.txt')
    >>> open(path, "rb").read(), os.listdir(os.path.dirname(path))
    (b'whole', ['out.txt'])
    """
    path = Path(path)
    # the process and the thread: two writers of one path never share a temporary file
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
