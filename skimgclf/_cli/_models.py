"""Models of the command line: the presets with the user's parameters, and model files (written
atomically, opened with every failure naming the file)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .._console import isatty as _isatty
from . import _params
from ._errors import UserError

DEFAULT_MODEL_FILE = "model.skimgclf"  # the persistence module's convention


def build_model(name, X, args, *, progress=False):
    """A preset pipeline for images of ``X``'s shape with the user's --param values;
    ``progress`` shows each network's epoch log (plain lines where the output is not a
    terminal) and, on a terminal, a progress bar over its batches."""
    model = preset(name, X, args, progress=progress)
    for key, (value, text) in _params.parse_params(args.param).items():
        shown = f"--param {key}={text}"
        _params.set_param(model, _params.param_name(model, key, shown, name), value, shown, name)
    return model


def preset(name, X, args, *, progress=False):
    """The preset ``name`` for images of ``X``'s shape, seeded by --random-state, with
    --max-epochs; its logs on only with ``progress`` (and not --quiet)."""
    from ..presets import make_model

    model = make_model(
        name,
        image_shape=tuple(X.shape[1:]),
        random_state=args.random_state,
        max_epochs=args.max_epochs,
    )
    show = progress and not args.quiet
    quiet = {}
    for key in model.get_params():
        if key.endswith("__verbose"):
            quiet[key] = int(show)
        if key.endswith("__progress_bar"):  # a network
            quiet[key] = show and _isatty(sys.stderr)  # epoch lines go out plain off a tty
    model.set_params(**quiet)
    return model


def output_path(path, option, example=DEFAULT_MODEL_FILE) -> Path:
    """``path`` as a file to write, checked before any work is done (a training run must not
    end in an error it could have given at the start)."""
    if path == "-":
        raise UserError(f"{option} -: give a file name (for the standard output, where "
                        "'predict' prints, leave the option out)")
    out = Path(path)
    limit = _name_max(out.parent)
    if len(out.name.encode()) > limit:
        raise UserError(f"{option} {path}: the file name is {len(out.name.encode())} bytes "
                        f"long, more than the {limit} its folder allows; give a shorter name")
    from .._atomic import regular_file_path
    from ..exceptions import InputError

    try:
        regular_file_path(path)
    except InputError as exc:
        raise UserError(f"{option} {exc}") from None
    if out.is_dir():
        raise UserError(f"{option} {path} is a directory; give a file name, e.g. "
                        f"{out / example}")
    make_folder(out.parent, f"{option} {path}")
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise UserError(f"{option} {path}: cannot write in the folder {out.parent} (permission "
                        "denied); give a path in a folder you can write to")
    if out.exists() and not os.access(out, os.W_OK):
        raise UserError(f"{option} {path} is a read-only file; remove it, make it writable, or "
                        "give another name")
    return out


def _name_max(folder) -> int:
    while not folder.exists() and folder != folder.parent:  # a folder still to be made
        folder = folder.parent
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows): the common limit
        return 255


def output_folder(path, option):
    """``path`` must be a folder, or nothing yet (it is created)."""
    if Path(path).exists() and not Path(path).is_dir():
        raise UserError(f"{option} {path} is a file; give a folder (created if needed)")


def make_folder(folder, what):
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UserError(f"{what}: cannot create the folder {folder}, a file is in the way") \
            from None


def save(model, path: Path):
    """Write ``model`` at ``path`` as a file that is safe to open (no code runs when it is
    loaded: :func:`skimgclf.persistence.save_model`), atomically: ``path`` holds the previous
    file or the new one, never part of one."""
    from ..persistence import save_model

    save_model(model, path)


def partial_path(out: Path) -> Path:
    """Where ``train`` keeps a network stopped mid-training: ``STEM.partial.SUFFIX``."""
    return out.with_name(f"{out.stem}.partial{out.suffix}")


def epochs_done(model):
    history = getattr(model.steps[-1][1], "history_", None) if hasattr(model, "steps") else None
    return len(history) if history is not None else None


def keep_class_names(model, data):
    """Store the data's class names on the fitted model, in ``classes_`` order, as
    ``class_names_``: ``evaluate`` and ``report`` name the classes with them. (An attribute of
    the saved Pipeline: the file stays an ordinary scikit-learn model.)"""
    from .._datasource import class_names_for

    names = class_names_for(getattr(model, "classes_", []), data.target_names)
    if names is not None:
        model.class_names_ = names


TRUST_HELP = ("open a pickle/joblib model file: it can run any code; only for files you made "
              "or trust")
MODEL_HELP = ("a model file saved by 'skimgclf train' or 'search -o' (opened without running "
              "code from it); a pickle/joblib file only with --trust")


def add_model_file_args(p):
    """The model file argument and ``--trust`` of the commands that open a model."""
    p.add_argument("model", help=MODEL_HELP)
    p.add_argument("--trust", action="store_true", help=TRUST_HELP)


def load_model(path, *, trust=False):
    """The fitted estimator saved at ``path``, opened by :func:`skimgclf.persistence.load_model`
    (no code from the file runs); with ``trust``, also a pickle/joblib file, or a model file
    that needs types skimgclf does not trust. Every failure names the file."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    from ..persistence import UntrustedModelError, UntrustedPickleError
    from ..persistence import load_model as read_model

    if os.path.isdir(path):
        raise UserError(f"{path} is a directory; expected a model file saved by 'skimgclf train'")
    try:
        model = read_model(path, trusted_pickle=trust)  # missing, unreadable: named there
    except UntrustedPickleError:
        raise UserError(f"{path} is a pickle/joblib file, and opening one runs code stored in "
                        "it: give --trust to open it, only if you made it or trust who did "
                        "(files saved by 'skimgclf train' open without it)") from None
    except UntrustedModelError as exc:
        listed = ", ".join(exc.untrusted_types)
        if not trust:
            raise UserError(f"{path} needs types skimgclf does not trust ({listed}): give "
                            "--trust to open it, only if you made it or trust who did") from None
        model = read_model(path, trusted=list(exc.untrusted_types), trusted_pickle=True)
    if not (hasattr(model, "fit") and hasattr(model, "predict")):
        raise UserError(f"{path} holds a {type(model).__name__}, not a scikit-learn model; "
                        "give a model saved by 'skimgclf train'")
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise UserError(f"{path} holds an unfitted {type(model).__name__}; fit it first "
                        "(skimgclf train)") from None
    return model
