"""The neural estimators inside scikit-learn's tools: Pipeline, GridSearchCV, cross_validate,
VotingClassifier, clone."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skimgclf.neural import CNNClassifier, TorchMLPClassifier
from skimgclf.preprocessing import HOGFeatures, Normalizer

# Enough steps (about 50) for BatchNorm's running statistics to settle before predicting.
FAST = {"max_epochs": 5, "batch_size": 32, "random_state": 0}


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    X = np.round(d.images[:300] * (255 / 16)).astype(np.uint8)
    return X, d.target[:300]


def test_pipeline_with_transformers_on_flat_and_image_input(digits):
    X, y = digits
    pipe = Pipeline([("scale", Normalizer(mode="scale")), ("clf", CNNClassifier(**FAST))])
    flat = pipe.fit(X.reshape(len(X), -1), y).predict(X.reshape(len(X), -1))
    images = clone(pipe).fit(X, y).predict(X)
    np.testing.assert_array_equal(flat, images)  # same data, same seed, any layout
    assert np.mean(images == y) > 0.7
    hog_mlp = Pipeline([("hog", HOGFeatures(pixels_per_cell=(2, 2), cells_per_block=(2, 2))),
                        ("std", StandardScaler()),
                        ("clf", TorchMLPClassifier(hidden_sizes=(64,), max_epochs=10,
                                                   random_state=0))])
    assert hog_mlp.fit(X, y).score(X, y) > 0.8  # HOG features are flat, not square: MLP reads them


def test_grid_search_over_architecture_lr_and_module_width(digits):
    X, y = digits
    grid = [
        {"architecture": ["bn_cnn"], "lr": [0.003, 0.01],
         "module__widths": [(4, 8, 8), (8, 16, 16)]},
        {"architecture": ["one_conv_cnn"], "lr": [0.003]},
    ]
    search = GridSearchCV(CNNClassifier(**FAST), grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 5
    assert search.best_params_["architecture"] in ("bn_cnn", "one_conv_cnn")
    assert search.best_estimator_.module_ is not None
    assert search.score(X, y) > 0.5
    widths = search.cv_results_["param_module__widths"]
    assert (8, 16, 16) in list(widths)


def test_cross_validate(digits):
    X, y = digits
    mlp = TorchMLPClassifier(max_epochs=10, batch_size=32, lr=0.01, random_state=0)
    result = cross_validate(mlp, X, y,
                            cv=StratifiedKFold(3), return_estimator=True)
    assert result["test_score"].shape == (3,) and result["test_score"].min() > 0.6
    first, second = result["estimator"][:2]
    assert first.module_ is not second.module_  # each fold trained its own clone


@pytest.mark.parametrize("voting", ["hard", "soft"])
def test_voting_mixes_a_cnn_with_hog_logistic_regression(digits, voting):
    X, y = digits
    hog_lr = Pipeline([("hog", HOGFeatures(pixels_per_cell=(2, 2), cells_per_block=(2, 2))),
                       ("std", StandardScaler()), ("clf", LogisticRegression(max_iter=500))])
    # VotingClassifier hands every member the same X: flat rows, which both members accept.
    flat = X.reshape(len(X), -1)
    vote = VotingClassifier([("cnn", CNNClassifier(**FAST)), ("hog", hog_lr)], voting=voting)
    vote.fit(flat[:200], y[:200])
    pred = vote.predict(flat[200:])
    assert pred.shape == (100,) and np.mean(pred == y[200:]) > 0.7
    if voting == "soft":
        proba = vote.predict_proba(flat[200:])
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)


def test_clone_keeps_parameters_and_drops_fitted_state(digits):
    X, y = digits
    clf = CNNClassifier(**FAST, module__widths=(4, 8, 8), lr=0.02, augment={"rotation": 5})
    clf.fit(X[:64], y[:64])
    copy = clone(clf)
    assert copy.get_params()["module__widths"] == (4, 8, 8)
    assert copy.lr == 0.02 and copy.augment == {"rotation": 5}
    assert not copy.initialized_ and not hasattr(copy, "module_")
    assert "_params_to_validate" not in copy.get_params()
    assert repr(clone(TorchMLPClassifier())).startswith("<class")  # skorch's repr


def test_module_and_criterion_instances_are_parameters_like_any_other(digits):
    """As skorch takes them: in the constructor, through set_params, clone and a search; the
    instance is each fit's starting point and is never trained in place."""
    import torch

    X, y = digits[0][:300], digits[1][:300]
    net = torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    mlp = TorchMLPClassifier(module=net, criterion=torch.nn.CrossEntropyLoss(),
                             max_epochs=2, random_state=0).fit(X, y)
    assert mlp.module is net and mlp.module_ is not net
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    again = clone(mlp).fit(X, y)  # the same starting point, the same seed: the same model
    np.testing.assert_array_equal(again.predict_proba(X), mlp.predict_proba(X))
    other = torch.nn.Sequential(torch.nn.Linear(64, 10))
    assert TorchMLPClassifier(max_epochs=1).set_params(module=other).fit(X, y).module_[0] \
        .out_features == 10
    search = GridSearchCV(TorchMLPClassifier(max_epochs=1, random_state=0),
                          {"module": [net, other]}, cv=2).fit(X, y)
    assert search.best_params_["module"] in (net, other)


def test_callback_parameters_round_trip_through_get_params(digits):
    X, y = digits
    net = CNNClassifier(max_epochs=1, callbacks__lr_scheduler__pct_start=0.1, random_state=0)
    assert net.get_params(deep=True)["callbacks__lr_scheduler__pct_start"] == 0.1
    net.set_params(**net.get_params(deep=True)).fit(X, y)
    assert dict(net.callbacks_)["lr_scheduler"].kwargs["pct_start"] == 0.1
