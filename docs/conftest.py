"""For ``pytest --doctest-glob='*.rst' docs/``: run the pages as tests/test_docs.py does.

A temporary working folder, matplotlib's Agg backend, the registry of networks restored after
each page, and the suite's thread limits: the last two live in tests/conftest.py (not loaded
when docs/ is run on its own, hence the import by path).
"""

import importlib.util
from pathlib import Path

import pytest

collect_ignore = ["conf.py"]  # Sphinx's configuration, not a module of doctests


def pytest_configure(config):
    path = Path(__file__).resolve().parents[1] / "tests" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_skimgclf_suite_conftest", path)
    suite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(suite)
    suite.pytest_configure(config)


@pytest.fixture(autouse=True)
def _like_test_docs(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
