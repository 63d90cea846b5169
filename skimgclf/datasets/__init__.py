"""Data sets: the embedded default, IDX files, fetchers, image folders and generators, and the
image sets read on demand (a folder, a memmap, a torch ``Dataset``).

The loaders are imported on first use (PEP 562, as in the top-level package), so that the
command line can read the data-set names (``skimgclf.datasets._names``) for its ``--help``
without importing scikit-learn.
"""

import importlib

# Public name -> the private module that defines it ("._sources" is skimgclf._sources, one
# level up: the image sets read on demand are the networks' input as much as the data sets').
_LAZY = {
    "ArrayImageDataset": "._sources",
    "ImageDataset": "._sources",
    "ImageFolderDataset": "_folder_dataset",
    "TorchImageDataset": "._sources",
    "fetch_cifar10": "_fetch_color",
    "fetch_emnist": "_fetch_mnist",
    "fetch_fashion_mnist": "_fetch_mnist",
    "fetch_kmnist": "_fetch_mnist",
    "fetch_mnist": "_fetch_mnist",
    "fetch_svhn": "_fetch_color",
    "get_data_home": "_download",
    "load_cifar10_npz": "_local",
    "load_digits_images": "_embedded",
    "load_idx": "_idx",
    "load_idx_folder": "_idx_folder",
    "load_image_folder": "_folder",
    "load_images": "_read_images",
    "load_olivetti_faces": "_local",
    "make_modified_mnist": "_modified_mnist",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later look-ups skip __getattr__
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_LAZY})
