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


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_long_stacks_show_progress_when_asked_and_give_the_same_output(capsys, n_jobs):
    """progress_bar=True draws a tqdm bar on stderr; the features are those without it."""
    from skimgclf.preprocessing import HOGFeatures, LargestDigitExtractor

    rng = np.random.default_rng(0)
    X = np.zeros((1100, 28, 28), dtype=np.uint8)
    X[:, 6:20, 10:16] = rng.integers(100, 256, size=(1100, 14, 6), dtype=np.uint8)
    for step in (HOGFeatures(pixels_per_cell=(7, 7), cells_per_block=(1, 1), n_jobs=n_jobs),
                 LargestDigitExtractor(n_jobs=n_jobs)):
        quiet = step.fit_transform(X)
        assert capsys.readouterr().err == ""
        shown = step.set_params(progress_bar=True).fit_transform(X)
        err = capsys.readouterr().err
        assert "1100/1100" in err and "image" in err
        np.testing.assert_array_equal(shown, quiet)
