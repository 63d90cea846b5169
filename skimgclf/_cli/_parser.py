"""The argparse parser: its one-line usage errors, the help formatter, the option types, and
the options every data command shares. Each command adds its own sub-parser (its module's
``add_parser``); building them all imports the standard library only."""

from __future__ import annotations

import argparse
import re

from .. import __version__
from .._preset_catalog import MODEL_PRESETS, describe_steps
from ..datasets._names import DATASET_NAMES
from ._errors import EXIT_USAGE


class Parser(argparse.ArgumentParser):
    """argparse, with its usage errors on one line (the usage itself is one ``--help`` away)."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class HelpFormatter(argparse.HelpFormatter):
    """Shows each option's default, as ``ArgumentDefaultsHelpFormatter`` does, where there is
    one worth showing (not for flags, nor None); keeps indented lines of descriptions as they
    are (tables), and wraps the rest."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if ("%(default)" in text or "default:" in text or default in (None, argparse.SUPPRESS)
                or isinstance(default, bool) or not action.option_strings):
            return text
        return f"{text} (default: %(default)s)"

    def _fill_text(self, text, width, indent):
        import textwrap

        paragraphs = []
        for paragraph in text.split("\n\n"):
            if any(line.startswith(" ") for line in paragraph.splitlines()):
                paragraphs.append("\n".join(indent + line for line in paragraph.splitlines()))
            else:
                paragraphs.append(textwrap.fill(" ".join(paragraph.split()), width,
                                                initial_indent=indent, subsequent_indent=indent))
        return "\n\n".join(paragraphs)


STYLE = {"formatter_class": HelpFormatter}


# ------------------------------------------------------------------------------ option types
def int_at_least(low):
    """argparse type: an int of at least ``low`` (argparse names the option)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


folds = int_at_least(2)  # cross-validation folds


def seed(text):
    value = int_at_least(0)(text)
    if value >= 2**32:
        raise argparse.ArgumentTypeError(f"must be below 2**32, got {value}")
    return value


def n_jobs(text):
    value = int_at_least(-(2**31))(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must not be 0 (-1: all cores)")
    return value


def image_shape(text):
    """``32x32x3``, ``32,32,3``, ``28x28`` or ``1x-1`` -> a tuple of 2 or 3 ints.

    Only the text is read here; whether the sizes make an image shape is the image contract's
    rule (:func:`skimgclf._images.normalize_image_shape`, one side may be -1), checked when the
    command runs (see :func:`skimgclf._cli._data.image_shape`): the parser imports nothing
    of it.
    """
    parts = [p for p in re.split(r"[x,X ]", text.strip()) if p]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if len(shape) not in (2, 3):
        raise argparse.ArgumentTypeError(
            f"expected HxW or HxWxC with positive sizes (e.g. 32x32x3), got {text!r}"
        )
    return shape


# ----------------------------------------------------------------------- shared options
DATA_HELP = ("digits (embedded, no download), " + ", ".join(DATASET_NAMES).replace(
    "emnist", "emnist-SPLIT") + " (fetched and cached; case and - or _ do not matter), "
    "idx:IMAGES:LABELS (IMAGES may list part files ...partKKofNN... with the whole labels "
    "file), folder:PATH (one sub-folder per class) or FILE.npz (X, y, and optionally "
    "target_names)")


def add_data_args(p, subset, verb):
    """The data options of ``train``, ``evaluate``, ``report`` and ``search``."""
    p.add_argument("data", help=DATA_HELP)
    p.add_argument(
        "--subset",
        default=subset,
        choices=["train", "test"],
        help="split of a named data set (the embedded digits and files have none)",
    )
    p.add_argument(
        "--image-shape",
        type=image_shape,
        metavar="HxW[xC]",
        help="shape of the images: of the flat rows of a .npz file, or the size the images "
        "of folder:PATH are resized to; e.g. 32x32x3 (one of H, W may be -1: "
        "--image-shape=-1x28)",
    )
    p.add_argument("--color", choices=["gray", "rgb"],
                   help="read the images as grayscale or RGB, converting those that are not "
                   "(default: as the data holds them)")
    p.add_argument("--limit", type=int_at_least(1), metavar="N",
                   help=f"{verb} a stratified random subset of N images (seeded by "
                   "--random-state; default: all)")
    p.add_argument("--class-names", metavar="NAMES",
                   help="class names, NAME,NAME,... or @FILE with one per line: the name of "
                   "label i in place i (default: the data's names, or those saved with the "
                   "model)")
    p.add_argument("--random-state", type=seed, default=0,
                   help="seed of the --limit subset and of the models")
    p.add_argument("--data-home",
                   help="cache folder of downloaded sets (default: $SKIMGCLF_DATA, else "
                   "~/skimgclf_data)")
    p.add_argument("--offline", action="store_true", help="never download; use cached files")
    add_quiet(p)


def add_quiet(p):
    p.add_argument("-q", "--quiet", action="store_true", help="print only the result")


PARAM_HELP = ("a pipeline parameter, STEP__NAME=VALUE (clf__C=0.5, hog__orientations=8) or "
              "NAME=VALUE when one step has NAME (C=0.5); values are read as JSON; repeatable")


def add_model_args(p):
    """The options of the commands that build models: ``train``, ``search``."""
    p.add_argument("--max-epochs", type=int_at_least(1),
                   help="epochs of neural networks (default: the network's)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help=PARAM_HELP)


def presets_text():
    """The presets and their steps, a table of the help."""
    width = max(map(len, MODEL_PRESETS))
    lines = [f"  {name:<{width}}  {describe_steps(name)}\n  {'':<{width}}  {text}"
             for name, text in MODEL_PRESETS.items()]
    return "\n".join(lines)


NAMING = ("Parameters are named as in the model's Pipeline: STEP__NAME (clf__C, "
          "hog__orientations), or NAME alone when exactly one step has it (C, orientations); "
          "the classifier's step is always clf.")

_DEBUG_HELP = "on an error, print its traceback too"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command.

    Building it imports neither scikit-learn nor torch: ``skimgclf --help`` answers at once.

    Returns
    -------
    argparse.ArgumentParser
        The ``skimgclf`` parser; each sub-command's ``func`` default runs it.

    See Also
    --------
    main : Parses the arguments with it and runs the command.

    Examples
    --------
    >>> args = build_parser().parse_args(["train", "fashion-mnist", "--limit", "500"])
    >>> args.model, args.limit, args.random_state
    ('cnn', 500, 0)
    """
    from ..datasets import _cli as datasets_cli
    from . import demo, evaluate, export, predict, report, search, train

    parser = Parser(
        prog="skimgclf",
        description="scikit-learn compatible image classification. Exit codes: 0 success, "
        "1 failure while running (or a bug), 2 usage error, 130 interrupted (Ctrl-C), 143 "
        "terminated (SIGTERM). Results go to "
        "standard output, progress and errors to standard error; where they are not a "
        "terminal, they carry no colour codes nor progress bars.",
        **STYLE,
    )
    parser.add_argument("--version", action="version", version=f"skimgclf {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    # Also after the sub-command (`skimgclf train ... --debug`); SUPPRESS keeps the main value.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (demo, train, evaluate, report, predict, search, export):
        command.add_parser(sub, parents=[common])
    datasets_cli.add_parser(sub, parents=[common], formatter_class=HelpFormatter)
    return parser
