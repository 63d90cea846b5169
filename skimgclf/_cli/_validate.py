"""scikit-learn's ``@validate_params`` for the CLI's public functions, without importing
scikit-learn at startup."""

from __future__ import annotations

import functools


def validate_params(constraints):
    """scikit-learn's ``@validate_params`` for constraints that are plain types (or None),
    checked without importing scikit-learn, so that ``skimgclf --help`` answers at once.

    A value that breaks them is handed to scikit-learn's own ``validate_params``, which raises
    its ``InvalidParameterError`` with its message. Unlike scikit-learn's decorator, the
    function then runs with nested validation on: the command line hands user input to the
    estimators, and their own checks give the clearest messages.
    """

    def decorate(func):
        names = func.__code__.co_varnames[: func.__code__.co_argcount]
        defaults = dict(zip(names[len(names) - len(func.__defaults__ or ()):],
                            func.__defaults__ or (), strict=True))

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            given = {**defaults, **dict(zip(names, args, strict=False)), **kwargs}
            for name, allowed in constraints.items():
                value = given.get(name)
                if not any(value is None if c is None else isinstance(value, c)
                           for c in allowed):
                    from .._sklearn_compat import validate_params as sklearn_validate_params

                    checked = sklearn_validate_params(constraints,
                                                      prefer_skip_nested_validation=True)
                    return checked(func)(*args, **kwargs)
            return func(*args, **kwargs)

        wrapper._skl_parameter_constraints = constraints
        return wrapper

    return decorate
