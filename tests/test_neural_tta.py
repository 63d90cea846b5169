"""Test-time augmentation (``tta``) and mixed precision (``precision``) of the networks.

The TTA tests compare the averaged probabilities with the same average computed by hand from
plain predictions of mirrored / shifted copies: a property that holds on any machine.
CUDA is absent here; the fp16 loss-scaling and autocast code paths are run on the CPU by
handing the estimator a CPU ``GradScaler`` / ``torch.autocast`` (both exist in torch).
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import torch

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.datasets import load_digits_images
from skimgclf.neural import CNNClassifier, TorchMLPClassifier


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.rand(48, 10, 10).astype(np.float32)
    y = np.arange(48) % 3
    X[y == 1, :, :5] += 1.0  # something to learn
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return CNNClassifier(max_epochs=3, random_state=0, augment=None).fit(*data)


def _shift(X, dy, dx):
    out = np.zeros_like(X)
    h, w = X.shape[1:3]
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        X[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def _with(model, **params):
    clone = pickle.loads(pickle.dumps(model))
    return clone.set_params(**params)


def test_off_by_default_and_flip_is_the_mean_of_image_and_mirror(fitted, data):
    X, _ = data
    assert fitted.tta is None
    plain = fitted.predict_proba(X)
    mirrored = fitted.predict_proba(X[:, :, ::-1].copy())
    flip = _with(fitted, tta="flip").predict_proba(X)
    np.testing.assert_allclose(flip, (plain + mirrored) / 2, atol=1e-6)
    np.testing.assert_allclose(flip.sum(axis=1), 1.0, atol=1e-6)
    assert not np.allclose(flip, plain)  # the views did change something


def test_shift_averages_the_four_one_pixel_shifts(fitted, data):
    X, _ = data
    shifts = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]
    expected = np.mean([fitted.predict_proba(_shift(X, *d)) for d in shifts], axis=0)
    np.testing.assert_allclose(_with(fitted, tta="shift").predict_proba(X), expected, atol=1e-6)
    both = _with(fitted, tta=["flip", "shift"]).predict_proba(X)
    assert both.shape == (len(X), 3)


def test_a_callable_view_and_the_prediction_it_gives(fitted, data):
    X, _ = data

    def darker(batch):
        return batch * 0.5

    expected = (fitted.predict_proba(X) + fitted.predict_proba(X * 0.5)) / 2
    tta = _with(fitted, tta=[darker])
    np.testing.assert_allclose(tta.predict_proba(X), expected, atol=1e-6)
    assert set(tta.predict(X)) <= set(fitted.classes_)
    assert 0.0 <= tta.score(X, data[1]) <= 1.0


def test_flat_rows_of_an_mlp_are_seen_as_images(data):
    X, y = data
    mlp = TorchMLPClassifier(max_epochs=2, random_state=0).fit(X, y)
    mirrored = mlp.predict_proba(X[:, :, ::-1].copy())
    expected = (mlp.predict_proba(X) + mirrored) / 2
    np.testing.assert_allclose(_with(mlp, tta="flip").predict_proba(X), expected, atol=1e-6)


def test_colour_images_are_flipped_along_their_width():
    rng = np.random.RandomState(1)
    X, y = rng.rand(24, 8, 6, 3).astype(np.float32), np.arange(24) % 2
    clf = CNNClassifier(max_epochs=1, random_state=0, augment=None).fit(X, y)
    expected = (clf.predict_proba(X) + clf.predict_proba(X[:, :, ::-1].copy())) / 2
    np.testing.assert_allclose(_with(clf, tta="flip").predict_proba(X), expected, atol=1e-6)


def test_bad_settings_are_named(fitted, data):
    X, y = data
    with pytest.raises(InvalidParameterError, match="'tta' parameter of CNNClassifier"):
        CNNClassifier(max_epochs=1, tta="rotate").fit(X, y)
    with pytest.raises(InvalidParameterError, match="'tta' parameter"):
        CNNClassifier(max_epochs=1, tta=[]).fit(X, y)
    # set after fit: checked when predicting
    with pytest.raises(ValueError, match="tta='mirror' is not a test-time augmentation"):
        _with(fitted, tta="mirror").predict(X)
    with pytest.raises(ValueError, match="a view must keep the shape"):
        _with(fitted, tta=[lambda b: b[..., :-1]]).predict(X)


def test_tta_survives_a_pickle_round_trip(fitted, data):
    X, _ = data
    model = _with(fitted, tta="flip")
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


def test_training_is_unchanged_by_tta(data):
    X, y = data
    a = CNNClassifier(max_epochs=2, random_state=0).fit(X, y)
    b = CNNClassifier(max_epochs=2, random_state=0, tta="flip").fit(X, y)
    for pa, pb in zip(a.module_.parameters(), b.module_.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_the_validation_accuracy_is_scored_without_the_views():
    """As the validation loss is: early stopping may watch it, and mirrored digits are not
    digits."""
    X, y = load_digits_images(return_X_y=True)
    histories = [CNNClassifier(max_epochs=2, random_state=0, augment=None, tta=tta,
                               validation_fraction=0.25).fit(X[:400], y[:400]).history
                 for tta in (None, "flip")]
    assert histories[0][:, "valid_acc"] == histories[1][:, "valid_acc"]


def test_views_of_flat_rows_that_are_not_images_are_refused():
    """Rows of 60 features are read as one row of pixels: shifting or mirroring that row would
    move pixels across the rows of the user's image, so the geometry is asked for."""
    rng = np.random.RandomState(0)
    X, y = rng.rand(30, 60).astype(np.float32), np.arange(30) % 2
    for setting in ({"tta": "shift"}, {"augment": "default"}):
        with pytest.raises(ValueError, match=r"flat rows of 60 features.*image_shape=\(H, W\)"):
            TorchMLPClassifier(max_epochs=1, **setting).fit(X, y)
    mlp = TorchMLPClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="tta moves pixels within an image"):
        _with(mlp, tta="flip").predict(X)
    assert _with(mlp, tta=None).predict(X).shape == (30,)
    shaped = TorchMLPClassifier(max_epochs=1, image_shape=(6, 10), tta="shift").fit(X, y)
    assert shaped.predict_proba(X).shape == (30, 2)


# ----------------------------------------------------------------------------- precision
def test_reduced_precision_the_cpu_lacks_warns_and_trains_in_float32(monkeypatch, data):
    """fp16 on any CPU, and bf16 on a CPU without native bfloat16: float32, with a warning."""
    from skimgclf.neural import _device

    monkeypatch.setattr(_device, "cpu_has_bf16", lambda: False)
    X, y = data
    reference = CNNClassifier(max_epochs=2, random_state=0,
                              precision="fp32").fit(X, y).predict_proba(X)
    for precision, where in (("bf16", "on CUDA, and bf16 on CPUs that compute it natively"),
                             ("fp16", "on CUDA only")):
        with pytest.warns(UserWarning, match=f"precision='{precision}' applies {where}"):
            clf = CNNClassifier(max_epochs=2, random_state=0, precision=precision).fit(X, y)
        np.testing.assert_array_equal(clf.predict_proba(X), reference)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CNNClassifier(max_epochs=1, precision="fp32").fit(X, y)  # no warning


def test_bf16_runs_under_cpu_autocast_where_the_cpu_has_it(monkeypatch, data):
    """On a CPU with native bfloat16 (forced here: autocast emulates it elsewhere), bf16 trains
    and predicts under torch.autocast("cpu", bfloat16), without a warning; the logits stay
    float32 and the network learns."""
    from skimgclf.neural import _device

    monkeypatch.setattr(_device, "cpu_has_bf16", lambda: True)
    seen = []
    real = torch.autocast

    def spy(device_type, *args, **kwargs):
        seen.append((device_type, kwargs.get("dtype")))
        return real(device_type, *args, **kwargs)

    monkeypatch.setattr(_device.torch, "autocast", spy)
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = CNNClassifier(max_epochs=2, random_state=0, precision="bf16").fit(X, y)
    assert seen and set(seen) == {("cpu", torch.bfloat16)}
    n_training = len(seen)
    assert clf.forward(X[:4]).dtype == torch.float32
    assert len(seen) > n_training  # prediction too
    assert clf.score(X, y) > 1 / 3 - 0.1  # it trained (a loose floor: bf16 on tiny data)
    assert _device.autocast_device("fp16", "cpu") is None
    assert _device.autocast_device("bf16", "cpu") == "cpu"
    assert _device.autocast_device("fp32", "cpu") is None


def test_auto_precision_is_bf16_where_native_and_float32_silently_elsewhere(monkeypatch,
                                                                           data):
    """precision="auto" (the default): autocast where bf16 is native, and on a CPU without it
    float32 with no warning, the same weights as precision="fp32"."""
    from skimgclf.neural import _device

    X, y = data
    monkeypatch.setattr(_device, "cpu_has_bf16", lambda: False)
    assert _device.autocast_device("auto", "cpu") is None
    reference = CNNClassifier(max_epochs=2, random_state=0,
                              precision="fp32").fit(X, y).predict_proba(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = CNNClassifier(max_epochs=2, random_state=0, precision="auto").fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), reference)
    monkeypatch.setattr(_device, "cpu_has_bf16", lambda: True)
    assert _device.autocast_device("auto", "cpu") == "cpu"
    monkeypatch.setattr(_device, "_cuda_has_bf16", lambda: False)  # e.g. a V100
    assert _device.autocast_device("auto", "cuda") is None
    assert _device.autocast_device("bf16", "cuda") == "cuda"


def test_the_default_trains_under_autocast_where_native_and_predicts_in_float32(monkeypatch,
                                                                             data):
    """precision="auto" autocasts the training steps only: its predictions are those of
    float32 on the same weights (and of an ONNX export), on any machine."""
    from skimgclf.neural import _device

    monkeypatch.setattr(_device, "cpu_has_bf16", lambda: True)
    seen = []
    real = torch.autocast

    def spy(device_type, *args, **kwargs):
        seen.append(device_type)
        return real(device_type, *args, **kwargs)

    monkeypatch.setattr(_device.torch, "autocast", spy)
    X, y = data
    clf = CNNClassifier(max_epochs=2, random_state=0).fit(X, y)
    assert clf.precision == "auto" and seen and set(seen) == {"cpu"}
    n_training = len(seen)
    proba = clf.predict_proba(X)
    assert len(seen) == n_training  # no autocast in prediction
    np.testing.assert_array_equal(proba, clf.set_params(precision="fp32").predict_proba(X))
    assert _device.autocast_device("auto", "cpu", training=False) is None
    assert _device.autocast_device("bf16", "cpu", training=False) == "cpu"


def test_an_unknown_precision_is_named(data):
    with pytest.raises(InvalidParameterError, match="'precision' parameter of CNNClassifier"):
        CNNClassifier(precision="fp8").fit(*data)


def test_the_autocast_path_gives_float32_logits(monkeypatch, data):
    """What CUDA runs, on the CPU: the forward under autocast, float32 out."""
    X, y = data
    monkeypatch.setattr(CNNClassifier, "_autocast",
                        lambda self: torch.autocast("cpu", dtype=torch.bfloat16))
    clf = CNNClassifier(max_epochs=2, random_state=0, precision="bf16")
    with warnings.catch_warnings():  # a warning where the CPU lacks bf16, none where it has it
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    logits = clf.forward(X[:4])
    assert logits.dtype == torch.float32
    assert clf.score(X, y) > 1 / 3 - 0.1  # it trained (a loose floor: bf16 on tiny data)


def test_the_loss_scaling_path_trains_and_unscales_the_gradients(monkeypatch, data):
    """fp16's GradScaler path (a CPU scaler stands in for the CUDA one): the callbacks see
    unscaled gradients and the weights move as with plain float32 steps."""
    X, y = data
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10)
    monkeypatch.setattr(CNNClassifier, "_grad_scaler", lambda self: scaler)
    seen = []

    from skorch.callbacks import Callback

    class GradNorm(Callback):
        def on_grad_computed(self, net, named_parameters, **kwargs):
            seen.append(sum(float(p.grad.norm()) for _, p in named_parameters))

    clf = CNNClassifier(max_epochs=2, random_state=0, augment=None, lr_schedule=None,
                        callbacks=[("norm", GradNorm())])
    clf.fit(X, y)
    monkeypatch.undo()
    plain_seen = seen[:]
    seen.clear()
    plain = CNNClassifier(max_epochs=2, random_state=0, augment=None, lr_schedule=None,
                          callbacks=[("norm", GradNorm())]).fit(X, y)
    # same gradient sizes as unscaled float32 steps, not 1024 times larger
    np.testing.assert_allclose(plain_seen, seen, rtol=1e-3)
    np.testing.assert_allclose(clf.predict_proba(X), plain.predict_proba(X), atol=1e-4)
    assert scaler.get_scale() == 2.0**10  # no inf/NaN step was skipped


def test_the_scaler_is_not_pickled(monkeypatch, data):
    clf = CNNClassifier(max_epochs=1, random_state=0).fit(*data)
    clf._grad_scaler_ = torch.amp.GradScaler("cpu")
    assert "_grad_scaler_" not in pickle.loads(pickle.dumps(clf)).__dict__
