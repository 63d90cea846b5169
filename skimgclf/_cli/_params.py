"""``--param NAME=VALUE`` and the parameter names of grid files: parsed, routed to a step of the
model's Pipeline (``STEP__NAME``, or ``NAME`` when exactly one step has it), and checked as
scikit-learn checks them at fit, with errors that name the option and the steps."""

from __future__ import annotations

import json

from ._errors import UserError, one_line

_MISSING = object()


class UnknownParamError(UserError):
    """No step of the model has the parameter named."""


class AmbiguousParamError(UserError):
    """Several steps of the model have the parameter named, without its step."""


def parse_params(pairs):
    """``["clf__lr=0.001", "hog__orientations=8"]`` -> ``{name: (value, text)}``; values are
    read as JSON when they parse (lists become tuples, as sizes and shapes are in scikit-learn),
    else kept as strings (an architecture name)."""
    params = {}
    for pair in pairs or []:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--param takes NAME=VALUE, got {pair!r}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        params[key] = (tuples(value), text)
    return params


def tuples(value):
    """JSON lists as tuples, nested ones too."""
    if isinstance(value, list):
        return tuple(tuples(v) for v in value)
    return value


def steps(model):
    """The ``(name, estimator)`` steps of a Pipeline (none of another model), "passthrough"
    and None left out."""
    return [(name, step) for name, step in getattr(model, "steps", [])
            if step is not None and not isinstance(step, str)]


def routing_prefixes(step) -> frozenset:
    """The prefixes of the parameters that ``step`` routes on, ``PREFIX__name`` (a skorch net
    routes ``module__widths`` to its module, ``compile__mode`` to ``torch.compile``, ...), as
    the step itself declares them; none for an estimator that routes nothing.

    skorch lists them in ``prefixes_`` and adds the module, criterion and optimizer (and any
    other torch component a subclass registers) when it builds them, in ``fit``; before that,
    a component is known by the ``initialize_NAME`` method that builds the parameter ``NAME``.
    """
    declared = getattr(step, "prefixes_", None)
    if declared is None:
        return frozenset()
    found = set(declared)
    found.update(a[:-1] for a in getattr(step, "cuda_dependent_attributes_", ()) if a[-1:] == "_")
    for registered in ("_modules", "_criteria", "_optimizers"):
        found.update(getattr(step, registered, ()))
    params = step.get_params(deep=False)
    found.update(name for name in params if "__" not in name
                 and callable(getattr(type(step), f"initialize_{name}", None)))
    return frozenset(found)


def _step_has(step, key):
    """Whether the Pipeline step ``step`` takes the parameter ``key``."""
    if key in step.get_params(deep=True):
        return True
    first, sep, rest = key.partition("__")
    return bool(sep and rest) and first in routing_prefixes(step)


def param_name(model, key, shown, preset=None):
    """The full name in ``model`` (a Pipeline) of a parameter named ``key``: as it is when it
    starts with a step's name (``clf__C``), else the one step that has it (``C`` ->
    ``clf__C``). Ambiguous and unknown names are a UserError naming the steps."""
    found = steps(model)
    if key.partition("__")[0] in dict(found) or not found:
        return key
    having = [name for name, step in found if _step_has(step, key)]
    if len(having) == 1:
        return f"{having[0]}__{key}"
    if len(having) > 1:
        options = " or ".join(f"{name}__{key}" for name in having)
        raise AmbiguousParamError(f"{shown}: {key!r} is a parameter of the steps "
                                  f"{', '.join(having)} of the model; say which: {options}")
    raise UnknownParamError(f"{shown}: the model has no parameter {key!r}; "
                            f"{_name_hint(model, key, preset)}")


def _name_hint(model, key, preset=None):
    import difflib

    found = steps(model)
    names = model.get_params(deep=True)
    prefix, _, name = key.rpartition("__")
    if prefix:  # STEP__NAME: names of that step like NAME (case aside)
        siblings = {}
        for k in names:
            p, _, n = k.rpartition("__")
            if p == prefix:
                siblings.setdefault(n.lower(), k)
        close = [siblings[n] for n in
                 difflib.get_close_matches(name.lower(), list(siblings), n=3, cutoff=0.6)]
    else:  # NAME: step parameters like it
        flat = {}
        for k in names:
            step, sep, n = k.partition("__")
            if sep and step in dict(found) and "__" not in n:
                flat.setdefault(n.lower(), k)
        close = [flat[n] for n in difflib.get_close_matches(key.lower(), list(flat), n=3,
                                                            cutoff=0.6)]
    steps_text = ", ".join(f"{n} ({type(s).__name__})" for n, s in found)
    whose = f"the steps of {preset} are" if preset else "its steps are"
    where = (f"{whose} {steps_text}: give STEP__NAME, or NAME alone when one step has it"
             if found else "see the model's get_params()")
    return f"did you mean {' or '.join(close)}? ({where})" if close else where


def has_param(model, key):
    """Whether ``model`` takes ``key`` (a STEP__NAME): one of its step's parameters."""
    step, _, rest = key.partition("__")
    found = dict(steps(model)).get(step)
    return found is not None and bool(rest) and _step_has(found, rest)


def set_param(estimator, key, value, shown, preset=None):
    """Set one parameter, checked as scikit-learn checks it at fit; errors name ``shown``."""
    from .._sklearn_compat import InvalidParameterError, validate_parameter_constraints

    names = estimator.get_params(deep=True)
    old = names.get(key, _MISSING)
    *path, name = key.split("__")
    try:
        estimator.set_params(**{key: value})
    except ValueError:  # scikit-learn's "Invalid parameter 'x' for estimator ..." + a repr
        raise UnknownParamError(f"{shown}: the model has no parameter {key!r}; "
                                f"{_name_hint(estimator, key, preset)}") from None
    owner = estimator.get_params(deep=True).get("__".join(path)) if path else estimator
    constraints = getattr(owner, "_parameter_constraints", None) or {}
    if name in constraints:
        try:
            validate_parameter_constraints(
                {name: constraints[name]}, {name: value}, caller_name=type(owner).__name__
            )
        except InvalidParameterError as exc:
            raise UserError(f"{shown}: {one_line(exc)}") from None
    elif _is_number(old) and not _is_number(value):
        raise UserError(f"{shown}: expected a number (the model's value is {old!r})")


def _is_number(value):
    from numbers import Real

    return isinstance(value, Real) and not isinstance(value, bool)
