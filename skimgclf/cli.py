"""The ``skimgclf`` command line: ``main(argv) -> int``.

Exit codes: 0 success, 1 a failure while running, 2 a usage error (argparse's convention, also
used for user mistakes such as a missing file), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import joblib
import numpy as np

from . import __version__

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

__all__ = ["main", "build_parser"]


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code 2."""


def _echo(args):
    return (lambda *a, **k: None) if args.quiet else print


def _cmd_demo(args) -> int:
    from .demo import run_demo

    run_demo(
        cv=args.cv,
        fast=args.fast,
        out_dir=args.out,
        random_state=args.random_state,
        echo=_echo(args),
    )
    return 0


def _parse_params(pairs):
    """``["clf__lr=0.001", "hog__orientations=8"]`` -> dict, values read as JSON when they parse."""
    params = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--param takes NAME=VALUE, got {pair!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value  # a bare string such as an architecture name
        if isinstance(params[key], list):
            params[key] = tuple(params[key])  # sizes and shapes are tuples in scikit-learn
    return params


def _load(args, subset):
    from ._datasource import load_data

    return load_data(args.data, subset=subset, data_home=args.data_home, download=not args.offline)


def _data_name(args):
    from ._datasource import describe

    return describe(args.data, args.subset)


def _image_side(X):
    X = np.asarray(X)
    return X.shape[1] if X.ndim >= 3 else int(np.sqrt(X.shape[1]))


def _build_model(name, X, args, *, progress=False):
    """A preset pipeline with the user's --param values; ``progress`` shows each network's
    per-epoch table and a progress bar over its batches."""
    from .presets import make_model

    model = make_model(
        name, image_side=_image_side(X), random_state=args.random_state, max_epochs=args.max_epochs
    )
    names = model.get_params()
    show = progress and not args.quiet
    params = {k: int(show) for k in names if k.endswith("__verbose")}
    params.update({k: show for k in names if k.endswith("__progress_bar")})
    params.update(_parse_params(args.param))
    try:
        model.set_params(**params)
    except ValueError as exc:  # sklearn names the bad parameter and lists the valid ones
        raise UserError(str(exc).splitlines()[0]) from None
    return model


def _cmd_train(args) -> int:
    echo = _echo(args)
    X, y = _load(args, args.subset)
    model = _build_model(args.model, X, args, progress=True)
    n_classes = len(np.unique(y))
    echo(f"training {args.model} on {_data_name(args)} ({len(X)} images, {n_classes} classes)")
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out)
    echo(f"fitted in {seconds:.1f} s; training accuracy {model.score(X, y):.4f}; saved to {out}")
    return 0


def _load_model(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"model file not found: {path}")
    return joblib.load(path)


def _cmd_evaluate(args) -> int:
    from .metrics import classification_report

    model = _load_model(args.model)
    X, y = _load(args, args.subset)
    y_pred = model.predict(X)
    scores = model.predict_proba(X) if hasattr(model, "predict_proba") else None
    print(f"accuracy {np.mean(y_pred == y):.4f} on {len(y)} images of {_data_name(args)}")
    if not args.quiet:
        print(classification_report(y, y_pred, y_score=scores, labels=model.classes_, digits=4))
    return 0


def _cmd_report(args) -> int:
    from .report import ModelReport

    model = _load_model(args.model)
    X, y = _load(args, args.subset)
    title = f"{Path(args.model).name} on {_data_name(args)}"
    report = ModelReport.from_estimator(model, X, y, title=title)
    path = report.save(args.out)
    _echo(args)(f"report written to {path}")
    return 0


def _read_grid(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"grid file not found: {path}")
    with open(path, "rb") as f:
        try:
            if path.endswith(".toml"):
                spec = tomllib.load(f)
            else:
                spec = json.load(f)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise UserError(
                f"{path} is not valid {'TOML' if path.endswith('.toml') else 'JSON'}: {exc}"
            ) from None
    if not isinstance(spec, dict) or not isinstance(spec.get("models"), dict) or not spec["models"]:
        raise UserError(
            f"{path} must hold a 'models' table: family name -> {{preset = NAME, grid = {{...}}}}"
        )
    return spec


def _cmd_search(args) -> int:
    from .model_selection import compare_models

    echo = _echo(args)
    spec = _read_grid(args.grid)
    X, y = _load(args, args.subset)
    models, preprocessing = {}, {}
    for family, entry in spec["models"].items():
        if not isinstance(entry, dict) or "preset" not in entry:
            raise UserError(
                f"model {family!r} in {args.grid} needs a 'preset' (one of the presets)"
            )
        try:
            pipe = _build_model(entry["preset"], X, args)
        except ValueError as exc:
            raise UserError(f"model {family!r}: {exc}") from None
        preprocessing[family] = [step for _, step in pipe.steps[:-1]]
        models[family] = (pipe.steps[-1][1], entry.get("grid", {}))
    echo(f"searching {len(models)} model families on {_data_name(args)} ({len(X)} images)")
    search, table = compare_models(
        models,
        X,
        y,
        preprocessing=preprocessing,
        cv=spec.get("cv", args.cv),
        scoring=spec.get("scoring"),
        n_jobs=args.n_jobs,
    )
    print(table.to_markdown())
    if args.output:
        joblib.dump(search.best_estimator_, args.output)
        echo(f"best model saved to {args.output}")
    return 0


def _folds(text):
    """argparse type of --cv: an int of at least 2."""
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"cross-validation needs at least 2 folds, got {value}")
    return value


def _add_data_args(p, subset):
    p.add_argument(
        "data",
        help="digits, mnist, fashion-mnist, kmnist, cifar10, svhn, emnist-SPLIT, "
        "idx:IMAGES:LABELS, folder:PATH or FILE.npz",
    )
    p.add_argument(
        "--subset",
        default=subset,
        choices=["train", "test"],
        help="split of a named data set (the embedded digits and files have none)",
    )
    p.add_argument("--data-home", help="cache folder of downloaded sets")
    p.add_argument("--offline", action="store_true", help="never download; use cached files")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the result")


def _add_model_args(p):
    p.add_argument("--max-epochs", type=int, help="epochs of neural networks")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="pipeline parameter, e.g. clf__lr=1e-3",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    from .datasets import _cli as datasets_cli
    from .presets import MODEL_PRESETS

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
    demo.add_argument("--cv", type=_folds, default=5, help="cross-validation folds (default 5)")
    demo.add_argument("--fast", action="store_true", help="fewer epochs, for a quick look")
    demo.add_argument("--out", default="skimgclf-demo-report", help="folder for the report")
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    demo.set_defaults(func=_cmd_demo)

    models = ", ".join(f"{k} ({v})" for k, v in MODEL_PRESETS.items())
    train = sub.add_parser(
        "train",
        help="fit a model on a data set and save it with joblib",
        description=f"Fit a named model and save the fitted pipeline. Models: {models}.",
    )
    _add_data_args(train, "train")
    train.add_argument("--model", default="cnn", choices=sorted(MODEL_PRESETS))
    train.add_argument("-o", "--output", default="model.joblib", help="where to save the model")
    _add_model_args(train)
    train.set_defaults(func=_cmd_train)

    evaluate = sub.add_parser("evaluate", help="score a saved model: accuracy and per-class report")
    evaluate.add_argument("model", help="a model saved by 'skimgclf train' (joblib)")
    _add_data_args(evaluate, "test")
    evaluate.set_defaults(func=_cmd_evaluate)

    report = sub.add_parser("report", help="write a Markdown report with figures for a saved model")
    report.add_argument("model", help="a model saved by 'skimgclf train' (joblib)")
    _add_data_args(report, "test")
    report.add_argument("--out", default="skimgclf-report", help="folder for report.md and figures")
    report.set_defaults(func=_cmd_report)

    search = sub.add_parser(
        "search",
        help="compare model families by grid search with cross-validation",
        description="The grid file (JSON or TOML) holds a 'models' table: family name -> "
        "{preset = NAME, grid = {param = [values]}}, and optionally cv and scoring.",
    )
    _add_data_args(search, "train")
    search.add_argument("--grid", required=True, help="JSON or TOML grid file")
    search.add_argument("--cv", type=_folds, default=3)
    search.add_argument("--n-jobs", type=int, default=None)
    search.add_argument("-o", "--output", help="save the best refitted model here")
    _add_model_args(search)
    search.set_defaults(func=_cmd_search)

    datasets_cli.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Examples
    --------
    A user mistake gives a one-line message on standard error and exit code 2:

    >>> main(["evaluate", "no-such-model.joblib", "digits"])
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
