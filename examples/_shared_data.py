"""Helpers shared by the examples: where the real data is, fast mode, where figures go.

Not an example itself (sphinx-gallery only runs files named ``plot_*.py``). The examples read
the public data sets kept in ``../shared/data`` next to the project (see that folder's
README.md) through skimgclf's own loaders; nothing is downloaded and nothing is copied.

Environment variables
---------------------
SKIMGCLF_SHARED_DATA
    The data folder, when it is not ``../../shared/data`` relative to this file.
SKIMGCLF_EXAMPLES_FAST
    ``1`` shrinks every example to tiny subsets and one or two epochs (what CI runs).
SKIMGCLF_EXAMPLES_OUT
    Folder for the PNG figures (default: ``skimgclf-examples`` in the temporary folder).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ENV_DATA = "SKIMGCLF_SHARED_DATA"
ENV_FAST = "SKIMGCLF_EXAMPLES_FAST"
ENV_OUT = "SKIMGCLF_EXAMPLES_OUT"

_DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def is_fast() -> bool:
    """True when ``SKIMGCLF_EXAMPLES_FAST`` is set to something other than 0/false/empty."""
    return os.environ.get(ENV_FAST, "").strip().lower() not in ("", "0", "false", "no")


def pick(fast, full):
    """``fast`` in fast mode, ``full`` otherwise (one place where sizes are decided)."""
    return fast if is_fast() else full


def data_dir() -> Path:
    """The shared data folder; exits with a one-line explanation when it is missing."""
    folder = Path(os.environ.get(ENV_DATA) or _DEFAULT_DATA).expanduser()
    if not folder.is_dir():
        sys.exit(
            f"error: the shared data folder {folder} does not exist. The examples read the real "
            f"data sets of shared/data (see its README.md); set {ENV_DATA}=/path/to/shared/data."
        )
    return folder.resolve()


def _require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"error: {path} is missing from the shared data folder; set {ENV_DATA} to a "
                 "complete copy of shared/data (see its README.md).")
    return path


def output_dir(example: str) -> Path:
    """Folder for one example's figures: ``$SKIMGCLF_EXAMPLES_OUT/<example>``, created."""
    root = Path(os.environ.get(ENV_OUT) or Path(tempfile.gettempdir()) / "skimgclf-examples")
    folder = root / example
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load_mnist_like(name="mnist", subset="train", n_parts=None):
    """MNIST or Fashion-MNIST images ``(n, 28, 28)`` uint8 and labels, from the IDX part files.

    Parameters
    ----------
    name : {"mnist", "fashion-mnist"}
    subset : {"train", "test"}
    n_parts : int or None
        Read only the first ``n_parts`` image part files (consecutive rows of the official
        split, so the labels are the first rows of the label file); None reads them all.
    """
    from skimgclf.datasets import load_idx

    folder = _require(data_dir() / name)
    prefix = "train" if subset == "train" else "t10k"
    parts = sorted(folder.glob(f"{prefix}-images-idx3-ubyte.part*.gz"))
    whole = folder / f"{prefix}-images-idx3-ubyte.gz"
    images = load_idx(parts[:n_parts] if parts else _require(whole))
    labels = load_idx(_require(folder / f"{prefix}-labels-idx1-ubyte.gz"))
    return images, labels[: len(images)]


def load_cifar10_test(n_parts=None):
    """The CIFAR-10 test images ``(n, 32, 32, 3)`` uint8 as a Bunch (first ``n_parts`` parts)."""
    from skimgclf.datasets import load_cifar10_npz

    folder = _require(data_dir() / "cifar10-test-jpeg")
    parts = sorted(folder.glob("cifar10_test_part*.npz"))
    if not parts:
        _require(folder / "cifar10_test_part01of10.npz")
    return load_cifar10_npz(parts[:n_parts])


def load_olivetti():
    """The 400 Olivetti faces as a Bunch (``images`` (400, 64, 64) uint8, ``target``)."""
    from skimgclf.datasets import load_olivetti_faces

    return load_olivetti_faces(_require(data_dir() / "olivetti-faces" / "olivettifaces.mat"))


def stratified_subset(X, y, n, random_state=0):
    """A stratified subset of ``n`` samples (all of them when ``n >= len(y)``)."""
    from sklearn.model_selection import train_test_split

    if n >= len(y):
        return X, y
    _, X_sub, _, y_sub = train_test_split(X, y, test_size=n, stratify=y,
                                          random_state=random_state)
    return X_sub, y_sub

