"""The one check of the estimator a display's (or the report's) ``from_estimator`` is given."""

from __future__ import annotations

from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted

from ..exceptions import InputError, InputTypeError


def check_fitted_classifier(estimator, caller):
    """Refuse what is not a fitted classifier, before scikit-learn fails on it deep inside.

    scikit-learn meets an object without ``predict`` (or without its tags) with an
    AttributeError about ``__sklearn_tags__``; here it is named for what it is.

    Parameters
    ----------
    estimator : object
        What the caller was given.
    caller : str
        Who needs it, for the messages (``"ConfusionMatrixDisplay.from_estimator"``).

    Raises
    ------
    InputTypeError
        Without a ``predict`` method.
    InputError
        When it is not a classifier.
    NotFittedError
        When it was not fitted.
    """
    if not callable(getattr(estimator, "predict", None)):
        raise InputTypeError(
            f"{caller} needs a fitted classifier (an object with predict: a scikit-learn "
            f"classifier, Pipeline or search); got {type(estimator).__name__}"
        )
    try:
        classifier = is_classifier(estimator)
    except AttributeError:  # no scikit-learn tags: it does not say it is a classifier
        classifier = False
    if not classifier:
        raise InputError(
            f"{caller} needs a classifier; got {type(estimator).__name__} (a classifier of "
            "your own inherits sklearn.base.ClassifierMixin and BaseEstimator)"
        )
    check_is_fitted(estimator)
