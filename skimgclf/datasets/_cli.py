"""The ``skimgclf datasets`` sub-command: ``list`` what is cached, ``fetch NAME`` one set.

``skimgclf.cli`` calls :func:`add_parser` with its sub-parsers; the parser's ``func`` default is
:func:`run`, which returns the exit code. Building the parser imports no fetcher (and so no
scikit-learn): ``skimgclf --help`` answers at once.
"""

from __future__ import annotations

import sys

from ._names import DATA_HOME_ENV, DATASET_NAMES, DATASETS, EMNIST_SPLITS, dataset_name

__all__ = ["add_parser", "run"]


def add_parser(subparsers, parents=(), formatter_class=None):
    """Add ``datasets`` (with ``list`` and ``fetch``) to an argparse sub-parsers object.

    ``parents`` (argparse parent parsers, e.g. of options every command takes) are given to
    ``datasets`` and to each of its actions; ``formatter_class``, to each of their parsers.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="skimgclf")
    >>> _ = add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["datasets", "fetch", "mnist", "--subset", "test"])
    >>> args.name, args.subset, args.func is run
    ('mnist', 'test', True)
    """
    parents = list(parents)
    style = {} if formatter_class is None else {"formatter_class": formatter_class}
    parser = subparsers.add_parser(
        "datasets",
        parents=parents,
        help="list cached data sets or fetch one",
        description="Fetch the public image data sets into the data home (default: "
        f"${DATA_HOME_ENV}, else ~/skimgclf_data), or list what is there (cached, or a local "
        "copy in whole files or partKKofNN parts) and how big it is.",
        **style,
    )
    actions = parser.add_subparsers(dest="datasets_command", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", parents=parents, help="show every data set, its cached subsets and sizes",
        description="Every data set with its subsets found in the data home (in the cache, or "
        "a local copy), their size on disk, and the size of what is not there yet (a "
        "download); nothing is downloaded or read.", **style,
    )
    fetch = actions.add_parser("fetch", parents=parents,
                               help="download (if needed) and load one data set", **style)
    fetch.add_argument(
        "name",
        help="data set name: " + ", ".join(DATASET_NAMES) + " or emnist-SPLIT (the names "
        "'skimgclf train' takes; case and - or _ do not matter)",
    )
    fetch.add_argument("--subset", default=None,
                       help="train or test (svhn also: extra); default: train and test")
    fetch.add_argument("--split", default=None, choices=EMNIST_SPLITS,
                       help="EMNIST split (default: balanced, or the one in emnist-SPLIT)")
    fetch.add_argument("--base-url", default=None,
                       help="a mirror holding the official files under their official names")
    for p in (listing, fetch):
        p.add_argument("--data-home", default=None,
                       help="data home: the cache and local copies (default: "
                       f"${DATA_HOME_ENV}, else ~/skimgclf_data)")
    parser.set_defaults(func=run)
    return parser


def _error(message, code):
    print(f"skimgclf datasets: error: {message}", file=sys.stderr)
    return code


def run(args, out=None) -> int:
    """Carry out ``skimgclf datasets ...``; return the exit code.

    0 on success, 2 for an unknown name or split (with a message). What goes wrong while
    fetching (a download that fails, a subset the set lacks, a ``--data-home`` that is a file)
    is raised, for :func:`skimgclf.cli.main` to report by its type.

    Examples
    --------
    >>> import argparse, tempfile
    >>> args = argparse.Namespace(datasets_command="list", data_home=tempfile.mkdtemp())
    >>> run(args)  # doctest: +ELLIPSIS
    cache: ...
    name           cached                  size                     data
    mnist          not cached              11.6 MB to download      MNIST handwritten digits
    ...
    0
    """
    out = out or sys.stdout
    if args.datasets_command == "list":
        return _list(args.data_home, out)
    name, split = _parse_name(args.name)
    if name is None:
        return _error(f"unknown data set {args.name!r}; choose one of "
                      + ", ".join(DATASET_NAMES) + " (or emnist-SPLIT)", 2)
    entry = DATASETS[DATASET_NAMES[name]]
    if not entry.variants and split is not None:
        return _error(f"unknown data set {args.name!r}; choose one of "
                      + ", ".join(DATASET_NAMES) + " (or emnist-SPLIT)", 2)
    if split is not None and args.split is not None and split != args.split:
        return _error(f"{args.name} names the {name.upper()} split {split!r} but --split says "
                      f"{args.split!r}; give the split once", 2)
    split = (split or args.split or entry.variants[0]) if entry.variants else None
    if not entry.variants and args.split is not None:
        return _error(f"{name} has no splits; --split is for "
                      + ", ".join(e.name for e in DATASETS.values() if e.variants), 2)
    if entry.variants and split not in entry.variants:
        return _error(f"unknown {name.upper()} split {split!r}; choose one of "
                      + ", ".join(entry.variants), 2)
    from ._lookup import load_named

    subsets = [args.subset] if args.subset else ["train", "test"]
    for subset in subsets:
        # What goes wrong is the command line's to report, by its type (skimgclf.cli: a
        # subset the set lacks or a --data-home that is a file: 2; the network or the disk: 1;
        # --debug shows the traceback)
        bunch = load_named(entry.key, subset, variant=split, data_home=args.data_home,
                           base_url=args.base_url)
        print(f"{name} {subset}: {bunch.images.shape[0]} images of shape "
              f"{bunch.images.shape[1:]}, {len(set(bunch.target.tolist()))} classes "
              f"({bunch.location})", file=out)
    return 0


def _parse_name(text):
    """``(user-facing name, EMNIST split or None)`` of a name as typed; ``(None, None)`` if
    unknown. ``emnist-letters`` (or ``emnist_letters``) carries its split."""
    key = str(text).strip().lower().replace("_", "-")
    for entry in DATASETS.values():
        if entry.variants and key.startswith(f"{entry.name}-"):
            return entry.name, key[len(entry.name) + 1:]
    return dataset_name(key), None


def _list(data_home, out) -> int:
    from ._download import data_home_path, format_size
    from ._lookup import find_local
    from ._registry import cached_size, cached_subsets, download_size

    home = data_home_path(data_home)
    if home.exists() and not home.is_dir():
        raise NotADirectoryError(f"the data home {home} is a file, not a folder; give the "
                                 "folder of the data sets (--data-home)")
    print(f"cache: {home}", file=out)
    print(f"{'name':<14} {'cached':<23} {'size':<24} data", file=out)
    found_local = []
    for key, spec in DATASETS.items():
        cached = cached_subsets(key, data_home)
        local = {}
        for subset in spec.subsets:
            if subset in cached:
                continue
            try:
                found = find_local(spec, subset, data_home)
            except (OSError, ValueError) as exc:  # an incomplete copy: say what is missing
                found_local.append(f"{spec.name} {subset}: incomplete local copy ({exc})")
                continue
            if found is not None:
                local[subset] = found
        missing = [s for s in spec.subsets if s not in cached and s not in local]
        parts = []
        on_disk = cached_size(key, data_home) + sum(
            p.stat().st_size for f in local.values() for g in f.files for p in g)
        if cached or local:
            parts.append(f"{format_size(on_disk)} on disk")
        if missing:
            to_get = format_size(download_size(key, missing))
            parts.append(f"{to_get} more to download" if cached or local
                         else f"{to_get} to download")
        status = _cached_text(cached, local, spec)
        print(f"{spec.name:<14} {status:<23} {', '.join(parts):<24} {spec.title}", file=out)
        for subset, found in local.items():
            found_local.append(f"{spec.name} {subset}: {found.describe()}")
    if found_local:
        print("local copies:", file=out)
        for line in found_local:
            print(f"  {line}", file=out)
    return 0


def _cached_text(cached, local, spec):
    if not cached and not local:
        return "not cached"
    if len(cached) + len(local) > 3:  # EMNIST: split/subset keys
        return f"{len(cached) + len(local)} of {len(spec.subsets)} subsets"
    shown = [", ".join(cached)] if cached else []
    if local:
        shown.append(", ".join(local) + " (local)")
    return "; ".join(shown)
