"""Normalizer: fitted statistics, the three modes, layouts, inverse."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from skimgclf.preprocessing import Normalizer


@pytest.fixture(scope="module")
def cifar(shared_data):
    return np.load(shared_data / "cifar10-test-jpeg" / "cifar10_test_part01of10.npz")["X"][:200]


def test_channel_mode_standardises_each_channel_of_the_training_images(cifar):
    norm = Normalizer(mode="channel").fit(cifar)
    expected_mean = cifar.reshape(-1, 3).mean(axis=0)
    expected_std = cifar.reshape(-1, 3).std(axis=0)
    np.testing.assert_allclose(norm.mean_, expected_mean, rtol=1e-12)
    np.testing.assert_allclose(norm.std_, expected_std, rtol=1e-10)
    out = norm.transform(cifar)
    assert out.dtype == np.float32 and out.shape == cifar.shape
    np.testing.assert_allclose(out.reshape(-1, 3).mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(out.reshape(-1, 3).std(axis=0), 1, atol=1e-4)
    # New images use the training statistics, not their own.
    other = np.full((2, 32, 32, 3), 100, dtype=np.uint8)
    np.testing.assert_allclose(norm.transform(other)[0, 0, 0], (100 - expected_mean) / expected_std,
                               rtol=1e-5)


def test_channel_mode_on_flat_rows_needs_image_shape_for_colour(cifar):
    flat = cifar.reshape(len(cifar), -1)
    norm = Normalizer(mode="channel", image_shape=(32, 32, 3)).fit(flat)
    np.testing.assert_allclose(norm.mean_, Normalizer(mode="channel").fit(cifar).mean_)
    out = norm.transform(flat)
    assert out.shape == flat.shape
    np.testing.assert_allclose(out.reshape(cifar.shape),
                               Normalizer(mode="channel").fit(cifar).transform(cifar), atol=1e-6)


def test_pixel_mode_equals_standard_scaler(mnist_train):
    X = mnist_train[0][:300].reshape(300, -1)  # has constant (always 0) border pixels
    ours = Normalizer(mode="pixel").fit(X)
    ref = StandardScaler().fit(X)
    np.testing.assert_allclose(ours.mean_.ravel(), ref.mean_)
    np.testing.assert_allclose(ours.std_.ravel(), ref.scale_)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X).astype(np.float32), atol=1e-5)
    images = mnist_train[0][:300]
    assert Normalizer(mode="pixel").fit(images).mean_.shape == (28, 28, 1)


def test_scale_mode_maps_0_255_to_0_1_and_inverts():
    X = np.array([[0, 51, 255]], dtype=np.uint8)
    norm = Normalizer().fit(X)
    out = norm.transform(X)
    np.testing.assert_allclose(out, [[0, 0.2, 1]])
    np.testing.assert_allclose(norm.inverse_transform(out), X, atol=1e-4)


@pytest.mark.parametrize("mode", ["scale", "channel", "pixel"])
def test_float64_kept_and_input_untouched(mode):
    X = np.random.default_rng(0).random((10, 5, 5)) * 255
    before = X.copy()
    out = Normalizer(mode=mode).fit_transform(X)
    assert out.dtype == np.float64 and out.shape == X.shape
    np.testing.assert_array_equal(X, before)
    np.testing.assert_allclose(Normalizer(mode=mode).fit(X).inverse_transform(out), X)
