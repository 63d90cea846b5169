"""The ``skimgclf datasets`` sub-command: ``list`` what is cached, ``fetch NAME`` one set.

``skimgclf.cli`` calls :func:`add_parser` with its sub-parsers; the parser's ``func`` default is
:func:`run`, which returns the exit code.
"""

from __future__ import annotations

import sys

from ._download import DATA_HOME_ENV, data_home_path
from ._fetch_color import fetch_cifar10, fetch_svhn
from ._fetch_mnist import fetch_emnist, fetch_fashion_mnist, fetch_kmnist, fetch_mnist
from ._registry import DATASETS, EMNIST_SPLITS, cached_subsets

__all__ = ["add_parser", "run"]

FETCHERS = {
    "mnist": fetch_mnist,
    "fashion_mnist": fetch_fashion_mnist,
    "kmnist": fetch_kmnist,
    "emnist": fetch_emnist,
    "cifar10": fetch_cifar10,
    "svhn": fetch_svhn,
}


def add_parser(subparsers, parents=()):
    """Add ``datasets`` (with ``list`` and ``fetch``) to an argparse sub-parsers object.

    ``parents`` (argparse parent parsers, e.g. of options every command takes) are given to
    ``datasets`` and to each of its actions.

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
    parser = subparsers.add_parser(
        "datasets",
        parents=parents,
        help="list cached data sets or fetch one",
        description="Fetch the public image data sets into the cache folder (default: "
        f"${DATA_HOME_ENV}, else ~/skimgclf_data), or list what is cached.",
    )
    actions = parser.add_subparsers(dest="datasets_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", parents=parents,
                                 help="show every data set and its cached subsets")
    fetch = actions.add_parser("fetch", parents=parents,
                               help="download (if needed) and load one data set")
    fetch.add_argument("name", help="data set name: " + ", ".join(
        n.replace("_", "-") for n in FETCHERS) + " (- or _ both work)")
    fetch.add_argument("--subset", default=None,
                       help="train or test (svhn also: extra); default: all of them")
    fetch.add_argument("--split", default="balanced", choices=EMNIST_SPLITS,
                       help="EMNIST split (default balanced)")
    fetch.add_argument("--base-url", default=None,
                       help="a mirror holding the official files under their official names")
    for p in (listing, fetch):
        p.add_argument("--data-home", default=None,
                       help=f"cache folder (default ${DATA_HOME_ENV}, else ~/skimgclf_data)")
    parser.set_defaults(func=run)
    return parser


def run(args, out=None) -> int:
    """Carry out ``skimgclf datasets ...``; return the exit code.

    0 on success, 1 when a download fails (the message says why), 2 for a user mistake (an
    unknown name, a ``--data-home`` that is a file or cannot be written).

    Examples
    --------
    >>> import argparse, tempfile
    >>> args = argparse.Namespace(datasets_command="list", data_home=tempfile.mkdtemp())
    >>> run(args)  # doctest: +ELLIPSIS
    cache: ...
    mnist          not cached
    ...
    0
    """
    out = out or sys.stdout
    if args.datasets_command == "list":
        return _list(args.data_home, out)
    name = args.name.replace("-", "_").lower()
    if name not in FETCHERS:
        print(f"skimgclf datasets: error: unknown data set {args.name!r}; choose one of "
              + ", ".join(FETCHERS), file=sys.stderr)
        return 2
    subsets = [args.subset] if args.subset else ["train", "test"]
    for subset in subsets:
        kwargs = {"subset": subset, "data_home": args.data_home, "base_url": args.base_url}
        if name == "emnist":
            kwargs["split"] = args.split
        try:
            bunch = FETCHERS[name](**kwargs)
        except (NotADirectoryError, PermissionError) as exc:  # a --data-home the user got wrong
            print(f"skimgclf datasets: error: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:  # unreachable server, checksum mismatch, interrupted transfer
            print(f"skimgclf datasets: error: {exc}", file=sys.stderr)
            return 1
        print(f"{name} {subset}: {bunch.images.shape[0]} images of shape "
              f"{bunch.images.shape[1:]}, {len(set(bunch.target.tolist()))} classes", file=out)
    print(f"cached in {data_home_path(args.data_home) / DATASETS[name].name}", file=out)
    return 0


def _list(data_home, out) -> int:
    home = data_home_path(data_home)
    print(f"cache: {home}", file=out)
    for name, spec in DATASETS.items():
        cached = cached_subsets(name, data_home)
        status = ", ".join(cached) if cached else "not cached"
        print(f"{name:<14} {status:<40} {spec.title}", file=out)
    return 0
