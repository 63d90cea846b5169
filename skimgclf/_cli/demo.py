"""``skimgclf demo``: compare classifiers on the embedded digits and report the best."""

from __future__ import annotations

from . import _models
from ._errors import UserError
from ._parser import STYLE, folds, seed

_TEST_SIZE = 0.25  # the demo's held-out share of the digits (run_demo's default)


def add_parser(subparsers, parents=()):
    demo = subparsers.add_parser(
        "demo",
        parents=list(parents),
        help="compare classifiers on the embedded digits and report the best",
        description="Cross-validate raw-pixel and HOG pipelines, an MLP and a CNN on the "
        "embedded 8x8 digits; print the comparison and the best model's per-class report.",
        **STYLE,
    )
    demo.add_argument("--cv", type=folds, default=5, help="cross-validation folds")
    demo.add_argument("--fast", action="store_true", help="fewer epochs, for a quick look")
    demo.add_argument("--out", default="skimgclf-demo-report", help="folder for the report")
    demo.add_argument("--random-state", type=seed, default=0, help="seed of the split, the "
                      "folds and the models")
    demo.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    demo.set_defaults(func=run)
    return demo




def run(args) -> int:
    from ..demo import run_demo

    _models.output_folder(args.out, "--out")
    _check_folds(args.cv)
    run_demo(
        cv=args.cv,
        fast=args.fast,
        out_dir=args.out,
        test_size=_TEST_SIZE,
        random_state=args.random_state,
        echo=(lambda *a, **k: None) if args.quiet else print,
    )
    return 0


def _check_folds(cv):
    """The demo's folds cut the digits it keeps for cross-validation; scikit-learn refuses more
    folds than images of the largest class there with a plain ValueError, after minutes."""
    import numpy as np

    from ..datasets import load_digits_images

    _, y = load_digits_images(return_X_y=True)
    largest = int(np.floor(np.bincount(y).max() * (1 - _TEST_SIZE)))
    if cv > largest:
        raise UserError(f"--cv {cv}: the demo cross-validates {1 - _TEST_SIZE:.0%} of the "
                        f"embedded digits, about {largest} images per class; give at most "
                        f"{largest} folds")
