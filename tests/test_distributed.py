"""Data-parallel training on torch.distributed: 2 processes (gloo, CPU) launched by torchrun.

With the same global batch, DistributedDataParallel's averaged gradients are those of one
process on the whole batch, up to the order of floating-point sums: a network without
BatchNorm ends within 1e-4 of the single-process fit (2e-7 measured), and the history (hence
early stopping) is the same in every process. BatchNorm layers normalise each process's shard
by its own statistics, as DDP does, so such networks are only checked to train.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch.distributed as dist
from conftest import HANG_TIMEOUT

SCRIPT = Path(__file__).parent / "scripts" / "ddp_fit.py"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(),
                       reason="torch.distributed with the gloo backend is not available"),
]


def _run(tmp_path, architecture, processes):
    out = tmp_path / f"{architecture}-{processes}"
    launch = [sys.executable]
    if processes > 1:
        # --standalone: a rendezvous on this machine, at a free port (runs may overlap)
        launch += ["-m", "torch.distributed.run", "--standalone",
                   f"--nproc-per-node={processes}"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run([*launch, str(SCRIPT), str(out), architecture], env=env,
                          capture_output=True, text=True, timeout=HANG_TIMEOUT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return [np.load(f"{out}.rank{rank}.npz") for rank in range(processes)]


def test_two_processes_learn_what_one_does_with_the_same_global_batch(tmp_path):
    (single,) = _run(tmp_path, "lenet5", 1)
    ranks = _run(tmp_path, "lenet5", 2)
    assert [int(r["size"]) for r in ranks] == [2, 2]
    for key in ("train_loss", "valid_loss"):  # every process logs (and stops on) the same
        np.testing.assert_array_equal(ranks[0][key], ranks[1][key])
        np.testing.assert_allclose(ranks[0][key], single[key], rtol=1e-5)
    np.testing.assert_allclose(ranks[0]["proba"], single["proba"], atol=1e-4)
    assert np.array_equal(ranks[0]["proba"].argmax(1), single["proba"].argmax(1))


def test_a_batchnorm_network_trains_data_parallel(tmp_path):
    ranks = _run(tmp_path, "bn_cnn", 2)
    np.testing.assert_array_equal(ranks[0]["valid_loss"], ranks[1]["valid_loss"])
    assert ranks[0]["train_loss"][-1] < ranks[0]["train_loss"][0]
