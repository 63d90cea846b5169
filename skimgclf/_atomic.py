"""Files written whole or not at all: the one way skimgclf writes a file a user asked for (a
model, an ONNX graph, predictions)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from .exceptions import InputError

__all__ = ["open_temporary", "regular_file_path", "write_atomically"]


def write_atomically(path, write):
    """Call ``write(file)`` on a temporary file beside ``path``, then give it the name ``path``:
    a file at ``path`` is either whole or not there.

    The temporary file is on the same file system (where ``os.replace`` is atomic) and flushed
    to the disk before it takes the name, so that an error, a signal or a crash leaves the
    previous file or the new one, never part of one. A signal that ends the process without
    Python's clean-up (SIGKILL; SIGTERM where no handler turns it into an exception, as the
    command line does) or a power cut during the write leaves the hidden
    ``.NAME.PID.THREAD.RANDOM.tmp`` behind (:func:`open_temporary`), never a part at ``path``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> write_atomically(path, lambda f: f.write(b"whole"))
    PosixPath('...out.txt')
    >>> open(path, "rb").read(), os.listdir(os.path.dirname(path))
    (b'whole', ['out.txt'])
    """
    path = regular_file_path(path)
    fd, tmp = open_temporary(path, ".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def regular_file_path(path) -> Path:
    """The file ``path`` names, to be replaced whole: a symbolic link's target (the link
    stays), and never a device, a FIFO or a socket, which a rename would replace by a file
    (``-o /dev/null`` as root would be a regular file afterwards).

    Examples
    --------
    >>> regular_file_path("/dev/null")
    Traceback (most recent call last):
    ...
    skimgclf.exceptions.InputError: /dev/null is a character device, not a file; ...
    """
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            path = Path(os.path.realpath(path))
            mode = os.lstat(path).st_mode
    except OSError:  # nothing there (or out of reach): the write says what is wrong
        return path
    if stat.S_ISLNK(mode):
        raise InputError(f"{path} is a symbolic link that leads nowhere (a loop); give the "
                         "path of a file to write")
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):  # a folder: the rename names it (EISDIR)
        return path
    kind = {stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
            stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket"}.get(
                stat.S_IFMT(mode), "not a regular file")
    raise InputError(f"{path} is {kind}, not a file; give the path of a file to write")


def open_temporary(path, suffix):
    """A new hidden file beside ``path`` to write and then rename to it: ``(fd, its path)``.

    Its name holds the process and the thread (two writers of one path never share a
    temporary file) and as much of ``path``'s name as fits the file system's 255-byte limit
    (a name that fits is not refused for its temporary one). It gets the permissions any new
    file gets (``open``'s 0o666 under the umask), not the private ones of ``tempfile``. An
    error names ``path``, the file the user asked for, not the temporary one.

    Examples
    --------
    >>> import tempfile, os
    >>> fd, tmp = open_temporary(os.path.join(tempfile.mkdtemp(), "x" * 250), ".part")
    >>> os.close(fd); len(tmp.name) <= 255, tmp.name.startswith(".xxx"), tmp.suffix
    (True, True, '.part')
    """
    path = Path(path)
    tag = f".{os.getpid()}.{threading.get_ident()}.{os.urandom(3).hex()}{suffix}"
    stem = path.name.encode()[:_NAME_MAX - 1 - len(tag)].decode(errors="ignore")
    tmp = path.with_name(f".{stem}{tag}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {path}: {exc.strerror}", str(path)) from None
    return fd, tmp


_NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems
