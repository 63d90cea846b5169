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

import re

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

__all__ = [
    "SKLEARN_VERSION", "HasMethods", "Interval", "InvalidParameterError", "Options",
    "RealNotInt", "StrOptions", "CustomConstraint", "generate_invalid_param_val",
    "generate_valid_param", "make_constraint", "validate_parameter_constraints",
    "validate_params", "_fit_context",
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
