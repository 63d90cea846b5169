"""Load a named data set from wherever a copy is: the cache, a local copy, or the web.

The look-up order, for subset ``S`` of the set with registry key ``KEY`` and name ``NAME``
under the data home ``H`` (``data_home``, else ``$SKIMGCLF_DATA``, else ``~/skimgclf_data``):

1. **The cache**, ``H/KEY/`` with every file of ``S`` under its official name: used as the
   fetchers always did (each file compared with its stamp; a file copied there by hand is
   verified once against its published checksum and stamped; a damaged one fetched again,
   or refused offline). A folder whose mode grants no write permission (``chmod a-w``, a
   read-only share) is no cache, even to root, who may write anywhere: its files are read in
   place as a local copy (2.), and no lock or stamp is written beside them.
2. **A local copy**, in each layout of the entry (:meth:`Dataset.layouts`): the official files
   in ``H/NAME/`` (or ``H/KEY/``, ``H/ALIAS/``), each whole or split into parts
   ``STEM.partKKofNN.EXT``, then the entry's other layouts (e.g. CIFAR-10's npz parts in
   ``H/cifar10-test-jpeg/``). A copy is read in place and nothing is written beside it (a
   read-only share works). It is verified: the decompressed content of every IDX file, whole
   or assembled from its parts, against the original's checksum in the registry; else a whole
   file against its published checksum; else parts against a ``SHA256SUMS`` file in the
   folder or the data home, when there is one. A folder that holds some parts of a file but
   not all is an error naming the missing part (never a silent download).
3. **The web** (unless ``download=False``): :func:`._registry.ensure_subset` downloads into
   the cache; offline, the error names the missing file and where a copy was looked for.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import InputError
from ._download import ChecksumError, data_home_path, file_checksum
from ._names import DATASETS, Dataset
from ._readers import CHECKS_CONTENT, get_reader

__all__ = ["Found", "find_local", "load_named", "subset_key", "locate"]

SUMS_NAME = "SHA256SUMS"


@dataclass(frozen=True)
class Found:
    """Where the files of one subset were found: ``where`` is ``"cache"`` or ``"local"``;
    ``files`` holds one list of paths per file the subset needs (its parts, in order)."""

    where: str
    folder: Path
    names: tuple[str, ...]
    files: tuple[tuple[Path, ...], ...]
    reader: str

    @property
    def n_parts(self) -> int:
        return sum(len(group) for group in self.files)

    def describe(self) -> str:
        split = [len(g) for g in self.files if len(g) > 1]
        parts = f", {' + '.join(map(str, split))} parts" if split else ""
        return f"{self.where} copy in {self.folder}{parts}"


def subset_key(entry: Dataset, subset, variant=None) -> str:
    """The key of ``subset`` in ``entry.subsets`` (``"balanced/train"`` for a variant)."""
    if entry.variants:
        variant = variant or entry.variants[0]
        if variant not in entry.variants:
            raise InputError(f"{entry.name} has no variant {variant!r}; choose one of "
                             f"{', '.join(entry.variants)}")
        subset = f"{variant}/{subset}"
    if subset not in entry.subsets:
        plain = sorted({s.rpartition("/")[2] for s in entry.subsets})
        raise InputError(f"{entry.name} has no subset {subset.rpartition('/')[2]!r}; choose "
                         f"one of {', '.join(plain)}")
    return subset


def _part_pattern(name: str) -> re.Pattern:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = f".{ext}" if ext else ""
    return re.compile(re.escape(stem) + r"[._-]part(\d+)of(\d+)" + re.escape(ext) + "$")


def _whole_or_parts(folder: Path, name: str, listing: list[str]):
    """The paths holding ``name`` in ``folder``: itself (or its uncompressed copy), or all its
    parts in order; None when absent. A partial set of parts is a FileNotFoundError."""
    for candidate in (name, name[:-3] if name.endswith(".gz") else None):
        if candidate and candidate in listing and (folder / candidate).is_file():
            return (folder / candidate,)
    pattern = _part_pattern(name)
    parts = {}
    totals = set()
    for entry in listing:
        if (m := pattern.match(entry)) is not None:
            parts[int(m[1])] = folder / entry
            totals.add(int(m[2]))
    if not parts:
        return None
    if len(totals) != 1:
        raise InputError(f"{folder} holds parts of {name} out of different totals "
                         f"({sorted(totals)}); keep the parts of one split only")
    (total,) = totals
    missing = [k for k in range(1, total + 1) if k not in parts]
    if missing:
        width = len(pattern.match(parts[min(parts)].name)[1])
        example = parts[min(parts)].name
        m = pattern.match(example)
        first = example[:m.start(1)] + f"{missing[0]:0{width}d}" + example[m.end(1):]
        raise FileNotFoundError(
            f"{folder / first} is missing: {name} is split into {total} parts there and "
            f"part{'s' * (len(missing) > 1)} {', '.join(map(str, missing))} "
            f"{'are' if len(missing) > 1 else 'is'} not there; copy the missing part, or "
            "remove the parts to use the cache or a download"
        )
    if any(k > total for k in parts):
        raise InputError(f"{folder} holds a part of {name} numbered above its total {total}")
    return tuple(parts[k] for k in range(1, total + 1))


def find_local(entry: Dataset, subset: str, data_home=None) -> Found | None:
    """The local copy of ``entry``'s subset (a key of ``entry.subsets``) under the data home,
    in the first layout and folder that hold it; None when there is none. Nothing is read but
    folder listings."""
    home = data_home_path(data_home)
    for layout in entry.layouts():
        names = layout.subsets.get(subset)
        if not names:
            continue
        for rel in layout.folders:
            folder = home / rel
            if not folder.is_dir():
                continue
            listing = os.listdir(folder)
            found = [_whole_or_parts(folder, name, listing) for name in names]
            if all(found):
                return Found("local", folder, tuple(names), tuple(found),
                             layout.reader or entry.reader)
            if any(found):
                gone = names[found.index(None)]
                raise FileNotFoundError(
                    f"{folder / gone} is missing: {folder} holds a copy of "
                    f"{entry.name} ({subset}) without it; copy it there (whole or in parts)")
    return None


def _in_cache(entry: Dataset, subset: str, data_home) -> bool:
    folder = data_home_path(data_home) / entry.key
    return _meant_to_be_written(folder) and all(
        (folder / rel).is_file() for rel in entry.subsets[subset])


def _meant_to_be_written(folder: Path) -> bool:
    """Whether ``folder`` may hold the cache's lock and stamps: writable, by its mode bits as
    well as by ``os.access`` (root passes ``os.access`` everywhere; the bits still say that a
    shared copy of the data is not to be written)."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) and os.access(
        folder, os.W_OK)


def locate(entry: Dataset, subset: str, data_home=None) -> str | None:
    """``"cache"``, ``"local"`` or None: where a subset would be read from, without reading it
    (a local copy that is incomplete raises, naming what is missing)."""
    if _in_cache(entry, subset, data_home):
        return "cache"
    return "local" if find_local(entry, subset, data_home) is not None else None


def _sums(folder: Path) -> dict[str, str]:
    """The SHA-256 of the files listed in ``SHA256SUMS`` of ``folder`` or of a folder above
    it (paths relative to that file's folder), by absolute path."""
    sums = {}
    for base in (folder, *folder.parents[:2]):
        path = base / SUMS_NAME
        if not path.is_file():
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                digest, _, rel = line.strip().partition("  ")
                if rel:
                    sums[os.path.normpath(base / rel.lstrip("*"))] = digest.lower()
        break
    return sums


def _verify(entry: Dataset, found: Found) -> list:
    """Check what the reader will not: whole files against their published checksums, parts
    against ``SHA256SUMS``. Returns the content checksums the reader checks (or Nones)."""
    content = found.reader in CHECKS_CONTENT
    expected = []
    sums = None
    for name, group in zip(found.names, found.files, strict=True):
        if content and name in entry.contents:
            expected.append(entry.contents[name])
            continue
        expected.append(None)
        published = entry.checksums.get(name)
        if len(group) == 1 and group[0].name == name and published is not None:
            algorithm, _, digest = published.partition(":")
            got = file_checksum(group[0], algorithm)
            if got != digest.lower():
                raise ChecksumError(
                    f"{group[0]} does not match its published {algorithm} checksum (expected "
                    f"{digest}, got {got}): it is not the official file; replace the copy")
            continue
        if sums is None:
            sums = _sums(found.folder)
        for path in group:
            digest = sums.get(os.path.normpath(path))
            if digest is not None and file_checksum(path, "sha256") != digest:
                raise ChecksumError(f"{path} does not match its SHA-256 in {SUMS_NAME}: it is "
                                    "damaged; replace it")
    return expected


def load_named(key, subset="train", *, variant=None, data_home=None, download=True,
               base_url=None, return_X_y=False):
    """Load a subset of the registered data set ``key`` from the cache, a local copy or the
    web, in that order (see the module docstring); a Bunch with ``target_names`` from the
    registry and ``location`` (where it was read), or ``(data, target)``."""
    from ._bunch import image_bunch
    from ._registry import ensure_subset

    entry = DATASETS[key]
    skey = subset_key(entry, subset, variant)
    found = None
    if not _in_cache(entry, skey, data_home):
        found = find_local(entry, skey, data_home)
    if found is None:
        try:
            paths = ensure_subset(key, skey, data_home=data_home, download=download,
                                  base_url=base_url)
        except FileNotFoundError as exc:
            if download:
                raise
            looked = [str(data_home_path(data_home) / rel)
                      for layout in entry.layouts() if skey in layout.subsets
                      for rel in layout.folders]
            raise FileNotFoundError(f"{exc}; no local copy (whole files or partKKofNN parts) "
                                    f"was found in {', '.join(dict.fromkeys(looked))}") from exc
        found = Found("cache", paths[0].parent, tuple(p.name for p in paths),
                      tuple((p,) for p in paths), entry.reader)
        expected = [None] * len(paths)  # the cache's stamps vouched for every file
    else:
        expected = _verify(entry, found)
    images, target = get_reader(found.reader)(found.files, expected)
    names = entry.names_of(skey.partition("/")[0] if entry.variants else None)
    if return_X_y:
        return image_bunch(images, target, names, "", return_X_y=True)
    title = f"{entry.title}" + (f", {skey.replace('/', ' ')}" if entry.variants else
                                f", {subset} split")
    descr = (f"{title}: {len(images)} images of {'x'.join(map(str, images.shape[1:]))} "
             f"{images.dtype}, {len(names) - (names[0] == 'N/A')} classes; read from the "
             f"{found.describe()}.\nSource: {entry.homepage}\nLicence: {entry.licence}\n")
    return image_bunch(images, target, names, descr, location=found.describe())
