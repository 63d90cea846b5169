"""The cache logic shared by the fetchers (verified files present -> offline; missing or
damaged -> fetched again, one process at a time), over the one registry of data sets.

:data:`DATASETS` is the table of :mod:`._names` itself (the light part, importable without
numpy), not a copy: an entry registered there is fetchable here. The checksums are the ones the
publishers (or torchvision, for the MNIST family) publish; all of them are md5, which is all
these sets have. Tests that serve their own files replace entries of
:data:`DATASETS` ``[name].checksums``.
"""

from __future__ import annotations

from pathlib import Path

from ..exceptions import InputError
from ._download import (
    CacheCheck,
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
from ._names import DATASETS, EMNIST_SPLITS
from ._names import Dataset as DatasetSpec

__all__ = [
    "DATASETS", "DatasetSpec", "ensure_subset", "cached_subsets", "EMNIST_SPLITS",
    "download_size", "cached_size",
]


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
    folder = get_data_home(data_home) / spec.key
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
    folder = data_home_path(data_home) / spec.key
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
    folder = data_home_path(data_home) / spec.key
    files = {rel for rels in spec.subsets.values() for rel in rels}
    return sum((folder / rel).stat().st_size for rel in files if (folder / rel).is_file())
