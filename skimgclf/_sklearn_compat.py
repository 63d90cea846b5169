"""The one door to scikit-learn's private API (as imbalanced-learn's ``_sklearn_compat``).

skimgclf validates its parameters with scikit-learn's own machinery, which is private: the
constraint classes, ``validate_params`` and ``validate_parameter_constraints`` of
``sklearn.utils._param_validation``, and ``sklearn.base._fit_context``. Private names can change
in any release, so no other module of the package (nor its tests) imports them: they import them
from here, and a release that moves or changes them is fixed in this file alone.

``_fit_context`` is the decorator that validates the parameters once at ``fit`` and skips the
nested validation of what ``fit`` calls.

The range this file is tested against is declared in pyproject.toml (``scikit-learn>=...,<...``)
and run by CI: ``make test-compat`` runs the suite on the oldest supported release, ``make test``
on the newest (see docs/contributing.rst). :data:`SKLEARN_VERSION` lets code branch on the
release where behaviour differs.
"""

from __future__ import annotations

import contextlib
import re
from numbers import Integral, Real

import numpy as np
import sklearn
from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    RealNotInt,
    StrOptions,
    generate_invalid_param_val,
    generate_valid_param,
    make_constraint,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils._set_output import _get_output_config as get_output_config

__all__ = [
    "SKLEARN_VERSION", "HasMethods", "Interval", "InvalidParameterError", "Options",
    "RealNotInt", "StrOptions", "CustomConstraint", "generate_invalid_param_val",
    "generate_valid_param", "make_constraint", "validate_parameter_constraints",
    "validate_params", "_fit_context", "own_parameter_errors", "StrictInterval", "NJobs",
    "FINITE", "get_output_config",
]

# (major, minor) of the installed release, e.g. (1, 9)
SKLEARN_VERSION = tuple(int(part) for part in re.findall(r"\d+", sklearn.__version__)[:2])


class CustomConstraint(Options):
    """Base of the constraints scikit-learn has no class for.

    A subclass defines ``is_satisfied_by(val)`` and ``__str__`` (the "must be ..." text of the
    error). It derives from ``Options`` only because ``make_constraint`` passes ``Options``
    instances through unchanged and refuses other constraint classes; ``check_param_validation``
    generates no invalid value for it (it still checks that a value of a wrong type is refused).
    """

    def __init__(self):
        super().__init__(object, set())


class StrictInterval(Interval):
    """scikit-learn's ``Interval`` refusing bools: ``max_epochs=True`` is not 1 epoch."""

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


class _Finite(StrictInterval):
    def __str__(self):
        return "a finite number"


# A finite number (NaN, infinities and bools refused): a threshold or a fill value.
FINITE = _Finite(Real, -np.inf, np.inf, closed="neither")


class NJobs(CustomConstraint):
    """joblib's ``n_jobs``: an int other than 0 (-1 for every core), bools refused."""

    def is_satisfied_by(self, val):
        return (isinstance(val, Integral) and not isinstance(val, (bool, np.bool_))
                and val != 0)

    def __str__(self):
        return "an int other than 0 (the number of jobs; -1 for every core)"


@contextlib.contextmanager
def own_parameter_errors(caller):
    """Keep the name of the estimator in the parameter errors of estimators fitted inside a
    ``validate_params``-decorated function ``caller``.

    The decorator renames the owner of every ``InvalidParameterError`` that escapes it (its
    pattern: "parameter of <name> must be") to the function, which would blame the function
    for a bad parameter of a model it was given; "<name> (fitted by <caller>)" says both.
    """
    try:
        yield
    except InvalidParameterError as error:
        message = re.sub(r"parameter of (\w+) must be",
                         rf"parameter of \1 (fitted by {caller}) must be", str(error))
        raise InvalidParameterError(message) from error
