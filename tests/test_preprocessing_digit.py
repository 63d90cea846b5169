"""LargestDigitExtractor on real MNIST composites, its geometry, layouts, n_jobs, fallbacks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _composites import cached_composites, extraction_rate
from scipy import ndimage
from scipy.spatial import ConvexHull

from skimgclf.preprocessing import BackgroundRemover, LargestDigitExtractor, extract_largest_digit
from skimgclf.preprocessing._components import HEURISTICS, label_stack, min_area_rectangles

N_COMPOSITES = 500


@pytest.fixture(scope="module")
def composites(mnist_train):
    return cached_composites(*mnist_train, N_COMPOSITES, random_state=0)


@pytest.fixture(scope="module")
def rates(composites):
    images, _, solo, _ = composites
    clean = BackgroundRemover().fit_transform(images)
    found = {}
    with warnings.catch_warnings():
        # A few composites' largest digit is shattered into specks by binarisation: blank output.
        warnings.filterwarnings("ignore", "[0-9]+ of [0-9]+ images have no foreground")
        for heuristic in HEURISTICS:
            ext = LargestDigitExtractor(heuristic=heuristic)
            found[heuristic] = extraction_rate(ext.fit_transform(clean), ext.fit_transform(solo))
    return found


def test_composites_are_as_specified(composites):
    images, targets, solo, n_digits = composites
    assert images.shape == (N_COMPOSITES, 64, 64) and images.dtype == np.uint8
    assert set(np.unique(n_digits)) == {2, 3}
    assert set(np.unique(targets)) == set(range(10))
    # Digits are exactly 255; the noise spans 0..254; the largest digit is where solo says.
    assert ((images == 255) | (images < 255)).all() and images[images < 255].max() == 254
    assert ((solo == 255) <= (images == 255)).all()
    counts = [label_stack(((images == 255) & ~(solo == 255))[i:i + 1]).count.size
              for i in range(20)]
    assert min(counts) >= 1  # at least one other digit besides the largest


def test_rotation_invariant_scale_heuristic_finds_the_largest_digit(rates, record_property):
    # The label of a composite is the digit scaled up the most (>= 1.2x the others).
    for name, rate in rates.items():
        record_property(f"extraction_rate_{name}", rate)
    print("\nlargest-digit extraction rates on", N_COMPOSITES, "MNIST composites:",
          {name: round(rate, 3) for name, rate in rates.items()})
    assert rates["rotated_side"] >= 0.95
    # The longer side of the rotated rectangle measures scale; upright boxes grow with rotation
    # and areas/pixel counts depend on the digit's shape (a 1 against a 0), so none does better.
    assert rates["rotated_side"] == max(rates.values())
    # Area-type measures: a thin digit has far less area than a round one of the same scale, so
    # they stay below the scale measure; they must still find the largest digit most of the time.
    for name in ("rotated_area", "pixel_count", "bbox_area", "bbox_side"):
        assert rates[name] >= 0.8, name


def test_rotation_invariance_of_the_rotated_measures(mnist_train):
    digits = mnist_train[0][:30] > 127
    upright = label_stack(digits, merge_distance=1)
    turned = label_stack(np.ascontiguousarray(np.rot90(digits, axes=(1, 2))), merge_distance=1)
    for name in ("rotated_side", "rotated_area", "pixel_count"):
        np.testing.assert_allclose(np.sort(upright.size(name)), np.sort(turned.size(name)))
    # Under a 30-degree rotation the rotated side moves much less than the upright box side.
    pad = np.pad(digits, ((0, 0), (10, 10), (10, 10)))
    spun = ndimage.rotate(pad.astype(float), 30, axes=(1, 2), order=1, reshape=False) > 0.5

    def biggest(mask, name):
        comps = label_stack(mask, merge_distance=1)
        size = comps.size(name)
        return np.array([size[comps.image == i].max() for i in range(len(mask))])

    change = {name: np.median(np.abs(biggest(spun, name) / biggest(pad, name) - 1))
              for name in ("rotated_side", "bbox_side")}
    assert change["rotated_side"] < 0.06 < change["bbox_side"]


def test_min_area_rectangle_equals_brute_force_over_hull_edges():
    rng = np.random.default_rng(0)
    masks = np.zeros((60, 30, 30), dtype=bool)
    for mask in masks:
        for _ in range(3):
            r, c = rng.integers(6, 24, size=2)
            mask[r - rng.integers(1, 5):r + rng.integers(1, 5),
                 c - rng.integers(1, 5):c + rng.integers(1, 5)] = True
        mask[:] = ndimage.rotate(mask.astype(float), rng.uniform(0, 90), order=0,
                                 reshape=False) > 0.5
    comps = label_stack(masks)
    area, side = min_area_rectangles(comps)
    checked = 0
    for k, start in enumerate(comps.starts):
        points = np.c_[comps.rows, comps.cols][start:start + comps.count[k]].astype(float)
        if len(np.unique(points[:, 0])) < 2 or len(np.unique(points[:, 1])) < 2:
            continue  # a line: no 2-D hull for Qhull
        hull = points[ConvexHull(points).vertices]
        best = (np.inf, 0.0)
        for a, b in zip(hull, np.roll(hull, -1, axis=0), strict=True):
            u = (b - a) / np.hypot(*(b - a))
            along, across = hull @ u, hull @ np.array([-u[1], u[0]])
            length, width = np.ptp(along) + 1, np.ptp(across) + 1
            best = min(best, (length * width, max(length, width)))
        assert area[k] == pytest.approx(best[0], abs=1e-5)
        checked += 1
    assert checked > 100


def test_output_is_mnist_like_and_centred_by_mass():
    X = np.zeros((1, 64, 64), dtype=np.uint8)
    X[0, 5:45, 30:40] = 255  # a 40x10 bar, largest
    X[0, 50:60, 5:15] = 255  # a 10x10 square
    out = LargestDigitExtractor().fit_transform(X)[0].reshape(28, 28)
    rows, cols = np.nonzero(out > 127)
    assert (rows.min(), rows.max()) == (4, 23)  # 40 rows scaled into the 20-pixel box
    assert 4 <= cols.min() and cols.max() <= 23
    # Shrunk by 2 with anti-aliasing, the ink keeps its mass: 40x10 pixels become 20x5.
    assert out.sum() / 255 == pytest.approx(20 * 5, rel=0.02)
    mass = out / out.sum()
    com = (mass.sum(axis=1) @ np.arange(28), mass.sum(axis=0) @ np.arange(28))
    np.testing.assert_allclose(com, (13.5, 13.5), atol=0.05)


def test_specks_and_broken_digits():
    X = np.zeros((2, 40, 40), dtype=np.uint8)
    X[:, 2:4, 2:4] = 255            # a 4-pixel speck
    X[:, 10:20, 10:12] = 255        # upper half of a bar ...
    X[:, 21:30, 10:12] = 255        # ... its lower half, one pixel apart
    X[1, 30:38, 30:36] = 255        # image 1: a 48-pixel block, larger than each half
    pieces = LargestDigitExtractor(heuristic="pixel_count", merge_distance=0,
                                   flatten=False).fit_transform(X)
    joined = LargestDigitExtractor(heuristic="pixel_count", merge_distance=1,
                                   flatten=False).fit_transform(X)
    # Without merging image 1 keeps the block; merged, the 38-pixel bar is still smaller.
    assert np.array_equal(pieces[1], joined[1])
    # Image 0: merging keeps the whole 20-row bar (taller, thinner than one half).
    tall = lambda out: np.ptp(np.nonzero(out > 127)[0]) + 1  # noqa: E731
    assert tall(joined[0]) == 20 and tall(pieces[0]) == 20
    assert (joined[0] > 127).sum() < (pieces[0] > 127).sum()
    only_speck = np.zeros((1, 40, 40), dtype=np.uint8)
    only_speck[0, 5:7, 5:7] = 255
    with pytest.warns(UserWarning, match="1 of 1 images have no foreground component of at least "
                                         "min_size=10 pixels; their output is blank"):
        out = LargestDigitExtractor().fit_transform(only_speck)
    assert not out.any()
    assert LargestDigitExtractor(min_size=4).fit_transform(only_speck).any()


def test_blank_images_are_counted_and_warned_once():
    X = np.zeros((5, 32, 32), dtype=np.uint8)
    X[1, 4:20, 4:9] = 255
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = LargestDigitExtractor().fit_transform(X)
    assert len(caught) == 1 and "4 of 5 images" in str(caught[0].message)
    assert out[1].any() and not out[[0, 2, 3, 4]].any()
    _, blank = extract_largest_digit(X[..., None], return_blank=True)
    np.testing.assert_array_equal(blank, [True, False, True, True, True])


def test_layouts_round_trip_and_input_untouched(composites):
    images = BackgroundRemover().fit_transform(composites[0][:40])
    before = images.copy()
    ext = LargestDigitExtractor(output_shape=(20, 24), margin=2, flatten=False)
    as_images = ext.fit_transform(images)
    assert as_images.shape == (40, 20, 24)
    flat = ext.fit_transform(images.reshape(40, -1))
    assert flat.shape == (40, 480)
    np.testing.assert_array_equal(flat.reshape(40, 20, 24), as_images)
    four_d = ext.fit_transform(images[..., None])
    np.testing.assert_array_equal(four_d[..., 0], as_images)
    np.testing.assert_array_equal(images, before)
    assert ext.fit_transform(images.astype(np.float64)).dtype == np.float64
    wide = np.pad(images, ((0, 0), (0, 0), (0, 6)))  # 64x70: flat needs image_shape
    np.testing.assert_array_equal(
        LargestDigitExtractor(image_shape=(64, 70)).fit_transform(wide.reshape(40, -1)),
        LargestDigitExtractor(flatten=False).fit_transform(wide).reshape(40, -1),
    )
    # flatten=True gives flat rows, whatever the input layout; the default keeps the layout.
    np.testing.assert_array_equal(LargestDigitExtractor(flatten=True).fit_transform(
                                      images[..., None]),
                                  LargestDigitExtractor().fit_transform(images).reshape(40, -1))
    assert LargestDigitExtractor().fit_transform(images).shape == (40, 28, 28)


def test_colour_images_use_every_channel():
    X = np.zeros((1, 30, 30, 3), dtype=np.uint8)
    X[0, 5:25, 10:15, 0] = 200      # red bar, largest
    X[0, 2:5, 2:5, 2] = 255         # blue speck
    out = LargestDigitExtractor(min_size=4, flatten=False).fit_transform(X)
    assert out.shape == (1, 28, 28, 3)
    assert out[..., 0].max() == pytest.approx(200, abs=1) and not out[..., 1:].any()


@pytest.mark.filterwarnings("ignore:[0-9]+ of [0-9]+ images have no foreground")
def test_n_jobs_2_equals_n_jobs_1(composites):
    images = BackgroundRemover().fit_transform(composites[0][:300])
    one = LargestDigitExtractor().fit_transform(images)
    two = LargestDigitExtractor(n_jobs=2).fit_transform(images)
    np.testing.assert_array_equal(one, two)
