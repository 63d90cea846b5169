"""Shared fixtures (the real data in ../shared/data, read in place and never copied) and the
suite's thread limits, set once here for every test, doctest and docs page.
"""

from __future__ import annotations

import os
from pathlib import Path

# OpenMP threads that wait for work sleep instead of spinning. It matters only where a test runs
# at 2 threads (tests/test_docs.py runs every page again at 2): on 2 cores shared with other
# jobs, a spinning thread holds a core the other one needs, and the model-selection page took
# 60 s (once 265 s) instead of 31 s at 2 threads beside two busy processes. Set before torch is
# imported (libgomp reads it once), and inherited by the processes the tests start.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest

from skimgclf.datasets import load_idx

# Torch intra-op and BLAS threads for the whole suite: 1. Measured on the project's 2-core machine
# beside other jobs, the 80 slowest tests took 131 s and 124 s at 1 thread, 211 s and 434 s at 2:
# a second thread spins while it waits for a core (MNIST comparison 25 s -> 52 s, face-identity
# example 6 s -> 32 s, model-selection page 6 s -> 11 s and once 162 s). Only the default CNN
# on an MNIST subset gained (27-30 s -> 19-25 s). No printed or asserted result may depend on the
# count: tests/test_docs.py runs the docs pages at 1 and 2 threads and compares what they print.
# SKIMGCLF_TEST_THREADS overrides it (e.g. on a dedicated machine with more cores).
SUITE_THREADS = int(os.environ.get("SKIMGCLF_TEST_THREADS", "1"))
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# The limit of every subprocess a test runs (the CLI, an example, Sphinx): a guard against a
# process that hangs, never a speed check. A test must not fail because the machine is slow or
# busy: the slowest such process (an example in fast mode) took about 1 minute on a quiet
# 2-core machine and 5 under load, so the guard sits far above that and well inside CI's 90.
HANG_TIMEOUT = 30 * 60


def limit_threads(n: int = SUITE_THREADS) -> None:
    """Use ``n`` torch and BLAS threads in this process and in the processes it starts."""
    for name in _THREAD_VARIABLES:  # read by subprocesses (CLI, examples, Sphinx, Dask workers)
        os.environ[name] = str(n)
    import scipy.linalg  # noqa: F401  (load SciPy's BLAS, so that the limit below reaches it)
    import sklearn  # noqa: F401
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(n)
    threadpool_limits(limits=n, user_api="blas")


class _RegistryAsItWas:
    """An autouse fixture for every item, the doctests of skimgclf/ and the docs pages included
    (a plugin's fixtures are global; this file's reach only tests/).

    :func:`skimgclf.nets.register_net` adds to a registry that lives as long as the process, and
    a pytest-xdist worker runs many items in one process: a network an example registers (the
    ``register_net`` docstring does) would otherwise show up in a later item's ``list_nets()``,
    depending on which worker ran what.
    """

    name = "skimgclf-registry-as-it-was"

    @pytest.fixture(autouse=True)
    def _registry_as_it_was(self):
        from skimgclf.nets._registry import _REGISTRY

        registered = dict(_REGISTRY)
        yield
        _REGISTRY.clear()
        _REGISTRY.update(registered)


def pytest_configure(config):
    # Before collection, so that the doctests of skimgclf/ run under the limits as well.
    limit_threads()
    if not config.pluginmanager.has_plugin(_RegistryAsItWas.name):  # docs/conftest.py too
        config.pluginmanager.register(_RegistryAsItWas(), _RegistryAsItWas.name)


SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ../shared/data; tests that need it are skipped where the folder is absent."""
    if not (SHARED_DATA / "mnist").is_dir():
        pytest.skip(
            f"real data folder {SHARED_DATA.resolve()} is absent (see shared/data/README.md)"
        )
    return SHARED_DATA.resolve()


def _mnist(folder: Path, subset: str):
    d = folder / "mnist"
    if subset == "train":
        images = load_idx(sorted(d.glob("train-images-idx3-ubyte.part*of06.gz")))
        labels = load_idx(d / "train-labels-idx1-ubyte.gz")
    else:
        images = load_idx(d / "t10k-images-idx3-ubyte.gz")
        labels = load_idx(d / "t10k-labels-idx1-ubyte.gz")
    return images, labels


@pytest.fixture(scope="session")
def mnist_train(shared_data):
    """The 60,000 MNIST training images (uint8, (n, 28, 28)) and labels."""
    return _mnist(shared_data, "train")


@pytest.fixture(scope="session")
def mnist_test(shared_data):
    """The 10,000 MNIST test images (uint8, (n, 28, 28)) and labels."""
    return _mnist(shared_data, "test")


def stratified_subset(X, y, n, random_state=0):
    """A stratified subset of ``n`` samples, fixed by ``random_state``."""
    from sklearn.model_selection import train_test_split

    _, Xs, _, ys = train_test_split(X, y, test_size=n, stratify=y, random_state=random_state)
    return Xs, ys


@pytest.fixture
def loopback_only(monkeypatch):
    """Fail the test if it opens a URL outside 127.0.0.1 (fetcher tests serve their own files)."""
    import urllib.parse

    from skimgclf.datasets import _download

    real = _download.urllib.request.urlopen

    def guarded(url, *args, **kwargs):
        host = urllib.parse.urlparse(url if isinstance(url, str) else url.full_url).hostname
        assert host == "127.0.0.1", f"test tried to reach {url}"
        return real(url, *args, **kwargs)

    monkeypatch.setattr(_download.urllib.request, "urlopen", guarded)
