"""Download, verify, cache and extract data files.

Every file lands in the cache through the same steps: stream the URL into a temporary file in the
target folder, check its SHA-256 or md5, then ``os.replace`` it into place. A crash or an
interrupted transfer therefore never leaves a half-written file under the final name, and a
checksum mismatch is downloaded once more before giving up. Archives are extracted into a
temporary folder after every member has been checked to stay inside it, then moved into place.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sklearn.utils._param_validation import validate_params

__all__ = [
    "get_data_home", "data_home_path", "RemoteFile", "fetch_file", "extract_archive",
    "file_checksum",
]

DATA_HOME_ENV = "SKIMGCLF_DATA"
_CHUNK = 1 << 20
_TIMEOUT = 60  # seconds without data before a download is abandoned


@validate_params({"data_home": [str, os.PathLike, None]}, prefer_skip_nested_validation=True)
def get_data_home(data_home=None) -> Path:
    """The folder where fetched data sets are cached, created if missing.

    Parameters
    ----------
    data_home : str, path-like or None
        The folder to use. None takes the environment variable ``SKIMGCLF_DATA``, else
        ``~/skimgclf_data``.

    Returns
    -------
    Path

    Raises
    ------
    NotADirectoryError
        When ``data_home`` (or a folder above it) is a file.
    PermissionError
        When the folder cannot be created.

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
    """A published file: its official name and checksum (``"sha256:..."`` or ``"md5:..."``)."""

    filename: str
    checksum: str

    @property
    def algorithm(self) -> str:
        return self.checksum.split(":", 1)[0]

    @property
    def digest(self) -> str:
        return self.checksum.split(":", 1)[1].lower()


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
        digest = _download(url, target, remote.algorithm)
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


def _download(url: str, target: Path, algorithm: str) -> str:
    """Stream ``url`` into a temporary file beside ``target``, rename it into place, hash it."""
    h = hashlib.new(algorithm)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=_TIMEOUT) as resp:
            expected = resp.headers.get("Content-Length")
            received = 0
            while chunk := resp.read(_CHUNK):
                out.write(chunk)
                h.update(chunk)
                received += len(chunk)
            if expected is not None and received != int(expected):
                raise OSError(f"transfer of {url} was interrupted after {received} of "
                              f"{expected} bytes; nothing was kept, call again to retry")
        os.replace(tmp, target)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, (ConnectionError, EOFError)) or type(exc).__name__ == "IncompleteRead":
            raise OSError(f"transfer of {url} was interrupted ({exc!r}); nothing was kept, "
                          "call again to retry") from exc
        raise
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
