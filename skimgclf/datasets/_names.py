"""The one registry of the named data sets: adding a data set is one :class:`Dataset` entry here.

An entry says everything the package knows about a set: the name users type and its aliases,
the title, the class names, the published files of each subset with their checksums, sizes and
URLs, the checksums of their decompressed content (which check a copy split into parts), how
the files are read (``reader``), and the local layouts a copy may be found in besides the cache.
Everything else is derived from it: the names of ``--help`` and ``skimgclf datasets``, the
fetchers' cache (:mod:`._registry`, whose ``DATASETS`` is this very table), the look-up of local
copies (:mod:`._lookup`) and ``skimgclf train NAME``.

One spelling everywhere a user reads or types a name (``skimgclf datasets list``, ``datasets
fetch``, ``train``, messages): the hyphenated one, ``fashion-mnist``. Other spellings are
aliases (``fashion_mnist``, ``Fashion-MNIST``, ``cifar-10``). The registry keys (and cache
folders) stay as they were, so caches made before keep working.

This module imports nothing but the standard library: the command line reads it to build its
``--help`` before any heavy library is loaded. Readers are therefore named by a string (a key of
``skimgclf.datasets._readers.READERS``, or ``"module:function"`` for a reader elsewhere).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Dataset", "LocalLayout", "DATASETS", "DATASET_NAMES", "EMNIST_SPLITS",
           "DATA_HOME_ENV", "dataset_name", "registry_key", "display_name", "register"]

DATA_HOME_ENV = "SKIMGCLF_DATA"
EMNIST_SPLITS = ("balanced", "byclass", "bymerge", "letters", "digits", "mnist")


@dataclass(frozen=True)
class LocalLayout:
    """A place besides the cache where a copy of a data set may lie, under the data home.

    ``folders`` are tried in order, relative to the data home; ``subsets`` maps a subset to the
    file names it needs there. Each file may be whole or split into parts named
    ``STEM.partKKofNN.EXT`` (or ``STEM_partKKofNN.EXT``), each a complete file of consecutive
    rows, read in order and concatenated. ``reader`` reads them (None: the set's own reader).
    """

    folders: tuple[str, ...]
    subsets: dict[str, tuple[str, ...]]
    reader: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Dataset:
    """One named data set: all the registry knows about it.

    ``subsets`` maps a subset key (``"train"``; ``"balanced/train"`` for a set with
    ``variants``) to the paths, relative to the set's cache folder ``<data home>/<key>/``, that
    loading it reads. Without ``archive`` each such path is itself a published file; with
    ``archive``, the paths are members of that one published archive. ``checksums`` and
    ``sizes`` are those of the published files; ``contents`` holds, for a published file that is
    compressed, the checksum of its decompressed content (the same for any copy, recompressed
    or split into parts). ``class_names`` is a tuple, or for a set with variants a dict
    variant -> tuple. ``fetcher`` names its public function in :mod:`skimgclf.datasets`, if any.
    """

    key: str
    name: str
    title: str
    class_names: tuple | dict
    base_urls: tuple[str, ...]
    checksums: dict[str, str]
    sizes: dict[str, int]
    subsets: dict[str, tuple[str, ...]]
    reader: str
    aliases: tuple[str, ...] = ()
    archive: str | None = None
    contents: dict[str, str] = field(default_factory=dict)
    local: tuple[LocalLayout, ...] = ()
    variants: tuple[str, ...] = ()
    fetcher: str | None = None
    homepage: str = ""
    licence: str = ""

    def remote(self, filename):
        """The published file ``filename`` as a :class:`~._download.RemoteFile`."""
        from ._download import RemoteFile  # heavy (filelock, scikit-learn): only when fetching

        return RemoteFile(filename, self.checksums[filename], self.sizes.get(filename))

    def published_files(self, subset) -> tuple[str, ...]:
        """The published files that ``subset`` needs (the archive, when there is one)."""
        if self.archive is not None:
            return (self.archive,)
        return tuple(rel.rsplit("/", 1)[-1] for rel in self.subsets[subset])

    def names_of(self, variant=None) -> list[str]:
        """The class names (of ``variant``, for a set with variants)."""
        names = self.class_names[variant] if isinstance(self.class_names, dict) \
            else self.class_names
        return list(names)

    def layouts(self) -> tuple[LocalLayout, ...]:
        """Where a local copy may lie: the published files under the set's name (its one
        spelling, its key and its aliases, whole or in parts), then the extra layouts."""
        folders = tuple(dict.fromkeys((self.name, self.key, *self.aliases)))
        own = LocalLayout(folders, {s: tuple(r.rsplit("/", 1)[-1] for r in rels)
                                    for s, rels in self.subsets.items()})
        return (own, *self.local) if self.archive is None else self.local


DATASETS: dict[str, Dataset] = {}


def register(entry: Dataset) -> Dataset:
    """Add ``entry`` to :data:`DATASETS` (the one step that adds a data set)."""
    DATASETS[entry.key] = entry
    return entry


def _idx_subsets(prefix=""):
    return {subset: (f"{prefix}{stem}-images-idx3-ubyte.gz", f"{prefix}{stem}-labels-idx1-ubyte.gz")
            for subset, stem in (("train", "train"), ("test", "t10k"))}


def _digits():
    return tuple(string.digits)


_MERGED = set("cijklmopsuvwxyz")  # lower-case letters merged into their upper case in EMNIST
_BYMERGE = (*string.digits, *string.ascii_uppercase,
            *(c for c in string.ascii_lowercase if c not in _MERGED))

register(Dataset(
    key="mnist", name="mnist", title="MNIST handwritten digits",
    class_names=_digits(),
    base_urls=("https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"),
    checksums={
        "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
    },
    sizes={"train-images-idx3-ubyte.gz": 9_912_422, "train-labels-idx1-ubyte.gz": 28_881,
           "t10k-images-idx3-ubyte.gz": 1_648_877, "t10k-labels-idx1-ubyte.gz": 4_542},
    # md5 of the uncompressed official files (the one of the train images is the one public
    # loaders cite; the others are those of the decompressed official .gz files above).
    contents={
        "train-images-idx3-ubyte.gz": "md5:6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte.gz": "md5:a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte.gz": "md5:2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte.gz": "md5:27ae3e4e09519cfbb04c329615203637",
    },
    subsets=_idx_subsets(), reader="idx", fetcher="fetch_mnist",
    homepage="http://yann.lecun.com/exdb/mnist/", licence="CC BY-SA 3.0 (LeCun, Cortes, Burges)",
))
register(Dataset(
    key="fashion_mnist", name="fashion-mnist", title="Fashion-MNIST (Zalando article images)",
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"),
    base_urls=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    checksums={
        "train-images-idx3-ubyte.gz": "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "md5:25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "md5:bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "md5:bb300cfdad3c16e7a12a480ee83cd310",
    },
    sizes={"train-images-idx3-ubyte.gz": 26_421_880, "train-labels-idx1-ubyte.gz": 29_515,
           "t10k-images-idx3-ubyte.gz": 4_422_102, "t10k-labels-idx1-ubyte.gz": 5_148},
    contents={
        "train-images-idx3-ubyte.gz": "md5:f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte.gz": "md5:9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte.gz": "md5:8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte.gz": "md5:15d484375f8d13e6eb1aabb0c3f46965",
    },
    subsets=_idx_subsets(), reader="idx", fetcher="fetch_fashion_mnist",
    homepage="https://github.com/zalandoresearch/fashion-mnist", licence="MIT (Zalando SE)",
))
register(Dataset(
    key="kmnist", name="kmnist", title="Kuzushiji-MNIST (cursive Japanese hiragana)",
    aliases=("k-mnist", "kuzushiji-mnist"),
    class_names=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    base_urls=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
    checksums={
        "train-images-idx3-ubyte.gz": "md5:bdb82020997e1d708af4cf47b453dcf7",
        "train-labels-idx1-ubyte.gz": "md5:e144d726b3acfaa3e44228e80efcd344",
        "t10k-images-idx3-ubyte.gz": "md5:5c965bf0a639b31b8f53240b1b52f4d7",
        "t10k-labels-idx1-ubyte.gz": "md5:7320c461ea6c1c855c0b718fb2a4b134",
    },
    sizes={"train-images-idx3-ubyte.gz": 18_165_135, "train-labels-idx1-ubyte.gz": 29_497,
           "t10k-images-idx3-ubyte.gz": 3_041_136, "t10k-labels-idx1-ubyte.gz": 5_120},
    subsets=_idx_subsets(), reader="idx", fetcher="fetch_kmnist",
    homepage="https://github.com/rois-codh/kmnist", licence="CC BY-SA 4.0 (ROIS-DS CODH)",
))
register(Dataset(
    key="emnist", name="emnist", title="EMNIST (NIST Special Database 19 in the MNIST format)",
    class_names={
        "byclass": (*string.digits, *string.ascii_uppercase, *string.ascii_lowercase),
        "bymerge": _BYMERGE, "balanced": _BYMERGE,
        "digits": _digits(), "mnist": _digits(),
        "letters": ("N/A", *string.ascii_uppercase),  # labels run 1-26; index 0 is unused
    },
    base_urls=("https://biometrics.nist.gov/cs_links/EMNIST/",
               "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/"),
    checksums={"gzip.zip": "md5:58c8d27c78d21e728a6bc7b3cc06412e"},
    sizes={"gzip.zip": 561_753_746},
    subsets={f"{split}/{subset}": (f"gzip/emnist-{split}-{subset}-images-idx3-ubyte.gz",
                                   f"gzip/emnist-{split}-{subset}-labels-idx1-ubyte.gz")
             for split in EMNIST_SPLITS for subset in ("train", "test")},
    archive="gzip.zip", variants=EMNIST_SPLITS, reader="idx-transposed", fetcher="fetch_emnist",
    # The extracted members, whole or in parts, in a folder named after the set.
    local=(LocalLayout(("emnist", "emnist/gzip"), {
        f"{split}/{subset}": (f"emnist-{split}-{subset}-images-idx3-ubyte.gz",
                              f"emnist-{split}-{subset}-labels-idx1-ubyte.gz")
        for split in EMNIST_SPLITS for subset in ("train", "test")}),),
    homepage="https://www.nist.gov/itl/products-and-services/emnist-dataset",
    licence="public domain (NIST)",
))
register(Dataset(
    key="cifar10", name="cifar10", title="CIFAR-10 (32x32 colour images, 10 classes)",
    aliases=("cifar-10",),
    class_names=("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                 "truck"),
    base_urls=("https://www.cs.toronto.edu/~kriz/",),
    checksums={"cifar-10-python.tar.gz": "md5:c58f30108f718f92721af3b95e74349a"},
    sizes={"cifar-10-python.tar.gz": 170_498_071},
    subsets={"train": tuple(f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)),
             "test": ("cifar-10-batches-py/test_batch",)},
    archive="cifar-10-python.tar.gz", reader="cifar10-python", fetcher="fetch_cifar10",
    # npz files of arrays X (n, 32, 32, 3) and y, as the shared data keeps the test images
    # (re-encoded once as JPEG by their publisher: no checksum of the originals applies).
    local=(LocalLayout(("cifar10-test-jpeg", "cifar10", "cifar-10"),
                       {"train": ("cifar10_train.npz",), "test": ("cifar10_test.npz",)},
                       reader="cifar10-npz", note="npz parts"),),
    homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
    licence="research use (Krizhevsky 2009)",
))
register(Dataset(
    key="svhn", name="svhn", title="SVHN (Street View House Numbers, cropped 32x32 digits)",
    class_names=_digits(),
    base_urls=("http://ufldl.stanford.edu/housenumbers/",),
    checksums={"train_32x32.mat": "md5:e26dedcc434d2e4c54c9b2d4a06d8373",
               "test_32x32.mat": "md5:eb5a983be6a315427106f1b164d9cef3",
               "extra_32x32.mat": "md5:a93ce644f1a588dc4d68dda5feec44a7"},
    sizes={"train_32x32.mat": 182_040_794, "test_32x32.mat": 64_275_384,
           "extra_32x32.mat": 1_329_278_602},
    subsets={"train": ("train_32x32.mat",), "test": ("test_32x32.mat",),
             "extra": ("extra_32x32.mat",)},
    reader="svhn-mat", fetcher="fetch_svhn",
    homepage="http://ufldl.stanford.edu/housenumbers/",
    licence="non-commercial use (Netzer et al. 2011)",
))


class _Names(Mapping):
    """User-facing name -> registry key, always in step with :data:`DATASETS` (an entry
    registered later, or by a test, has its name at once)."""

    def __getitem__(self, name):
        return {entry.name: key for key, entry in DATASETS.items()}[name]

    def __iter__(self):
        return iter([entry.name for entry in DATASETS.values()])

    def __len__(self):
        return len(DATASETS)

    def __repr__(self):
        return repr(dict(self))


# User-facing name -> registry key (which is also the cache folder's name).
DATASET_NAMES = _Names()


def _spelling(text):
    return str(text).strip().lower().replace("_", "-")


def dataset_name(text):
    """The user-facing name of a fetchable data set, or None when ``text`` names none.

    Case, and ``_`` against ``-``, do not matter; a registry key or an alias is accepted too.

    Examples
    --------
    >>> dataset_name("fashion_mnist"), dataset_name("Fashion-MNIST"), dataset_name("cifar-10")
    ('fashion-mnist', 'fashion-mnist', 'cifar10')
    >>> dataset_name("imagenet") is None
    True
    """
    key = _spelling(text)
    for entry in DATASETS.values():
        if key in (entry.name, _spelling(entry.key), *map(_spelling, entry.aliases)):
            return entry.name
    return None


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
    entry = DATASETS.get(key)
    return key if entry is None else entry.name
