"""``skimgclf train``: fit a preset on data and save it, with the data's class names."""

from __future__ import annotations

import sys
import time

from .._console import progress_to_stderr
from .._preset_catalog import MODEL_PRESETS
from . import _data, _models
from ._parser import NAMING, STYLE, add_data_args, add_model_args, presets_text
from ._signals import SIGNALS, workers_end_with_cli


def add_parser(subparsers, parents=()):
    train = subparsers.add_parser(
        "train",
        parents=list(parents),
        help="fit a model on a data set and save it",
        description="Fit a named model (a scikit-learn Pipeline) and save it, fitted, with the "
        "data's class names (its class_names_), in a file that is safe to open: no code runs "
        "when it is loaded (skops and safetensors; see skimgclf.persistence). A network prints "
        "one line per epoch (and, on a terminal, a progress bar). Ctrl-C (or SIGTERM) stops: "
        "nothing is saved at the output path (exit code 130; 143 for SIGTERM); a network "
        "stopped mid-training is kept as OUTPUT_STEM.partial.skimgclf."
        f"\n\nModels and their Pipeline steps:\n\n{presets_text()}\n\n{NAMING}",
        **STYLE,
    )
    add_data_args(train, "train", "train on")
    train.add_argument("--model", default="cnn", choices=list(MODEL_PRESETS),
                       help="the model preset (see above)")
    train.add_argument("-o", "--output", default=_models.DEFAULT_MODEL_FILE,
                       help="where to save the model")
    add_model_args(train)
    train.set_defaults(func=run)
    return train


def run(args) -> int:
    import numpy as np

    echo = (lambda *a, **k: None) if args.quiet else print
    out = _models.output_path(args.output, "-o")
    data = _data.load(args, args.subset)
    X, y = data.images, data.target
    _data.require_classes(y, args)
    model = _models.build_model(args.model, X, args, progress=True)
    n_classes = len(np.unique(y))
    echo(f"training {args.model} on {_data.data_name(args)} ({_data.counted(data)}, "
         f"{n_classes} classes)", file=sys.stderr)
    start = time.perf_counter()
    with workers_end_with_cli(), SIGNALS.stop_training() as guard, progress_to_stderr():
        model.fit(X, y)
    seconds = time.perf_counter() - start
    _models.keep_class_names(model, data)
    model.fit_time_ = seconds  # for the fit time of 'skimgclf report'
    if guard.interrupted:  # skorch stopped the epochs and returned; the model is not done
        # A second Ctrl-C or SIGTERM from here on is ignored (see _SignalGuard): the save ends.
        partial = _models.partial_path(out)
        _models.save(model, partial)
        epochs = _models.epochs_done(model)
        after = f" in epoch {epochs}" if epochs else ""
        print(
            f"skimgclf train: {guard.what}{after}; nothing saved to {out}; the partly trained "
            f"model is in {partial}",
            file=sys.stderr,
        )
        return guard.exit_code
    # scored before the save (and only to be printed): a Ctrl-C while it runs saves nothing, as
    # promised, instead of stopping a run whose model is already at the output path
    accuracy = "" if args.quiet else f"; training accuracy {model.score(X, y):.4f}"
    _models.save(model, out)
    echo(f"fitted in {seconds:.1f} s{accuracy}; saved to {out}")
    return 0
