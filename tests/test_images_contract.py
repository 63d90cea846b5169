"""The image contract, whole: one layout, channel-order and value-range rule for every step.

Every estimator reads an array the same way (skimgclf._images decides), and what the rule cannot
read is refused with an error that names the problem.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skimgclf.exceptions import InputError
from skimgclf.neural import CNNClassifier, TorchMLPClassifier
from skimgclf.preprocessing import (
    BackgroundRemover,
    ComponentSizeMap,
    HOGFeatures,
    LargestDigitExtractor,
    Normalizer,
    extract_largest_digit,
    flatten_images,
    remove_background,
)

RNG = np.random.default_rng(0)
GRAY = RNG.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
BLANK_MSG = "[0-9]+ of [0-9]+ images have no foreground"

SMALL_CNN = {"max_epochs": 1, "batch_size": 8, "augment": None, "random_state": 0,
             "device": "cpu"}


def _steps():
    """A fresh instance of every image step, with parameters that suit 28x28 images."""
    return [
        BackgroundRemover(threshold=128),
        LargestDigitExtractor(min_size=1),
        ComponentSizeMap(min_size=1),
        HOGFeatures(pixels_per_cell=(7, 7), cells_per_block=(1, 1)),
        Normalizer(mode="channel"),
        CNNClassifier(**SMALL_CNN),
        TorchMLPClassifier(hidden_sizes=(8,), **SMALL_CNN),
    ]


def _fit(step, X):
    y = np.arange(len(X)) % 2
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", BLANK_MSG)
        return step.fit(X, y)


# ------------------------------------------------------------------------- channel order
@pytest.mark.parametrize("step", _steps(), ids=lambda s: type(s).__name__)
def test_one_channel_order_rule_for_every_step(step):
    """An (n, 1, 28, 28) array is a 28x28 grayscale image to every step, not 28 channels."""
    _fit(step, GRAY[:, None])
    assert step.image_shape_ == (28, 28, 1)


@pytest.mark.parametrize("step", _steps()[:4], ids=lambda s: type(s).__name__)
def test_channels_first_output_comes_back_channels_first(step):
    rgb = RNG.integers(0, 256, size=(4, 3, 28, 28), dtype=np.uint8)  # (n, C, H, W)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", BLANK_MSG)
        out = step.fit_transform(rgb)
        last = step.fit_transform(np.ascontiguousarray(np.moveaxis(rgb, 1, 3)))
    assert step.image_shape_ == (28, 28, 3)
    if out.ndim == 4:  # image outputs keep the caller's layout; features do not depend on it
        np.testing.assert_array_equal(np.moveaxis(out, 1, 3), last)
    else:
        np.testing.assert_array_equal(out, last)


def test_ambiguous_shape_reads_channels_last_unless_told():
    X = RNG.integers(0, 256, size=(4, 3, 3, 3), dtype=np.uint8)
    assert Normalizer(mode="channel").fit(X).image_shape_ == (3, 3, 3)
    assert Normalizer(mode="channel", channels_first=True).fit(X).mean_.shape == (3,)
    np.testing.assert_allclose(
        Normalizer(mode="channel", channels_first=True).fit(X).mean_,
        X.mean(axis=(0, 2, 3)),
    )


def test_flatten_images_reads_channels_first_by_the_same_rule():
    chw = RNG.integers(0, 256, size=(2, 3, 5, 5), dtype=np.uint8)
    np.testing.assert_array_equal(flatten_images(chw),
                                  np.moveaxis(chw, 1, 3).reshape(2, -1))


# ------------------------------------------------------------------------- value range
def test_uint8_stays_uint8_through_the_pixel_steps():
    X = np.zeros((3, 40, 40), dtype=np.uint8)
    X[:, 5:30, 10:18] = 255
    X[:, 1:3, 1:3] = 90
    cleaned = BackgroundRemover().fit_transform(X)
    digits = LargestDigitExtractor().fit_transform(cleaned)
    assert cleaned.dtype == digits.dtype == np.uint8
    assert digits.shape == (3, 28, 28) and digits.max() == 255 and digits.min() == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_images_stay_float_in_their_units(dtype):
    X = np.zeros((2, 40, 40), dtype=dtype)
    X[:, 5:30, 10:18] = 1.0
    out = LargestDigitExtractor().fit_transform(X)
    assert out.dtype == dtype and 0.99 < out.max() <= 1.0


def test_extractor_output_reaches_the_cnn_scaled():
    """uint8 out of the extractor -> input_scale='auto' divides by 255 (no Normalizer needed)."""
    X = np.zeros((8, 40, 40), dtype=np.uint8)
    X[:, 5:30, 10:18] = 255
    pipe = make_pipeline(LargestDigitExtractor(), CNNClassifier(**SMALL_CNN))
    pipe.fit(X, np.arange(8) % 2)
    data = pipe[-1].get_dataset(pipe[0].transform(X))
    assert float(data.batch(slice(None), "cpu")[0].max()) == pytest.approx(1.0)


def test_bool_masks_are_read_as_0_and_255():
    mask = np.zeros((2, 10, 10), dtype=bool)
    mask[:, 2:8, 4:6] = True
    out = BackgroundRemover().fit_transform(mask)  # threshold 255 keeps the True pixels
    assert out.dtype == np.uint8 and out.max() == 255
    np.testing.assert_array_equal(out > 0, mask)
    np.testing.assert_array_equal(Normalizer(mode="scale").fit_transform(mask), mask)
    np.testing.assert_array_equal(remove_background(mask) > 0, mask)
    digits = LargestDigitExtractor(min_size=4).fit_transform(mask)
    assert digits.dtype == np.uint8 and digits.max() == 255


def test_scale_mode_maps_0_255_to_0_1_for_any_dtype():
    for dtype in (np.uint8, np.int64, np.float32, np.float64):
        X = np.array([[0, 51, 255]], dtype=dtype)
        np.testing.assert_allclose(Normalizer().fit_transform(X), [[0.0, 0.2, 1.0]], rtol=1e-6)


VALUE_RANGE_CASES = [
    ("scale: uint16 images", lambda: Normalizer().fit(np.full((2, 4), 4000, np.uint16)),
     "Normalizer(mode='scale') reads integer images as 0-255 pixel values, but X (uint16) "
     "holds values from 4000 to 4000; convert 16-bit images to 8 bits"),
    ("scale: floats already in [0, 1]", lambda: Normalizer().fit(np.full((2, 4), 0.5)),
     "Normalizer(mode='scale') maps 0-255 pixels to 0-1, but X is float and lies within [0, 1] "
     "already (max 0.5)"),
    ("scale: negative floats", lambda: Normalizer().fit(np.array([[-1.0, 3.0]])),
     "Normalizer(mode='scale') maps 0-255 pixels to 0-1, but X holds values from -1 to 3, "
     "outside [0, 255]; use Normalizer(mode='channel')"),
    ("scale: negative integers", lambda: Normalizer().fit(np.array([[-1, 3]])),
     "reads integer images as 0-255 pixel values, but X (int64) holds values from -1 to 3"),
    ("scale at transform: floats in [0, 1]", lambda: Normalizer().fit(GRAY).transform(
        GRAY / 255.0),
     "Normalizer(mode='scale') maps 0-255 pixels to 0-1, but X is float and lies within [0, 1]"),
    ("threshold 255 on float [0, 1] images", lambda: BackgroundRemover().fit_transform(
        GRAY / 255.0),
     "threshold=255 is in 0-255 units, but X is float and lies within [0, 1]: every pixel would "
     "become background"),
    ("threshold above uint8", lambda: BackgroundRemover(threshold=300).fit_transform(GRAY),
     "threshold=300 is above the largest uint8 value (255): every pixel would become background"),
    ("function: threshold 255 on float images", lambda: remove_background(GRAY / 255.0),
     "threshold=255 is in 0-255 units, but X is float and lies within [0, 1]"),
    ("cnn: 16-bit images", lambda: CNNClassifier(**SMALL_CNN).fit(
        np.full((4, 8, 8), 1000, np.uint16), [0, 1, 0, 1]),
     "reads integer images as 0-255 pixel values, but X (uint16) holds values from 1000 to 1000"),
]


@pytest.mark.parametrize(("fn", "message"), [c[1:] for c in VALUE_RANGE_CASES],
                         ids=[c[0] for c in VALUE_RANGE_CASES])
def test_value_range_refusals_name_the_problem(fn, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        fn()


def test_blank_float_images_are_not_mistaken_for_scaled_ones():
    # All-zero images say nothing about their scale: they pass through scale mode and the
    # 255 rule (e.g. a blank image at predict time).
    np.testing.assert_array_equal(Normalizer().fit_transform(np.zeros((1, 4))), 0)
    np.testing.assert_array_equal(BackgroundRemover().fit_transform(np.zeros((1, 4))), 0)


def test_input_scale_float_is_used_as_given():
    X = np.full((4, 8, 8), 1000, np.uint16)
    clf = CNNClassifier(input_scale=1 / 1000, **SMALL_CNN).fit(X, [0, 1, 0, 1])
    assert float(clf.get_dataset(X).batch(slice(None), "cpu")[0].max()) == pytest.approx(1.0)


# ------------------------------------------------------------------------- malformed arrays
@pytest.mark.parametrize("step", _steps(), ids=lambda s: type(s).__name__)
def test_empty_image_stack_is_refused_at_fit_and_at_predict(step):
    empty = np.zeros((0, 28, 28), dtype=np.uint8)
    with pytest.raises(ValueError, match=re.escape("Found array with 0 sample(s) (shape=(0, 28, "
                                                   "28)) while a minimum of 1 is required")):
        step.fit(empty, np.zeros(0))
    _fit(step, GRAY)
    apply = step.predict if hasattr(step, "predict") else step.transform
    with pytest.raises(ValueError, match="X holds no images"):
        apply(empty)


@pytest.mark.parametrize("step", _steps(), ids=lambda s: type(s).__name__)
def test_ragged_list_of_images_names_the_shapes(step):
    ragged = [np.zeros((28, 28)), np.zeros((32, 32))]
    with pytest.raises(ValueError, match=re.escape(
            "X is a list of 2 images of different shapes (28x28, 32x32); resize them to one "
            "shape first")):
        step.fit(ragged, [0, 1])


@pytest.mark.parametrize("step", _steps(), ids=lambda s: type(s).__name__)
def test_complex_images_are_refused_without_printing_the_array(step):
    with pytest.raises(ValueError) as info:
        step.fit(GRAY.astype(np.complex128), np.arange(6) % 2)
    message = str(info.value)
    assert "Complex data not supported: X has dtype complex128" in message
    assert "\n" not in message and len(message) < 200


@pytest.mark.parametrize("step", _steps(), ids=lambda s: type(s).__name__)
def test_string_images_are_refused(step):
    with pytest.raises(ValueError, match="not pixel values"):
        step.fit(np.full((2, 4, 4), "a"), [0, 1])


@pytest.mark.parametrize("step", _steps()[:4], ids=lambda s: type(s).__name__)
def test_images_without_pixels_are_refused(step):
    with pytest.raises(ValueError, match="which have no pixels"):
        step.fit(np.zeros((2, 0, 5)))


# ------------------------------------------------------------------------- one image, no batch axis
def _apply(step):
    return step.predict if hasattr(step, "predict") else step.transform


@pytest.mark.parametrize("step", _steps(), ids=lambda s: type(s).__name__)
def test_one_gray_image_without_batch_axis_is_named(step):
    """(28, 28) given to a 28x28 model: 28 flat rows of 28 features can never be the 784
    expected, so it is one image, and the message says how to add the batch axis."""
    _fit(step, GRAY)
    with pytest.raises(InputError, match=re.escape(
            "X looks like one 28x28 image; add the batch axis: X[np.newaxis] (or "
            "X.reshape(1, 28, 28))")):
        _apply(step)(GRAY[0])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", BLANK_MSG)
        assert len(_apply(step)(GRAY[0][np.newaxis])) == 1  # the fix the message gives works


@pytest.mark.parametrize("step", _steps(), ids=lambda s: type(s).__name__)
def test_one_colour_image_without_batch_axis_is_named(step):
    rgb = RNG.integers(0, 256, size=(4, 28, 28, 3), dtype=np.uint8)
    _fit(step, rgb)
    with pytest.raises(InputError, match=re.escape(
            "X looks like one 28x28x3 image; add the batch axis: X[np.newaxis] (or "
            "X.reshape(1, 28, 28, 3))")):
        _apply(step)(rgb[0])
    # channels first, as PyTorch stores one image: the same hint, naming the layout
    with pytest.raises(InputError, match=re.escape(
            "X looks like one 3x28x28 (C, H, W) image; add the batch axis: X[np.newaxis]")):
        _apply(step)(np.moveaxis(rgb[0], 2, 0))


# (fitted on, given at predict): arrays that a single-image reading would also match, but that
# are legitimate batches -- the batch-axis hint must never refuse them.
LEGITIMATE_BATCHES = {
    "n flat rows, n == H": ((5, 4, 4), (4, 16)),
    "one flat row of a 1xW model": ((5, 1, 10), (1, 10)),
    "gray 3x3 batch that looks like one 3x3x3 image": ((5, 3, 3), (3, 3, 3)),
    "gray batch of 28x3 images": ((5, 28, 3), (28, 28, 3)),
    "one 1x1 gray image as a batch": ((5, 1, 1), (1, 1, 1)),
}


@pytest.mark.parametrize(("fit_shape", "shape"), LEGITIMATE_BATCHES.values(),
                         ids=LEGITIMATE_BATCHES)
def test_batches_that_look_like_one_image_are_still_read_as_batches(fit_shape, shape):
    X = RNG.integers(0, 256, size=fit_shape, dtype=np.uint8)
    step = Normalizer(mode="pixel").fit(X)
    out = step.transform(RNG.integers(0, 256, size=shape, dtype=np.uint8))
    assert out.shape == shape


def test_a_colour_model_does_not_take_a_gray_batch_for_one_image():
    """(3, 3, 3) for a 3x3x3 model is one image; for a 3x3 gray model it is 3 images."""
    cube = RNG.integers(0, 256, size=(3, 3, 3), dtype=np.uint8)
    with pytest.raises(InputError, match="X looks like one 3x3x3 image"):
        Normalizer().fit(cube[np.newaxis]).transform(cube)
    assert Normalizer().fit(cube).transform(cube).shape == (3, 3, 3)


# ------------------------------------------------------------------------- blank fallbacks
def _digit_stack(n, blank):
    X = np.zeros((n, 32, 32), dtype=np.uint8)
    X[:, 4:28, 12:20] = 255
    X[list(blank)] = 0
    return X


@pytest.mark.parametrize(("n", "blank"), [
    (1, [0]),                       # one blank image
    (5, range(5)),                  # a batch of blank images
    (1100, range(550)),             # with n_jobs=2, the first worker's whole share is blank
    (1100, range(550, 1100)),       # the second worker's
    (1100, [3, 700]),
])
def test_blank_images_give_blank_output_for_any_n_jobs(n, blank):
    X = _digit_stack(n, blank)
    outputs = []
    for n_jobs in (1, 2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outputs.append(LargestDigitExtractor(n_jobs=n_jobs).fit_transform(X))
        assert [str(w.message).split(" images")[0] for w in caught] == [
            f"{len(blank)} of {n}"]
    np.testing.assert_array_equal(outputs[0], outputs[1])
    out = outputs[0]
    assert not out[list(blank)].any()
    kept = np.setdiff1d(np.arange(n), list(blank))
    assert all(out[i].max() == 255 for i in kept[:5])
    _, flags = extract_largest_digit(X[..., None], return_blank=True)
    np.testing.assert_array_equal(np.flatnonzero(flags), sorted(blank))


def test_fitted_pipeline_predicts_on_one_blank_image():
    X = _digit_stack(20, [])
    X[10:, 4:28, 12:20] = 0
    X[10:, 10:20, 4:28] = 255
    y = np.r_[np.zeros(10), np.ones(10)]
    pipe = Pipeline([
        ("bg", BackgroundRemover()),
        ("digit", LargestDigitExtractor()),
        ("scale", Normalizer()),
        ("flat", FunctionTransformer(flatten_images)),
        ("clf", LogisticRegression()),
    ]).fit(X, y)
    with pytest.warns(UserWarning, match="1 of 1 images have no foreground"):
        assert pipe.predict(np.zeros((1, 32, 32), dtype=np.uint8)).shape == (1,)


def test_steps_do_not_modify_their_input():
    X = GRAY.copy()
    for step in _steps()[:4]:
        _fit(step, X)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", BLANK_MSG)
            step.transform(X)
        np.testing.assert_array_equal(X, GRAY)


# ------------------------------------------------------------------------- labels
LABEL_CASES = [
    ("ints mixed with strs", [0, "a", 1, "b", 0, 1],
     "y mixes str and number labels (y[0] = 0, y[1] = 'a'); use one type for every label"),
    ("None among the labels", ["a", None, "b", "a", "b", "a"],
     "y holds 1 missing label(s) (NaN or None) at index [1]"),
    ("NaN among the labels", [0.0, np.nan, 1.0, 0.0, 1.0, 0.0],
     "y holds 1 missing label(s) (NaN or None) at index [1]"),
    ("continuous targets", [0.5, 1.5, 0.25, 0.5, 1.5, 0.25],
     "y holds values that are not class labels (y[0] = 0.5); Unknown label type: continuous"),
    ("2-D labels", np.zeros((6, 2)),
     "y must be 1-D class labels; got an array of shape (6, 2)"),
]


@pytest.mark.parametrize("cls", [CNNClassifier, TorchMLPClassifier])
@pytest.mark.parametrize(("y", "message"), [c[1:] for c in LABEL_CASES],
                         ids=[c[0] for c in LABEL_CASES])
def test_bad_labels_name_the_sample_at_fault(cls, y, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        cls(**SMALL_CNN).fit(GRAY, y)
