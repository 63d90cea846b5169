"""Shared fixtures: the real data in ../shared/data, read in place and never copied."""

from __future__ import annotations

from pathlib import Path

import pytest

from skimgclf.datasets import load_idx

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
