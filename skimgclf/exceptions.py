"""The exceptions skimgclf raises on purpose.

Input that skimgclf refuses (an array of the wrong shape, dtype or values, a file it cannot use,
a bad value of an argument) raises :class:`InputError`, a ``ValueError``, or
:class:`InputTypeError`, a ``TypeError`` (and a ``InputError``): code that catches ``ValueError``
or ``TypeError``, as scikit-learn's estimator checks do, keeps working, and a caller such as the
command line can tell "the input was refused, the message says why" from an error inside the
code, by type rather than by reading the message.
"""

__all__ = ["InputError", "InputTypeError"]


class InputError(ValueError):
    """Input that skimgclf refuses; the message says what is wrong and how to fix it.

    A ``ValueError``: an array of the wrong shape, dtype or values, a file that cannot be used,
    an argument out of its range.

    See Also
    --------
    InputTypeError : The same for input of the wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> from skimgclf import BackgroundRemover
    >>> from skimgclf.exceptions import InputError
    >>> try:  # a 0-255 threshold on images already scaled to [0, 1]
    ...     BackgroundRemover(threshold=255).fit_transform(np.full((2, 8, 8), 0.5))
    ... except InputError as exc:
    ...     print(type(exc).__name__, isinstance(exc, ValueError))
    InputError True
    """


class InputTypeError(InputError, TypeError):
    """Input of a type skimgclf cannot use (a ``TypeError`` and an :class:`InputError`).

    Raised where an argument is neither of the types it takes (a list of file names where an
    array is expected, a string where a number is).

    See Also
    --------
    InputError : Its base: every input skimgclf refuses.

    Examples
    --------
    >>> from skimgclf.exceptions import InputError, InputTypeError
    >>> issubclass(InputTypeError, TypeError), issubclass(InputTypeError, InputError)
    (True, True)
    """
