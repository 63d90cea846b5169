"""BackgroundRemover: the 255 rule, Otsu per image (equal to skimage), layouts, no mutation."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.filters import threshold_otsu

from skimgclf.preprocessing import BackgroundRemover, otsu_thresholds, remove_background


def _noisy_digits(rng, n=20, side=16):
    X = rng.integers(0, 255, size=(n, side, side), dtype=np.uint8)  # noise in 0..254
    digits = rng.random((n, side, side)) < 0.2
    X[digits] = 255
    return X, digits


def test_255_rule_keeps_exactly_the_digit_pixels():
    X, digits = _noisy_digits(np.random.default_rng(0))
    before = X.copy()
    out = BackgroundRemover().fit_transform(X)
    assert out.dtype == np.uint8 and out.shape == X.shape
    np.testing.assert_array_equal(out, np.where(digits, 255, 0))
    np.testing.assert_array_equal(X, before)  # the caller's array is untouched


@pytest.mark.parametrize("fill", [0, 7])
def test_threshold_and_fill(fill):
    X = np.array([[3.0, 100.0, 149.9, 150.0, 255.0]])
    out = BackgroundRemover(threshold=150, fill=fill).fit_transform(X)
    np.testing.assert_array_equal(out, [[fill, fill, fill, 150.0, 255.0]])
    assert out.dtype == np.float64


def test_chunked_result_equals_np_where_on_many_images():
    # More images than one chunk holds, so the chunk loop and its last partial chunk run.
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(700, 40, 40), dtype=np.uint8)
    np.testing.assert_array_equal(remove_background(X), np.where(X >= 255, X, 0))
    np.testing.assert_array_equal(remove_background(X, 200, fill=9), np.where(X >= 200, X, 9))


def _gray_cifar(shared_data, n=60):
    X = np.load(shared_data / "cifar10-test-jpeg" / "cifar10_test_part01of10.npz")["X"][:n]
    return X.mean(axis=3).astype(np.uint8)  # real photographs, uint8 grayscale


def test_otsu_equals_skimage_image_by_image(shared_data):
    X = _gray_cifar(shared_data)
    X[0] = 77  # a constant image: skimage returns its value
    expected = np.array([threshold_otsu(image) for image in X])
    np.testing.assert_array_equal(otsu_thresholds(X), expected)
    out = BackgroundRemover(threshold="otsu").fit_transform(X)
    np.testing.assert_array_equal(out, np.where(X > expected[:, None, None], X, 0))
    assert not out[0].any()


def test_otsu_float_images_equal_skimage(shared_data):
    X = _gray_cifar(shared_data, n=10) / 255.0
    expected = np.array([threshold_otsu(image) for image in X])
    np.testing.assert_array_equal(otsu_thresholds(X), expected)


def test_otsu_separates_a_bimodal_image():
    rng = np.random.default_rng(2)
    X = rng.integers(0, 60, size=(5, 20, 20), dtype=np.uint8)
    ink = rng.random(X.shape) < 0.3
    X[ink] = rng.integers(180, 256, size=int(ink.sum()))
    out = BackgroundRemover(threshold="otsu").fit_transform(X)
    np.testing.assert_array_equal(out > 0, ink)


@pytest.mark.parametrize("shape", [(6, 64), (6, 8, 8), (6, 8, 8, 1), (6, 4, 4, 3), (6, 10)])
def test_layout_round_trip(shape):
    rng = np.random.default_rng(3)
    X = rng.integers(250, 256, size=shape).astype(np.uint8)
    out = BackgroundRemover().fit(X).transform(X)
    assert out.shape == X.shape
    np.testing.assert_array_equal(out.reshape(len(X), -1),
                                  remove_background(X.reshape(len(X), -1)))


def test_usable_without_fit():
    X = np.array([[254, 255]], dtype=np.uint8)
    np.testing.assert_array_equal(BackgroundRemover().transform(X), [[0, 255]])
