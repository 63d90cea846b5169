"""scikit-learn's estimator checks over every public estimator of skimgclf.

Estimators are discovered, not listed: every public class deriving from ``BaseEstimator`` in a
public skimgclf module. INIT_PARAMS makes the checks fast; EXPECTED_FAILED_CHECKS lists, with the
reason, each check an estimator cannot pass by design. Besides parametrize_with_checks' default
list, every estimator runs ``check_param_validation`` (its ``_parameter_constraints`` cover
exactly its ``get_params(deep=False)`` and every invalid value raises InvalidParameterError).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

import skimgclf

# class name -> keyword arguments for fast, deterministic checks
INIT_PARAMS: dict[str, dict] = {
    "BestOfNClassifier": {"estimator": LogisticRegression(max_iter=200), "n_init": 2},
    "ComparisonSearchCV": {"estimator": LogisticRegression(max_iter=200),
                           "param_grid": {"C": [0.1, 1.0]}, "cv": 2,
                           "family_names": ["logreg"]},
    # The checks feed flat rows of 2, 3, 5 or 10 features, which are not square images: spatial
    # steps read them as one row of pixels (image_shape=(1, -1)), with cells and outputs that fit.
    "HOGFeatures": {
        "orientations": 4,
        "pixels_per_cell": (1, 1),
        "cells_per_block": (1, 1),
        "image_shape": (1, -1),
    },
    # The checks' data are floats within [0, 1] (or standardised): the 0-255 rules of the default
    # threshold and of mode="scale" refuse such data by design (see the value-range rule of the
    # images guide), so the checks run with parameters in the data's units; mode="scale" and the
    # 255 rule are tested on pixel data in tests/test_images_contract.py.
    "BackgroundRemover": {"threshold": 0.5},
    "Normalizer": {"mode": "channel"},
    "ComponentSizeMap": {"min_size": 1, "image_shape": (1, -1)},
    "LargestDigitExtractor": {
        "output_shape": (4, 4),
        "margin": 0,
        "min_size": 1,
        "image_shape": (1, -1),
    },
}

# class name -> {check name: why the estimator cannot pass it}
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}

# Neural estimators (skimgclf.neural): few epochs and small batches keep the checks fast.
_NEURAL_FAST = {"max_epochs": 2, "batch_size": 32, "lr": 0.01, "random_state": 0}
# The checks' rows are not square images: the CNN reads them as one row of pixels, which
# rotation/shift augmentation would scramble, so it is off here (it is tested on real images).
INIT_PARAMS["CNNClassifier"] = dict(_NEURAL_FAST, image_shape=(1, -1), augment=None)
INIT_PARAMS["TorchMLPClassifier"] = dict(_NEURAL_FAST)
_SKORCH_CALLBACKS_SET_PARAMS = (
    "the signature ends in **kwargs (skorch's routed module__* parameters), which the check "
    "passes as a parameter named 'kwargs' (a TypeError, as for any unknown name); and skorch's "
    "get_params, called by set_params, builds the default callback list from the current "
    "values, so verbose=np.array([1., 4.]) raises there instead of in fit"
)
EXPECTED_FAILED_CHECKS["TorchMLPClassifier"] = {
    "check_do_not_raise_errors_in_init_or_set_params": _SKORCH_CALLBACKS_SET_PARAMS,
}
EXPECTED_FAILED_CHECKS["CNNClassifier"] = {
    "check_do_not_raise_errors_in_init_or_set_params": _SKORCH_CALLBACKS_SET_PARAMS,
}
# Random weights from a fixed seed (no extra needed; the ImageNet weights are tested in
# tests/test_transfer.py), the checks' rows read as one row of pixels, resized to a tiny side.
INIT_PARAMS["PretrainedFeatures"] = {"weights": None, "image_size": 8, "image_shape": (1, -1)}


def _public_estimator_classes():
    found = {}
    for info in pkgutil.walk_packages(skimgclf.__path__, prefix="skimgclf."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and obj.__module__.startswith("skimgclf.")
                and not name.startswith("_")
                and not inspect.isabstract(obj)
            ):
                found[name] = obj
    for name in skimgclf.__dict__.get("__all__", []):
        obj = getattr(skimgclf, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            found[name] = obj
    return [found[name] for name in sorted(found)]


ESTIMATOR_CLASSES = _public_estimator_classes()


def _instances():
    return [cls(**INIT_PARAMS.get(cls.__name__, {})) for cls in ESTIMATOR_CLASSES]


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def test_estimators_are_discovered():
    # The suite below is only as good as the discovery: the four transformers must be in it.
    names = {cls.__name__ for cls in ESTIMATOR_CLASSES}
    assert {"BackgroundRemover", "LargestDigitExtractor", "HOGFeatures", "Normalizer"} <= names


def test_expected_failures_have_reasons():
    for name, checks in EXPECTED_FAILED_CHECKS.items():
        assert name in {cls.__name__ for cls in ESTIMATOR_CLASSES}, f"{name} is not discovered"
        for check, reason in checks.items():
            assert len(reason.split()) >= 4, f"{name}.{check} needs a written reason"


@parametrize_with_checks(_instances(), expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", _instances(), ids=lambda est: type(est).__name__)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)
