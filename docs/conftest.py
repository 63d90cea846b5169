"""For ``pytest --doctest-glob='*.rst' docs/``: run the pages as tests/test_docs.py does.

One BLAS and one torch thread, a temporary working folder and matplotlib's Agg backend. The
printed results of the pages (scores of fitted models) depend on the number of threads, which
changes the order of floating-point sums; tests/test_docs.py runs them the same way.
"""

import pytest
import torch
from threadpoolctl import threadpool_limits

from skimgclf.nets._registry import _REGISTRY

collect_ignore = ["conf.py"]  # Sphinx's configuration, not a module of doctests


@pytest.fixture(autouse=True)
def _like_test_docs(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    threads = torch.get_num_threads()
    registered = dict(_REGISTRY)  # a page may register a network; leave the registry as it was
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        _REGISTRY.clear()
        _REGISTRY.update(registered)
        torch.set_num_threads(threads)
