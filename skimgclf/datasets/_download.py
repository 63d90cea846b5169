"""Download, verify, cache and extract data files.

Every file lands in the cache through the same steps: stream the URL into a temporary file in the
target folder, check its SHA-256 or md5, then ``os.replace`` it into place. A crash or an
interrupted transfer therefore never leaves a half-written file under the final name, and a
checksum mismatch is downloaded once more before giving up. Archives are extracted into a
temporary folder after every member has been checked to stay inside it, then moved into place.

A download shows its progress on standard error: a tqdm bar with the size on a terminal, and
one line naming the file and its size elsewhere (a log gets no bar frames).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .._sklearn_compat import validate_params
from ._names import DATA_HOME_ENV

__all__ = [
    "get_data_home", "data_home_path", "RemoteFile", "fetch_file", "extract_archive",
    "file_checksum", "format_size",
]

_CHUNK = 1 << 20
_TIMEOUT = 60  # seconds without data before a download is abandoned


@validate_params({"data_home": [str, os.PathLike, None]}, prefer_skip_nested_validation=True)
def get_data_home(data_home=None) -> Path:
    """The folder where fetched data sets are cached, created if missing.

    Every ``fetch_*`` loader keeps its files in a sub-folder of it named after the data set,
    under the publisher's file names, and reads them from there on the next call.

    Parameters
    ----------
    data_home : str, path-like or None, default=None
        The folder to use. None takes the environment variable ``SKIMGCLF_DATA``, else
        ``~/skimgclf_data``.

    Returns
    -------
    Path
        The folder, with ``~`` expanded.

    Raises
    ------
    NotADirectoryError
        When ``data_home`` (or a folder above it) is a file.
    PermissionError
        When the folder cannot be created.

    See Also
    --------
    fetch_mnist : A loader that downloads into this folder.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> get_data_home(d).is_dir()
    True
    """
    path = data_home_path(data_home)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(
            f"data_home {path} is a file, not a folder; pass data_home= a folder (it is created "
            f"if missing), or unset it to use ${DATA_HOME_ENV} or ~/skimgclf_data"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # a file somewhere above it
        raise NotADirectoryError(
            f"cannot create the data folder {path}: a part of that path is a file; pass "
            "data_home= a folder"
        ) from None
    except PermissionError:
        raise PermissionError(
            f"cannot create the data folder {path}: permission denied; pass data_home= a "
            "folder you can write to"
        ) from None
    return path


def data_home_path(data_home=None) -> Path:
    """Like :func:`get_data_home` but without creating the folder (for read-only listing)."""
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or os.path.join("~", "skimgclf_data")
    return Path(os.path.expanduser(os.fspath(data_home)))


@dataclass(frozen=True)
class RemoteFile:
    """A published file: its official name, checksum (``"sha256:..."`` or ``"md5:..."``) and
    size in bytes (None when unknown; the server's Content-Length is preferred anyway)."""

    filename: str
    checksum: str
    size: int | None = None

    @property
    def algorithm(self) -> str:
        return self.checksum.split(":", 1)[0]

    @property
    def digest(self) -> str:
        return self.checksum.split(":", 1)[1].lower()


def format_size(n_bytes) -> str:
    """A size in bytes as people read it (powers of 1000, as tqdm shows them).

    Examples
    --------
    >>> format_size(28_881), format_size(9_912_422), format_size(1_329_278_602), format_size(0)
    ('28.9 kB', '9.9 MB', '1.3 GB', '0 B')
    """
    size = float(n_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def file_checksum(path, algorithm="sha256") -> str:
    """Hex digest of a file, read in chunks.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x")
    >>> with open(p, "wb") as f:
    ...     _ = f.write(b"abc")
    >>> file_checksum(p, "md5")
    '900150983cd24fb0d6963f7d28e17f72'
    """
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


class ChecksumError(OSError):
    """A downloaded file does not match its published checksum."""


def fetch_file(remote: RemoteFile, folder, base_urls, *, download=True) -> Path:
    """Return the path of ``remote`` in ``folder``, downloading it first if it is missing.

    A file already present is used as it is, without any network access (it was verified when
    it was downloaded). Otherwise each base URL is tried in turn; the first one that answers
    must deliver the exact published bytes (one re-download on a checksum mismatch).

    Parameters
    ----------
    remote : RemoteFile
    folder : path-like
        Target folder (created if missing).
    base_urls : str or list of str
        Folders on the web, tried in order; the file's URL is ``base_url + filename``.
    download : bool
        With False, never touch the network: a missing file raises ``FileNotFoundError``.

    Returns
    -------
    Path
    """
    folder = Path(folder)
    target = folder / remote.filename
    if target.is_file():
        return target
    if not download:
        raise FileNotFoundError(
            f"{target} is not in the cache and download=False; call again with download=True "
            "on a connected machine, or copy the official file there"
        )
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(base_urls, str):
        base_urls = [base_urls]
    errors = []
    for base in base_urls:
        url = base.rstrip("/") + "/" + remote.filename
        try:
            return _download_verified(url, remote, target)
        except ChecksumError:
            raise
        except (urllib.error.URLError, OSError) as exc:  # unreachable mirror: try the next one
            errors.append(f"{url}: {exc}")
    raise OSError(f"could not download {remote.filename}; tried: " + "; ".join(errors))


def _download_verified(url: str, remote: RemoteFile, target: Path) -> Path:
    for attempt in (1, 2):
        digest = _download(url, target, remote.algorithm, size=remote.size)
        if digest == remote.digest:
            return target
        target.unlink()
        if attempt == 2:
            raise ChecksumError(
                f"{url} did not match its published {remote.algorithm} checksum twice "
                f"(expected {remote.digest}, got {digest}); nothing was kept in {target.parent}. "
                "The server or a proxy may serve a different file: try another base_url"
            )
    raise AssertionError("unreachable")


def _progress(url, name, total):
    """Where a download reports its progress: a tqdm bar on a terminal (returned, to update),
    one line elsewhere (None is returned). Standard error, so that results can be piped."""
    stream = sys.stderr
    size = f" ({format_size(total)})" if total else ""
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        from tqdm import tqdm

        return tqdm(total=total or None, unit="B", unit_scale=True, desc=f"downloading {name}",
                    file=stream, leave=True, dynamic_ncols=True)
    print(f"downloading {name}{size} from {url}", file=stream, flush=True)
    return None


def _download(url: str, target: Path, algorithm: str, *, size=None) -> str:
    """Stream ``url`` into a temporary file beside ``target``, rename it into place, hash it."""
    h = hashlib.new(algorithm)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    bar = None
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=_TIMEOUT) as resp:
            expected = resp.headers.get("Content-Length")
            total = int(expected) if expected is not None else size
            bar = _progress(url, target.name, total)
            received = 0
            while chunk := resp.read(_CHUNK):
                out.write(chunk)
                h.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
            if expected is not None and received != int(expected):
                raise OSError(f"transfer of {url} was interrupted after {received} of "
                              f"{expected} bytes; nothing was kept, call again to retry")
        os.replace(tmp, target)
    except BaseException as exc:
        if bar is not None:
            bar.close()
            bar = None
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, (ConnectionError, EOFError)) or type(exc).__name__ == "IncompleteRead":
            raise OSError(f"transfer of {url} was interrupted ({exc!r}); nothing was kept, "
                          "call again to retry") from exc
        raise
    finally:
        if bar is not None:
            bar.close()
    return h.hexdigest()


def extract_archive(archive, destination) -> list[Path]:
    """Safely extract a ``.tar``/``.tar.gz``/``.zip`` archive into ``destination``.

    Every member must stay inside ``destination``: absolute paths, ``..`` components, links
    (symbolic or hard) and device files are rejected before anything is written. Members are
    extracted into a temporary folder inside ``destination`` and the top-level entries are then
    renamed into place, so an interrupted extraction leaves nothing half-written.

    Parameters
    ----------
    archive : path-like
    destination : path-like

    Returns
    -------
    list of Path
        The top-level entries now in ``destination``.

    Examples
    --------
    >>> import tempfile, os, zipfile
    >>> d = tempfile.mkdtemp()
    >>> with zipfile.ZipFile(os.path.join(d, "a.zip"), "w") as z:
    ...     z.writestr("../evil.txt", "x")
    >>> extract_archive(os.path.join(d, "a.zip"), os.path.join(d, "out"))
    Traceback (most recent call last):
    ...
    ValueError: ...a.zip holds a member '../evil.txt' that would land outside the target folder...
    """
    archive, destination = Path(archive), Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=destination))
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    _check_member(archive, info.filename, is_link=_zip_is_symlink(info))
                zf.extractall(staging)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                members = tf.getmembers()
                for m in members:
                    _check_member(archive, m.name, is_link=not (m.isfile() or m.isdir()))
                # The "data" filter (Python >= 3.10.12) re-checks what we checked above.
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                tf.extractall(staging, members=members, **kwargs)
        else:
            raise ValueError(f"{archive} is neither a zip nor a tar archive")
        moved = []
        for entry in sorted(staging.iterdir()):
            final = destination / entry.name
            if final.is_dir() and not final.is_symlink():
                shutil.rmtree(final)
            os.replace(entry, final)
            moved.append(final)
        return moved
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_member(archive: Path, name: str, *, is_link: bool) -> None:
    if is_link:
        raise ValueError(f"{archive} holds a link or special member {name!r}; "
                         "refusing to extract it (it could point outside the target folder)")
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (parts and parts[0].endswith(":")):
        raise ValueError(f"{archive} holds a member {name!r} that would land outside the target "
                         "folder; refusing to extract it")


def _zip_is_symlink(info: zipfile.ZipInfo) -> bool:
    # Unix mode bits live in the high 16 bits of external_attr; 0o120000 is a symlink.
    return (info.external_attr >> 16) & 0o170000 == 0o120000
