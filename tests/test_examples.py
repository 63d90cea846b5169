"""Every example runs in fast mode on the real data and prints figures above a floor.

Each example is run as users run it (``python examples/plot_x.py``) in a subprocess, with
``SKIMGCLF_EXAMPLES_FAST=1``, ``MPLBACKEND=Agg`` and its figures also saved to a temporary folder
(``SKIMGCLF_EXAMPLES_OUT``). The floors are far above chance and well below what the fast runs
reach (see the comments), so that they catch a broken pipeline, not noise between platforms.
The examples use the public API only (a script downloaded from the gallery runs on its own).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HANG_TIMEOUT

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _shared_data_folder() -> Path:
    """Where the examples look for the data: ``SKIMGCLF_SHARED_DATA``, else ../../shared/data."""
    env = os.environ.get("SKIMGCLF_SHARED_DATA")
    return Path(env) if env else EXAMPLES.parent.parent / "shared" / "data"


# name -> (figures written, [(regex with one float group, floor), ...]).
# Fast-mode values measured on 2 CPU cores (1 or 2 torch threads) follow each floor.
CHECKS = {
    "plot_modified_mnist": (
        ["extraction.png"],
        [
            (r"best heuristic by extraction accuracy: \w+ \(([\d.]+)\)", 0.45),  # 0.642
            (r"LR grid best: .*validation accuracy ([\d.]+)", 0.30),  # 0.460
            (r"majority vote of \d CNNs: validation accuracy ([\d.]+)", 0.35),  # 0.580-0.600
        ],
    ),
    "plot_face_identities": (
        ["per_class_recall.png"],
        [
            (r"class_weight=None\s*: test accuracy ([\d.]+)", 0.5),  # 0.767-0.817
            (r"class_weight=balanced: test accuracy ([\d.]+)", 0.5),  # 0.800-0.833
            (r"class_weight=balanced: .*minority people ([\d.]+)", 0.4),  # 0.717-0.733
        ],
    ),
    "plot_emnist_trial_table": (
        ["trials.png"],
        [
            (r"best trial: .*validation accuracy ([\d.]+)", 0.5),  # 0.660-0.670
            (r"test accuracy of the best trial .*: ([\d.]+)", 0.55),  # 0.718-0.734
        ],
    ),
    "plot_dense_vs_conv": (
        ["per_class_mnist.png", "per_class_cifar10.png"],
        [
            (r"MNIST test accuracy: DNN ([\d.]+)", 0.75),  # 0.872
            (r"MNIST test accuracy: DNN [\d.]+, CNN ([\d.]+)", 0.75),  # 0.896
            (r"CIFAR-10 test accuracy: DNN ([\d.]+)", 0.15),  # 0.226 (chance 0.1)
            (r"CIFAR-10 test accuracy: DNN [\d.]+, CNN ([\d.]+)", 0.18),  # 0.290
            (r"\nweighted\s+[\d.]+\s+([\d.]+)", 0.75),  # MNIST CNN weighted F1, 0.896
        ],
    ),
    "plot_transfer_learning": (
        ["accuracy.png"],
        [
            # the first match is the full training set; then the imbalanced one
            (r"baseline CNN \(scratch\)\s*: CV accuracy ([\d.]+)", 0.5),  # 0.825
            (r"frozen Lite0 \+ LR\s*: .*best fold model ([\d.]+)", 0.5),  # 0.825
            (r"fine-tuned Lite0\s*: .*test accuracy of the best fold model ([\d.]+)", 0.5),  # 0.692
            (r"imbalanced training set.*\n(?:.*\n)*?  frozen Lite0 \+ LR\s*: CV accuracy "
             r"([\d.]+)", 0.45),  # 0.761
        ],
    ),
    "plot_raw_hog_cnn": (
        ["mnist_confusion.png", "mnist_loss.png", "fashion-mnist_confusion.png",
         "fashion-mnist_loss.png"],
        [
            (r"\nmnist raw MLP\s*: test accuracy ([\d.]+)", 0.7),  # 0.878
            (r"\nmnist HOG \+ MLP\s*: test accuracy ([\d.]+)", 0.7),  # 0.932
            (r"\nmnist CNN\s*: test accuracy ([\d.]+)", 0.6),  # 0.854
            (r"fashion-mnist raw MLP\s*: test accuracy ([\d.]+)", 0.55),  # 0.736
            (r"fashion-mnist HOG \+ MLP\s*: test accuracy ([\d.]+)", 0.55),  # 0.728
            (r"fashion-mnist CNN\s*: test accuracy ([\d.]+)", 0.45),  # 0.672-0.692
        ],
    ),
}


# Modules an example may import from: the standard library, its scientific stack and skimgclf's
# public modules (no helper next to the scripts, no private module).
_ALLOWED_TOP = {"matplotlib", "numpy", "sklearn", "skimgclf", "os", "time", "warnings", "pathlib"}


def _imported_modules(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield "." * node.level + (node.module or "")
            if node.module and node.module.startswith("skimgclf"):
                yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_every_example_is_checked_and_gallery_ready():
    """Each plot_*.py has a test entry, an RST-titled docstring, ``# %%`` cells, public imports."""
    scripts = sorted(p.stem for p in EXAMPLES.glob("plot_*.py"))
    assert scripts == sorted(CHECKS)
    assert (EXAMPLES / "README.rst").is_file()  # sphinx-gallery's gallery header
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == [f"{n}.py" for n in scripts]
    for name in scripts:
        source = (EXAMPLES / f"{name}.py").read_text(encoding="utf-8")
        tree = ast.parse(source)
        doc = ast.get_docstring(tree, clean=False)
        assert doc, f"{name} has no module docstring"
        over, title, under = doc.strip("\n").splitlines()[:3]
        assert set(over) == {"="} and set(under) == {"="}, f"{name}: no RST title"
        assert len(over) == len(under) >= len(title.rstrip()), f"{name}: title rule too short"
        assert source.count("\n# %%\n") >= 2, f"{name}: no sphinx-gallery cells"
        for module in _imported_modules(tree):
            assert module.split(".")[0] in _ALLOWED_TOP, f"{name} imports {module}"
            assert not any(part.startswith("_") for part in module.split(".")), (
                f"{name} imports {module}, which is not public API")
        # The data folder, the fast mode and the figures' folder come from the documented
        # variables, and the docstring says where the data comes from.
        for variable in ("SKIMGCLF_SHARED_DATA", "SKIMGCLF_EXAMPLES_FAST"):
            assert f'os.environ.get("{variable}"' in source, f"{name} ignores {variable}"
            assert variable in doc, f"{name}: the docstring does not explain {variable}"
        # Figures stay open: sphinx-gallery's matplotlib scraper shows the open ones inline.
        assert "plt.close" not in source and "matplotlib.use" not in source, name
        # Every example draws (and saves) a figure, and names the one its gallery thumbnail
        # shows: no example gets the placeholder logo.
        assert CHECKS[name][0], f"{name} draws no figure: its gallery card would have no image"
        assert 'os.environ.get("SKIMGCLF_EXAMPLES_OUT")' in source, name
        assert re.search(r"^# sphinx_gallery_thumbnail_number = [1-9]\d*$", source, re.MULTILINE), (
            f"{name} does not name its thumbnail figure")
        # Each page says what the full run gives next to the fast mode it shows.
        assert "What the full run gives" in source, f"{name}: no word on the full run"
        assert "FULL_RUN_RESULTS" not in source, f"{name}: a placeholder is left in the text"


def test_missing_data_is_a_clear_error(tmp_path):
    # The examples call these loaders on the data folder directly: a missing folder or file is
    # a one-line FileNotFoundError that names it (the last line of the script's traceback).
    from skimgclf.datasets import load_cifar10_npz, load_idx_folder, load_olivetti_faces

    nowhere = tmp_path / "nowhere"
    calls = [
        (load_idx_folder, nowhere / "mnist"),
        (load_olivetti_faces, nowhere / "olivetti-faces" / "olivettifaces.mat"),
        (load_cifar10_npz, [nowhere / "cifar10-test-jpeg" / "cifar10_test_part01of10.npz"]),
    ]
    for loader, path in calls:
        with pytest.raises(FileNotFoundError) as info:
            loader(path)
        message = str(info.value)
        assert str(nowhere) in message and "\n" not in message, message
    # A data set folder without its test files names the folder and lists what it holds.
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").touch()
    with pytest.raises(FileNotFoundError, match=r"mnist holds no test images.*train-labels"):
        load_idx_folder(tmp_path / "mnist", subset="test")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_without_data_folder_fails_clearly(name, tmp_path):
    # Run as a user would with a wrong SKIMGCLF_SHARED_DATA: it stops at the data, before any
    # training, and the traceback ends in one line that names the missing path.
    nowhere = tmp_path / "nowhere"
    env = dict(os.environ, SKIMGCLF_EXAMPLES_FAST="1", MPLBACKEND="Agg",
               SKIMGCLF_SHARED_DATA=str(nowhere))
    env.pop("SKIMGCLF_EXAMPLES_OUT", None)
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=HANG_TIMEOUT,
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("FileNotFoundError: ") and str(nowhere) in last, result.stderr[-2000:]
    assert "epoch" not in result.stdout  # nothing was trained


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_runs_in_fast_mode(name, tmp_path):
    if not (_shared_data_folder() / "mnist").is_dir():
        pytest.skip(f"shared data folder {_shared_data_folder()} is absent (the examples read "
                    "the real data sets; set SKIMGCLF_SHARED_DATA)")
    env = dict(os.environ, SKIMGCLF_EXAMPLES_FAST="1", MPLBACKEND="Agg",
               SKIMGCLF_EXAMPLES_OUT=str(tmp_path))
    # The scripts run with the suite's thread limits: tests/conftest.py puts them in os.environ.
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")], cwd=EXAMPLES, env=env,
        capture_output=True, text=True, timeout=HANG_TIMEOUT,
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr[-3000:]}"
    figures, checks = CHECKS[name]
    for pattern, floor in checks:
        match = re.search(pattern, result.stdout)
        assert match, f"{name} did not print {pattern!r}:\n{result.stdout}"
        assert float(match.group(1)) >= floor, f"{name}: {match.group(0)!r} is below {floor}"
    for figure in figures:
        path = tmp_path / name.removeprefix("plot_") / figure
        assert path.is_file() and path.stat().st_size > 1000, f"{name} did not write {path}"
