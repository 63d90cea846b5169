"""``skimgclf search``: compare model families by grid search with cross-validation."""

from __future__ import annotations

import json
import os
import sys

from .._console import progress_to_stderr
from .._preset_catalog import MODEL_PRESETS
from . import _data, _models, _params
from ._errors import UserError, one_line
from ._parser import (
    NAMING,
    STYLE,
    add_data_args,
    add_model_args,
    folds,
    int_at_least,
    n_jobs,
    presets_text,
)
from ._signals import workers_end_with_cli


def add_parser(subparsers, parents=()):
    search = subparsers.add_parser(
        "search",
        parents=list(parents),
        help="compare model families by grid search with cross-validation",
        description="The grid file (JSON or TOML) holds a 'models' table: family name -> "
        "{preset = NAME, grid = {param = [values]}}, and optionally cv and scoring; options "
        "given here win over the file's (with a note). Grid parameters are named as --param "
        "names them."
        f"\n\nModels and their Pipeline steps:\n\n{presets_text()}\n\n{NAMING} --param "
        "sets a parameter of every family whose model has it.",
        **STYLE,
    )
    add_data_args(search, "train", "search on")
    search.add_argument("--grid", required=True, help="JSON or TOML grid file")
    search.add_argument("--cv", type=folds, default=None,
                        help="cross-validation folds (default: the grid file's cv, else 3)")
    search.add_argument("--verbose", type=int_at_least(0), default=0, metavar="N",
                        help="the search's progress, scikit-learn's verbose: 1 the number of "
                        "fits, 2 a line per fit, 3 with its score")
    search.add_argument("--n-jobs", type=n_jobs, default=None,
                        help="parallel fits (default: 1; -1: all cores)")
    search.add_argument("-o", "--output", help="save the best refitted model here")
    add_model_args(search)
    search.set_defaults(func=run)
    return search


def read_grid(path):
    """The grid file at ``path``, checked: every mistake in it is a UserError naming it."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    if os.path.isdir(path):
        raise UserError(f"grid file {path} is a directory; give a JSON or TOML file")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"grid file not found: {path}")
    is_toml = path.endswith(".toml")
    with open(path, "rb") as f:
        try:
            spec = tomllib.load(f) if is_toml else json.load(f)
        except (ValueError, tomllib.TOMLDecodeError) as exc:  # also bytes that are not UTF-8
            raise UserError(
                f"{path} is not valid {'TOML' if is_toml else 'JSON'}: {one_line(exc)}"
            ) from None
        except RecursionError:
            raise UserError(f"{path} is nested too deeply to be a grid file") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("models"), dict) or not spec["models"]:
        raise UserError(
            f"{path} must hold a 'models' table: family name -> {{preset = NAME, grid = {{...}}}}"
        )
    for family, entry in spec["models"].items():
        if not isinstance(entry, dict) or "preset" not in entry:
            raise UserError(f"model {family!r} in {path} needs a 'preset' (one of "
                            f"{', '.join(sorted(MODEL_PRESETS))})")
        if entry["preset"] not in MODEL_PRESETS:
            raise UserError(f"model {family!r} in {path}: unknown preset {entry['preset']!r}; "
                            f"choose one of {', '.join(sorted(MODEL_PRESETS))}")
        grid = entry.get("grid", {})
        if not isinstance(grid, dict) or not all(
            isinstance(v, list) and v for v in grid.values()
        ):
            raise UserError(f"model {family!r} in {path}: 'grid' must map parameter names to "
                            f"non-empty lists of values; got {grid!r}")
    if "cv" in spec:
        cv = spec["cv"]
        if not isinstance(cv, int) or isinstance(cv, bool) or cv < 2:
            raise UserError(f"{path}: cv must be an int of at least 2; got {cv!r}")
    if not isinstance(spec.get("scoring", ""), str):
        raise UserError(f"{path}: scoring must be a scorer name such as 'accuracy'")
    _check_scoring(spec.get("scoring"), path)
    return spec


def _check_scoring(scoring, path):
    """An unknown scorer name is the grid file's mistake (scikit-learn's get_scorer says so
    with a plain ValueError)."""
    if scoring is None:
        return
    import difflib

    from sklearn.metrics import get_scorer_names

    names = get_scorer_names()
    if scoring not in names:
        close = difflib.get_close_matches(scoring, names, n=3)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise UserError(f"{path}: unknown scoring {scoring!r}; {hint}(scikit-learn's scorer "
                        "names: sklearn.metrics.get_scorer_names())")


def _search_cv(args, spec):
    """The folds: --cv when given (it wins over the grid file's cv, with a note when they
    differ), else the file's cv, else 3."""
    if args.cv is None:
        return spec.get("cv", 3)
    if "cv" in spec and spec["cv"] != args.cv:
        print(f"skimgclf search: note: --cv {args.cv} overrides cv = {spec['cv']} of "
              f"{args.grid}", file=sys.stderr)
    return args.cv


def run(args) -> int:
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    from ..model_selection import compare_models

    echo = (lambda *a, **k: None) if args.quiet else print
    spec = read_grid(args.grid)
    cv = _search_cv(args, spec)
    out = _models.output_path(args.output, "-o") if args.output else None
    data = _data.load(args, args.subset)
    X, y = data.images, data.target
    _data.require_classes(y, args)
    shown_cv = f"--cv {cv}" if args.cv is not None else f"cv = {cv}" + (
        f" of {args.grid}" if "cv" in spec else " (the default)")
    _data.check_folds(y, cv, shown_cv, _data.data_name(args))
    params = _params.parse_params(args.param)
    applied = {key: False for key in params}
    models, preprocessing, n_candidates = {}, {}, 0
    for family, entry in spec["models"].items():
        preset = entry["preset"]
        pipe = _models.preset(preset, X, args)
        for key, (value, text) in params.items():  # --param: every family that has it
            shown = f"--param {key}={text}"
            try:
                full = _params.param_name(pipe, key, shown, preset)
            except _params.UnknownParamError:  # another family may have it
                continue
            if not _params.has_param(pipe, full):
                continue
            _params.set_param(pipe, full, value, shown, preset)
            applied[key] = True
        grid, size = {}, 1
        for name, values in entry.get("grid", {}).items():
            values = [_params.tuples(v) for v in values]
            where = f"{args.grid}: model {family!r}, grid {name}"
            full = _params.param_name(pipe, name, f"{where}={json.dumps(entry['grid'][name][0])}",
                                      preset)
            for value in values:
                _params.set_param(clone(pipe), full, value, f"{where}={json.dumps(value)}", preset)
            # compare_models names the classifier clf and the preprocessing steps prep__
            grid[full if full.startswith("clf__") else f"prep__{full}"] = values
            size *= len(values)
        n_candidates += size
        if n_candidates > _MAX_CANDIDATES:
            # GridSearchCV lists every candidate before fitting one: a few lines of grid can
            # ask for more than memory holds, and far more fits than any machine runs
            raise UserError(f"{args.grid} asks for {n_candidates:,} candidates or more (up "
                            f"to model {family!r}); a search tries at most "
                            f"{_MAX_CANDIDATES:,}: give fewer values per parameter")
        # a preset of one step (the network alone) has no preprocessing
        preprocessing[family] = Pipeline(pipe.steps[:-1]) if len(pipe.steps) > 1 \
            else "passthrough"
        models[family] = (pipe.steps[-1][1], grid)
    for key, used in applied.items():
        if not used:
            presets = ", ".join(sorted({e["preset"] for e in spec["models"].values()}))
            raise UserError(f"--param {key}={params[key][1]}: no model of {args.grid} has a "
                            f"parameter {key!r} (presets {presets}; see 'skimgclf search "
                            "--help' for their steps)")
    echo(f"searching {len(models)} model families on {_data.data_name(args)} "
         f"({_data.counted(data)}): {n_candidates} candidates x {cv} folds = "
         f"{n_candidates * cv} fits"
         + ("" if args.verbose else "; --verbose 2 prints a line per fit"), file=sys.stderr)
    with workers_end_with_cli(), progress_to_stderr():
        search, table = compare_models(
            models,
            X,
            y,
            preprocessing=preprocessing,
            cv=cv,
            scoring=spec.get("scoring"),
            n_jobs=args.n_jobs,
            verbose=args.verbose,
        )
    print(table.to_markdown())
    if out is not None:
        _models.keep_class_names(search.best_estimator_, data)
        _models.save(search.best_estimator_, out)
        echo(f"best model saved to {out}")
    return 0


_MAX_CANDIDATES = 100_000  # x the folds: fits; a day of the quickest fits on a small machine
