"""Ensembles over random restarts: keep the best of n initialisations, or let them vote.

Networks trained from different random initialisations differ by a percent or more; the
Modified-MNIST study fitted each configuration twice and kept the better one, then took a majority
vote of four CNNs. :class:`BestOfNClassifier` is that procedure as one estimator. Voting among
*different* models (a HOG pipeline beside a CNN) is scikit-learn's ``VotingClassifier`` as it is.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from ._labels import as_labels
from ._sklearn_compat import (
    HasMethods,
    Interval,
    NJobs,
    StrOptions,
    _fit_context,
    validate_params,
)
from .exceptions import InputError, InputTypeError

__all__ = ["BestOfNClassifier", "seed_params"]


@validate_params({"estimator": [HasMethods(["get_params"])]},
                 prefer_skip_nested_validation=True)
def seed_params(estimator):
    """List the names of every ``random_state`` parameter of ``estimator``, nested ones included.

    They are the keys of ``estimator.get_params(deep=True)`` named ``random_state`` or ending in
    ``__random_state``: the parameters :class:`BestOfNClassifier` gives each copy its seed in.

    Parameters
    ----------
    estimator : estimator
        Any object with scikit-learn's ``get_params`` (a Pipeline, a search, ...).

    Returns
    -------
    list of str
        The parameter names, sorted; empty when ``estimator`` has no randomness to seed.

    See Also
    --------
    BestOfNClassifier : Refits an estimator with a new seed in each of these parameters.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.linear_model import LogisticRegression
    >>> seed_params(make_pipeline(PCA(5), LogisticRegression()))
    ['logisticregression__random_state', 'pca__random_state']
    """
    return sorted(
        k
        for k in estimator.get_params(deep=True)
        if k == "random_state" or k.endswith("__random_state")
    )


def _fit_member(estimator, seed, names, X, y):
    member = clone(estimator).set_params(**{name: seed for name in names})
    member.fit(X, y)
    if _interrupted(member):
        # skorch keeps a network stopped by Ctrl-C and returns: the restarts stop with it
        raise KeyboardInterrupt
    return member


def _interrupted(estimator):
    """Whether Ctrl-C stopped the training of ``estimator`` or of a step of its pipeline."""
    steps = getattr(estimator, "steps", None)
    parts = [step for _, step in steps] if isinstance(steps, list) else [estimator]
    return any(getattr(part, "interrupted_", False) for part in parts)


class BestOfNClassifier(ClassifierMixin, BaseEstimator):
    """Fit ``n_init`` copies of a classifier with different seeds; keep the best or vote.

    A network's accuracy varies with its random initialisation; restarts smooth that out.
    Every ``random_state`` parameter of the estimator (see :func:`seed_params`) gets the
    copy's seed, and the copies are fitted independently (in parallel with ``n_jobs``).

    Parameters
    ----------
    estimator : classifier
        Any classifier (or Pipeline ending in one) with at least one ``random_state`` parameter;
        each copy gets its own seed in every one of them.
    n_init : int, default=2
        Number of random restarts.
    selection : {"best", "vote"}, default="best"
        ``"best"``: fit on a training split, keep the copy scoring best on the validation split
        (the study's "fit twice, keep the better"). ``"vote"``: fit every copy on all the data
        and combine them by ``voting``.
    voting : {"hard", "soft"}, default="hard"
        With ``selection="vote"``: majority of predicted labels (ties go to the class that
        comes first in ``classes_``) or argmax of the averaged ``predict_proba``.
    validation_fraction : float, default=0.2
        With ``selection="best"``: the stratified share of the data used to pick the best copy.
    scoring : str or callable, optional
        Validation score (default: the estimator's ``score``, accuracy for classifiers); a
        name from :func:`sklearn.metrics.get_scorer_names` or a scorer callable.
    n_jobs : int, optional
        Copies fitted in parallel (joblib).
    random_state : int, RandomState or None
        Draws the copies' seeds and the validation split.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted copies.
    seeds_ : ndarray of int
        The seed each copy received.
    validation_scores_ : ndarray or None
        Each copy's validation score (``selection="best"``).
    best_index_ : int or None
        Index of the kept copy (``selection="best"``).
    best_estimator_ : estimator or None
        The kept copy (``selection="best"``).
    classes_ : ndarray
        Class labels.

    See Also
    --------
    seed_params : The parameters each copy is seeded through.
    sklearn.ensemble.VotingClassifier : A vote of different classifiers.

    Examples
    --------
    >>> from sklearn.neural_network import MLPClassifier
    >>> from skimgclf.datasets import load_digits_images
    >>> X, y = load_digits_images(return_X_y=True)
    >>> clf = BestOfNClassifier(MLPClassifier(hidden_layer_sizes=(16,), max_iter=300),
    ...                         n_init=3, random_state=0).fit(X / 255, y)
    >>> len(clf.estimators_), clf.validation_scores_.shape, clf.best_index_ in (0, 1, 2)
    (3, (3,), True)
    >>> clf.predict(X[:3] / 255)
    array([0, 1, 2])
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "selection": [StrOptions({"best", "vote"})],
        "voting": [StrOptions({"hard", "soft"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "scoring": [None, StrOptions(set(get_scorer_names())), callable],
        "n_jobs": [None, NJobs()],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        *,
        n_init=2,
        selection="best",
        voting="hard",
        validation_fraction=0.2,
        scoring=None,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_init = n_init
        self.selection = selection
        self.voting = voting
        self.validation_fraction = validation_fraction
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the copies and select or combine them.

        Parameters
        ----------
        X : array-like
            Training data, in whatever form ``estimator`` accepts.
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        self : BestOfNClassifier
            The fitted ensemble.
        """
        if isinstance(self.estimator, type):
            raise InputTypeError(
                f"estimator must be an instance, e.g. {self.estimator.__name__}(); got the class "
                f"{self.estimator.__name__}"
            )
        if y is None:
            raise InputError("BestOfNClassifier requires y to be passed, but the target y is "
                             "None")
        if not is_classifier(self.estimator):
            raise InputError(
                f"BestOfNClassifier needs a classifier (or a Pipeline ending in one); "
                f"{type(self.estimator).__name__} is not one"
            )
        if self.selection == "vote" and self.voting == "soft" and not hasattr(
            self.estimator, "predict_proba"
        ):
            raise InputError(
                f"voting='soft' averages predict_proba, which {type(self.estimator).__name__} "
                "has not; use voting='hard' or an estimator with predict_proba"
            )
        names = seed_params(self.estimator)
        if not names:
            raise InputError(
                f"{type(self.estimator).__name__} has no random_state parameter, so its "
                f"{self.n_init} restarts would be identical; give an estimator with one"
            )
        check_classification_targets(y)
        check_consistent_length(X, y)
        as_labels(y, "y")  # mixed str and number labels, which numpy would read as strings
        y = np.asarray(y)
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=self.n_init)
        if self.selection == "best":
            X_fit, X_val, y_fit, y_val = self._validation_split(X, y, rng)
        else:
            X_fit, y_fit = X, y
        # set together once every restart is fitted: a refit stopped by Ctrl-C leaves the
        # previous fit whole
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_member)(self.estimator, int(seed), names, X_fit, y_fit)
            for seed in seeds
        )
        self.seeds_ = seeds
        self.classes_ = self.estimators_[0].classes_
        self.validation_scores_ = self.best_index_ = self.best_estimator_ = None
        if self.selection == "best":
            scorer = check_scoring(self.estimators_[0], scoring=self.scoring)
            self.validation_scores_ = np.array([scorer(m, X_val, y_val) for m in self.estimators_])
            self.best_index_ = int(np.argmax(self.validation_scores_))
            self.best_estimator_ = self.estimators_[self.best_index_]
        n_features = getattr(self.estimators_[0], "n_features_in_", None)
        if n_features is not None:
            self.n_features_in_ = n_features
        return self

    def _validation_split(self, X, y, rng):
        try:
            return train_test_split(
                X, y, test_size=self.validation_fraction, stratify=y, random_state=rng
            )
        except ValueError as exc:  # too few samples per class to stratify
            raise InputError(
                f"BestOfNClassifier cannot hold out a stratified validation_fraction="
                f"{self.validation_fraction!r} of {len(y)} samples in "
                f"{len(np.unique(y))} classes ({exc}); change validation_fraction, pass more "
                "samples per class, or use selection='vote' (no validation split)"
            ) from None

    def predict(self, X):
        """Predict labels with the kept copy, or by the vote of all copies.

        Parameters
        ----------
        X : array-like
            Data, in whatever form ``estimator`` accepts.

        Returns
        -------
        ndarray of shape (n_samples,)
            The predicted label of each sample.
        """
        check_is_fitted(self)
        if self.best_estimator_ is not None:
            return self.best_estimator_.predict(X)
        if self.voting == "soft":
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        votes = np.stack(
            [np.searchsorted(self.classes_, m.predict(X)) for m in self.estimators_], axis=1
        )
        counts = np.apply_along_axis(np.bincount, 1, votes, minlength=len(self.classes_))
        return self.classes_[np.argmax(counts, axis=1)]

    def _has_proba(self):
        if self.selection == "vote" and self.voting == "hard":
            raise AttributeError(
                "predict_proba is not available with selection='vote', voting='hard'"
            )
        return hasattr(self.estimator, "predict_proba")

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Predict class probabilities with the kept copy, or their mean over all copies.

        Not available with ``selection="vote", voting="hard"``, nor for an estimator without
        ``predict_proba``.

        Parameters
        ----------
        X : array-like
            Data, in whatever form ``estimator`` accepts.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            The probability of each class, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        if self.best_estimator_ is not None:
            return self.best_estimator_.predict_proba(X)
        return np.mean([m.predict_proba(X) for m in self.estimators_], axis=0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:  # scikit-learn reads the tags before fit checks the estimator: a class, None
            tags.input_tags = get_tags(self.estimator).input_tags
        except (AttributeError, TypeError):
            pass
        return tags
