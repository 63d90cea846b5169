"""Inference from threads: scikit-learn's contract, which serving code relies on.

``predict``, ``predict_proba``, ``decision_function``, ``score`` and ``transform`` of a fitted
estimator change no parameter and no fitted attribute, and calls from several threads at once on
one estimator give what a serial call gives. Checked for every public estimator (the table
below must name each one that discovery finds), on 8x8 digit images.
"""

from __future__ import annotations

import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from skorch.callbacks import Callback
from test_common import ESTIMATOR_CLASSES

from skimgclf.datasets import load_digits_images

_FAST_NET = {"max_epochs": 1, "batch_size": 64, "random_state": 0, "device": "auto"}
# class name -> parameters for 8x8 uint8 digits (each estimator's defaults where they fit)
THREAD_PARAMS = {
    "BackgroundRemover": {"threshold": 128},
    "BestOfNClassifier": {"estimator": LogisticRegression(max_iter=200), "n_init": 2,
                          "random_state": 0},
    "CNNClassifier": {**_FAST_NET, "architecture": "lenet5"},
    "ComparisonSearchCV": {"estimator": LogisticRegression(max_iter=200),
                           "param_grid": {"C": [0.1, 1.0]}, "cv": 2, "family_names": ["lr"]},
    "ComponentSizeMap": {"min_size": 1},
    "HOGFeatures": {"pixels_per_cell": (4, 4), "cells_per_block": (1, 1)},
    "LargestDigitExtractor": {"output_shape": (8, 8), "margin": 1},
    "Normalizer": {"mode": "scale"},
    "PretrainedFeatures": {"weights": None, "image_size": 16, "device": "auto"},
    "TorchMLPClassifier": dict(_FAST_NET),
}
_METHODS = ("predict", "predict_proba", "decision_function", "score", "transform")
_N_THREADS, _CALLS_PER_THREAD = 6, 4


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_images(return_X_y=True)
    # uint8 0-255 pixels, flat rows (n, 64): every estimator takes them
    return X[:300], y[:300]


def test_every_estimator_is_in_the_table():
    assert {cls.__name__ for cls in ESTIMATOR_CLASSES} == set(THREAD_PARAMS)


def _fingerprint(value):
    """What a value holds, comparable before and after (modules by their weights and buffers)."""
    if isinstance(value, (torch.nn.Module, torch.optim.Optimizer)):
        value = value.state_dict()  # keyed by name or index, not by tensor
    return joblib.hash(_numpy(value))


def _numpy(value):
    if torch.is_tensor(value):
        return value.detach().cpu().numpy()
    if isinstance(value, np.ma.MaskedArray):  # a search's cv_results_ (joblib cannot hash it)
        return value.filled(None).tolist(), value.mask.tolist()
    if isinstance(value, Callback):  # its settings (it may hold the optimizer: see above)
        return type(value).__name__, _numpy(value.get_params())
    if isinstance(value, dict):
        return {k: _numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_numpy(v) for v in value]
    return value


def _state(estimator):
    """Parameters (as get_params gives them) and fitted attributes, fingerprinted."""
    params = {k: _fingerprint(v) for k, v in estimator.get_params(deep=False).items()}
    fitted = {k: _fingerprint(v) for k, v in vars(estimator).items()
              if k.endswith("_") and not k.startswith("_")}
    return params, fitted


def _methods(estimator):
    return [m for m in _METHODS if hasattr(estimator, m)]  # available_if hides what is not


def _call(estimator, method, X, y):
    return getattr(estimator, method)(*((X, y) if method == "score" else (X,)))


def _assert_same(got, expected, what):
    if isinstance(expected, np.ndarray) and expected.dtype.kind == "f":
        # The same batches through the same kernels: equal up to the last bits at most.
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7, err_msg=what)
    else:
        np.testing.assert_array_equal(got, expected, err_msg=what)


def _concurrent_calls(estimator, method, X, y):
    barrier = threading.Barrier(_N_THREADS)

    def worker():
        barrier.wait()  # every thread calls at once: the race, if there is one, happens
        return [_call(estimator, method, X, y) for _ in range(_CALLS_PER_THREAD)]

    with ThreadPoolExecutor(_N_THREADS) as pool:
        futures = [pool.submit(worker) for _ in range(_N_THREADS)]
        return [result for future in futures for result in future.result()]


@pytest.mark.parametrize("name", sorted(THREAD_PARAMS))
def test_inference_from_threads_changes_nothing(name, digits):
    cls = next(c for c in ESTIMATOR_CLASSES if c.__name__ == name)
    X, y = digits
    estimator = cls(**THREAD_PARAMS[name]).fit(X, y)
    # Once through a pickle too: a loaded model may rebuild what it does not pickle (lazily).
    for model in (estimator, pickle.loads(pickle.dumps(estimator))):
        before = _state(model)
        for method in _methods(model):
            expected = _call(model, method, X, y)
            for got in _concurrent_calls(model, method, X, y):
                _assert_same(got, expected, f"{name}.{method} from {_N_THREADS} threads")
        params, fitted = _state(model)
        changed = sorted(k for k in before[0] if before[0][k] != params.get(k))
        assert not changed, f"{name}: inference changed the parameters {changed}"
        changed = sorted(k for k in set(before[1]) | set(fitted)
                         if before[1].get(k) != fitted.get(k))
        assert not changed, f"{name}: inference changed the fitted attributes {changed}"
