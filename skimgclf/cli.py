"""The ``skimgclf`` command line: ``main(argv) -> int``.

Exit codes
----------
- 0: success.
- 1: a failure while running that is not the user's mistake: the network, the disk or memory
  (one line), or a bug in skimgclf (its traceback, then a line asking to report it).
- 2: a usage error: a bad option or argument (argparse's convention), a missing or unreadable
  file, data or a model file that cannot be used, a bad parameter value. One line on standard
  error, naming the file or the parameter; ``--debug`` also prints the traceback.
- 130: interrupted (Ctrl-C). ``train`` then saves nothing at its ``-o`` path: a network stopped
  mid-training is kept as ``<output stem>.partial<suffix>``, with a warning.

Which exceptions are the user's mistakes is decided in one place, :func:`classify_error`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import linecache
import os
import re
import signal
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from numbers import Real
from pathlib import Path

import joblib
import numpy as np
from sklearn.utils._param_validation import validate_params

from . import __version__

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

__all__ = ["main", "build_parser", "classify_error"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code 2."""


# ---------------------------------------------------------------- which errors are whose
def _usage_errors():
    from sklearn.utils._param_validation import InvalidParameterError

    from ._datasource import DataError

    return (
        UserError,
        DataError,
        InvalidParameterError,  # a parameter value that breaks its declared constraints
        FileNotFoundError,
        IsADirectoryError,
        NotADirectoryError,
        FileExistsError,
        PermissionError,
    )


@validate_params({"exc": [BaseException]}, prefer_skip_nested_validation=True)
def classify_error(exc: BaseException) -> str:
    """Whose fault an exception is: ``"usage"``, ``"failure"`` or ``"bug"``.

    - ``"usage"``: the user can fix it (exit code 2, one line): our own usage and data errors,
      scikit-learn's ``InvalidParameterError``, a missing file, a folder where a file is
      expected (or the reverse), a file that may not be read or written; and a ``ValueError``
      that skimgclf or scikit-learn raise on purpose (a ``raise`` statement of theirs: their
      input validation, such as "X has 785 features per sample, which is not a square image").
    - ``"failure"``: the machine, not the command (exit code 1, one line): other ``OSError``
      (network, disk full), ``MemoryError``, torch's out-of-memory error.
    - ``"bug"``: everything else (exit code 1 with the traceback), including a ``ValueError``
      from deep inside numpy or torch: input the package should have refused with a clear
      message before handing it on.

    Examples
    --------
    >>> classify_error(FileNotFoundError("data file not found: x.npz"))
    'usage'
    >>> classify_error(ConnectionResetError("the server hung up"))
    'failure'
    >>> classify_error(ZeroDivisionError("division by zero"))
    'bug'
    >>> import numpy as np
    >>> try:
    ...     np.zeros(4).reshape(3, 3)
    ... except ValueError as exc:
    ...     classify_error(exc)
    'bug'
    """
    if isinstance(exc, _usage_errors()):
        return "usage"
    if isinstance(exc, ValueError) and _raised_on_purpose(exc):
        return "usage"
    if isinstance(exc, (OSError, MemoryError)) or type(exc).__name__ == "OutOfMemoryError":
        return "failure"
    return "bug"


_VALIDATING_PACKAGES = ("skimgclf", "sklearn")


def _raised_on_purpose(exc) -> bool:
    """Whether ``exc`` comes from a ``raise`` statement of skimgclf or scikit-learn."""
    module, line = _raise_site(exc)
    if module.partition(".")[0] not in _VALIDATING_PACKAGES:
        return False
    return not line or line.lstrip().startswith("raise")


def _raise_site(exc):
    """``(module name, source line)`` where ``exc`` was raised ("" when unknown)."""
    remote = getattr(exc.__cause__, "tb", None)
    if isinstance(remote, str):  # re-raised by joblib from a worker: the worker's traceback
        frames = re.findall(r'File "([^"]+)", line (\d+)', remote)
        if frames:
            path, lineno = frames[-1]
            return _module_of(path), linecache.getline(path, int(lineno))
    tb = exc.__traceback__
    if tb is None:
        return "", ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame
    return frame.f_globals.get("__name__", ""), linecache.getline(
        frame.f_code.co_filename, tb.tb_lineno
    )


def _module_of(path):
    real = os.path.realpath(path)
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and os.path.realpath(file) == real:
            return name
    return ""


def _one_line(exc) -> str:
    """The message of ``exc`` on one line, short enough to read."""
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        return f"{exc.strerror}: {exc.filename}"
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        text = f"KeyError: {exc.args[0]!r}"
    return text if len(text) <= 500 else text[:497] + "..."


def _report(exc, command, debug) -> int:
    """Print what went wrong (as :func:`classify_error` says); return the exit code."""
    kind = classify_error(exc)
    prefix = f"skimgclf {command}" if command else "skimgclf"
    if kind == "bug":
        traceback.print_exception(exc, file=sys.stderr)
        print(
            f"{prefix}: internal error: {type(exc).__name__}: {_one_line(exc)}\n"
            f"This is a bug in skimgclf {__version__}, not a mistake in the command; please "
            "report it with the traceback above.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    hint = "" if debug or kind == "usage" else " (rerun with --debug for the traceback)"
    print(f"{prefix}: error: {_one_line(exc)}{hint}", file=sys.stderr)
    return EXIT_USAGE if kind == "usage" else EXIT_FAILURE


# ------------------------------------------------------------------------------- Ctrl-C
class _Interrupted(BaseException):
    """Ctrl-C, raised by the CLI's SIGINT handler.

    Not a ``KeyboardInterrupt``: skorch's fit loop catches those and returns the half-trained
    network, and scikit-learn's searches then go on with the next candidate.
    """


class _SigintGuard:
    """The CLI's SIGINT handler: every Ctrl-C aborts the command (exit code 130).

    Inside :meth:`stop_training`, the first Ctrl-C is a ``KeyboardInterrupt`` instead, which
    skorch takes as "stop training and return the model"; ``interrupted`` records it.
    """

    def __init__(self):
        self.count = 0
        self._soft = False

    @property
    def interrupted(self) -> bool:
        return self.count > 0

    def _handle(self, signum, frame):
        self.count += 1
        if self._soft and self.count == 1:
            raise KeyboardInterrupt
        raise _Interrupted

    @contextmanager
    def installed(self):
        self.count, self._soft = 0, False
        if threading.current_thread() is not threading.main_thread():
            yield self  # signals reach the main thread only; there is nothing to handle
            return
        previous = signal.signal(signal.SIGINT, self._handle)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)

    @contextmanager
    def stop_training(self):
        self.count, self._soft = 0, True
        try:
            yield self
        finally:
            self._soft = False


_SIGINT = _SigintGuard()


# ----------------------------------------------------------------------------- helpers
def _echo(args):
    return (lambda *a, **k: None) if args.quiet else print


def _cmd_demo(args) -> int:
    from .demo import run_demo

    _output_folder(args.out, "--out")
    run_demo(
        cv=args.cv,
        fast=args.fast,
        out_dir=args.out,
        random_state=args.random_state,
        echo=_echo(args),
    )
    return 0


def _parse_params(pairs):
    """``["clf__lr=0.001", "hog__orientations=8"]`` -> ``{name: (value, text)}``; values are
    read as JSON when they parse (lists become tuples, as sizes and shapes are in scikit-learn),
    else kept as strings (an architecture name)."""
    params = {}
    for pair in pairs or []:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--param takes NAME=VALUE, got {pair!r}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        params[key] = (_tuples(value), text)
    return params


def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


_MISSING = object()


def _set_param(estimator, key, value, shown):
    """Set one parameter, checked as scikit-learn checks it at fit; errors name ``shown``."""
    from sklearn.utils._param_validation import (
        InvalidParameterError,
        validate_parameter_constraints,
    )

    names = estimator.get_params(deep=True)
    old = names.get(key, _MISSING)
    try:
        estimator.set_params(**{key: value})
    except ValueError:  # scikit-learn's "Invalid parameter 'x' for estimator ..." + a repr
        close = _close_names(key, names)
        steps = sorted({k.split("__")[0] + "__" for k in names if "__" in k})
        hint = (
            f"did you mean {' or '.join(close)}?"
            if close
            else f"names start with {', '.join(steps)}" if steps else "see the model's get_params()"
        )
        raise UserError(f"{shown}: the model has no parameter {key!r}; {hint}") from None
    *path, name = key.split("__")
    owner = estimator.get_params(deep=True).get("__".join(path)) if path else estimator
    constraints = getattr(owner, "_parameter_constraints", None) or {}
    if name in constraints:
        try:
            validate_parameter_constraints(
                {name: constraints[name]}, {name: value}, caller_name=type(owner).__name__
            )
        except InvalidParameterError as exc:
            raise UserError(f"{shown}: {_one_line(exc)}") from None
    elif _is_number(old) and not _is_number(value):
        raise UserError(f"{shown}: expected a number (the model's value is {old!r})")


def _close_names(key, names):
    """Parameter names like ``key``: the same step, a similar name (case aside)."""
    prefix, _, name = key.rpartition("__")
    siblings = {}
    for k in names:
        p, _, n = k.rpartition("__")
        if p == prefix:
            siblings.setdefault(n.lower(), k)
    if siblings:
        found = difflib.get_close_matches(name.lower(), list(siblings), n=3, cutoff=0.6)
        return [siblings[n] for n in found]
    return difflib.get_close_matches(key, list(names), n=3, cutoff=0.8)


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def _load(args, subset):
    from ._datasource import load_data

    try:
        return load_data(
            args.data,
            subset=subset,
            data_home=args.data_home,
            download=not args.offline,
            image_shape=args.image_shape,
        )
    except FileNotFoundError as exc:
        missing = re.match(r"(\S+) is not in the cache", str(exc))
        if not (args.offline and missing):
            raise
        name = args.data.split("-")[0] if args.data.startswith("emnist-") else args.data
        raise UserError(
            f"{_data_name(args)} is not in the cache ({missing.group(1)} is missing) and "
            f"--offline forbids downloading; drop --offline, or run 'skimgclf datasets fetch "
            f"{name}' on a machine with a network and copy the cache folder"
        ) from exc


def _data_name(args):
    from ._datasource import describe

    return describe(args.data, args.subset)


def _require_classes(y, args):
    classes = np.unique(y)
    if len(classes) < 2:
        raise UserError(
            f"{_data_name(args)} holds labels of one class only ({classes[0].item()!r}); training "
            "needs at least 2"
        )


def _build_model(name, X, args, *, progress=False):
    """A preset pipeline for images of ``X``'s shape with the user's --param values;
    ``progress`` shows each network's per-epoch table and a progress bar over its batches."""
    from .presets import make_model

    model = make_model(
        name,
        image_shape=tuple(X.shape[1:]),
        random_state=args.random_state,
        max_epochs=args.max_epochs,
    )
    names = model.get_params()
    show = progress and not args.quiet
    quiet = {k: int(show) for k in names if k.endswith("__verbose")}
    quiet.update({k: show for k in names if k.endswith("__progress_bar")})
    model.set_params(**quiet)
    for key, (value, text) in _parse_params(args.param).items():
        _set_param(model, key, value, f"--param {key}={text}")
    return model


def _output_path(path, option) -> Path:
    """``path`` as a file to write, checked before any work is done."""
    out = Path(path)
    if out.is_dir():
        raise UserError(f"{option} {path} is a directory; give a file name, e.g. "
                        f"{out / 'model.joblib'}")
    _make_folder(out.parent, f"{option} {path}")
    return out


def _output_folder(path, option):
    if Path(path).exists() and not Path(path).is_dir():
        raise UserError(f"{option} {path} is a file; give a folder (created if needed)")


def _make_folder(folder, what):
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UserError(f"{what}: cannot create the folder {folder}, a file is in the way") \
            from None


def _save(model, path: Path):
    """Write atomically: a file at ``path`` is either the whole model or not there."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        joblib.dump(model, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _partial_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.partial{out.suffix}")


def _epochs_done(model):
    history = getattr(model.steps[-1][1], "history_", None) if hasattr(model, "steps") else None
    return len(history) if history is not None else None


def _cmd_train(args) -> int:
    echo = _echo(args)
    out = _output_path(args.output, "-o")
    X, y = _load(args, args.subset)
    _require_classes(y, args)
    model = _build_model(args.model, X, args, progress=True)
    n_classes = len(np.unique(y))
    echo(f"training {args.model} on {_data_name(args)} ({len(X)} images, {n_classes} classes)")
    start = time.perf_counter()
    with _SIGINT.stop_training() as guard:
        model.fit(X, y)
    seconds = time.perf_counter() - start
    if guard.interrupted:  # skorch stopped the epochs and returned; the model is not done
        partial = _partial_path(out)
        _save(model, partial)
        epochs = _epochs_done(model)
        after = f" in epoch {epochs}" if epochs else ""
        print(
            f"skimgclf train: interrupted{after}; nothing saved to {out}; the partly trained "
            f"model is in {partial}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    _save(model, out)
    echo(f"fitted in {seconds:.1f} s; training accuracy {model.score(X, y):.4f}; saved to {out}")
    return 0


def _load_model(path):
    """The fitted estimator saved at ``path``; every failure names the file."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if os.path.isdir(path):
        raise UserError(f"{path} is a directory; expected a model file saved by 'skimgclf train'")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        model = joblib.load(path)
    except ModuleNotFoundError as exc:
        raise UserError(f"{path} needs the module {exc.name!r}, which is not installed here; "
                        "load it where it was saved") from exc
    except Exception as exc:  # whatever the unpickler trips on, the file is at fault
        raise UserError(f"{path} is not a model saved by 'skimgclf train' (joblib cannot read "
                        f"it: {type(exc).__name__}: {_one_line(exc)[:120]})") from exc
    if not (hasattr(model, "fit") and hasattr(model, "predict")):
        raise UserError(f"{path} holds a {type(model).__name__}, not a scikit-learn model; "
                        "give a model saved by 'skimgclf train'")
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise UserError(f"{path} holds an unfitted {type(model).__name__}; fit it first "
                        "(skimgclf train)") from None
    return model


def _check_input(model, X, args):
    """The data's images must be the size the model was trained on."""
    first = model.steps[0][1] if hasattr(model, "steps") else model
    fitted = getattr(first, "image_shape_", None)
    n_features = getattr(model, "n_features_in_", None)
    if n_features is None or int(np.prod(X.shape[1:])) == n_features:
        return
    trained = f"images of {_shape_text(fitted)}" if fitted is not None else "rows"
    raise UserError(
        f"{args.model} was trained on {trained} ({n_features} values), but "
        f"{_data_name(args)} holds images of {_shape_text(X.shape[1:])} "
        f"({int(np.prod(X.shape[1:]))} values)"
    )


def _shape_text(shape):
    return "x".join(str(int(s)) for s in shape)


def _check_labels(model, y, args):
    """Labels of the data must be (mostly) the model's classes, or the scores mean nothing."""
    classes = getattr(model, "classes_", None)
    if classes is None:
        return
    classes = np.asarray(classes)
    text_y, text_classes = y.dtype.kind in "US", classes.dtype.kind in "US"
    if text_y != text_classes or not np.isin(y, classes).any():
        shown = ", ".join(map(repr, classes[:5].tolist())) + (", ..." if len(classes) > 5 else "")
        raise UserError(
            f"no label of {_data_name(args)} is one of the model's classes ({shown}); is it "
            "the data the model was trained for?"
        )


def _cmd_evaluate(args) -> int:
    from .metrics import classification_report

    model = _load_model(args.model)
    X, y = _load(args, args.subset)
    _check_input(model, X, args)
    _check_labels(model, y, args)
    y_pred = model.predict(X)
    scores = model.predict_proba(X) if hasattr(model, "predict_proba") else None
    print(f"accuracy {np.mean(y_pred == y):.4f} on {len(y)} images of {_data_name(args)}")
    if not args.quiet:
        print(classification_report(y, y_pred, y_score=scores, labels=model.classes_, digits=4))
    return 0


def _cmd_report(args) -> int:
    from .report import ModelReport

    _output_folder(args.out, "--out")
    model = _load_model(args.model)
    X, y = _load(args, args.subset)
    _check_input(model, X, args)
    _check_labels(model, y, args)
    title = f"{Path(args.model).name} on {_data_name(args)}"
    report = ModelReport.from_estimator(model, X, y, title=title)
    path = report.save(args.out)
    _echo(args)(f"report written to {path}")
    return 0


def _read_grid(path):
    from .presets import MODEL_PRESETS

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
                f"{path} is not valid {'TOML' if is_toml else 'JSON'}: {_one_line(exc)}"
            ) from None
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
    return spec


def _cmd_search(args) -> int:
    from sklearn.base import clone

    from .model_selection import compare_models

    echo = _echo(args)
    spec = _read_grid(args.grid)
    out = _output_path(args.output, "-o") if args.output else None
    X, y = _load(args, args.subset)
    _require_classes(y, args)
    models, preprocessing = {}, {}
    for family, entry in spec["models"].items():
        pipe = _build_model(entry["preset"], X, args)
        clf = pipe.steps[-1][1]
        grid = {}
        for name, values in entry.get("grid", {}).items():
            grid[name] = [_tuples(v) for v in values]
            for value in grid[name]:
                where = f"{args.grid}: model {family!r}, grid {name}={json.dumps(value)}"
                _set_param(clone(clf), name, value, where)
        preprocessing[family] = [step for _, step in pipe.steps[:-1]]
        models[family] = (clf, grid)
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
    if out is not None:
        _save(search.best_estimator_, out)
        echo(f"best model saved to {out}")
    return 0


# ----------------------------------------------------------------------------- the parser
class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors on one line (the usage itself is one ``--help`` away)."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _int_at_least(low):
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


_folds = _int_at_least(2)  # cross-validation folds


def _seed(text):
    value = _int_at_least(0)(text)
    if value >= 2**32:
        raise argparse.ArgumentTypeError(f"must be below 2**32, got {value}")
    return value


def _n_jobs(text):
    value = _int_at_least(-(2**31))(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must not be 0 (-1: all cores)")
    return value


def _image_shape(text):
    """``32x32x3``, ``32,32,3`` or ``28x28`` -> a tuple of ints."""
    parts = [p for p in re.split(r"[x,X ]", text.strip()) if p]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise argparse.ArgumentTypeError(
            f"expected HxW or HxWxC with positive sizes (e.g. 32x32x3), got {text!r}"
        )
    return shape


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
    p.add_argument(
        "--image-shape",
        type=_image_shape,
        metavar="HxW[xC]",
        help="shape of the images of a .npz file of flat rows, e.g. 32x32x3",
    )
    p.add_argument("--data-home", help="cache folder of downloaded sets")
    p.add_argument("--offline", action="store_true", help="never download; use cached files")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the result")


def _add_model_args(p):
    p.add_argument("--max-epochs", type=_int_at_least(1),
                   help="epochs of neural networks")
    p.add_argument("--random-state", type=_seed, default=0)
    p.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="pipeline parameter, e.g. clf__lr=1e-3 (values are read as JSON)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    from .datasets import _cli as datasets_cli
    from .presets import MODEL_PRESETS

    debug_help = "on an error, print its traceback too"
    parser = _Parser(
        prog="skimgclf",
        description="scikit-learn compatible image classification. Exit codes: 0 success, "
        "1 failure while running (or a bug), 2 usage error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"skimgclf {__version__}")
    parser.add_argument("--debug", action="store_true", help=debug_help)
    # Also after the sub-command (`skimgclf train ... --debug`); SUPPRESS keeps the main value.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help=debug_help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="compare classifiers on the embedded digits and report the best",
        description="Cross-validate raw-pixel and HOG pipelines, an MLP and a CNN on the "
        "embedded 8x8 digits; print the comparison and the best model's per-class report.",
    )
    demo.add_argument("--cv", type=_folds, default=5, help="cross-validation folds (default 5)")
    demo.add_argument("--fast", action="store_true", help="fewer epochs, for a quick look")
    demo.add_argument("--out", default="skimgclf-demo-report", help="folder for the report")
    demo.add_argument("--random-state", type=_seed, default=0)
    demo.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    demo.set_defaults(func=_cmd_demo)

    models = ", ".join(f"{k} ({v})" for k, v in MODEL_PRESETS.items())
    train = sub.add_parser(
        "train",
        parents=[common],
        help="fit a model on a data set and save it with joblib",
        description=f"Fit a named model and save the fitted pipeline. Models: {models}. "
        "Ctrl-C stops: nothing is saved at the output path (exit code 130); a network stopped "
        "mid-training is kept as OUTPUT_STEM.partial.joblib.",
    )
    _add_data_args(train, "train")
    train.add_argument("--model", default="cnn", choices=sorted(MODEL_PRESETS))
    train.add_argument("-o", "--output", default="model.joblib", help="where to save the model")
    _add_model_args(train)
    train.set_defaults(func=_cmd_train)

    evaluate = sub.add_parser(
        "evaluate", parents=[common], help="score a saved model: accuracy and per-class report"
    )
    evaluate.add_argument("model", help="a model saved by 'skimgclf train' (joblib)")
    _add_data_args(evaluate, "test")
    evaluate.set_defaults(func=_cmd_evaluate)

    report = sub.add_parser(
        "report", parents=[common], help="write a Markdown report with figures for a saved model"
    )
    report.add_argument("model", help="a model saved by 'skimgclf train' (joblib)")
    _add_data_args(report, "test")
    report.add_argument("--out", default="skimgclf-report", help="folder for report.md and figures")
    report.set_defaults(func=_cmd_report)

    search = sub.add_parser(
        "search",
        parents=[common],
        help="compare model families by grid search with cross-validation",
        description="The grid file (JSON or TOML) holds a 'models' table: family name -> "
        "{preset = NAME, grid = {param = [values]}}, and optionally cv and scoring.",
    )
    _add_data_args(search, "train")
    search.add_argument("--grid", required=True, help="JSON or TOML grid file")
    search.add_argument("--cv", type=_folds, default=3)
    search.add_argument("--n-jobs", type=_n_jobs, default=None)
    search.add_argument("-o", "--output", help="save the best refitted model here")
    _add_model_args(search)
    search.set_defaults(func=_cmd_search)

    datasets_cli.add_parser(sub, parents=[common])
    return parser


@validate_params({"argv": [list, tuple, None]}, prefer_skip_nested_validation=True)
def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Examples
    --------
    A user mistake gives a one-line message on standard error and exit code 2:

    >>> main(["evaluate", "no-such-model.joblib", "digits"])
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error argparse has printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    debug = getattr(args, "debug", False)
    with _SIGINT.installed():
        try:
            return int(args.func(args) or 0)
        except (KeyboardInterrupt, _Interrupted):
            print(f"skimgclf {args.command}: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except BrokenPipeError:  # the reader went away (`skimgclf ... | head`): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes
            return EXIT_FAILURE
        except Exception as exc:
            return _report(exc, args.command, debug)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
