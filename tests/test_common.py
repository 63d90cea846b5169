"""scikit-learn's estimator checks over every public estimator of skimgclf.

Estimators are discovered, not listed: every public class deriving from ``BaseEstimator`` in a
public skimgclf module. INIT_PARAMS makes the checks fast; EXPECTED_FAILED_CHECKS lists, with the
reason, each check an estimator cannot pass by design.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

import skimgclf

# class name -> keyword arguments for fast, deterministic checks
INIT_PARAMS: dict[str, dict] = {
    "BestOfNClassifier": {"estimator": LogisticRegression(max_iter=200), "n_init": 2},
    # Tiny cells and outputs so that the few checks with square widths (4, 9 pixels) can run.
    "HOGFeatures": {"orientations": 4, "pixels_per_cell": (1, 1), "cells_per_block": (1, 1)},
    "LargestDigitExtractor": {"output_shape": (4, 4), "margin": 0, "min_size": 1},
}

# class name -> {check name: why the estimator cannot pass it}
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}

# Spatial steps (HOG cells, connected components) need the true (H, W) of flat rows; the checks'
# data has 2, 3, 5 or 10 features per row, which is not a square image, so the image contract
# raises its "not a square image; pass image_shape" error. Pixel-wise steps read such rows as one
# row of pixels and pass these checks.
_NOT_SQUARE = (
    "the check's flat data is not a square image (2, 3, 5 or 10 features per row) and a spatial "
    "step needs (H, W): it raises the image contract's 'pass image_shape' error by design"
)
_SPATIAL_CHECKS = (
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
    "check_estimators_dtypes", "check_estimators_fit_returns_self", "check_estimators_nan_inf",
    "check_estimators_overwrite_params", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_fit2d_1sample", "check_fit2d_predict1d",
    "check_fit_check_is_fitted", "check_fit_idempotent", "check_fit_score_takes_y",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance",
    "check_n_features_in", "check_pipeline_consistency", "check_readonly_memmap_input",
    "check_transformer_data_not_an_array", "check_transformer_general",
    "check_transformer_preserve_dtypes", "check_transformers_unfitted_stateless",
)
for _name in ("HOGFeatures", "LargestDigitExtractor"):
    EXPECTED_FAILED_CHECKS[_name] = dict.fromkeys(_SPATIAL_CHECKS, _NOT_SQUARE)

# Neural estimators (skimgclf.neural): few epochs and small batches keep the checks fast.
_NEURAL_FAST = {"max_epochs": 2, "batch_size": 32, "lr": 0.01, "random_state": 0}
INIT_PARAMS["CNNClassifier"] = dict(_NEURAL_FAST)
INIT_PARAMS["TorchMLPClassifier"] = dict(_NEURAL_FAST)
_SKORCH_CALLBACKS_SET_PARAMS = (
    "skorch's set_params builds the callback list at once, so callbacks=-1 or [1] raises "
    "in set_params instead of later in fit (inherited from skorch.NeuralNet)"
)
# The CNN needs images: flat rows of 2, 3, 5 or 10 features are not square images, so the
# image contract's 'pass image_shape' error is raised (the MLP reads any flat rows and passes).
_CNN_NOT_SQUARE = (
    "the check's flat data is not a square image (2, 3, 5 or 10 features per row) and a CNN "
    "needs (H, W): it raises the image contract's 'pass image_shape' error by design"
)
EXPECTED_FAILED_CHECKS["TorchMLPClassifier"] = {
    "check_do_not_raise_errors_in_init_or_set_params": _SKORCH_CALLBACKS_SET_PARAMS,
}
EXPECTED_FAILED_CHECKS["CNNClassifier"] = {
    **dict.fromkeys(
        (
            "check_class_weight_classifiers", "check_classifier_data_not_an_array",
            "check_classifiers_classes", "check_classifiers_one_label",
            "check_classifiers_one_label_sample_weights", "check_classifiers_regression_target",
            "check_classifiers_train", "check_dict_unchanged", "check_dont_overwrite_parameters",
            "check_dtype_object", "check_estimators_dtypes", "check_estimators_fit_returns_self",
            "check_estimators_nan_inf", "check_estimators_overwrite_params",
            "check_estimators_partial_fit_n_features", "check_estimators_pickle",
            "check_f_contiguous_array_estimator", "check_fit2d_1sample", "check_fit2d_predict1d",
            "check_fit_check_is_fitted", "check_fit_idempotent", "check_fit_score_takes_y",
            "check_methods_sample_order_invariance", "check_methods_subset_invariance",
            "check_n_features_in", "check_pipeline_consistency", "check_readonly_memmap_input",
            "check_supervised_y_2d",
        ),
        _CNN_NOT_SQUARE,
    ),
    "check_do_not_raise_errors_in_init_or_set_params": _SKORCH_CALLBACKS_SET_PARAMS,
}


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
