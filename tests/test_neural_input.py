"""Images stay in their own dtype until the batch: no full-size float copy in the networks.

The networks store uint8 pixels as uint8 and float32 as float32, sharing the caller's memory,
and convert each batch on the device (scale, then the standardisation of ``normalize``).
Memory figures are measured by benchmarks/bench_memory.py; here, what makes them hold.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.pipeline import make_pipeline

from skimgclf import CNNClassifier, Normalizer, TorchMLPClassifier
from skimgclf.datasets import load_digits_images

FAST = {"max_epochs": 2, "batch_size": 64, "random_state": 0, "device": "cpu"}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_images(return_X_y=True)
    return X, y  # uint8 0-255 pixels, flat (n, 64)


def _first_batch(clf, X):
    data = clf.get_dataset(X)
    return data, next(iter(clf.get_iterator(data, training=False)))[0]


@pytest.mark.parametrize("cls", [CNNClassifier, TorchMLPClassifier])
def test_uint8_and_float32_images_are_shared_not_copied(cls, digits):
    X, y = digits
    clf = cls(**FAST).fit(X[:200], y[:200])
    for images in (X[:100], (X[:100] / 255).astype(np.float32)):
        data, xb = _first_batch(clf, images)
        assert data.X.dtype == torch.from_numpy(images).dtype
        assert data.X.data_ptr() == images.ctypes.data  # the caller's own memory
        assert xb.dtype == torch.float32 and 0 <= float(xb.min()) and float(xb.max()) <= 1
    assert np.array_equal(clf.predict(X[:100]), clf.predict((X[:100] / 255).astype(np.float32)))


def test_read_only_and_non_contiguous_images_work(digits):
    X, y = digits
    clf = CNNClassifier(**FAST).fit(X[:200], y[:200])
    frozen = X[:100].copy()
    frozen.flags.writeable = False
    with_stride = np.asfortranarray(X[:100])
    expected = clf.predict_proba(X[:100])
    np.testing.assert_allclose(clf.predict_proba(frozen), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(with_stride), expected, rtol=1e-5, atol=1e-6)
    assert not frozen.flags.writeable  # nothing the user gave is modified


def test_writable_images_reach_torch_without_touching_the_warning_filters(monkeypatch):
    """catch_warnings swaps the process-wide filters, which threads predicting at once would
    leave mixed: only a read-only array (whose sharing torch warns about) goes through it."""
    import warnings

    from skimgclf.neural._data import images_to_tensor

    def refuse(*args, **kwargs):
        raise AssertionError("warnings.catch_warnings entered for a writable array")

    monkeypatch.setattr(warnings, "catch_warnings", refuse)
    images = np.zeros((2, 4, 4, 1), dtype=np.uint8)
    assert images_to_tensor(images, "cpu").shape == (2, 4, 4, 1)


def test_wide_integers_are_never_wrapped_around():
    X = np.full((4, 8, 8), 1000, np.uint16)  # 16-bit values with an explicit scale
    clf = CNNClassifier(input_scale=1 / 1000, **FAST).fit(X, [0, 1, 0, 1])
    _, xb = _first_batch(clf, X)
    assert float(xb.max()) == pytest.approx(1.0)


@pytest.mark.parametrize("mode", ["channel", "pixel"])
def test_normalize_standardises_each_batch_as_normalizer_does(mode, digits):
    X_all, y_all = digits
    X = X_all[:600]
    clf = CNNClassifier(normalize=mode, **{**FAST, "max_epochs": 8}).fit(X, y_all[:600])
    expected = Normalizer(mode=mode).fit(X).transform(X[:64]).reshape(-1, 8, 8)  # float32
    data, xb = _first_batch(clf, X[:64])
    assert data.X.dtype == torch.uint8  # standardised per batch, not stored as floats
    np.testing.assert_allclose(xb[:, 0].numpy(), expected, rtol=1e-4, atol=1e-4)
    shape = (1,) if mode == "channel" else (8, 8, 1)
    assert clf.input_mean_.shape == shape and clf.input_std_.shape == shape
    # the statistics are in the units after the scale: float [0, 1] input is read the same way
    _, xb_float = _first_batch(clf, (X[:64] / 255).astype(np.float32))
    np.testing.assert_allclose(xb_float.numpy(), xb.numpy(), rtol=1e-4, atol=1e-4)
    assert clf.score(X_all[600:900], y_all[600:900]) > 0.7  # 0.85-0.89 measured (0.92 without)


def test_normalize_off_again_forgets_the_statistics(digits):
    X, y = digits
    clf = CNNClassifier(normalize="channel", **FAST).fit(X[:200], y[:200])
    clf.set_params(normalize=None).fit(X[:200], y[:200])
    assert not hasattr(clf, "input_mean_") and not hasattr(clf, "input_std_")


def test_normalizer_output_reaches_the_network_without_a_copy(digits):
    X, y = digits
    pipe = make_pipeline(Normalizer(mode="channel"), CNNClassifier(**FAST)).fit(X[:200], y[:200])
    standardised = pipe[0].transform(X[:100])
    assert standardised.dtype == np.float32
    data, _ = _first_batch(pipe[-1], standardised)
    assert data.X.data_ptr() == standardised.ctypes.data


def test_validation_split_is_a_view(digits):
    X, y = digits
    clf = CNNClassifier(validation_fraction=0.25, **FAST).fit(X[:200], y[:200])
    data = clf.get_dataset(X[:200])
    train, valid = clf.get_split_datasets(
        type(data)(data.X, torch.as_tensor(clf.label_encoder_.transform(y[:200])),
                   transform=data.transform))
    assert train.X.data_ptr() == valid.X.data_ptr() == data.X.data_ptr()
    assert len(train) + len(valid) == 200
    assert set(train.index.tolist()).isdisjoint(valid.index.tolist())
    assert "valid_loss" in clf.history_[-1]


@pytest.mark.parametrize("cls", [CNNClassifier, TorchMLPClassifier])
def test_pixels_in_other_units_than_at_fit_are_refused(cls, digits):
    # The value-range rule reads integers as 0-255 pixels and floats as they are: the same
    # pixels as 0-255 floats (or uint8 after a fit on 0-255 floats) would reach the network in
    # other units than it learned, and it would predict from them without a sign.
    X, y = digits
    X, y = X[:200], y[:200]
    on_uint8 = cls(**FAST).fit(X, y)
    assert on_uint8.input_scale_ == pytest.approx(1 / 255)
    assert on_uint8.input_range_ == (0.0, pytest.approx(X.max() / 255))
    with pytest.raises(ValueError, match=r"fitted on integer 0-255 pixels, which it reads as "
                                         r"\[0, 1\], but X is float32 with values from 0 to"):
        on_uint8.predict(X.astype(np.float32))
    # floats in [0, 1] are those pixels in the network's units: taken, with the same answer
    np.testing.assert_array_equal(on_uint8.predict((X / 255).astype(np.float32)),
                                  on_uint8.predict(X))
    on_floats = cls(**FAST).fit(X.astype(np.float32), y)
    assert on_floats.input_range_ == (0.0, float(X.max()))
    with pytest.raises(ValueError, match="fitted on float images with values from 0 to"):
        on_floats.predict(X)
    on_unit_floats = cls(**FAST).fit(X / 255, y)
    np.testing.assert_array_equal(on_unit_floats.predict(X), on_unit_floats.predict(X / 255))
    # an explicit input_scale is the user's statement of the units: no check
    explicit = cls(input_scale=1.0, **FAST).fit(X.astype(np.float32), y)
    assert explicit.predict(X).shape == (200,)


def test_predict_reads_pixels_as_at_fit_whatever_the_parameters_say_now(digits):
    # input_scale and image_shape set after fit apply at the next fit; predict keeps the
    # training images' units and shape (flat rows were read as 4x16 images, pixels rescaled).
    X, y = digits
    clf = CNNClassifier(**FAST).fit(X[:200], y[:200])
    expected = clf.predict_proba(X[:50])
    clf.set_params(input_scale=1.0, image_shape=(4, 16))
    np.testing.assert_array_equal(clf.predict_proba(X[:50]), expected)
    with pytest.raises(ValueError, match=r"X holds images of 4x16x1, but CNNClassifier was "
                                         r"fitted on images of 8x8x1: the image shape differs "
                                         r"\(as many values, in another shape\)"):
        clf.predict(X[:50].reshape(-1, 4, 16))
