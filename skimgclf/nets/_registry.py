"""A name -> constructor registry for network architectures, in the style of timm.

Constructors are classes or functions taking scalar keyword arguments (``in_channels``,
``n_classes``, ``input_shape`` and the architecture's own widths, dropout, activation) and
returning an ``nn.Module`` that maps a batch to logits.
"""

from __future__ import annotations

import fnmatch
import re

from .._sklearn_compat import validate_params
from ..exceptions import InputError

__all__ = ["get_net", "list_nets", "register_net"]

_REGISTRY: dict = {}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@validate_params({"fn": [callable, None], "name": [str, None]}, prefer_skip_nested_validation=True)
def register_net(fn=None, *, name=None):
    """Register a module constructor under ``name`` (default: its ``__name__``, lower-cased).

    Usable as ``@register_net``, ``@register_net(name="x")`` or ``register_net(cls, name="x")``.

    Parameters
    ----------
    fn : callable, optional
        A class or function returning an ``nn.Module``.
    name : str, optional
        Lower-case snake-case name; must not be taken.

    Returns
    -------
    fn : callable
        ``fn`` unchanged (so the decorator leaves the object as it was).

    See Also
    --------
    get_net : Look a registered constructor up by name.
    list_nets : The registered names.

    Examples
    --------
    >>> import torch
    >>> from skimgclf.nets import register_net, get_net
    >>> @register_net(name="doc_linear")
    ... def doc_linear(in_channels=1, n_classes=2, input_shape=(4, 4)):
    ...     return torch.nn.Sequential(
    ...         torch.nn.Flatten(), torch.nn.Linear(in_channels * input_shape[0] * input_shape[1],
    ...                                             n_classes))
    >>> get_net("doc_linear") is doc_linear
    True
    """

    def decorate(obj):
        if name is None and not isinstance(getattr(obj, "__name__", None), str):
            raise InputError(f"{type(obj).__name__} objects have no __name__ to register "
                             "them by; pass name='...'")
        key = (obj.__name__ if name is None else name).lower()
        if not _NAME.match(key):
            raise InputError(f"network names are lower-case snake case; got {key!r}")
        if key in _REGISTRY and _REGISTRY[key] is not obj:
            raise InputError(f"a network named {key!r} is already registered; choose another name")
        _REGISTRY[key] = obj
        return obj

    return decorate if fn is None else decorate(fn)


@validate_params({"pattern": [str]}, prefer_skip_nested_validation=True)
def list_nets(pattern: str = "*") -> list[str]:
    """Sorted names of the registered networks matching the shell-style ``pattern``.

    The built-in networks register themselves when :mod:`skimgclf.nets` is imported, and
    :func:`register_net` adds to them; the names are those the estimators' ``architecture``
    takes.

    Parameters
    ----------
    pattern : str, default="*"
        A shell-style pattern (``fnmatch``), matched against the lower-cased names.

    Returns
    -------
    list of str
        The matching names, sorted.

    See Also
    --------
    get_net : The constructor registered under a name.

    Examples
    --------
    >>> from skimgclf.nets import list_nets
    >>> list_nets("lenet*")
    ['lenet5']
    """
    return sorted(n for n in _REGISTRY if fnmatch.fnmatchcase(n, pattern.lower()))


@validate_params({"name": [str]}, prefer_skip_nested_validation=True)
def get_net(name: str):
    """The constructor registered under ``name``.

    The estimators call it with their ``architecture``, then call the constructor with the
    data's ``in_channels``, ``n_classes`` and ``input_shape`` (and ``module__*`` arguments).

    Parameters
    ----------
    name : str
        A registered name (see :func:`list_nets`), in any case.

    Returns
    -------
    callable
        The class or function registered under ``name``.

    Raises
    ------
    ValueError
        When ``name`` is not registered; the message lists the available names.

    See Also
    --------
    list_nets : The registered names.
    register_net : Register a constructor of your own.

    Examples
    --------
    >>> from skimgclf.nets import get_net
    >>> net = get_net("bn_cnn")(in_channels=1, n_classes=10, input_shape=(28, 28))
    >>> tuple(net(__import__("torch").zeros(2, 1, 28, 28)).shape)
    (2, 10)
    """
    key = name.lower()
    if key not in _REGISTRY:
        raise InputError(
            f"unknown architecture {name!r}; choose one of {', '.join(list_nets())} "
            "(or register your own with skimgclf.nets.register_net)"
        )
    return _REGISTRY[key]
