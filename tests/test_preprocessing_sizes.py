"""ComponentSizeMap on real MNIST composites, its values, layouts, dtypes, n_jobs and errors."""

from __future__ import annotations

import numpy as np
import pytest
from _composites import cached_composites

from skimgclf.exceptions import InputError
from skimgclf.preprocessing import BackgroundRemover, ComponentSizeMap, component_size_map


@pytest.fixture(scope="module")
def composites(mnist_train):
    return cached_composites(*mnist_train, 500, random_state=0)


def _two_blobs(dtype=np.uint8, value=255):
    """(2, 20, 20) images: a 4x4 square, and an 8x2 bar 3 pixels away (the largest)."""
    X = np.zeros((2, 20, 20), dtype=dtype)
    X[:, 2:6, 2:6] = value
    X[:, 9:17, 10:12] = value
    return X


def test_the_largest_component_is_the_labelled_digit_on_real_composites(composites):
    images, _, solo, _ = composites
    out = ComponentSizeMap().fit_transform(BackgroundRemover().fit_transform(images))
    assert out.shape == (len(images), 64, 64, 3) and out.dtype == np.uint8
    # The image channel is the cleaned composite, unchanged.
    np.testing.assert_array_equal(out[..., 0], np.where(images == 255, 255, 0))
    # Where the labelled digit lies, the relative channel is full (the image's largest
    # component) in nearly every composite: the rotation-invariant size measures the scale.
    digit = solo == 255
    on_largest = [(out[i, ..., 1][digit[i]] == 255).mean() > 0.5 for i in range(len(images))]
    print(f"\nlargest component = labelled digit in {np.mean(on_largest):.3f} of composites")
    assert np.mean(on_largest) >= 0.95
    # Every digit pixel has a size; no background pixel has one.
    assert (out[..., 1:][images != 255] == 0).all()
    assert (out[..., 2][images == 255] > 0).mean() > 0.99


def test_sizes_are_the_measured_sides_relative_and_absolute():
    out = ComponentSizeMap(min_size=1).fit_transform(_two_blobs())
    square, bar, background = out[0, 3, 3], out[0, 12, 10], out[0, 0, 19]
    assert bar.tolist() == [255, 255, round(255 * 8 / 20)]
    assert square.tolist() == [255, round(255 * 4 / 8), round(255 * 4 / 20)]
    assert background.tolist() == [0, 0, 0]


def test_areas_are_compared_with_the_image_side_as_lengths():
    """An area (square pixels) over a side would saturate: its square root is the length."""
    for heuristic in ("pixel_count", "bbox_area", "rotated_area"):
        out = ComponentSizeMap(min_size=1, heuristic=heuristic).fit_transform(_two_blobs())
        # the 4x4 square and the 8x2 bar both cover 16 pixels: sqrt(16) / 20 of the side
        for pixel in (out[0, 3, 3], out[0, 12, 10]):
            assert pixel.tolist() == [255, 255, round(255 * 4 / 20)]


def test_channels_choose_and_order_the_size_channels():
    X = _two_blobs()
    both = ComponentSizeMap(min_size=1).fit_transform(X)
    swapped = ComponentSizeMap(channels=["absolute", "relative"], min_size=1).fit_transform(X)
    np.testing.assert_array_equal(swapped[..., 1:], both[..., [2, 1]])
    alone = ComponentSizeMap(channels=("relative",), keep_image=False, min_size=1).fit_transform(X)
    assert alone.shape == (2, 20, 20)  # one channel in the (n, H, W) layout stays 3-D
    np.testing.assert_array_equal(alone, both[..., 1])


def test_specks_below_min_size_have_no_size_and_are_never_the_largest():
    X = _two_blobs()
    X[:, 18, 0] = 255  # a one-pixel speck
    X[:, 9:17, 10:12] = 0  # no bar: the square is now the largest
    out = ComponentSizeMap(min_size=2).fit_transform(X)
    assert out[0, 18, 0].tolist() == [255, 0, 0]
    assert out[0, 3, 3, 1] == 255


def test_pieces_closer_than_merge_distance_are_one_component():
    X = np.zeros((1, 10, 12), dtype=np.uint8)
    X[0, 4:6, 1:5] = 255
    X[0, 4:6, 6:10] = 255  # one background column between two 2x4 bars
    apart = ComponentSizeMap(merge_distance=0, min_size=1).fit_transform(X)
    joined = ComponentSizeMap(merge_distance=1, min_size=1).fit_transform(X)
    assert apart[0, 4, 1].tolist() == apart[0, 4, 9].tolist() == [255, 255, round(255 * 4 / 12)]
    # Joined, the two are one piece 9 pixels long (the gap counts in its extent).
    assert joined[0, 4, 1].tolist() == joined[0, 4, 9].tolist() == [255, 255, round(255 * 9 / 12)]


def test_layouts_follow_the_caller():
    X = _two_blobs()
    images = ComponentSizeMap().fit_transform(X)
    flat = ComponentSizeMap().fit_transform(X.reshape(2, -1))
    assert flat.shape == (2, 20 * 20 * 3)
    np.testing.assert_array_equal(flat, images.reshape(2, -1))
    wide = np.zeros((2, 10, 30), dtype=np.uint8)
    wide[:, 2:8, 5:9] = 255
    out = ComponentSizeMap(image_shape=(10, 30), min_size=1).fit_transform(wide.reshape(2, -1))
    assert out.shape == (2, 10 * 30 * 3)
    chw = ComponentSizeMap(channels_first=True).fit_transform(X[:, None])
    assert chw.shape == (2, 3, 20, 20)
    np.testing.assert_array_equal(np.moveaxis(chw, 1, 3), images)
    transformer = ComponentSizeMap().fit(X)
    names = transformer.get_feature_names_out()
    assert len(names) == flat.shape[1] and names[:3].tolist() == [
        "pixel0_c0", "pixel0_relative", "pixel0_absolute"]


def test_dtypes_floats_get_sizes_in_unit_range_and_masks_read_as_pixels():
    as_float = ComponentSizeMap(min_size=1).fit_transform(_two_blobs(np.float32, 1.0))
    assert as_float.dtype == np.float32
    assert as_float[0, 12, 10].tolist() == pytest.approx([1.0, 1.0, 8 / 20])
    mask = ComponentSizeMap(min_size=1).fit_transform(_two_blobs(bool, True))
    assert mask.dtype == np.uint8
    np.testing.assert_array_equal(mask, ComponentSizeMap(min_size=1).fit_transform(_two_blobs()))


def test_input_is_not_modified_and_n_jobs_gives_the_same_result(composites):
    images = BackgroundRemover().fit_transform(composites[0][:300])
    before = images.copy()
    one = component_size_map(images[..., None])
    two = component_size_map(images[..., None], n_jobs=2)
    np.testing.assert_array_equal(images, before)
    np.testing.assert_array_equal(one, two)


def test_blank_images_have_no_sizes():
    out = ComponentSizeMap().fit_transform(np.zeros((3, 8, 8), dtype=np.uint8))
    assert out.shape == (3, 8, 8, 3) and not out.any()


@pytest.mark.parametrize("channels", [(), ("relative", "relative"), ("area",), (1,)])
def test_bad_channels_are_refused_by_name(channels):
    with pytest.raises(InputError, match="channels must be a non-empty tuple of distinct names"):
        ComponentSizeMap(channels=channels).fit(_two_blobs())
    with pytest.raises(InputError, match="channels must be"):
        component_size_map(_two_blobs()[..., None], channels=channels)


def test_integer_images_outside_pixel_range_are_refused():
    X = _two_blobs(np.int32, 1000)
    with pytest.raises(InputError, match="0-255 pixel values"):
        ComponentSizeMap().fit_transform(X)
