"""Where each fetchable data set lives on the web, its official file names and checksums, and
the cache logic shared by the fetchers (verified files present -> offline; missing or damaged
-> fetched again, one process at a time).

The checksums are the ones the publishers (or torchvision, for the MNIST family) publish; all of
them are md5, which is all these sets have. Tests that serve their own files replace entries of
:data:`DATASETS` ``[name].checksums``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import InputError
from ._download import (
    CacheCheck,
    RemoteFile,
    cache_lock,
    check_cached,
    data_home_path,
    extract_archive,
    fetch_file,
    forget_file,
    get_data_home,
    refetch_warning,
    unusable_error,
)
from ._names import EMNIST_SPLITS

__all__ = [
    "DATASETS", "DatasetSpec", "ensure_subset", "cached_subsets", "EMNIST_SPLITS",
    "download_size", "cached_size",
]


@dataclass(frozen=True)
class DatasetSpec:
    """One data set: cache folder name, download sources and the files of each subset.

    ``subsets`` maps a subset key to the paths (relative to the cache folder) that loading it
    reads. Without ``archive`` each such path is itself a published file; with ``archive``, the
    paths are members of that one published archive, which is extracted and then removed (the
    extracted files are stamped with the archive's checksum, see ``_download``).
    ``sizes`` holds the size in bytes of each published file (what a download costs).
    """

    name: str
    title: str
    base_urls: tuple[str, ...]
    checksums: dict[str, str]
    sizes: dict[str, int]
    subsets: dict[str, tuple[str, ...]]
    archive: str | None = None
    homepage: str = ""
    licence: str = ""
    extra: dict = field(default_factory=dict)

    def remote(self, filename: str) -> RemoteFile:
        return RemoteFile(filename, self.checksums[filename], self.sizes.get(filename))

    def published_files(self, subset) -> tuple[str, ...]:
        """The published files that ``subset`` needs (the archive, when there is one)."""
        if self.archive is not None:
            return (self.archive,)
        return tuple(os.path.basename(rel) for rel in self.subsets[subset])


def _idx_subsets(prefix=""):
    return {
        subset: (f"{prefix}{stem}-images-idx3-ubyte.gz", f"{prefix}{stem}-labels-idx1-ubyte.gz")
        for subset, stem in (("train", "train"), ("test", "t10k"))
    }


def _emnist_subsets():
    return {
        f"{split}/{subset}": (
            f"gzip/emnist-{split}-{subset}-images-idx3-ubyte.gz",
            f"gzip/emnist-{split}-{subset}-labels-idx1-ubyte.gz",
        )
        for split in EMNIST_SPLITS
        for subset in ("train", "test")
    }


DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        title="MNIST handwritten digits",
        base_urls=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        checksums={
            "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
        },
        sizes={
            "train-images-idx3-ubyte.gz": 9_912_422,
            "train-labels-idx1-ubyte.gz": 28_881,
            "t10k-images-idx3-ubyte.gz": 1_648_877,
            "t10k-labels-idx1-ubyte.gz": 4_542,
        },
        subsets=_idx_subsets(),
        homepage="http://yann.lecun.com/exdb/mnist/",
        licence="CC BY-SA 3.0 (LeCun, Cortes, Burges)",
    ),
    "fashion_mnist": DatasetSpec(
        name="fashion_mnist",
        title="Fashion-MNIST (Zalando article images)",
        base_urls=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        checksums={
            "train-images-idx3-ubyte.gz": "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte.gz": "md5:25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte.gz": "md5:bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte.gz": "md5:bb300cfdad3c16e7a12a480ee83cd310",
        },
        sizes={
            "train-images-idx3-ubyte.gz": 26_421_880,
            "train-labels-idx1-ubyte.gz": 29_515,
            "t10k-images-idx3-ubyte.gz": 4_422_102,
            "t10k-labels-idx1-ubyte.gz": 5_148,
        },
        subsets=_idx_subsets(),
        homepage="https://github.com/zalandoresearch/fashion-mnist",
        licence="MIT (Zalando SE)",
    ),
    "kmnist": DatasetSpec(
        name="kmnist",
        title="Kuzushiji-MNIST (cursive Japanese hiragana)",
        base_urls=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
        checksums={
            "train-images-idx3-ubyte.gz": "md5:bdb82020997e1d708af4cf47b453dcf7",
            "train-labels-idx1-ubyte.gz": "md5:e144d726b3acfaa3e44228e80efcd344",
            "t10k-images-idx3-ubyte.gz": "md5:5c965bf0a639b31b8f53240b1b52f4d7",
            "t10k-labels-idx1-ubyte.gz": "md5:7320c461ea6c1c855c0b718fb2a4b134",
        },
        sizes={
            "train-images-idx3-ubyte.gz": 18_165_135,
            "train-labels-idx1-ubyte.gz": 29_497,
            "t10k-images-idx3-ubyte.gz": 3_041_136,
            "t10k-labels-idx1-ubyte.gz": 5_120,
        },
        subsets=_idx_subsets(),
        homepage="https://github.com/rois-codh/kmnist",
        licence="CC BY-SA 4.0 (ROIS-DS CODH)",
    ),
    "emnist": DatasetSpec(
        name="emnist",
        title="EMNIST (NIST Special Database 19 in the MNIST format)",
        base_urls=(
            "https://biometrics.nist.gov/cs_links/EMNIST/",
            "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/",
        ),
        checksums={"gzip.zip": "md5:58c8d27c78d21e728a6bc7b3cc06412e"},
        sizes={"gzip.zip": 561_753_746},
        subsets=_emnist_subsets(),
        archive="gzip.zip",
        homepage="https://www.nist.gov/itl/products-and-services/emnist-dataset",
        licence="public domain (NIST)",
    ),
    "cifar10": DatasetSpec(
        name="cifar10",
        title="CIFAR-10 (32x32 colour images, 10 classes)",
        base_urls=("https://www.cs.toronto.edu/~kriz/",),
        checksums={"cifar-10-python.tar.gz": "md5:c58f30108f718f92721af3b95e74349a"},
        sizes={"cifar-10-python.tar.gz": 170_498_071},
        subsets={
            "train": tuple(f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)),
            "test": ("cifar-10-batches-py/test_batch",),
        },
        archive="cifar-10-python.tar.gz",
        homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
        licence="research use (Krizhevsky 2009)",
    ),
    "svhn": DatasetSpec(
        name="svhn",
        title="SVHN (Street View House Numbers, cropped 32x32 digits)",
        base_urls=("http://ufldl.stanford.edu/housenumbers/",),
        checksums={
            "train_32x32.mat": "md5:e26dedcc434d2e4c54c9b2d4a06d8373",
            "test_32x32.mat": "md5:eb5a983be6a315427106f1b164d9cef3",
            "extra_32x32.mat": "md5:a93ce644f1a588dc4d68dda5feec44a7",
        },
        sizes={
            "train_32x32.mat": 182_040_794,
            "test_32x32.mat": 64_275_384,
            "extra_32x32.mat": 1_329_278_602,
        },
        subsets={
            "train": ("train_32x32.mat",),
            "test": ("test_32x32.mat",),
            "extra": ("extra_32x32.mat",),
        },
        homepage="http://ufldl.stanford.edu/housenumbers/",
        licence="non-commercial use (Netzer et al. 2011)",
    ),
}


def ensure_subset(name, subset, *, data_home=None, download=True, base_url=None) -> list[Path]:
    """Paths of the files of ``subset`` of data set ``name``, verified, fetched first if needed.

    Every file is compared with the stamp recorded when it was verified (see
    :func:`~skimgclf.datasets._download.check_cached`); one that is missing, damaged or has no
    stamp is fetched again, under the folder's inter-process lock. For a set published as one
    archive, that means the archive: downloaded (or copied into the folder by hand), verified,
    extracted and removed.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    subset : str
        A key of that set's ``subsets``.
    data_home : path-like or None
        Cache root; see :func:`get_data_home`.
    download : bool
        With False, never use the network: a missing file raises ``FileNotFoundError``, a
        damaged one ``ChecksumError``, both naming it.
    base_url : str or None
        A mirror holding the official files under their official names; None uses the
        publisher's URLs.

    Returns
    -------
    list of Path
    """
    spec = DATASETS[name]
    if subset not in spec.subsets:
        raise InputError(f"{name} has no subset {subset!r}; choose one of {sorted(spec.subsets)}")
    folder = get_data_home(data_home) / spec.name
    paths = [folder / rel for rel in spec.subsets[subset]]
    base_urls = (base_url,) if base_url is not None else spec.base_urls
    if spec.archive is None:
        return [fetch_file(spec.remote(p.name), folder, base_urls, download=download)
                for p in paths]
    source = spec.checksums[spec.archive]
    checks = _unusable_members(folder, spec.subsets[subset], source)
    if not checks:  # the usual case, without the lock: readers do not queue
        return paths
    if (error := _cannot_repair(spec, folder, checks, download)) is not None:
        raise error  # before the folder and its lock file are created: nothing to do there
    folder.mkdir(parents=True, exist_ok=True)
    with cache_lock(folder):
        _extract_subset(spec, folder, subset, base_urls, download)
    return paths


def _unusable_members(folder, rels, source) -> list[tuple[str, CacheCheck]]:
    """The extracted files among ``rels`` that do not match their stamps, with what is wrong."""
    checks = [(rel, check_cached(folder, rel, source)) for rel in rels]
    return [(rel, check) for rel, check in checks if check.state != "ok"]


def _cannot_repair(spec: DatasetSpec, folder: Path, checks, download) -> OSError | None:
    """The error naming the first unusable file when it cannot be fetched again: offline, and
    no archive copied into the folder by hand; None when it can."""
    if download or (folder / spec.archive).is_file():
        return None
    rel, check = checks[0]
    return unusable_error(folder / rel, check, spec.archive, folder)


def _extract_subset(spec: DatasetSpec, folder: Path, subset, base_urls, download) -> None:
    """Extract the archive again for the files of ``subset`` that are unusable; hold the lock."""
    source = spec.checksums[spec.archive]
    # Again, with the lock: another process may have extracted them meanwhile.
    checks = _unusable_members(folder, spec.subsets[subset], source)
    if not checks:
        return
    if (error := _cannot_repair(spec, folder, checks, download)) is not None:
        raise error
    # An extracted file has no published checksum of its own: one without a stamp cannot be
    # trusted any more than a damaged one, and comes from the verified archive again.
    for rel, check in checks:
        if check.state != "missing":
            refetch_warning(folder / rel, check, f"extracting it again from {spec.archive}")
    # An archive put there by hand is verified and extracted without any network access.
    archive = fetch_file(spec.remote(spec.archive), folder, base_urls, download=download)
    try:
        extract_archive(archive, folder, source=source)
    finally:
        # The extracted files are the cache; the archive would only double the disk use.
        forget_file(folder, spec.archive)
    still_missing = [p for p in spec.subsets[subset] if not (folder / p).is_file()]
    if still_missing:
        raise OSError(f"{spec.archive} did not hold {still_missing[0]}; the mirror may serve a "
                      "different archive")


def cached_subsets(name, data_home=None) -> list[str]:
    """Subsets of data set ``name`` whose files are all in the cache (no network access)."""
    spec = DATASETS[name]
    folder = data_home_path(data_home) / spec.name
    return [s for s, rels in spec.subsets.items() if all((folder / r).is_file() for r in rels)]


def download_size(name, subsets=None) -> int:
    """Bytes to download for ``subsets`` (default: all) of data set ``name``, from the registry
    (no network access); an archive shared by several subsets counts once."""
    spec = DATASETS[name]
    files = {f for s in (subsets or spec.subsets) for f in spec.published_files(s)}
    return sum(spec.sizes.get(f, 0) for f in files)


def cached_size(name, data_home=None) -> int:
    """Bytes on disk of the cached files of data set ``name`` (0 when nothing is cached)."""
    spec = DATASETS[name]
    folder = data_home_path(data_home) / spec.name
    files = {rel for rels in spec.subsets.values() for rel in rels}
    return sum((folder / rel).stat().st_size for rel in files if (folder / rel).is_file())
