"""The Modified-MNIST pipeline of the issue on composites of real digits, flat and as images."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _composites import cached_composites
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from skimgclf.preprocessing import (
    BackgroundRemover,
    LargestDigitExtractor,
    Normalizer,
    flatten_images,
)

N_TRAIN, N_TEST = 1000, 400


def _pipeline():
    return Pipeline([
        ("bg", BackgroundRemover()),
        ("digit", LargestDigitExtractor()),
        ("norm", Normalizer()),
        ("flat", FunctionTransformer(flatten_images)),  # LogisticRegression takes flat rows only
        ("clf", LogisticRegression(max_iter=100, tol=1e-3)),
    ])


@pytest.fixture(scope="module")
def split(mnist_train):
    images, targets, _, _ = cached_composites(*mnist_train, N_TRAIN + N_TEST, random_state=1)
    return images[:N_TRAIN], targets[:N_TRAIN], images[N_TRAIN:], targets[N_TRAIN:]


def test_pipeline_learns_the_largest_digit_from_flat_rows_and_images(split):
    X_train, y_train, X_test, y_test = split
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "[0-9]+ of [0-9]+ images have no foreground")
        as_images = _pipeline().fit(X_train, y_train)
        flat = _pipeline().fit(X_train.reshape(N_TRAIN, -1), y_train)
        pred_images = as_images.predict(X_test)
        pred_flat = flat.predict(X_test.reshape(N_TEST, -1))
    np.testing.assert_array_equal(pred_images, pred_flat)
    accuracy = float(np.mean(pred_images == y_test))
    print(f"\npipeline accuracy on {N_TEST} held-out composites: {accuracy:.3f}")
    assert accuracy > 0.5  # chance is 0.1 (0.615 measured with 1,200 training composites)
    assert as_images.named_steps["digit"].image_shape_ == (64, 64, 1)
    assert as_images.named_steps["clf"].n_features_in_ == 28 * 28
