"""The names of the fetchable data sets, as users spell them, without importing any fetcher.

One spelling everywhere a user reads or types a name (``skimgclf datasets list``, ``datasets
fetch``, ``train``, messages): the hyphenated one, ``fashion-mnist``. Other spellings are
aliases (``fashion_mnist``, ``Fashion-MNIST``, ``cifar-10``). The registry keys (and cache
folders) stay as they were, so caches made before keep working.

This module imports nothing but the standard library: the command line reads it to build its
``--help`` before any heavy library is loaded.
"""

from __future__ import annotations

__all__ = ["DATASET_NAMES", "EMNIST_SPLITS", "DATA_HOME_ENV", "dataset_name", "registry_key"]

DATA_HOME_ENV = "SKIMGCLF_DATA"
EMNIST_SPLITS = ("balanced", "byclass", "bymerge", "letters", "digits", "mnist")

# User-facing name -> registry key (which is also the cache folder's name).
DATASET_NAMES = {
    "mnist": "mnist",
    "fashion-mnist": "fashion_mnist",
    "kmnist": "kmnist",
    "emnist": "emnist",
    "cifar10": "cifar10",
    "svhn": "svhn",
}
_ALIASES = {"cifar-10": "cifar10", "k-mnist": "kmnist", "kuzushiji-mnist": "kmnist"}


def dataset_name(text):
    """The user-facing name of a fetchable data set, or None when ``text`` names none.

    Case, and ``_`` against ``-``, do not matter; a registry key is accepted too.

    Examples
    --------
    >>> dataset_name("fashion_mnist"), dataset_name("Fashion-MNIST"), dataset_name("cifar-10")
    ('fashion-mnist', 'fashion-mnist', 'cifar10')
    >>> dataset_name("imagenet") is None
    True
    """
    key = str(text).strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    return key if key in DATASET_NAMES else None


def registry_key(name):
    """The registry key (cache folder) of a user-facing name or alias; KeyError if unknown.

    Examples
    --------
    >>> registry_key("fashion-mnist")
    'fashion_mnist'
    """
    canonical = dataset_name(name)
    if canonical is None:
        raise KeyError(name)
    return DATASET_NAMES[canonical]


def display_name(key):
    """The user-facing name of a registry key (``fashion_mnist`` -> ``fashion-mnist``)."""
    return {v: k for k, v in DATASET_NAMES.items()}.get(key, key)
