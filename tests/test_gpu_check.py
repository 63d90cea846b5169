"""benchmarks/gpu_check.py, the one-shot GPU check, run complete on the CPU (``--cpu --quick``).

The lead runs the script once on a lent GPU machine; this test keeps its CPU path working in the
suite, so that the single device run does not fail on something a CPU could have caught.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HANG_TIMEOUT

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.py"
MNIST = ROOT / ".." / "shared" / "data" / "mnist"
CHECK_KEYS = ("environment", "data", "device", "fit_predict", "pickle_cpu", "throughput",
              "precision", "default_cnn", "summary")


@pytest.mark.slow
@pytest.mark.skipif(not MNIST.is_dir(), reason=f"the MNIST IDX files are not in {MNIST}")
def test_gpu_check_runs_complete_on_the_cpu(tmp_path):
    out = tmp_path / "gpu_check.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--cpu", "--quick", "--data", str(MNIST), "--out", str(out)],
        capture_output=True, text=True, timeout=HANG_TIMEOUT, cwd=ROOT,
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr}"
    printed = json.loads(done.stdout.strip().splitlines()[-1])  # the JSON line comes last
    result = json.loads(out.read_text())
    assert printed == result
    for key in CHECK_KEYS:
        assert key in result, f"no {key!r} check in {sorted(result)}"
        assert result[key]["ok"], f"{key}: {result[key]}"
    assert result["summary"]["failed"] == []

    assert result["environment"]["expected_device"] == "cpu"
    device = result["device"]
    assert device["resolve_device"] == "cpu"
    assert device["module_param_device"] == "cpu"
    assert result["fit_predict"]["module_param_device"] == "cpu"
    assert result["default_cnn"]["device_"] == "cpu"

    pickled = result["pickle_cpu"]
    assert pickled["agreement"] >= 0.999
    assert pickled["child"]["cuda_available"] is False
    assert pickled["child"]["module_param_device"] == "cpu"

    # floors far below what these tiny fits reach (~0.9 and ~0.75), far above chance (0.1)
    assert result["fit_predict"]["accuracy"] > 0.5
    assert result["default_cnn"]["accuracy"] > 0.5

    for label in ("augment_off", "augment_on"):
        row = result["throughput"][label]
        assert row["hand_images_per_s"][0] > 0 and row["estimator_images_per_s"][0] > 0
        assert row["ratio_median"] > 0

    precision = result["precision"]
    if precision["status"] != "not available":
        bf16 = precision["bf16"]
        if bf16["cpu_has_bf16"]:  # autocast to bfloat16, silently
            assert not bf16["precision_warnings"]
            assert bf16["conv_output_dtype"] == "torch.bfloat16"
        else:
            assert bf16["precision_warnings"], "precision='bf16' on the CPU gave no UserWarning"
            assert bf16["conv_output_dtype"] == "torch.float32"
        assert bf16["accuracy"] > 0.5
