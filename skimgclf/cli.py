"""The ``skimgclf`` command line: ``main(argv) -> int``.

Exit codes: 0 success, 1 a failure while running, 2 a usage error (argparse's convention, also
used for user mistakes such as a missing file), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys

from . import __version__

__all__ = ["main", "build_parser"]


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code 2."""


def _cmd_demo(args) -> int:
    from .demo import run_demo

    echo = (lambda *a, **k: None) if args.quiet else print
    run_demo(
        cv=args.cv, fast=args.fast, out_dir=args.out, random_state=args.random_state, echo=echo
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="skimgclf", description="scikit-learn compatible image classification."
    )
    parser.add_argument("--version", action="version", version=f"skimgclf {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="compare classifiers on the embedded digits and report the best",
        description="Cross-validate raw-pixel and HOG pipelines, an MLP and a CNN on the "
        "embedded 8x8 digits; print the comparison and the best model's per-class report.",
    )
    demo.add_argument("--cv", type=int, default=5, help="cross-validation folds (default 5)")
    demo.add_argument("--fast", action="store_true", help="fewer epochs, for a quick look")
    demo.add_argument("--out", default="skimgclf-demo-report", help="folder for the report")
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    demo.set_defaults(func=_cmd_demo)

    try:
        from .datasets import _cli as datasets_cli
    except ImportError:  # the datasets sub-command arrives with the fetchers
        datasets_cli = None
    if datasets_cli is not None:
        datasets_cli.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Examples
    --------
    >>> main(["demo", "--cv", "1"])
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"skimgclf {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as exc:
        print(f"skimgclf {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
