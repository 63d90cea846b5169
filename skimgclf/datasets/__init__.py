"""Data sets: the embedded default, IDX files, fetchers, image folders and generators."""

from ._download import get_data_home
from ._embedded import load_digits_images
from ._fetch_color import fetch_cifar10, fetch_svhn
from ._fetch_mnist import fetch_emnist, fetch_fashion_mnist, fetch_kmnist, fetch_mnist
from ._folder import load_image_folder
from ._idx import load_idx
from ._local import load_cifar10_npz, load_olivetti_faces
from ._modified_mnist import make_modified_mnist

__all__ = [
    "fetch_cifar10",
    "fetch_emnist",
    "fetch_fashion_mnist",
    "fetch_kmnist",
    "fetch_mnist",
    "fetch_svhn",
    "get_data_home",
    "load_cifar10_npz",
    "load_digits_images",
    "load_idx",
    "load_image_folder",
    "load_olivetti_faces",
    "make_modified_mnist",
]
