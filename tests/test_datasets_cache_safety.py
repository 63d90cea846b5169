"""The fetchers' cache under concurrency, kills and corruption (issue 17, part 4).

Tiny fake sets stand in for the real ones (a CIFAR-10 tarball of real python-pickle batches of
a few images, MNIST and EMNIST IDX .gz files), served by a local HTTP server on 127.0.0.1; the
registry's checksums are replaced by theirs, here and in the worker processes. Several
processes (spawned, so that each is a fresh interpreter as a user's would be) fetch into one
cache at once; one is killed in the middle of a download; cached files are truncated, flipped
and swapped. The cache may hold only the data files, its lock file and its stamps afterwards.

The timeouts on joins and queues (120 s) are only a safety net, so that a deadlock fails the
test instead of hanging the suite; no assertion depends on how long anything takes.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import multiprocessing
import os
import pickle
import re
import signal
import struct
import tarfile
import threading
import urllib.parse
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from skimgclf.datasets import _registry, fetch_cifar10, fetch_emnist, fetch_mnist
from skimgclf.datasets._download import ChecksumError

# No test of this file reaches beyond 127.0.0.1 (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("loopback_only")

SAFETY_NET = 120  # seconds; see the module docstring
BOOKKEEPING = {".lock", ".stamps.json"}  # the cache's own files, beside the data
CIFAR_ARCHIVE = "cifar-10-python.tar.gz"
N_IMAGES = 4  # per IDX file and per CIFAR batch: the same everywhere, so that swaps keep sizes
FETCHERS = {"mnist": fetch_mnist, "cifar10": fetch_cifar10,
            "emnist": lambda **kw: fetch_emnist(split="digits", **kw)}


# --------------------------------------------------------------------------- the fake sets
def _idx_gz(array) -> bytes:
    header = struct.pack(f">i{array.ndim}I", 2051 if array.ndim == 3 else 2049, *array.shape)
    # Stored, not compressed: the size depends on the shape only, so a swap keeps the size.
    return gzip.compress(header + array.astype(np.uint8).tobytes(), compresslevel=0, mtime=0)


def _cifar_batch(images, labels) -> bytes:
    # Protocol 2, as the official batches; one batch_label for all, so that sizes match.
    return pickle.dumps({b"batch_label": b"batch", b"labels": [int(v) for v in labels],
                         b"data": images.transpose(0, 3, 1, 2).reshape(len(images), -1),
                         b"filenames": [b"x.png"] * len(images)}, protocol=2)


def _tar_gz(members: dict) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _build_sets():
    """``{set: {published file: bytes}}``, ``{set: {subset: (images, labels)}}`` and
    ``{set: {cached file: bytes}}`` (the files as the cache must hold them)."""
    rng = np.random.default_rng(0)

    def digits(shape):  # pixels below 128: pickled protocol-2 bytes then keep their size
        return rng.integers(0, 128, (N_IMAGES, *shape), dtype=np.uint8)

    labels = lambda: rng.integers(0, 10, N_IMAGES, dtype=np.uint8)  # noqa: E731
    mnist = {s: (digits((28, 28)), labels()) for s in ("train", "test")}
    mnist_files = {f"{stem}-{kind}": _idx_gz(array)
                   for subset, stem in (("train", "train"), ("test", "t10k"))
                   for kind, array in (("images-idx3-ubyte.gz", mnist[subset][0]),
                                       ("labels-idx1-ubyte.gz", mnist[subset][1]))}
    emnist_files = {  # the official files hold every image transposed
        f"gzip/emnist-digits-{subset}-{kind}": _idx_gz(array)
        for subset in ("train", "test")
        for kind, array in (("images-idx3-ubyte.gz", mnist[subset][0].transpose(0, 2, 1)),
                            ("labels-idx1-ubyte.gz", mnist[subset][1]))}
    batches = [(digits((32, 32, 3)), labels()) for _ in range(6)]
    cifar_files = {f"cifar-10-batches-py/data_batch_{i + 1}": _cifar_batch(*b)
                   for i, b in enumerate(batches[:5])}
    cifar_files["cifar-10-batches-py/test_batch"] = _cifar_batch(*batches[5])
    train = tuple(np.concatenate(a) for a in zip(*batches[:5], strict=True))
    cifar = {"train": train, "test": batches[5]}
    published = {"mnist": mnist_files, "cifar10": {CIFAR_ARCHIVE: _tar_gz(cifar_files)},
                 "emnist": {"gzip.zip": _zip(emnist_files)}}
    cached = {"mnist": mnist_files, "cifar10": cifar_files, "emnist": emnist_files}
    return published, {"mnist": mnist, "cifar10": cifar, "emnist": mnist}, cached


PUBLISHED, SOURCE, CACHED = _build_sets()
CHECKSUMS = {name: {f: "md5:" + hashlib.md5(b).hexdigest() for f, b in files.items()}
             for name, files in PUBLISHED.items()}


# --------------------------------------------------------------------------- the server
class _Server:
    """Serves :data:`PUBLISHED` on 127.0.0.1; counts requests; can trickle a file (small
    chunks with pauses), stall in the middle of it, or serve wrong bytes of the same size."""

    def __init__(self):
        self.files = {"/" + f: b for files in PUBLISHED.values() for f, b in files.items()}
        self.requests: Counter = Counter()
        self.trickle: float = 0.0  # seconds between chunks of 2 kB
        self.stall: set[str] = set()  # paths whose transfer stops half-way until `release`
        self.stalled, self.release = threading.Event(), threading.Event()
        self.wrong: set[str] = set()
        self.closing = False
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def _handler(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 -- the http.server API
                path = urllib.parse.urlparse(self.path).path
                server.requests[path] += 1
                body = server.files.get(path)
                if body is None:
                    self.send_error(404)
                    return
                if path in server.wrong:
                    body = bytes(b ^ 0x55 for b in body)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    server._send(self.wfile, path, body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client was killed

            def log_message(self, *args):
                pass

        return Handler

    def _send(self, out, path, body):
        if path in self.stall:
            out.write(body[: len(body) // 2])
            out.flush()
            self.stalled.set()
            self.release.wait(SAFETY_NET)
            return
        for start in range(0, len(body), 2048):
            if self.closing:
                return
            out.write(body[start:start + 2048])
            out.flush()
            if self.trickle:
                threading.Event().wait(self.trickle)

    def close(self):
        self.closing = True
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch):
    """The server, with the registry's checksums replaced by those of the fake files."""
    for name, checksums in CHECKSUMS.items():
        for fname, checksum in checksums.items():
            monkeypatch.setitem(_registry.DATASETS[name].checksums, fname, checksum)
    s = _Server()
    yield s
    s.close()


# --------------------------------------------------------------------------- helpers
def _fetch(name, subset, home, base_url=None, **kwargs):
    """``(X, y)`` of a fetcher; ``base_url=None`` with ``download=False`` only (offline)."""
    return FETCHERS[name](subset=subset, data_home=home, base_url=base_url, return_X_y=True,
                          **kwargs)


def _assert_source(name, subset, X_y):
    images, labels = SOURCE[name][subset]
    np.testing.assert_array_equal(X_y[0], images.reshape(len(images), -1))
    np.testing.assert_array_equal(X_y[1], labels)


def _entries(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir()}


def _assert_clean(folder: Path, name: str, subsets=("train", "test")):
    """The folder holds the data files, as the source has them, its lock and its stamps, and
    nothing else: no archive, no staging file."""
    if name == "mnist":
        wanted = {rel for s in subsets for rel in _registry.DATASETS[name].subsets[s]}
    else:
        wanted = set(CACHED[name])  # the archive brings all its members
    assert _entries(folder) == wanted | BOOKKEEPING
    for rel in wanted:
        assert (folder / rel).read_bytes() == CACHED[name][rel], rel


def _set_checksums(checksums):
    for name, by_file in checksums.items():
        _registry.DATASETS[name].checksums.update(by_file)


# --------------------------------------------------------------------------- worker processes
def _fetch_rounds(worker, rounds, base, checksums, barrier, results):
    """In a spawned process: fetch each round's set at the same moment as the other workers."""
    _set_checksums(checksums)
    subset = ("train", "test")[worker % 2]
    for i, (name, home) in enumerate(rounds):
        try:
            barrier.wait(SAFETY_NET)
            X, y = _fetch(name, subset, home, base)
            results.put((i, subset, X, y, None))
        except Exception as exc:  # reported to the test, which fails with it
            results.put((i, subset, None, None, f"worker {worker}: {exc!r}"))


def _fetch_once(name, subset, home, base, checksums):
    _set_checksums(checksums)
    _fetch(name, subset, home, base)


# --------------------------------------------------------------------------- concurrency
def test_processes_fetching_at_once_share_one_verified_copy(server, tmp_path):
    n_workers, sets = 4, ["cifar10", "mnist", "cifar10", "mnist"]
    rounds = [(name, str(tmp_path / f"round{i}")) for i, name in enumerate(sets)]
    server.trickle = 0.01  # transfers overlap, as real ones of 170 MB would
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(n_workers), ctx.Queue()
    workers = [ctx.Process(target=_fetch_rounds,
                           args=(w, rounds, server.url, CHECKSUMS, barrier, results))
               for w in range(n_workers)]
    for w in workers:
        w.start()
    try:
        got = [results.get(timeout=SAFETY_NET) for _ in range(n_workers * len(rounds))]
    finally:
        for w in workers:
            w.join(SAFETY_NET)
            if w.is_alive():
                w.kill()
    assert [err for *_, err in got if err] == []
    for i, subset, X, y, _ in got:
        _assert_source(sets[i], subset, (X, y))
    for name, home in rounds:
        _assert_clean(Path(home) / name, name)
    # The lock let one process fetch each file per round; the others found it in the cache.
    assert server.requests["/" + CIFAR_ARCHIVE] == sets.count("cifar10")
    assert {server.requests["/" + f] for f in CHECKSUMS["mnist"]} == {sets.count("mnist")}


# --------------------------------------------------------------------------- kills and staging
def test_a_download_killed_midway_leaves_no_file_and_the_next_fetch_cleans_up(server, tmp_path):
    name, fname = "mnist", "t10k-images-idx3-ubyte.gz"
    folder = tmp_path / name
    server.stall.add("/" + fname)
    child = multiprocessing.get_context("spawn").Process(
        target=_fetch_once, args=(name, "test", str(tmp_path), server.url, CHECKSUMS))
    child.start()
    try:
        assert server.stalled.wait(SAFETY_NET), "the child never started its download"
        os.kill(child.pid, signal.SIGKILL)  # half of the file is on its way
        child.join(SAFETY_NET)
    finally:
        if child.is_alive():
            child.kill()
    assert child.exitcode == -signal.SIGKILL
    assert not (folder / fname).exists()
    assert [p.name for p in folder.glob(".*.part")] != []  # what the kill left behind
    server.stall.clear()
    server.release.set()
    _assert_source(name, "test", _fetch(name, "test", tmp_path, server.url))
    _assert_clean(folder, name, subsets=["test"])


def test_a_killed_extraction_is_cleaned_up_by_the_next_fetch(server, tmp_path):
    folder = tmp_path / "cifar10"
    stale = folder / ".extract-k1ll3d" / "cifar-10-batches-py"
    stale.mkdir(parents=True)
    (stale / "test_batch").write_bytes(b"half")
    (folder / f".{CIFAR_ARCHIVE}.k1ll3d.part").write_bytes(b"half")
    _assert_source("cifar10", "test", _fetch("cifar10", "test", tmp_path, server.url))
    _assert_clean(folder, "cifar10")


def test_wrong_bytes_never_reach_the_final_name(server, tmp_path, monkeypatch):
    fname = "t10k-images-idx3-ubyte.gz"
    server.wrong.add("/" + fname)
    renamed = []  # (final name, md5 of what was renamed to it)
    real_replace = os.replace

    def spy(src, dst, *args, **kwargs):
        if Path(dst).name in CHECKSUMS["mnist"]:
            renamed.append((Path(dst).name, hashlib.md5(Path(src).read_bytes()).hexdigest()))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", spy)
    with pytest.raises(ChecksumError, match=f"{fname} did not match its published md5"):
        _fetch("mnist", "test", tmp_path, server.url)
    assert server.requests["/" + fname] == 2  # downloaded once more before giving up
    assert all(CHECKSUMS["mnist"][f] == f"md5:{md5}" for f, md5 in renamed), renamed
    assert not (tmp_path / "mnist" / fname).exists()
    assert _entries(tmp_path / "mnist") - BOOKKEEPING == set()


# --------------------------------------------------------------------------- corruption on use
def _truncate(path, other):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_a_bit(path, other):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _swap(path, other):
    path.write_bytes(other)  # another valid file of the same kind and size


# (set, subset, damaged file, the file of that set swapped in for it)
CORRUPTED = [
    ("mnist", "test", "t10k-images-idx3-ubyte.gz", "train-images-idx3-ubyte.gz"),
    ("cifar10", "train", "cifar-10-batches-py/data_batch_2", "cifar-10-batches-py/data_batch_1"),
    ("emnist", "test", "gzip/emnist-digits-test-images-idx3-ubyte.gz",
     "gzip/emnist-digits-train-images-idx3-ubyte.gz"),
]


@pytest.mark.parametrize("download", [False, True], ids=["offline", "download"])
@pytest.mark.parametrize("damage", [_truncate, _flip_a_bit, _swap],
                         ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("name, subset, rel, other", CORRUPTED, ids=[c[0] for c in CORRUPTED])
def test_a_damaged_cached_file_is_refused_or_fetched_again(server, tmp_path, name, subset, rel,
                                                           other, damage, download):
    _fetch(name, subset, tmp_path, server.url)
    path = tmp_path / name / rel
    size = path.stat().st_size
    damage(path, CACHED[name][other])
    damaged = path.read_bytes()
    assert damaged != CACHED[name][rel] and (damage is _truncate or len(damaged) == size)
    requests = sum(server.requests.values())
    if not download:
        with pytest.raises(ChecksumError, match=re.escape(str(path)) + ".*download=True"):
            _fetch(name, subset, tmp_path, download=False)
        assert path.read_bytes() == damaged  # refused, not deleted
        assert sum(server.requests.values()) == requests
        return
    with pytest.warns(UserWarning, match=re.escape(str(path))):
        X_y = _fetch(name, subset, tmp_path, server.url)
    _assert_source(name, subset, X_y)
    assert sum(server.requests.values()) == requests + 1  # the one published file again
    _assert_clean(tmp_path / name, name, subsets=[subset])


# --------------------------------------------------------------------------- files put by hand
def _put_by_hand(home, name, files):
    folder = home / name
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder


def test_an_official_file_copied_by_hand_is_verified_once_and_used_offline(server, tmp_path):
    folder = _put_by_hand(tmp_path, "mnist", {f: d for f, d in CACHED["mnist"].items()
                                              if f.startswith("t10k")})
    for _ in range(2):
        _assert_source("mnist", "test", _fetch("mnist", "test", tmp_path, download=False))
    assert sum(server.requests.values()) == 0
    _flip_a_bit(folder / "t10k-labels-idx1-ubyte.gz", None)  # stamped now: caught from here on
    with pytest.raises(ChecksumError, match="t10k-labels-idx1-ubyte.gz has changed since it "
                                            "was verified"):
        _fetch("mnist", "test", tmp_path, download=False)


@pytest.mark.parametrize("download", [False, True], ids=["offline", "download"])
def test_an_unofficial_file_copied_by_hand_is_refused_or_replaced(server, tmp_path, download):
    fname = "t10k-images-idx3-ubyte.gz"
    hand_made = {**{f: d for f, d in CACHED["mnist"].items() if f.startswith("t10k")},
                 fname: CACHED["mnist"]["train-images-idx3-ubyte.gz"]}  # valid, not official
    folder = _put_by_hand(tmp_path, "mnist", hand_made)
    if not download:
        with pytest.raises(ChecksumError, match=re.escape(str(folder / fname))
                           + " does not match its published md5 checksum.*download=True"):
            _fetch("mnist", "test", tmp_path, download=False)
        return
    with pytest.warns(UserWarning, match=f"{fname} does not match its published md5"):
        _assert_source("mnist", "test", _fetch("mnist", "test", tmp_path, server.url))
    assert server.requests["/" + fname] == 1 and sum(server.requests.values()) == 1
    _assert_clean(folder, "mnist", subsets=["test"])


@pytest.mark.parametrize("download", [False, True], ids=["offline", "download"])
def test_extracted_files_without_stamps_come_from_the_archive_again(server, tmp_path, download):
    """Extracted files have no published checksum: unstamped ones (extracted by hand, or by an
    older skimgclf) cannot be vouched for, and are extracted again from the verified archive."""
    folder = _put_by_hand(tmp_path, "cifar10", CACHED["cifar10"])
    batch = folder / "cifar-10-batches-py" / "test_batch"
    if not download:
        with pytest.raises(ChecksumError, match=re.escape(str(batch)) + " has no record of "
                           f"being verified.*copy the official {CIFAR_ARCHIVE}"):
            _fetch("cifar10", "test", tmp_path, download=False)
        (folder / CIFAR_ARCHIVE).write_bytes(PUBLISHED["cifar10"][CIFAR_ARCHIVE])
    with pytest.warns(UserWarning, match=re.escape(str(batch)) + ".*extracting it again"):
        X_y = _fetch("cifar10", "test", tmp_path, server.url, download=download)
    _assert_source("cifar10", "test", X_y)
    assert server.requests["/" + CIFAR_ARCHIVE] == int(download)  # offline: the copied archive
    _assert_clean(folder, "cifar10")
