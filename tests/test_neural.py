"""CNNClassifier and TorchMLPClassifier: input layouts, labels, fast path, seeding, persistence,
errors and skorch's machinery (callbacks, routing, set_params)."""

from __future__ import annotations

import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback, Checkpoint

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.augment import RandomAffine
from skimgclf.exceptions import InputError
from skimgclf.neural import CNNClassifier, TorchMLPClassifier, reads_channels_first
from skimgclf.neural._data import ImageTensorData, TensorBatchIterator

NAMES = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
FAST = {"max_epochs": 3, "batch_size": 32, "random_state": 0}


@pytest.fixture(scope="module")
def digits():
    """400 8x8 uint8 digit images with string labels."""
    d = load_digits()
    X = np.round(d.images[:400] * (255 / 16)).astype(np.uint8)
    return X, NAMES[d.target[:400]]


@pytest.fixture(scope="module")
def fitted_cnn(digits):
    X, y = digits
    return CNNClassifier(**FAST).fit(X, y)


def test_labels_of_any_type_and_probabilities(fitted_cnn, digits):
    X, y = digits
    assert list(fitted_cnn.classes_) == sorted(NAMES)
    pred = fitted_cnn.predict(X)
    assert pred.dtype == y.dtype and set(pred) <= set(NAMES)
    assert np.mean(pred == y) > 0.8  # 3 epochs on 400 images already learn the digits
    proba = fitted_cnn.predict_proba(X[:50])
    assert proba.shape == (50, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(fitted_cnn.classes_[proba.argmax(1)], pred[:50])
    assert fitted_cnn.n_features_in_ == 64 and fitted_cnn.image_shape_ == (8, 8, 1)


def test_every_input_layout_gives_the_same_predictions(fitted_cnn, digits):
    X = digits[0][:30]
    expected = fitted_cnn.predict_proba(X)
    layouts = {
        "flat": X.reshape(30, -1),
        "hwc": X[..., None],
        "chw (unambiguous)": X[:, None],
        "torch chw": torch.from_numpy(X[:, None].copy()),
        "float in [0, 1]": X.astype(np.float32) / 255,
    }
    for name, data in layouts.items():
        np.testing.assert_allclose(fitted_cnn.predict_proba(data), expected, atol=1e-5,
                                   err_msg=name)


def test_channels_first_decision():
    assert reads_channels_first(np.zeros((2, 1, 28, 28)))
    assert reads_channels_first(np.zeros((2, 3, 32, 32)))
    assert not reads_channels_first(np.zeros((2, 28, 28, 1)))
    assert not reads_channels_first(np.zeros((2, 3, 3, 3)))  # ambiguous: the documented (n,H,W,C)
    assert reads_channels_first(np.zeros((2, 3, 3, 3)), channels_first=True)
    # At predict the layout that matches the fitted (H, W, C) wins.
    assert reads_channels_first(np.zeros((2, 3, 4, 4)), fitted_shape=(4, 4, 3))
    assert not reads_channels_first(np.zeros((2, 4, 4, 3)), fitted_shape=(4, 4, 3))


def test_colour_channels_first_input_trains(digits):
    X, y = digits
    rgb = np.repeat(X[:100, None], 3, axis=1)  # (n, 3, 8, 8)
    clf = CNNClassifier(max_epochs=1, batch_size=32, random_state=0, channels_first=True)
    clf.fit(rgb, y[:100])
    assert clf.image_shape_ == (8, 8, 3)
    assert clf.module_.features[0].in_channels == 3
    assert clf.predict(rgb).shape == (100,)
    with pytest.raises(ValueError, match="image shape differs"):
        clf.predict(np.moveaxis(rgb, 1, 3))  # declared channels-first: (n, H, W, C) is misread


def test_identical_reruns_and_seed_matters(digits):
    X, y = digits
    a = CNNClassifier(**FAST).fit(X[:200], y[:200]).predict_proba(X[:50])
    b = CNNClassifier(**FAST).fit(X[:200], y[:200]).predict_proba(X[:50])
    c = CNNClassifier(**{**FAST, "random_state": 1}).fit(X[:200], y[:200]).predict_proba(X[:50])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_pickle_and_joblib_round_trips(fitted_cnn, digits, tmp_path):
    X = digits[0][:40]
    expected = fitted_cnn.predict_proba(X)
    restored = pickle.loads(pickle.dumps(fitted_cnn))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    joblib.dump(fitted_cnn, tmp_path / "cnn.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "cnn.joblib").predict(X),
                                  fitted_cnn.predict(X))
    assert restored.device == "auto"


@pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a machine without CUDA")
def test_model_trained_on_cuda_loads_on_the_cpu(fitted_cnn, digits):
    # A model fitted with device="cuda" pickles its device; on this CUDA-less machine skorch's
    # map_location logic must move it to the CPU (with a warning) and predictions must agree.
    X = digits[0][:40]
    expected = fitted_cnn.predict_proba(X)
    state = fitted_cnn.__getstate__()
    state["device"], state["device_"] = "cuda", "cuda:0"
    clone_on_cuda = CNNClassifier.__new__(CNNClassifier)
    with pytest.warns(UserWarning, match="CUDA"):
        clone_on_cuda.__setstate__(state)
    assert clone_on_cuda.device_ == "cpu"
    assert next(clone_on_cuda.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(clone_on_cuda.predict_proba(X), expected)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_is_a_clear_error(digits):
    X, y = digits
    with pytest.raises(ValueError, match="CUDA is not available.*device='auto'"):
        CNNClassifier(device="cuda", max_epochs=1).fit(X, y)


def test_errors_name_the_problem(fitted_cnn, digits):
    X, y = digits
    bad = X[:50].astype(np.float32)
    bad[3, 2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CNNClassifier(max_epochs=1).fit(bad, y[:50])
    bad[3, 2, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        CNNClassifier(max_epochs=1).fit(bad, y[:50])
    with pytest.raises(ValueError, match="image shape differs"):
        fitted_cnn.predict(np.zeros((2, 10, 10), np.uint8))
    with pytest.raises(ValueError, match="channel count differs"):
        fitted_cnn.predict(np.zeros((2, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="only one class"):
        CNNClassifier(max_epochs=1).fit(X[:20], np.full(20, "seven"))
    y_nan = y[:20].astype(object)
    y_nan[4] = np.nan
    missing = r"y holds 1 missing label\(s\) \(NaN or None\) at index "
    with pytest.raises(ValueError, match=missing + r"\[4\]"):
        CNNClassifier(max_epochs=1).fit(X[:20], y_nan)
    with pytest.raises(ValueError, match=missing + r"\[0\]"):
        CNNClassifier(max_epochs=1).fit(X[:20], np.r_[np.nan, np.arange(19.0) % 2])
    with pytest.raises(ValueError, match="not a square image; pass image_shape"):
        CNNClassifier(max_epochs=1).fit(np.zeros((4, 10)), [0, 1, 0, 1])
    # bad parameters: tests/test_neural_params.py


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unpickling_keeps_the_device_the_user_asked_for(fitted_cnn, digits):
    """skorch maps tensors saved on CUDA to the CPU where CUDA is missing; the parameter stays
    "cuda", so that a refit says CUDA is missing instead of quietly training on the CPU."""
    X, _ = digits
    unfitted = pickle.loads(pickle.dumps(CNNClassifier(device="cuda")))
    assert unfitted.device == "cuda"
    with pytest.raises(InputError, match="device='cuda' was requested but CUDA is not"):
        unfitted.fit(X, digits[1])
    net = pickle.loads(pickle.dumps(fitted_cnn))
    vars(net)["device"] = "cuda"  # as if fitted with device="cuda", on the CPU here
    again = pickle.loads(pickle.dumps(net))
    assert again.device == "cuda" and again.device_ == "cpu"
    np.testing.assert_array_equal(again.predict(X[:20]), fitted_cnn.predict(X[:20]))


def test_fast_path_slices_a_device_tensor_in_channels_last(fitted_cnn, digits):
    images = digits[0][:70]
    assert images.dtype == np.uint8
    data = fitted_cnn.get_dataset(images)
    # uint8 until the batch: the stored images are the caller's own memory, not a float copy
    assert isinstance(data, ImageTensorData) and data.X.dtype == torch.uint8
    assert data.X.data_ptr() == images.ctypes.data
    iterator = fitted_cnn.get_iterator(data, training=False)
    assert isinstance(iterator, TensorBatchIterator) and len(iterator) == 3
    xb, _ = next(iter(iterator))
    assert xb.shape == (32, 1, 8, 8) and xb.is_contiguous(memory_format=torch.channels_last)
    assert xb.dtype == torch.float32 and float(xb.max()) <= 1.0  # divided by 255 per batch
    torch.testing.assert_close(xb[:, 0], torch.from_numpy(images[:32] / 255).float())
    train_it = fitted_cnn.get_iterator(ImageTensorData(data.X, torch.arange(70)), training=True)
    order = torch.cat([yb for _, yb in train_it])
    assert sorted(order.tolist()) == list(range(70)) and order.tolist() != list(range(70))


def test_trailing_batch_of_one_is_skipped_in_training(digits):
    X, y = digits
    clf = CNNClassifier(max_epochs=1, batch_size=32, random_state=0).fit(X[:65], y[:65])
    assert clf.history_[-1, "train_batch_count"] == 2  # 65 = 2 x 32 + 1: BatchNorm needs 2


def test_custom_iterator_falls_back_to_skorch_dataloader(digits):
    X, y = digits
    clf = TorchMLPClassifier(max_epochs=1, random_state=0,
                             iterator_train=torch.utils.data.DataLoader,
                             iterator_train__shuffle=True).fit(X[:64], y[:64])
    assert clf.history_[-1, "train_batch_count"] == 1


def test_augmentation_runs_on_every_training_batch_only(digits):
    X, y = digits
    calls = []

    def augment(batch, generator):
        calls.append(tuple(batch.shape))
        return batch.flip(-1)

    clf = CNNClassifier(max_epochs=2, batch_size=50, augment=augment, random_state=0)
    clf.fit(X[:100], y[:100])
    assert calls == [(50, 1, 8, 8)] * 4
    clf.predict(X[:100])
    assert len(calls) == 4
    mlp = TorchMLPClassifier(max_epochs=1, batch_size=50, augment={"shift": 1}, random_state=0)
    assert mlp.fit(X[:100], y[:100]).predict(X[:5]).shape == (5,)
    flips = CNNClassifier(max_epochs=1, batch_size=50, random_state=0,
                          augment={"rotation": 10, "shift": 2, "hflip": True}).fit(X[:100], y[:100])
    assert flips._augmenter_ == RandomAffine(rotation=10, shift=2, hflip=True)
    alternate = CNNClassifier(max_epochs=2, batch_size=50, random_state=0,
                              augment={"shift": 2, "hflip": "alternate"}).fit(X[:100], y[:100])
    again = pickle.loads(pickle.dumps(alternate))
    np.testing.assert_array_equal(again.predict_proba(X[:20]), alternate.predict_proba(X[:20]))


def test_alternating_flips_mirror_each_image_in_every_other_epoch():
    n = 40
    images = torch.rand(n, 5, 7, 1)  # no symmetry
    data = ImageTensorData(images, torch.arange(n))
    plain, _ = data.batch(slice(0, n), "cpu")
    iterator = TensorBatchIterator(
        data, 16, shuffle=True, generator=torch.Generator().manual_seed(0),
        transform=RandomAffine(rotation=0, shift=0, hflip="alternate"))

    def mirrored_in_one_pass():
        mirrored = torch.zeros(n, dtype=torch.bool)
        seen = []
        for xb, yb in iterator:
            for image, i in zip(xb, yb.tolist(), strict=True):
                flip = torch.allclose(image, torch.flip(plain[i], dims=[-1]), atol=1e-5)
                assert flip or torch.allclose(image, plain[i], atol=1e-5)
                mirrored[i] = flip
                seen.append(i)
        assert sorted(seen) == list(range(n))
        return mirrored

    first, second, third = (mirrored_in_one_pass() for _ in range(3))
    assert n // 4 <= int(first.sum()) <= 3 * n // 4  # a random half to start with
    assert torch.equal(second, ~first) and torch.equal(third, first)


def test_module_params_are_routed_and_filled_from_the_data(digits):
    X, y = digits
    clf = CNNClassifier(max_epochs=1, module__widths=(4, 8, 16), module__dropout=0.25)
    clf.fit(X[:40], y[:40])
    assert clf.module_.classifier.in_features == 16 and clf.module_.classifier.out_features == 10
    assert clf.module_.dropout.p == 0.25
    mlp = TorchMLPClassifier(hidden_sizes=(32,), activation="tanh", max_epochs=1).fit(X[:40],
                                                                                   y[:40])
    assert [type(m).__name__ for m in mlp.module_.layers] == ["Linear", "Tanh", "Linear"]
    assert mlp.module_.layers[0].in_features == 64
    mlp.set_params(module__hidden=(8, 8))  # skorch re-initialises the module at once
    assert mlp.module_.layers[0].out_features == 8
    custom = CNNClassifier(module=TinyNet, module__hidden=5, max_epochs=1).fit(X[:40], y[:40])
    assert custom.module_.seen == {"n_classes": 10, "input_shape": (8, 8), "hidden": 5}


class TinyNet(torch.nn.Module):
    """A user's module: it gets the data-derived arguments it declares, plus module__*."""

    def __init__(self, n_classes, input_shape, hidden=3):
        super().__init__()
        self.seen = {"n_classes": n_classes, "input_shape": input_shape, "hidden": hidden}
        self.layers = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, hidden),
                                          torch.nn.ReLU(), torch.nn.Linear(hidden, n_classes))

    def forward(self, x):
        return self.layers(x)


def test_optimizers_init_and_lr_set_params(digits):
    X, y = digits
    rms = TorchMLPClassifier(optimizer="rmsprop", optimizer__alpha=0.9, max_epochs=1)
    rms.fit(X[:40], y[:40])
    assert isinstance(rms.optimizer_, torch.optim.RMSprop)
    assert rms.optimizer_.param_groups[0]["alpha"] == 0.9
    sgd = TorchMLPClassifier(optimizer=torch.optim.SGD, lr=0.05, max_epochs=1).fit(X[:40],
                                                                                  y[:40])
    assert isinstance(sgd.optimizer_, torch.optim.SGD)
    sgd.set_params(lr=0.5)  # skorch's virtual parameter reaches the optimizer
    assert sgd.optimizer_.param_groups[0]["lr"] == 0.5
    weights = {}
    for init in ("default", "xavier", "kaiming"):
        clf = TorchMLPClassifier(init=init, max_epochs=1, lr=1e-12, random_state=0)
        weights[init] = clf.fit(X[:40], y[:40]).module_.layers[0].weight.detach().clone()
    assert not torch.allclose(weights["default"], weights["xavier"])
    assert weights["kaiming"].std() > weights["xavier"].std()  # He: std sqrt(2/fan_in)


def test_dirac_init_starts_the_convolutions_as_identities_on_their_first_filters(digits):
    X, y = digits
    clf = CNNClassifier(architecture="resnet9", module__widths=(8, 8, 16, 16), init="dirac",
                        max_epochs=1, lr=1e-12, random_state=0).fit(X[:40], y[:40])
    convs = [m for m in clf.module_.modules() if isinstance(m, torch.nn.Conv2d)]
    wider = [c for c in convs if c.out_channels >= c.in_channels and c.kernel_size == (3, 3)]
    assert len(wider) > 2
    for conv in wider:
        x = torch.randn(2, conv.in_channels, 6, 6)
        first = torch.nn.functional.conv2d(x, conv.weight[:conv.in_channels], padding=1)
        torch.testing.assert_close(first, x, atol=1e-4, rtol=0)  # lr 1e-12: still identity
        if conv.out_channels > conv.in_channels:  # the other filters keep torch's init
            assert conv.weight[conv.in_channels:].abs().sum() > 0


def test_bn_momentum_sets_every_batchnorm_layer_and_weighs_the_running_statistics(digits):
    X, y = digits

    def batchnorms(clf):
        return [m for m in clf.module_.modules() if isinstance(m, torch.nn.BatchNorm2d)]

    own = CNNClassifier(max_epochs=1, random_state=0).fit(X[:64], y[:64])
    assert batchnorms(own) and {m.momentum for m in batchnorms(own)} == {0.1}
    # momentum 1: the running statistics are those of the last training batch alone, so a
    # network that differs only there predicts differently from the same weights
    last = CNNClassifier(max_epochs=1, random_state=0, bn_momentum=1.0).fit(X[:64], y[:64])
    assert {m.momentum for m in batchnorms(last)} == {1.0}
    for a, b in zip(own.module_.state_dict().values(), last.module_.state_dict().values(),
                    strict=True):
        if a.is_floating_point() and a.ndim > 1:  # conv and linear weights: the same steps
            torch.testing.assert_close(a, b)
    assert not torch.allclose(batchnorms(own)[0].running_var, batchnorms(last)[0].running_var)
    refit = clone(last).set_params(bn_momentum=0.4).fit(X[:64], y[:64])
    assert {m.momentum for m in batchnorms(refit)} == {0.4}


def test_class_weight_reaches_the_loss(digits):
    X, y = digits
    balanced = CNNClassifier(class_weight="balanced", max_epochs=1).fit(X[:60], y[:60])
    expected = compute_class_weight("balanced", classes=balanced.classes_, y=y[:60])
    np.testing.assert_allclose(balanced.criterion_.weight.numpy(), expected, rtol=1e-6)
    assert balanced.criterion_.weight.device.type == balanced.device_.split(":")[0]
    weights = dict.fromkeys(NAMES, 1.0) | {"seven": 5.0}
    manual = TorchMLPClassifier(class_weight=weights, max_epochs=1).fit(X[:60], y[:60])
    seven = list(manual.classes_).index("seven")
    assert manual.criterion_.weight[seven] == 5.0


def test_label_smoothing_reaches_the_loss_and_is_refused_where_it_cannot(digits):
    X, y = digits
    clf = CNNClassifier(label_smoothing=0.2, max_epochs=1).fit(X[:60], y[:60])
    assert clf.criterion_.label_smoothing == 0.2
    routed = CNNClassifier(label_smoothing=0.2, criterion__label_smoothing=0.05, max_epochs=1)
    assert routed.fit(X[:60], y[:60]).criterion_.label_smoothing == 0.05  # the routed one wins
    with pytest.raises(InputError, match="NLLLoss' takes no label_smoothing argument"):
        TorchMLPClassifier(label_smoothing=0.1, criterion=torch.nn.NLLLoss,
                           max_epochs=1).fit(X[:60], y[:60])
    with pytest.raises(InvalidParameterError, match="'label_smoothing' parameter"):
        CNNClassifier(label_smoothing=1.0).fit(X[:60], y[:60])


class _RecordWeights(Callback):
    """The network's weights after each training batch."""

    def on_train_begin(self, net, **kwargs):
        self.seen_ = []

    def on_batch_end(self, net, training, **kwargs):
        if training:
            self.seen_.append({k: v.detach().clone() for k, v in net.module_.state_dict().items()})


def test_ema_decay_leaves_the_moving_average_of_the_trajectory(digits):
    X, y = digits
    recorder = _RecordWeights()
    kwargs = dict(max_epochs=8, batch_size=64, random_state=0)
    plain = TorchMLPClassifier(callbacks=[recorder], **kwargs).fit(X, y)
    averaged = TorchMLPClassifier(ema_decay=0.9, **kwargs).fit(X, y)
    expected = dict(recorder.seen_[0])  # the first step copies; then the warmed-up decay
    for t, weights in enumerate(recorder.seen_[1:], start=1):
        decay = min(0.9, (1 + t) / (10 + t))
        expected = {k: expected[k] + (weights[k] - expected[k]) * (1 - decay) for k in weights}
    final = averaged.module_.state_dict()
    for key, value in expected.items():
        torch.testing.assert_close(final[key], value, rtol=1e-5, atol=1e-6)
    assert not torch.equal(final[key], plain.module_.state_dict()[key])  # not the last weights
    assert averaged.history_[-1]["train_loss"] == plain.history_[-1]["train_loss"]
    assert (averaged.predict(X) == y).mean() > 0.8
    assert pickle.loads(pickle.dumps(averaged)).score(X, y) == averaged.score(X, y)
    with pytest.raises(InvalidParameterError, match="ema_decay=0.9 and early_stopping=2"):
        TorchMLPClassifier(ema_decay=0.9, early_stopping=2).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'ema_decay' parameter"):
        CNNClassifier(ema_decay=1.0).fit(X, y)


def test_validation_split_and_early_stopping_restore_the_best(digits):
    X, y = digits
    clf = TorchMLPClassifier(validation_fraction=0.25, early_stopping=2, lr=1e-12,
                             max_epochs=30, random_state=0).fit(X, y)
    history = clf.history_
    assert len(history) == 3  # no improvement at lr=1e-12: stops after the patience
    assert "valid_acc" in history[-1] and 0 <= history[-1, "valid_acc"] <= 1
    assert history[0, "train_batch_count"] == 3  # 300 training images in batches of 128
    good = TorchMLPClassifier(validation_fraction=0.25, max_epochs=5, lr=0.01,
                              random_state=0).fit(X, y)
    assert good.history_[-1, "valid_acc"] > 0.7


def test_skorch_callbacks_and_history_work(digits, tmp_path):
    X, y = digits
    checkpoint = Checkpoint(dirname=str(tmp_path), monitor="train_loss_best")
    clf = CNNClassifier(max_epochs=2, batch_size=64, callbacks=[checkpoint], random_state=0)
    clf.fit(X[:128], y[:128])
    assert (tmp_path / "params.pt").exists()
    assert len(clf.history_) == 2 and clf.history_[-1, "train_batch_count"] == 2
    lrs = clf.history_[:, "batches", :, "event_lr"]
    assert len(lrs) == 2 and max(lrs[0]) > lrs[-1][-1]  # the one-cycle schedule ran per batch
    expected = clf.predict_proba(X[:20])
    other = CNNClassifier(max_epochs=1, batch_size=64, random_state=5).fit(X[:128], y[:128])
    other.load_params(f_params=str(tmp_path / "params.pt"))  # skorch loads weights_only
    np.testing.assert_allclose(other.predict_proba(X[:20]), expected, atol=1e-6)


def test_partial_fit_continues_training(digits):
    X, y = digits
    clf = TorchMLPClassifier(max_epochs=1, random_state=0)
    clf.partial_fit(X[:200], y[:200], classes=NAMES)
    first = clf.module_.layers[0].weight.detach().clone()
    clf.partial_fit(X[200:], y[200:])
    assert len(clf.history_) == 2
    assert not torch.equal(first, clf.module_.layers[0].weight)
    with pytest.raises(ValueError, match="not seen in the first fit"):
        clf.partial_fit(X[:5], ["ten"] * 5)
    with pytest.raises(ValueError, match=r"y holds labels not in classes=: \['ten'\]"):
        TorchMLPClassifier(max_epochs=1).partial_fit(X[:5], ["ten"] * 5, classes=NAMES)


def test_partial_fit_checks_its_classes(digits):
    X, y = digits
    bad = {"NaN": ([*NAMES, None], "classes holds 1 missing label"),
           "empty": ([], "classes is empty"),
           "2-D": ([NAMES[:2], NAMES[2:4]], "classes must be 1-D class labels"),
           "another type": (list(range(10)), "classes holds number labels but y holds str")}
    for classes, match in bad.values():
        with pytest.raises(ValueError, match=match):
            TorchMLPClassifier(max_epochs=1).partial_fit(X[:50], y[:50], classes=classes)
    clf = TorchMLPClassifier(max_epochs=1).partial_fit(X[:50], y[:50], classes=NAMES)
    with pytest.raises(ValueError, match=r"classes differ from those of the first call \(new: "
                                         r"\['eleven'\], left out: \[\]\)"):
        clf.partial_fit(X[:50], y[:50], classes=[*NAMES, "eleven"])
    clf.partial_fit(X[:50], y[:50], classes=NAMES[::-1])  # the same classes, in any order


def test_a_network_rebuilt_by_set_params_after_fit_must_be_fitted_again(digits, tmp_path):
    # skorch rebuilds the module when a module__ parameter is set: untrained weights, which
    # predict passed off as the fitted network.
    X, y = digits
    clf = CNNClassifier(max_epochs=1, batch_size=64, random_state=0).fit(X[:128], y[:128])
    clf.save_params(f_params=str(tmp_path / "params.pt"))
    expected = clf.predict_proba(X[:20])
    clf.set_params(lr=0.01, max_epochs=1)  # no rebuild: still the fitted network
    np.testing.assert_array_equal(clf.predict_proba(X[:20]), expected)
    clf.set_params(module__dropout=0.0)
    with pytest.raises(NotFittedError, match=r"set_params\(module__dropout=...\) after fit "
                                             r"rebuilt the network .* call fit"):
        clf.predict(X[:20])
    clf.load_params(f_params=str(tmp_path / "params.pt"))
    np.testing.assert_allclose(clf.predict_proba(X[:20]), expected, atol=1e-6)
    clf.set_params(module__dropout=0.1)
    assert clf.fit(X[:128], y[:128]).predict(X[:20]).shape == (20,)


def test_resnet18_transfer_learning_with_frozen_layers(digits, tmp_path):
    from skimgclf.nets import ResNet18

    X, y = digits
    torch.save(ResNet18(in_channels=1, n_classes=1000).state_dict(), tmp_path / "r18.pth")
    clf = CNNClassifier(architecture="resnet18", module__pretrained=str(tmp_path / "r18.pth"),
                        module__freeze=True, max_epochs=1, batch_size=64, random_state=0,
                        augment=None)
    clf.fit(X[:64], y[:64])
    source = torch.load(tmp_path / "r18.pth", weights_only=True)
    assert torch.equal(clf.module_.layer2[0].conv1.weight.detach(), source["layer2.0.conv1.weight"])
    assert clf.module_.fc.out_features == 10


def test_verbose_prints_skorch_epoch_table(digits, capsys):
    X, y = digits
    TorchMLPClassifier(max_epochs=2, verbose=1).fit(X[:40], y[:40])
    out = capsys.readouterr().out
    assert "train_loss" in out and "epoch" in out
    TorchMLPClassifier(max_epochs=1).fit(X[:40], y[:40])
    assert capsys.readouterr().out == ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        TorchMLPClassifier(max_epochs=1, progress_bar=True).fit(X[:40], y[:40])


class _RecordsItsInitData(torch.nn.Module):
    """A tiny network that records what ``init_from_data`` was given."""

    def __init__(self, in_channels=1, n_classes=10, input_shape=(8, 8)):
        super().__init__()
        self.fc = torch.nn.Linear(in_channels * input_shape[0] * input_shape[1], n_classes)
        self.seen = []

    def init_from_data(self, x):
        self.seen.append(x.clone())

    def forward(self, x):
        return self.fc(x.flatten(1))


def test_init_from_data_gets_the_training_images_once_per_fresh_module(digits):
    """Before the first step of a fresh module, unaugmented training rows as the network sees
    them (scaled, standardised), not the validation rows; never again when training goes on."""
    X, y = digits
    clf = CNNClassifier(module=_RecordsItsInitData, max_epochs=1, augment=True,
                        normalize="channel", validation_fraction=0.25, random_state=0)
    clf.fit(X, y)
    (seen,) = clf.module_.seen
    assert seen.shape == (300, 1, 8, 8)  # the 300 training rows of 400, evenly spaced = all
    assert abs(float(seen.mean())) < 0.1 and 0.9 < float(seen.std()) < 1.1  # standardised
    # one value per grey level of X: an augmentation would interpolate new ones
    assert len(np.unique(np.round(seen.numpy(), 4))) <= len(np.unique(X))
    clf.partial_fit(X, y)
    clf.set_params(warm_start=True).fit(X, y)
    assert len(clf.module_.seen) == 1  # training went on: the module was not made again
    clf.set_params(warm_start=False).fit(X[:100], y[:100])
    assert len(clf.module_.seen) == 1 and len(clf.module_.seen[0]) == 75  # a fresh module


def test_training_on_applies_the_setup_parameters_changed_since_or_names_them(digits):
    """warm_start and partial_fit keep the network; a changed augmentation, class weighting,
    label smoothing, weight decay or callback setting is applied, not silently dropped."""
    X, y = digits
    clf = CNNClassifier(max_epochs=1, augment=None, warm_start=True, random_state=0).fit(X, y)
    module = clf.module_
    clf.set_params(augment={"rotation": 5}, class_weight="balanced", label_smoothing=0.2,
                   weight_decay=0.3, early_stopping=3, lr_schedule=None).fit(X, y)
    assert clf.module_ is module  # trained on
    assert isinstance(clf._augmenter_, RandomAffine) and clf._augmenter_.rotation == 5
    np.testing.assert_allclose(clf.criterion_.weight.numpy(), clf.class_weight_)
    assert clf.criterion_.label_smoothing == 0.2
    assert {group["weight_decay"] for group in clf.optimizer_.param_groups} == {0.3}
    names = [name for name, _ in clf.callbacks_]
    assert "early_stopping" in names and "lr_scheduler" not in names
    for fixed in ({"normalize": "channel"}, {"bn_momentum": 0.5},
                  {"architecture": "lenet5"}):
        with pytest.raises(InputError, match=f"{next(iter(fixed))} changed since CNNClassifier"):
            clone(clf).set_params(warm_start=True).fit(X, y).set_params(**fixed).fit(X, y)
    same = CNNClassifier(max_epochs=1, augment=None, bn_momentum=0.1, warm_start=True)
    same.fit(X, y).set_params(bn_momentum=np.float64(0.1)).fit(X, y)  # the same number
    mlp = TorchMLPClassifier(max_epochs=1, hidden_sizes=(16,), warm_start=True).fit(X, y)
    with pytest.raises(InputError, match="hidden_sizes changed since TorchMLPClassifier"):
        mlp.set_params(hidden_sizes=(8,)).fit(X, y)
    loss = torch.nn.CrossEntropyLoss(label_smoothing=0.5)
    mlp.set_params(hidden_sizes=(16,), criterion=loss).fit(X, y)  # applied, and copied
    assert mlp.criterion_.label_smoothing == 0.5 and mlp.criterion_ is not loss
    net = CNNClassifier(max_epochs=1, augment=None, random_state=0).partial_fit(X, y)
    net.set_params(augment=True).partial_fit(X, y)
    assert net._augmenter_ is not None
    # a fit without warm_start sets everything up afresh, whatever changed
    net.set_params(normalize="pixel").fit(X, y)


def test_a_fit_from_scratch_that_fails_or_is_stopped_before_training_leaves_it_unfitted(
        digits, monkeypatch):
    """Not the old network beside the refused labels, nor untrained weights passed off as
    trained: predict says the estimator is not fitted."""
    X, y = digits
    clf = CNNClassifier(max_epochs=1, augment=None, random_state=0).fit(X, y)
    other = np.char.upper(y.astype(str))  # other labels, refused for their class_weight
    with pytest.raises(InputError, match="class_weight"):
        clf.set_params(class_weight={"zzz": 1.0}).fit(X, other)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    with pytest.raises(NotFittedError):  # scikit-learn's own check agrees
        check_is_fitted(clf)

    def interrupted(self):
        raise KeyboardInterrupt

    clf.set_params(class_weight=None).fit(X, y)
    monkeypatch.setattr(CNNClassifier, "initialize_optimizer", interrupted)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    monkeypatch.undo()
    assert clf.fit(X, y).predict(X).shape == y.shape  # and a later fit works


def test_a_seeded_fit_leaves_the_callers_torch_stream_and_trains_on_reproducibly(digits):
    X, y = digits
    models = []
    for caller_seed in (1, 2):
        clf = CNNClassifier(max_epochs=1, random_state=0).fit(X, y)
        torch.manual_seed(caller_seed)  # what the caller does between the calls
        models.append(clf.partial_fit(X, y))
    np.testing.assert_array_equal(models[0].predict_proba(X), models[1].predict_proba(X))
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    CNNClassifier(max_epochs=1, random_state=0).fit(X, y)
    assert torch.equal(torch.rand(3), expected)  # the fit drew from a fork


def test_whitened_resnet9_fits_its_whitening_from_the_training_images(digits):
    from skimgclf.nets import PatchWhitening

    X, y = digits
    clf = CNNClassifier(architecture="resnet9", module__widths=(8, 8, 16, 16),
                        module__whiten=True, max_epochs=1, random_state=0).fit(X, y)
    expected = PatchWhitening(1)
    expected.init_from_data(torch.as_tensor(X[:, None] / 255.0, dtype=torch.float32))
    torch.testing.assert_close(clf.module_.prep[0].weight, expected.weight, atol=1e-4,
                               rtol=1e-3)
    assert "prep.0.weight" not in dict(clf.module_.named_parameters())
    assert pickle.loads(pickle.dumps(clf)).score(X, y) == clf.score(X, y)
