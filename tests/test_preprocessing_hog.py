"""HOGFeatures equals skimage.feature.hog image by image (gray and colour); layouts; n_jobs."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.feature import hog

from skimgclf.preprocessing import HOGFeatures

PARAMS = [
    dict(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(3, 3)),
    dict(orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1), block_norm="L1"),
    dict(orientations=16, pixels_per_cell=(7, 7), cells_per_block=(2, 2), transform_sqrt=True,
         block_norm="L2"),
    dict(orientations=7, pixels_per_cell=(6, 5), cells_per_block=(2, 3), block_norm="L1-sqrt"),
]


@pytest.fixture(scope="module")
def mnist_few(mnist_train):
    return mnist_train[0][:40]


@pytest.fixture(scope="module")
def cifar_few(shared_data):
    return np.load(shared_data / "cifar10-test-jpeg" / "cifar10_test_part01of10.npz")["X"][:20]


@pytest.mark.parametrize("params", PARAMS)
def test_gray_equals_skimage_image_by_image(mnist_few, params):
    out = HOGFeatures(**params).fit_transform(mnist_few)
    expected = np.stack([hog(image, **params) for image in mnist_few]).astype(np.float32)
    assert out.dtype == np.float32 and out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("params", [PARAMS[0], PARAMS[3]])
def test_float32_and_odd_sized_images_equal_skimage(mnist_few, params):
    # float32 images keep float32 gradients in skimage; 27x26 leaves pixels outside the cells.
    images = (mnist_few[:, :27, 1:27] / 255).astype(np.float32)
    out = HOGFeatures(**params).fit_transform(images)
    expected = np.stack([hog(image, **params) for image in images]).astype(np.float32)
    np.testing.assert_array_equal(out, expected)


def test_study_configuration_gives_392_features(mnist_few):
    out = HOGFeatures(orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1)).fit_transform(
        mnist_few.reshape(len(mnist_few), -1)
    )
    assert out.shape == (40, 392)


@pytest.mark.parametrize("params", PARAMS)
def test_colour_equals_skimage_image_by_image(cifar_few, params):
    out = HOGFeatures(**params).fit_transform(cifar_few)
    expected = np.stack([hog(image, channel_axis=-1, **params) for image in cifar_few])
    np.testing.assert_array_equal(out, expected.astype(np.float32))
    # The same images channels-first (read by the one channel-order rule), and flat with
    # image_shape, give the same features.
    chw = np.ascontiguousarray(np.moveaxis(cifar_few, 3, 1))
    np.testing.assert_array_equal(HOGFeatures(**params).fit_transform(chw), out)
    flat = cifar_few.reshape(len(cifar_few), -1)
    hog_flat = HOGFeatures(image_shape=(32, 32, 3), **params)
    np.testing.assert_array_equal(hog_flat.fit_transform(flat), out)


def test_flat_and_image_layouts_agree(mnist_few):
    est = HOGFeatures(pixels_per_cell=(7, 7), cells_per_block=(2, 2))
    images = est.fit_transform(mnist_few)
    flat = est.fit_transform(mnist_few.reshape(len(mnist_few), -1))
    np.testing.assert_array_equal(images, flat)
    assert est.n_features_out_ == flat.shape[1] == len(est.get_feature_names_out())


def test_colour_float32_equals_skimage(cifar_few):
    images = (cifar_few / 255).astype(np.float32)
    out = HOGFeatures(transform_sqrt=True).fit_transform(images)
    expected = [hog(image, channel_axis=-1, transform_sqrt=True) for image in images]
    np.testing.assert_array_equal(out, np.stack(expected).astype(np.float32))


def test_n_jobs_2_equals_n_jobs_1(mnist_train):
    X = mnist_train[0][:2500]  # more than two chunks of 1,024
    one = HOGFeatures(pixels_per_cell=(4, 4), cells_per_block=(2, 2)).fit_transform(X)
    two = HOGFeatures(pixels_per_cell=(4, 4), cells_per_block=(2, 2), n_jobs=2).fit_transform(X)
    np.testing.assert_array_equal(one, two)


def test_input_is_not_modified(mnist_few):
    X = mnist_few.astype(np.float64)
    before = X.copy()
    HOGFeatures(transform_sqrt=True).fit_transform(X)
    np.testing.assert_array_equal(X, before)


def test_the_feature_count_and_names_follow_parameters_set_after_fit(mnist_few):
    """The transformer is stateless: transform uses the parameters as they are, and the count
    and names it declares (what pandas output and pipelines read) agree with it."""
    hog = HOGFeatures().fit(mnist_few)
    hog.set_params(orientations=4)
    out = hog.transform(mnist_few)
    assert out.shape[1] == hog.n_features_out_ == len(hog.get_feature_names_out())
    assert not hasattr(HOGFeatures(), "n_features_out_")  # known after fit
