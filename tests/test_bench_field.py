"""benchmarks/bench_field.py keeps a row's test probabilities (``--save``) and votes them in a
later run (``--vote-with``), so that networks of most of an hour each can be fitted apart.

Tiny runs (300 composites, one epoch): what is checked is the file and the vote, not accuracy.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HANG_TIMEOUT

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_field.py"
MNIST = ROOT / ".." / "shared" / "data" / "mnist"
TINY = ["modified-mnist", "--n-train", "300", "--n-test", "200", "--max-epochs", "1"]


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *TINY, *args], capture_output=True,
                          text=True, timeout=HANG_TIMEOUT, cwd=SCRIPT.parent)


@pytest.mark.slow
@pytest.mark.skipif(not MNIST.is_dir(), reason=f"the MNIST IDX files are not in {MNIST}")
def test_saved_probabilities_are_voted_by_a_later_run_of_the_same_test_set(tmp_path):
    first = _run("--rows", "fast", "--save", str(tmp_path), "--tta", "none",
                 "--predict-precision", "fp32")
    assert first.returncode == 0, first.stderr
    saved = tmp_path / "fast seed 0.npz"
    assert sorted(p.name for p in tmp_path.iterdir()) == [saved.name]  # no temporary file left
    fitted = re.search(r"fast \(seed 0\)\s+accuracy ([\d.]+)", first.stdout).group(1)
    # the same network scored again: "fast" has no TTA, and the default predicts in float32
    for change in ("tta=none", "precision=fp32"):
        rescored = re.search(rf"same network, {change}\s+accuracy ([\d.]+)", first.stdout)
        assert rescored.group(1) == fitted, first.stdout

    # a vote of the saved row alone is that row
    again = _run("--rows", "vote", "--vote-with", str(saved), "--errors")
    assert again.returncode == 0, again.stderr
    assert re.search(r"fast seed 0\s+accuracy ([\d.]+)  \(saved\)", again.stdout).group(1) == fitted
    assert re.search(r"vote of 1\s+accuracy ([\d.]+)", again.stdout).group(1) == fitted
    # --errors splits the saved row's test composites: touching or not covers all of them
    parts = [re.search(rf"{where}\s+([\d.]+)% of the test  accuracy ([\d.]+)", again.stdout)
             for where in ("some digits touch", "no digits touch")]
    assert sum(float(m.group(1)) for m in parts) == pytest.approx(100, abs=0.2)
    weighted = sum(float(m.group(1)) / 100 * float(m.group(2)) for m in parts)
    assert weighted == pytest.approx(float(fitted), abs=2e-3)
    assert "errors naming another digit" in again.stdout

    # another test set (size or setting) is refused by name, before any fit
    other = subprocess.run(
        [sys.executable, str(SCRIPT), "modified-mnist", "--n-train", "300", "--n-test", "100",
         "--rows", "vote", "--vote-with", str(saved)],
        capture_output=True, text=True, timeout=HANG_TIMEOUT, cwd=SCRIPT.parent)
    assert other.returncode != 0
    assert "saved by a run of" in other.stderr and "'n_test': 200" in other.stderr

    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not numpy")
    refused = _run("--rows", "vote", "--vote-with", str(broken))
    assert refused.returncode != 0
    assert "broken.npz is not an .npz file" in refused.stderr
    assert "Traceback" not in refused.stderr
