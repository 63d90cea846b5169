"""min_steps: the fewest optimizer steps a fit call takes; more epochs on small data, the
one-cycle schedule spanning them all."""

from __future__ import annotations

import numpy as np
import pytest

from skimgclf.neural import CNNClassifier, TorchMLPClassifier


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 4, 4), dtype=np.uint8), np.arange(40) % 2


@pytest.mark.parametrize("min_steps, max_epochs, epochs", [
    (None, 2, 2),   # max_epochs, whatever the data's size
    (10, 2, 4),     # 3 batches of 16 an epoch: 4 epochs reach 10 steps
    (9, 2, 3),
    (4, 2, 2),      # max_epochs already takes more steps
])
def test_epochs_reach_min_steps(data, min_steps, max_epochs, epochs):
    X, y = data
    clf = TorchMLPClassifier(hidden_sizes=(4,), batch_size=16, max_epochs=max_epochs,
                             min_steps=min_steps, random_state=0).fit(X, y)
    assert len(clf.history_) == epochs
    assert clf.max_epochs == max_epochs and clf.min_steps == min_steps  # parameters unchanged


def test_the_one_cycle_spans_every_step_and_the_validation_split_counts(data):
    X, y = data
    # 40 images, 10 held out: 30 train = 2 batches of 16 an epoch; 5 steps take 3 epochs
    clf = CNNClassifier(module__widths=(2, 2, 2), batch_size=16, max_epochs=1, min_steps=5,
                        validation_fraction=0.25, augment=None, random_state=0).fit(X, y)
    assert len(clf.history_) == 3
    scheduler = dict(clf.callbacks_)["lr_scheduler"]
    assert scheduler.total_steps_ == 6
    # the cycle ends at its floor: lr / (div_factor * final_div_factor)
    assert clf.optimizer_.param_groups[-1]["lr"] < clf.lr / 1000


def test_partial_fit_takes_min_steps_too(data):
    X, y = data
    clf = TorchMLPClassifier(hidden_sizes=(4,), batch_size=40, max_epochs=1, min_steps=3,
                             random_state=0)
    clf.partial_fit(X, y).partial_fit(X, y)
    assert len(clf.history_) == 6
