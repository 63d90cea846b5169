"""Fit a network on the embedded digits and save what it learnt (used by test_distributed.py).

Run alone, it trains in one process; run by ``torchrun --nproc-per-node=N``, data-parallel over
N processes (``python ddp_fit.py OUT ARCHITECTURE [DEVICE]``, DEVICE "cpu" by default; on
CUDA each process takes its own GPU). Each process writes ``OUT.rank<r>.npz``: the test
probabilities and the history.
"""

import sys

import numpy as np

from skimgclf import CNNClassifier
from skimgclf.datasets import load_digits_images
from skimgclf.neural import init_distributed


def main(out, architecture, device="cpu"):
    rank, size = init_distributed()
    X, y = load_digits_images(return_X_y=True)
    X = X.reshape(-1, 8, 8)  # uint8 0-255 pixels
    # No augmentation: its draws depend on the shard size, the comparison would mean nothing.
    # float32: the test compares sums up to their order, which bf16 rounding would hide
    clf = CNNClassifier(architecture=architecture, max_epochs=4, batch_size=64, augment=None,
                        validation_fraction=0.2, early_stopping=2, random_state=0, device=device,
                        precision="fp32")
    clf.fit(X[:1200], y[:1200])
    np.savez(f"{out}.rank{rank}.npz", proba=clf.predict_proba(X[1200:]), size=size,
             train_loss=clf.history[:, "train_loss"], valid_loss=clf.history[:, "valid_loss"])


if __name__ == "__main__":  # not when pytest imports it for doctests
    main(*sys.argv[1:4])
