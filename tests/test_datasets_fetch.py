"""Fetchers end to end against a local HTTP server on 127.0.0.1.

The server serves files in the official layouts, built here from small slices of the real data
in ../shared/data; the registry's checksums are replaced by those of the built files. An autouse
guard refuses every URL that is not on the loopback address, so no test can reach the internet.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import http.server
import io
import os
import pickle
import stat
import struct
import tarfile
import threading
import urllib.parse
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from skimgclf.datasets import (
    _download,
    _registry,
    fetch_cifar10,
    fetch_emnist,
    fetch_fashion_mnist,
    fetch_kmnist,
    fetch_mnist,
    fetch_svhn,
    load_cifar10_npz,
    load_idx,
)
from skimgclf.datasets._cli import add_parser, run
from skimgclf.datasets._download import extract_archive

# No test of this file reaches beyond 127.0.0.1 (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("loopback_only")

N_TRAIN, N_TEST = 120, 80


# --------------------------------------------------------------------------- the server
class _Server:
    """Serves ``files`` (URL path -> bytes); counts requests; can corrupt or cut responses."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.requests: Counter = Counter()
        self.corrupt: dict[str, int] = {}  # path -> number of first responses to corrupt
        self.truncate: set[str] = set()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 -- the http.server API
                path = urllib.parse.urlparse(self.path).path
                server.requests[path] += 1
                body = server.files.get(path)
                if body is None:
                    self.send_error(404)
                    return
                if server.corrupt.get(path, 0) > 0:
                    server.corrupt[path] -= 1
                    body = bytes([body[0] ^ 0xFF]) + body[1:]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if path in server.truncate:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = _Server()
    yield s
    s.close()


# --------------------------------------------------------------------------- official layouts
def _idx_bytes(array: np.ndarray) -> bytes:
    magic = 2051 if array.ndim == 3 else 2049
    header = struct.pack(f">i{array.ndim}I", magic, *array.shape)
    return gzip.compress(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes(), mtime=0)


def _md5(data: bytes) -> str:
    return "md5:" + hashlib.md5(data).hexdigest()


@pytest.fixture(scope="module")
def mnist_slices(shared_data):
    d = shared_data / "mnist"
    train = load_idx(d / "train-images-idx3-ubyte.part01of06.gz")[:N_TRAIN]
    test = load_idx(d / "t10k-images-idx3-ubyte.gz")[:N_TEST]
    return {
        "train": (train, load_idx(d / "train-labels-idx1-ubyte.gz")[:N_TRAIN]),
        "test": (test, load_idx(d / "t10k-labels-idx1-ubyte.gz")[:N_TEST]),
    }


@pytest.fixture(scope="module")
def fashion_slices(shared_data):
    d = shared_data / "fashion-mnist"
    return {
        "train": (load_idx(d / "train-images-idx3-ubyte.part01of12.gz")[:N_TRAIN],
                  load_idx(d / "train-labels-idx1-ubyte.gz")[:N_TRAIN]),
        "test": (load_idx(d / "t10k-images-idx3-ubyte.part01of02.gz")[:N_TEST],
                 load_idx(d / "t10k-labels-idx1-ubyte.gz")[:N_TEST]),
    }


@pytest.fixture(scope="module")
def cifar_slices(shared_data):
    # Every npz part holds 100 images per class in class-blocked order: take a few of each.
    parts = sorted((shared_data / "cifar10-test-jpeg").glob("cifar10_test_part*of10.npz"))
    b = load_cifar10_npz(parts[:2])
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(b.target))[: N_TRAIN + N_TEST]
    return {"train": (b.images[idx[:N_TRAIN]], b.target[idx[:N_TRAIN]]),
            "test": (b.images[idx[N_TRAIN:]], b.target[idx[N_TRAIN:]])}


def _serve_idx_set(server, monkeypatch, name, slices, prefix="/"):
    stems = {"train": "train", "test": "t10k"}
    for subset, (images, labels) in slices.items():
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            fname = f"{stems[subset]}-{kind}-ubyte.gz"
            body = _idx_bytes(array)
            server.files[prefix + fname] = body
            monkeypatch.setitem(_registry.DATASETS[name].checksums, fname, _md5(body))
    return server.url + prefix


def _cifar_tar(slices, extra_members=()) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))

        train_images, train_labels = slices["train"]
        chunks = np.array_split(np.arange(len(train_labels)), 5)
        batches = {f"data_batch_{i + 1}": c for i, c in enumerate(chunks)}
        for bname, rows in [*batches.items(), ("test_batch", None)]:
            images, labels = (slices["test"] if rows is None
                              else (train_images[rows], train_labels[rows]))
            batch = {b"batch_label": bname.encode(), b"labels": [int(v) for v in labels],
                     b"data": images.transpose(0, 3, 1, 2).reshape(len(images), -1),
                     b"filenames": [b"x.png"] * len(images)}
            add(f"cifar-10-batches-py/{bname}", pickle.dumps(batch, protocol=2))
        add("cifar-10-batches-py/batches.meta", pickle.dumps({b"label_names": []}, protocol=2))
        for name, data in extra_members:
            add(name, data)
    return buf.getvalue()


def _emnist_zip(slices, split="balanced", extra_members=()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for subset, (images, labels) in slices.items():
            # The official files hold every image transposed.
            zf.writestr(f"gzip/emnist-{split}-{subset}-images-idx3-ubyte.gz",
                        _idx_bytes(images.transpose(0, 2, 1)))
            zf.writestr(f"gzip/emnist-{split}-{subset}-labels-idx1-ubyte.gz", _idx_bytes(labels))
        for name, data in extra_members:
            zf.writestr(name, data)
    return buf.getvalue()


def _svhn_mat(images, labels) -> bytes:
    buf = io.BytesIO()
    y = np.where(labels == 0, 10, labels).astype(np.uint8).reshape(-1, 1)  # 10 means 0
    scipy.io.savemat(buf, {"X": np.moveaxis(images, 0, 3), "y": y})
    return buf.getvalue()


def _serve_archive(server, monkeypatch, name, fname, body):
    server.files["/" + fname] = body
    monkeypatch.setitem(_registry.DATASETS[name].checksums, fname, _md5(body))
    return server.url + "/"


def _files_in(folder: Path):
    """What a cache folder holds, less its lock file and its stamps (the cache's bookkeeping)."""
    bookkeeping = {_download.LOCK_NAME, _download.STAMPS_NAME}
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name not in bookkeeping) if folder.exists() else []


# --------------------------------------------------------------------------- success + cache hit
@pytest.mark.parametrize("name, fetch", [("mnist", fetch_mnist),
                                         ("fashion_mnist", fetch_fashion_mnist),
                                         ("kmnist", fetch_kmnist)])
def test_idx_fetchers_download_then_cache(server, monkeypatch, tmp_path, mnist_slices,
                                          fashion_slices, name, fetch):
    slices = fashion_slices if name == "fashion_mnist" else mnist_slices
    base = _serve_idx_set(server, monkeypatch, name, slices)
    for subset, (images, labels) in slices.items():
        b = fetch(subset=subset, data_home=tmp_path, base_url=base)
        np.testing.assert_array_equal(b.images, images)
        np.testing.assert_array_equal(b.target, labels)
        assert b.data.shape == (len(images), 784) and b.data.dtype == np.uint8
        assert b.target.dtype == np.int64 and len(b.target_names) == 10 and b.DESCR
    assert sum(server.requests.values()) == 4 and set(server.requests.values()) == {1}
    assert _files_in(tmp_path / name) == sorted(_registry.DATASETS[name].checksums)

    X, y = fetch(subset="train", data_home=tmp_path, base_url=base, return_X_y=True)
    np.testing.assert_array_equal(X, slices["train"][0].reshape(N_TRAIN, -1))
    assert sum(server.requests.values()) == 4  # cache hit: not one more request
    X_off, _ = fetch(subset="test", data_home=tmp_path, download=False, return_X_y=True)
    assert X_off.shape == (N_TEST, 784) and sum(server.requests.values()) == 4


def test_cached_files_and_stamps_get_the_permissions_of_any_new_file(server, monkeypatch,
                                                                    tmp_path, mnist_slices):
    # Not tempfile's private 0600: a data home may be shared by the users of a machine.
    base = _serve_idx_set(server, monkeypatch, "mnist", mnist_slices)
    old = os.umask(0o022)
    try:
        fetch_mnist(subset="test", data_home=tmp_path, base_url=base)
    finally:
        os.umask(old)
    files = [p for p in (tmp_path / "mnist").iterdir() if p.is_file()]
    assert {p.name for p in files} >= {".stamps.json"} and len(files) >= 3
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name


def test_fetch_mnist_tries_the_default_mirrors_in_order(server, monkeypatch, tmp_path,
                                                        mnist_slices):
    base = _serve_idx_set(server, monkeypatch, "mnist", mnist_slices, prefix="/mirror/")
    dead = server.url + "/gone/"  # answers 404: the next mirror must be used
    spec = _registry.DATASETS["mnist"]
    monkeypatch.setitem(_registry.DATASETS, "mnist",
                        dataclasses.replace(spec, base_urls=(dead, base)))
    monkeypatch.setenv("SKIMGCLF_DATA", str(tmp_path / "from-env"))
    b = fetch_mnist(subset="test")  # no data_home: the environment variable decides
    np.testing.assert_array_equal(b.target, mnist_slices["test"][1])
    assert (tmp_path / "from-env" / "mnist" / "t10k-labels-idx1-ubyte.gz").is_file()
    assert server.requests["/gone/t10k-images-idx3-ubyte.gz"] == 1
    assert server.requests["/mirror/t10k-images-idx3-ubyte.gz"] == 1


def test_fetch_emnist_upright_images_from_the_zip(server, monkeypatch, tmp_path, mnist_slices):
    base = _serve_archive(server, monkeypatch, "emnist", "gzip.zip",
                          _emnist_zip(mnist_slices, split="digits"))
    b = fetch_emnist(split="digits", subset="test", data_home=tmp_path, base_url=base)
    np.testing.assert_array_equal(b.images, mnist_slices["test"][0])  # transposed back
    np.testing.assert_array_equal(b.target, mnist_slices["test"][1])
    assert list(b.target_names) == [str(i) for i in range(10)]
    X, y = fetch_emnist(split="digits", subset="train", data_home=tmp_path, download=False,
                        return_X_y=True)
    np.testing.assert_array_equal(y, mnist_slices["train"][1])
    assert server.requests["/gzip.zip"] == 1
    assert not (tmp_path / "emnist" / "gzip.zip").exists()  # extracted, archive removed
    with pytest.raises(FileNotFoundError, match="emnist-balanced-test-images"):
        fetch_emnist(split="balanced", subset="test", data_home=tmp_path, download=False)
    # An official archive copied into the cache by hand is used offline.
    offline_home = tmp_path / "offline"
    (offline_home / "emnist").mkdir(parents=True)
    (offline_home / "emnist" / "gzip.zip").write_bytes(server.files["/gzip.zip"])
    b = fetch_emnist(split="digits", subset="test", data_home=offline_home, download=False)
    np.testing.assert_array_equal(b.images, mnist_slices["test"][0])
    assert server.requests["/gzip.zip"] == 1
    with pytest.raises(ValueError, match="'split' parameter of fetch_emnist must be a str among "
                       r"\{.*'letters'.*\}\. Got 'letter' instead"):
        fetch_emnist(split="letter", data_home=tmp_path, download=False)


def test_fetch_cifar10_from_the_official_tarball(server, monkeypatch, tmp_path, cifar_slices):
    base = _serve_archive(server, monkeypatch, "cifar10", "cifar-10-python.tar.gz",
                          _cifar_tar(cifar_slices))
    for subset in ("train", "test"):
        b = fetch_cifar10(subset=subset, data_home=tmp_path, base_url=base)
        np.testing.assert_array_equal(b.images, cifar_slices[subset][0])
        np.testing.assert_array_equal(b.target, cifar_slices[subset][1])
        assert b.images.shape[1:] == (32, 32, 3) and b.data.shape[1] == 3072
        assert b.target_names[3] == "cat"
    assert server.requests["/cifar-10-python.tar.gz"] == 1


def test_fetch_cifar10_refuses_a_batch_that_runs_code(tmp_path):
    folder = tmp_path / "cifar10" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    (folder / "test_batch").write_bytes(b"cos\nsystem\n(S'echo hacked'\ntR.")
    # Stamped as if extracted from the archive: whoever can write a file into the cache can
    # write its stamp too, and the unpickler must still refuse it.
    source = _registry.DATASETS["cifar10"].checksums["cifar-10-python.tar.gz"]
    _download.stamp_files(folder.parent, ["cifar-10-batches-py/test_batch"], source)
    with pytest.raises(ValueError, match="test_batch is not a CIFAR-10 python batch"):
        fetch_cifar10(subset="test", data_home=tmp_path, download=False)


def test_a_cifar_batch_that_asks_numpy_for_a_huge_array_is_refused(tmp_path):
    # numpy.ndarray must be resolvable (pickled arrays name it), but called directly with a
    # shape it would allocate terabytes from a file of a hundred bytes.
    import pickle

    from skimgclf.datasets._readers import load_cifar_batch

    class Huge:
        def __reduce__(self):
            return np.ndarray, ((10**9, 3072),)

    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": Huge(), b"labels": [1]}, protocol=2))
    with pytest.raises(ValueError, match="numpy.ndarray called directly by the file"):
        load_cifar_batch(path)
    good = tmp_path / "good_batch"
    good.write_bytes(pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [3, 4]},
                                  protocol=2))
    images, labels = load_cifar_batch(good)
    assert type(images) is np.ndarray and images.shape == (2, 32, 32, 3)
    assert labels.tolist() == [3, 4]


def test_fetch_svhn_maps_label_10_to_0(server, monkeypatch, tmp_path, cifar_slices):
    for subset, fname in (("train", "train_32x32.mat"), ("test", "test_32x32.mat")):
        base = _serve_archive(server, monkeypatch, "svhn", fname, _svhn_mat(*cifar_slices[subset]))
    b = fetch_svhn(subset="test", data_home=tmp_path, base_url=base)
    np.testing.assert_array_equal(b.images, cifar_slices["test"][0])
    np.testing.assert_array_equal(b.target, cifar_slices["test"][1])
    assert 0 in b.target and b.target.max() <= 9
    X, y = fetch_svhn(subset="train", data_home=tmp_path, base_url=base, return_X_y=True)
    assert X.shape == (N_TRAIN, 3072)
    fetch_svhn(subset="train", data_home=tmp_path, download=False)
    assert server.requests["/train_32x32.mat"] == 1


# --------------------------------------------------------------------------- failures
def test_checksum_mismatch_is_downloaded_once_more(server, monkeypatch, tmp_path, mnist_slices):
    base = _serve_idx_set(server, monkeypatch, "mnist", mnist_slices)
    server.corrupt["/t10k-images-idx3-ubyte.gz"] = 1  # the first answer is damaged
    b = fetch_mnist(subset="test", data_home=tmp_path, base_url=base)
    np.testing.assert_array_equal(b.images, mnist_slices["test"][0])
    assert server.requests["/t10k-images-idx3-ubyte.gz"] == 2


def test_checksum_mismatch_twice_is_a_clear_error(server, monkeypatch, tmp_path, mnist_slices):
    base = _serve_idx_set(server, monkeypatch, "mnist", mnist_slices)
    server.corrupt["/t10k-images-idx3-ubyte.gz"] = 99
    with pytest.raises(OSError, match=r"t10k-images-idx3-ubyte\.gz did not match its "
                                      r"published md5 checksum twice"):
        fetch_mnist(subset="test", data_home=tmp_path, base_url=base)
    assert server.requests["/t10k-images-idx3-ubyte.gz"] == 2
    assert _files_in(tmp_path / "mnist") == []  # nothing kept, not even a temporary file


def test_interrupted_transfer_leaves_no_partial_file(server, monkeypatch, tmp_path,
                                                     mnist_slices):
    base = _serve_idx_set(server, monkeypatch, "mnist", mnist_slices)
    server.truncate.add("/t10k-images-idx3-ubyte.gz")
    with pytest.raises(OSError, match=r"transfer of \S+/t10k-images-idx3-ubyte\.gz was "
                                      r"interrupted after \d+ of \d+ bytes; nothing was kept"):
        fetch_mnist(subset="test", data_home=tmp_path, base_url=base)
    assert _files_in(tmp_path / "mnist") == []
    server.truncate.clear()  # the next call starts afresh and succeeds
    assert fetch_mnist(subset="test", data_home=tmp_path, base_url=base).images.shape[0] == N_TEST


def test_download_false_offline_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"t10k-images-idx3-ubyte\.gz is not in the cache"):
        fetch_fashion_mnist(subset="test", data_home=tmp_path, download=False)
    with pytest.raises(FileNotFoundError, match=r"train_32x32\.mat is not in the cache"):
        fetch_svhn(data_home=tmp_path, download=False)
    with pytest.raises(FileNotFoundError, match=r"data_batch_1 is not in the cache"):
        fetch_cifar10(data_home=tmp_path, download=False)


FETCHERS = [fetch_mnist, fetch_fashion_mnist, fetch_kmnist, fetch_emnist, fetch_cifar10,
            fetch_svhn]


@pytest.mark.parametrize("fetch", FETCHERS, ids=lambda f: f.__name__)
def test_a_misspelt_subset_lists_the_valid_ones(fetch, tmp_path):
    valid = r"'test'.*'train'|'train'.*'test'"
    with pytest.raises(ValueError, match=rf"'subset' parameter of {fetch.__name__} must be a str "
                       rf"among \{{.*({valid}).*\}}\. Got 'tset' instead"):
        fetch(subset="tset", data_home=tmp_path, download=False)
    assert not any(tmp_path.iterdir())  # refused before anything was created


@pytest.mark.parametrize("fetch", FETCHERS, ids=lambda f: f.__name__)
def test_a_data_home_that_is_a_file_is_named(fetch, tmp_path):
    a_file = tmp_path / "data.txt"
    a_file.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match=r"data_home .*data\.txt is a file, not a folder"):
        fetch(data_home=a_file, download=False)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"download": "no"}, r"'download' parameter of fetch_mnist must be an instance of 'bool'"),
        ({"return_X_y": 1}, r"'return_X_y' parameter of fetch_mnist"),
        ({"data_home": 3}, r"'data_home' parameter of fetch_mnist must be an instance of 'str', "
                           r"an instance of 'os\.PathLike' or None"),
        ({"base_url": ["http://127.0.0.1/"]}, r"'base_url' parameter of fetch_mnist must be an "
                                              r"instance of 'str' or None"),
        ({"subset": None}, r"'subset' parameter of fetch_mnist must be a str among"),
    ],
)
def test_bad_fetch_arguments_are_named(kwargs, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        fetch_mnist(**{"data_home": tmp_path, "download": False, **kwargs})


def test_svhn_has_an_extra_subset(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"extra_32x32\.mat is not in the cache"):
        fetch_svhn(subset="extra", data_home=tmp_path, download=False)


def test_unreachable_server_is_a_clear_error(server, tmp_path):
    with pytest.raises(OSError, match=r"could not download t10k-images-idx3-ubyte\.gz"):
        fetch_mnist(subset="test", data_home=tmp_path, base_url=server.url + "/nothing-here/")


def test_tar_with_escaping_member_is_rejected(server, monkeypatch, tmp_path, cifar_slices):
    evil = _cifar_tar(cifar_slices, extra_members=[("../escaped.txt", b"boo")])
    base = _serve_archive(server, monkeypatch, "cifar10", "cifar-10-python.tar.gz", evil)
    home = tmp_path / "home"
    with pytest.raises(ValueError, match=r"'\.\./escaped\.txt' that would land outside"):
        fetch_cifar10(subset="test", data_home=home, base_url=base)
    assert not (home / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
    assert _files_in(home / "cifar10") == []  # neither the archive nor a partial extraction


def test_zip_with_escaping_member_is_rejected(server, monkeypatch, tmp_path, mnist_slices):
    evil = _emnist_zip(mnist_slices, extra_members=[("gzip/../../escaped.txt", b"boo")])
    base = _serve_archive(server, monkeypatch, "emnist", "gzip.zip", evil)
    with pytest.raises(ValueError, match="would land outside the target folder"):
        fetch_emnist(subset="test", data_home=tmp_path / "home", base_url=base)
    assert not (tmp_path / "escaped.txt").exists()
    assert _files_in(tmp_path / "home" / "emnist") == []


@pytest.mark.parametrize("kind", ["symlink", "absolute", "hardlink"])
def test_tar_links_and_absolute_members_are_rejected(tmp_path, kind):
    archive = tmp_path / "a.tar"
    with tarfile.open(archive, "w") as tf:
        info = tarfile.TarInfo("/etc/evil" if kind == "absolute" else "inside/link")
        if kind == "symlink":
            info.type, info.linkname = tarfile.SYMTYPE, "../../outside"
        elif kind == "hardlink":
            info.type, info.linkname = tarfile.LNKTYPE, "/etc/passwd"
        tf.addfile(info, io.BytesIO(b"") if kind == "absolute" else None)
    with pytest.raises(ValueError, match="refusing to extract"):
        extract_archive(archive, tmp_path / "out")
    assert _files_in(tmp_path / "out") == []


def test_zip_symlink_member_is_rejected(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("inside/link")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "../../outside")
    with pytest.raises(ValueError, match="link or special member"):
        extract_archive(archive, tmp_path / "out")


# --------------------------------------------------------------------------- the CLI module
def test_cli_fetch_then_list(server, monkeypatch, tmp_path, mnist_slices, capsys):
    import argparse

    base = _serve_idx_set(server, monkeypatch, "kmnist", mnist_slices)
    parser = argparse.ArgumentParser(prog="skimgclf")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["datasets", "fetch", "kmnist", "--subset", "test",
                              "--data-home", str(tmp_path), "--base-url", base])
    assert args.func(args) == 0
    assert f"kmnist test: {N_TEST} images of shape (28, 28)" in capsys.readouterr().out
    args = parser.parse_args(["datasets", "list", "--data-home", str(tmp_path)])
    assert run(args) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "test" in lines["kmnist"] and "train" not in lines["kmnist"]
    assert "not cached" in lines["mnist"]
    from skimgclf.cli import main

    fetch = ["datasets", "fetch", "mnist", "--data-home", str(tmp_path)]
    assert main([*fetch, "--base-url", server.url + "/nothing-here/"]) == 1
    err = capsys.readouterr().err
    assert "could not download train-images-idx3-ubyte.gz" in err and "Traceback" not in err
    assert main([*fetch, "--base-url", server.url + "/nothing-here/", "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err  # --debug, as for every command
    assert main([*fetch, "--subset", "extra"]) == 2
    assert "mnist has no subset 'extra'" in capsys.readouterr().err
    assert main([*fetch, "--split", "letters"]) == 2
    assert "mnist has no splits; --split is for emnist" in capsys.readouterr().err
    args = parser.parse_args(["datasets", "fetch", "imagenet", "--data-home", str(tmp_path)])
    assert run(args) == 2
    assert "unknown data set 'imagenet'" in capsys.readouterr().err


# --------------------------------------------------------------------------- download progress
def test_a_download_off_a_terminal_is_one_line_with_its_size(server, monkeypatch, tmp_path,
                                                            mnist_slices, capsys):
    base = _serve_idx_set(server, monkeypatch, "mnist", mnist_slices)
    fetch_mnist(subset="test", data_home=tmp_path, base_url=base)
    err = capsys.readouterr().err
    sizes = {name: _download.format_size(len(server.files["/" + name]))
             for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
    assert err.splitlines() == [f"downloading {name} ({size}) from {base}{name}"
                                for name, size in sizes.items()]
    assert "\r" not in err and "\x1b" not in err
    fetch_mnist(subset="test", data_home=tmp_path, base_url=base)
    assert capsys.readouterr().err == ""  # from the cache: nothing to show


def test_a_download_on_a_terminal_shows_a_progress_bar(server, monkeypatch, tmp_path,
                                                      mnist_slices):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    base = _serve_idx_set(server, monkeypatch, "mnist", mnist_slices)
    terminal = Terminal()
    monkeypatch.setattr(_download.sys, "stderr", terminal)
    fetch_mnist(subset="test", data_home=tmp_path, base_url=base)
    shown = terminal.getvalue()
    assert "downloading t10k-images-idx3-ubyte.gz" in shown and "100%" in shown
    assert "\r" in shown  # tqdm redraws its bar


def test_every_published_file_has_a_size():
    for name, spec in _registry.DATASETS.items():
        assert set(spec.sizes) == set(spec.checksums), name
        assert all(size > 1000 for size in spec.sizes.values()), name
    assert _registry.download_size("mnist") == 9_912_422 + 28_881 + 1_648_877 + 4_542
    assert _registry.download_size("emnist") == 561_753_746  # one archive for every subset
