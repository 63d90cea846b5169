"""Class labels, read one way for the whole package (metrics and estimators alike).

numpy and scikit-learn meet bad labels deep inside (``'<' not supported between instances of
'str' and 'int'``), or not at all (``np.asarray([0, "a"])`` silently makes strings of both);
:func:`as_labels` refuses them first, with a message that names the sample at fault.
"""

from __future__ import annotations

import numbers

import numpy as np

from .exceptions import InputError

__all__ = ["as_labels"]

_SCORES_HINT = (
    "pass the predicted classes (estimator.predict), not scores or probabilities (those go in "
    "y_score)"
)


def as_labels(y, what, *, hint=_SCORES_HINT):
    """A 1-D array of class labels and its kind (``"number"`` or ``"str"``), or a clear error.

    Refused with a message that names the problem: ragged or 2-D input, missing labels (NaN,
    None), labels mixing str and number (numpy would turn ``[0, "a"]`` into strings silently),
    values that are not labels (fractional floats, infinities; ``hint`` says what to pass
    instead), and dtypes that cannot hold labels.

    Parameters
    ----------
    y : array-like of shape (n,) or (n, 1)
    what : str
        The argument's name, for the messages (``"y"``, ``"y_true"``).
    hint : str, default: about scores passed as predictions

    Returns
    -------
    labels : ndarray of shape (n,)
    kind : {"number", "str"}

    Examples
    --------
    >>> as_labels(["cat", "dog"], "y")
    (array(['cat', 'dog'], dtype='<U3'), 'str')
    >>> as_labels([0, "a"], "y")
    Traceback (most recent call last):
    ...
    skimgclf.exceptions.InputError: y mixes str and number labels (y[0] = 0, y[1] = 'a'); ...
    """
    try:
        arr = np.asarray(y)
    except ValueError:  # numpy refuses ragged nested sequences
        raise InputError(
            f"{what} is a ragged nested sequence; pass one class label per sample"
        ) from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise InputError(
            f"{what} must be 1-D class labels; got an array of shape {arr.shape} (multilabel and "
            "multi-output targets are not supported)"
        )
    if arr.dtype == object or (arr.dtype.kind in "US" and not isinstance(y, np.ndarray)):
        # numpy turns [0, "a"] into the strings ["0", "a"]: look at the elements themselves.
        elements = arr if arr.dtype == object else np.asarray(y, dtype=object).ravel()
        if _kind_of_elements(elements, what) == "str":
            return arr, "str"
        numeric = np.asarray(arr.tolist())  # numbers only: numpy gives them a numeric dtype
        arr = numeric if numeric.dtype.kind in "biuf" else arr
    if arr.dtype.kind == "S":  # numpy's bytes: scikit-learn would refuse them deep inside
        raise InputError(
            f"{what} holds bytes (dtype {arr.dtype}); class labels are ints or strs: decode "
            f"them first, e.g. np.char.decode({what})"
        )
    if arr.dtype.kind == "U":
        return arr, "str"
    if arr.dtype.kind in "biuO":
        return arr, "number"
    if arr.dtype.kind == "f":
        missing = np.flatnonzero(np.isnan(arr))
        if missing.size:
            raise InputError(_missing_message(what, missing))
        fractional = np.flatnonzero(~np.isfinite(arr) | (arr != np.round(arr)))
        if fractional.size:
            i = fractional[0]
            raise InputError(
                f"{what} holds values that are not class labels ({what}[{i}] = {arr[i].item()!r}); "
                + hint
            )
        return arr, "number"
    raise InputError(
        f"{what} has dtype {arr.dtype}, which cannot hold class labels; pass ints or strs"
    )


def _kind_of_elements(elements, what):
    kinds = {}  # kind -> index of its first element, in order of appearance
    missing = []
    for i, v in enumerate(elements):
        if v is None or (isinstance(v, (float, np.floating)) and np.isnan(v)):
            missing.append(i)
        elif isinstance(v, str):
            kinds.setdefault("str", i)
        elif isinstance(v, (numbers.Real, np.bool_)):  # bool, int, float and numpy's
            kinds.setdefault("number", i)
        else:
            kinds.setdefault(type(v).__name__, i)
    if missing:
        raise InputError(_missing_message(what, np.asarray(missing)))
    odd = [k for k in kinds if k not in ("str", "number")]
    if odd:
        i = kinds[odd[0]]
        raise InputError(
            f"{what}[{i}] is a {odd[0]} ({elements[i]!r}); class labels are ints or strs"
        )
    if len(kinds) > 1:
        i, j = sorted(kinds.values())
        raise InputError(
            f"{what} mixes str and number labels ({what}[{i}] = {elements[i]!r}, {what}[{j}] = "
            f"{elements[j]!r}); use one type for every label, e.g. convert them all with "
            f"np.asarray({what}).astype(str)"
        )
    return next(iter(kinds), "number")


def _missing_message(what, where):
    return (
        f"{what} holds {len(where)} missing label(s) (NaN or None) at index "
        f"{where[:5].tolist()}{'...' if len(where) > 5 else ''}; drop those samples or fill "
        "in their labels"
    )
