"""The spelling of data specifications: which kind a spec is, its one name, how to show it."""

from __future__ import annotations

import os

import numpy as np

from ..datasets._names import DATASETS, dataset_name
from ..exceptions import InputError

__all__ = ["DataError", "NAMED_DATASETS", "named_datasets", "canonical_spec", "describe",
           "class_names_for", "kind_of"]


class DataError(InputError):
    """The data named by a specification cannot be used; the message names the file and why.

    An :class:`~skimgclf.exceptions.InputError` (and so a ``ValueError``): the command line
    reports it as a usage error, with its message.

    Examples
    --------
    >>> from skimgclf.exceptions import InputError
    >>> issubclass(DataError, InputError), issubclass(DataError, ValueError)
    (True, True)
    """


def named_datasets() -> tuple[str, ...]:
    """The names ``load_data`` takes, from the registry as it is now (``NAME-VARIANT`` for a
    set with variants)."""
    entries = list(DATASETS.values())
    return ("digits", *(e.name for e in entries if not e.variants),
            *(f"{e.name}-SPLIT" for e in entries if e.variants))


NAMED_DATASETS = named_datasets()


def kind_of(spec):
    """``(kind, rest)``: ``"npz"``, ``"idx"``, ``"folder"`` or ``"named"``."""
    kind, _, rest = spec.partition(":")
    if kind in ("npz", "idx", "folder"):
        return kind, rest
    if spec.endswith(".npz"):
        return "npz", spec
    return "named", spec


def split_variant(spec):
    """``(entry, variant or None)`` of a named spec (``emnist-letters``); ``(None, None)``
    when it names no registered set."""
    key = spec.strip().lower().replace("_", "-")
    name = dataset_name(key)
    if name is not None:
        entry = next(e for e in DATASETS.values() if e.name == name)
        return entry, (entry.variants[0] if entry.variants else None)
    for entry in DATASETS.values():
        if entry.variants and key.startswith(f"{entry.name}-"):
            return entry, key[len(entry.name) + 1:]
    return None, None


def canonical_spec(spec):
    """The one spelling of a named data set (``fashion_mnist`` -> ``fashion-mnist``,
    ``emnist`` -> ``emnist-balanced``); other specifications are returned as they are.

    Examples
    --------
    >>> canonical_spec("Fashion_MNIST"), canonical_spec("emnist"), canonical_spec("x.npz")
    ('fashion-mnist', 'emnist-balanced', 'x.npz')
    """
    key = spec.strip().lower().replace("_", "-")
    if key == "digits":
        return "digits"
    entry, variant = split_variant(key)
    if entry is None:
        return spec
    return f"{entry.name}-{variant}" if entry.variants else entry.name


def class_names_for(classes, target_names):
    """Names of ``classes`` (a model's ``classes_``) from ``target_names`` (indexed by label
    value, as :func:`load_data` gives them); None when they do not name every class.

    Examples
    --------
    >>> class_names_for([1, 3], ["zero", "one", "two", "three"])
    ['one', 'three']
    >>> class_names_for(["cat", "dog"], None) is None, class_names_for([7], ["a"]) is None
    (True, True)
    """
    if target_names is None:
        return None
    classes = np.asarray(classes)
    if classes.dtype.kind not in "iuf" or not np.all(classes == np.round(classes)):
        return None
    index = classes.astype(np.int64)
    if index.min() < 0 or index.max() >= len(target_names):
        return None
    return [str(target_names[i]) for i in index]


def describe(spec, subset):
    """How to name the data in messages: the subset only where it means something.

    Examples
    --------
    >>> describe("mnist", "test"), describe("digits", "test"), describe("x.npz", "train")
    ('mnist (test)', 'digits', 'x.npz')
    >>> describe("fashion_mnist", "train")
    'fashion-mnist (train)'
    >>> describe("idx:/data/a.part01of06.gz,/data/a.part02of06.gz:/data/labels.gz", "train")
    'idx:a.part01of06.gz (+1 part)'
    >>> describe("idx:/data/fashion-mnist/train-images*.gz:/data/labels.gz", "train")
    'idx:train-images*.gz'
    """
    kind, rest = kind_of(spec)
    if kind == "idx":  # the paths can be long: the images' file name says what they are
        images = rest.rpartition(":")[0].split(",") if ":" in rest else [rest]
        more = len(images) - 1
        plus = f" (+{more} part{'s' * (more > 1)})" if more else ""
        return f"idx:{os.path.basename(images[0])}{plus}"
    if kind != "named":
        return spec
    spec = canonical_spec(spec)
    return f"{spec} ({subset})" if spec != "digits" else spec
