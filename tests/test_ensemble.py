"""BestOfNClassifier: restarts with distinct seeds, selection, voting; it is a real estimator."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skimgclf.datasets import load_digits_images
from skimgclf.ensemble import BestOfNClassifier

# short MLP fits are the point here (speed), not convergence
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def split():
    X, y = load_digits_images(return_X_y=True)
    return train_test_split(X / 255.0, y, test_size=0.3, stratify=y, random_state=0)


def _mlp():
    return make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(8,), max_iter=60))


def test_best_keeps_the_copy_with_the_best_validation_score(split):
    X_train, X_test, y_train, y_test = split
    clf = BestOfNClassifier(_mlp(), n_init=3, random_state=0).fit(X_train, y_train)
    assert len(set(clf.seeds_)) == 3
    seeds = [m.get_params()["mlpclassifier__random_state"] for m in clf.estimators_]
    assert seeds == list(clf.seeds_)
    # different seeds really give different networks
    w = [m[-1].coefs_[0] for m in clf.estimators_]
    assert not np.allclose(w[0], w[1])
    assert clf.best_index_ == int(np.argmax(clf.validation_scores_))
    np.testing.assert_array_equal(clf.predict(X_test), clf.best_estimator_.predict(X_test))
    np.testing.assert_allclose(clf.predict_proba(X_test).sum(axis=1), 1.0)


def test_hard_vote_is_the_majority_and_soft_vote_the_mean(split):
    X_train, X_test, y_train, _ = split
    hard = BestOfNClassifier(_mlp(), n_init=3, selection="vote", random_state=1)
    hard.fit(X_train, y_train)
    preds = np.stack([m.predict(X_test) for m in hard.estimators_], axis=1)
    for row, voted in zip(preds, hard.predict(X_test), strict=True):
        values, counts = np.unique(row, return_counts=True)
        assert voted in values[counts == counts.max()]
        if counts.max() == 1:  # three-way tie: the first class in classes_ wins
            assert voted == values.min()
    assert not hasattr(hard, "predict_proba")

    soft = clone(hard).set_params(voting="soft").fit(X_train, y_train)
    mean = np.mean([m.predict_proba(X_test) for m in soft.estimators_], axis=0)
    np.testing.assert_allclose(soft.predict_proba(X_test), mean)
    np.testing.assert_array_equal(soft.predict(X_test), soft.classes_[mean.argmax(axis=1)])


def test_same_random_state_same_models_and_pickle_round_trip(split):
    X_train, X_test, y_train, _ = split
    a = BestOfNClassifier(_mlp(), n_init=2, random_state=3).fit(X_train, y_train)
    b = BestOfNClassifier(_mlp(), n_init=2, random_state=3).fit(X_train, y_train)
    np.testing.assert_array_equal(a.seeds_, b.seeds_)
    np.testing.assert_array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(c.predict_proba(X_test), a.predict_proba(X_test))


def test_is_searchable_like_any_estimator(split):
    X_train, _, y_train, _ = split
    meta = BestOfNClassifier(make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)))
    assert "estimator__logisticregression__C" in meta.get_params()
    search = GridSearchCV(
        meta, {"n_init": [1, 2], "estimator__logisticregression__C": [0.1, 1.0]}, cv=2
    ).fit(X_train[:300], y_train[:300])
    assert search.best_params_["estimator__logisticregression__C"] in (0.1, 1.0)


def test_estimator_without_a_seed_is_refused(split):
    from sklearn.neighbors import KNeighborsClassifier

    X_train, _, y_train, _ = split
    with pytest.raises(ValueError, match="has no random_state parameter"):
        BestOfNClassifier(KNeighborsClassifier()).fit(X_train, y_train)


@pytest.mark.parametrize("y", [[1, "1"], [0, "a"]], ids=["1 and '1'", "0 and 'a'"])
def test_labels_mixing_str_and_number_are_refused(split, y):
    # numpy would silently read them as strings: 1 and "1" would become one class
    X_train, _, _, _ = split
    labels = (y * 50)[:100]
    with pytest.raises(ValueError, match="y mixes str and number labels"):
        BestOfNClassifier(LogisticRegression(), random_state=0).fit(X_train[:100], labels)


def test_a_class_instead_of_an_estimator_and_no_y_are_named(split):
    X_train, _, y_train, _ = split
    with pytest.raises(TypeError, match=r"estimator must be an instance, e.g. "
                                        r"LogisticRegression\(\); got the class"):
        BestOfNClassifier(LogisticRegression).fit(X_train, y_train)
    with pytest.raises(ValueError, match="requires y to be passed"):
        BestOfNClassifier(LogisticRegression()).fit(X_train, None)
    # scikit-learn reads the tags before fit: a class or a placeholder is named by fit too
    from sklearn.model_selection import cross_val_score

    with pytest.raises(ValueError, match="estimator must be an instance"):
        cross_val_score(BestOfNClassifier(LogisticRegression), X_train, y_train, cv=2)
    search = GridSearchCV(BestOfNClassifier(None, n_init=2),
                          {"estimator": [LogisticRegression(max_iter=200)]}, cv=2)
    assert search.fit(X_train, y_train).best_estimator_.n_init == 2


def test_ctrl_c_in_one_restart_stops_them_all(split):
    """skorch keeps a network stopped by Ctrl-C and returns from fit: the restarts after it
    must not train on as if nothing happened (a network in a pipeline included)."""
    from skorch.callbacks import Callback

    from skimgclf.neural import TorchMLPClassifier

    class CtrlC(Callback):
        def on_epoch_end(self, net, **kwargs):
            raise KeyboardInterrupt

    X_train, _, y_train, _ = split
    net = TorchMLPClassifier(max_epochs=3, callbacks=[("stop", CtrlC())])
    fitted = clone(net).fit(X_train, y_train)
    assert fitted.interrupted_ and len(fitted.history_) == 1  # skorch's: kept, returned
    for estimator in (net, make_pipeline(StandardScaler(), net)):
        with pytest.raises(KeyboardInterrupt):
            BestOfNClassifier(estimator, n_init=2, selection="vote").fit(X_train, y_train)
    assert not clone(net).set_params(callbacks=None).fit(X_train, y_train).interrupted_
