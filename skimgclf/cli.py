"""The ``skimgclf`` command line: ``main(argv) -> int``.

Exit codes
----------
- 0: success.
- 1: a failure while running that is not the user's mistake: the network, the disk or memory
  (one line; running out of memory says which memory and what to reduce), or a bug in skimgclf
  (its traceback, then a line asking to report it).
- 2: a usage error: a bad option or argument (argparse's convention), a missing or unreadable
  file, data or a model file that cannot be used, a bad parameter value. One line on standard
  error, naming the file or the parameter; ``--debug`` also prints the traceback.
- 130: interrupted (Ctrl-C, SIGINT); 143: terminated (SIGTERM), which stops a command as Ctrl-C
  does. ``train`` then saves nothing at its ``-o`` path: a network stopped mid-training is kept
  as ``<output stem>.partial<suffix>``, with a warning. The first signal stops the command; later
  ones are ignored while it stops (saving that model, ending its worker processes, removing its
  temporary files). Worker processes end with the command however it ends, even by SIGKILL
  (see :func:`_workers_end_with_cli`).

Which exceptions are the user's mistakes is decided in one place, :func:`classify_error`.

Answering at once
-----------------
``skimgclf --help`` and ``--version`` import neither scikit-learn nor torch nor matplotlib: this
module and what it imports at load time (the preset table, the data-set names) use the standard
library only; each command imports what it needs when it runs.

Logs
----
Results go to standard output, progress and errors to standard error. Where the output is not
a terminal (a pipe, a file), it carries no ANSI colour codes and no progress-bar frames: the
networks print one plain line per epoch, and standard output is flushed line by line.
"""

from __future__ import annotations

import argparse
import functools
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
from pathlib import Path

from . import __version__
from ._console import isatty as _isatty
from ._preset_catalog import MODEL_PRESETS, PRESET_STEPS, describe_steps
from .datasets._names import DATASET_NAMES

__all__ = ["main", "build_parser", "classify_error"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_TERMINATED = 143  # SIGTERM: 128 + 15, the shells' convention, as 130 is 128 + SIGINT


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code 2."""


def _validate_params(constraints):
    """scikit-learn's ``@validate_params`` for constraints that are plain types (or None),
    checked without importing scikit-learn, so that ``skimgclf --help`` answers at once.

    A value that breaks them is handed to scikit-learn's own ``validate_params``, which raises
    its ``InvalidParameterError`` with its message. Unlike scikit-learn's decorator, the
    function then runs with nested validation on: the command line hands user input to the
    estimators, and their own checks give the clearest messages.
    """

    def decorate(func):
        names = func.__code__.co_varnames[: func.__code__.co_argcount]
        defaults = dict(zip(names[len(names) - len(func.__defaults__ or ()):],
                            func.__defaults__ or (), strict=True))

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            given = {**defaults, **dict(zip(names, args, strict=False)), **kwargs}
            for name, allowed in constraints.items():
                value = given.get(name)
                if not any(value is None if c is None else isinstance(value, c)
                           for c in allowed):
                    from ._sklearn_compat import validate_params

                    checked = validate_params(constraints, prefer_skip_nested_validation=True)
                    return checked(func)(*args, **kwargs)
            return func(*args, **kwargs)

        wrapper._skl_parameter_constraints = constraints
        return wrapper

    return decorate


# ---------------------------------------------------------------- which errors are whose
def _usage_errors():
    from ._datasource import DataError
    from ._sklearn_compat import InvalidParameterError

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


@_validate_params({"exc": [BaseException]})
def classify_error(exc: BaseException) -> str:
    """Whose fault an exception is: ``"usage"``, ``"failure"`` or ``"bug"``.

    - ``"usage"``: the user can fix it (exit code 2, one line): our own usage and data errors,
      scikit-learn's ``InvalidParameterError``, a missing file, a folder where a file is
      expected (or the reverse), a file that may not be read or written; and a ``ValueError``
      that skimgclf or scikit-learn raise on purpose (a ``raise`` statement of theirs: their
      input validation, such as "X has 785 features per sample, which is not a square image").
    - ``"failure"``: the machine, not the command (exit code 1, one line): other ``OSError``
      (network, disk full), and running out of memory: ``MemoryError`` (numpy's too), torch's
      ``OutOfMemoryError`` (``torch.cuda.OutOfMemoryError``) and the ``RuntimeError`` of its
      CPU allocator.
    - ``"bug"``: everything else (exit code 1 with the traceback), including a ``ValueError``
      from deep inside numpy or torch: input the package should have refused with a clear
      message before handing it on.

    Parameters
    ----------
    exc : BaseException
        The exception a command raised.

    Returns
    -------
    str
        ``"usage"``, ``"failure"`` or ``"bug"``.

    See Also
    --------
    main : Turns the class into an exit code and a message.

    Examples
    --------
    >>> classify_error(FileNotFoundError("data file not found: x.npz"))
    'usage'
    >>> classify_error(ConnectionResetError("the server hung up"))
    'failure'
    >>> classify_error(MemoryError())
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
    if isinstance(exc, OSError) or _memory_exhausted(exc):
        return "failure"
    return "bug"


# torch's CPU allocator reports a failed allocation as a RuntimeError, not a MemoryError ("can't
# allocate memory" on Linux and macOS, "not enough memory" on Windows), and so does its Apple GPU
# backend, MPS.
_TORCH_OUT_OF_MEMORY = re.compile(
    r"DefaultCPUAllocator: (?:can't allocate|not enough) memory|(?P<gpu>MPS backend out of memory)"
)


def _memory_exhausted(exc) -> str | None:
    """Which memory ``exc`` says ran out: ``"RAM"``, ``"GPU"``, or None when it is no
    out-of-memory error."""
    if isinstance(exc, MemoryError):  # numpy's _ArrayMemoryError is one
        return "RAM"
    # torch.OutOfMemoryError (torch.cuda.OutOfMemoryError is the same class) is a RuntimeError;
    # matched by name, so that an error of torch's is read without importing torch.
    if any(cls.__name__ == "OutOfMemoryError" for cls in type(exc).__mro__):
        return "GPU"
    found = _TORCH_OUT_OF_MEMORY.search(str(exc)) if isinstance(exc, RuntimeError) else None
    if found is None:
        return None
    return "GPU" if found.group("gpu") else "RAM"


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


def _report(exc, args, debug) -> int:
    """Print what went wrong (as :func:`classify_error` says); return the exit code."""
    kind = classify_error(exc)
    prefix = f"skimgclf {args.command}" if args.command else "skimgclf"
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
    memory = _memory_exhausted(exc)
    message = _one_line(exc) if memory is None else _out_of_memory_message(exc, memory, args)
    print(f"{prefix}: error: {message}{hint}", file=sys.stderr)
    return EXIT_USAGE if kind == "usage" else EXIT_FAILURE


def _out_of_memory_message(exc, memory, args) -> str:
    """What ran out (``memory``: "RAM" or "GPU"), the library's words, and what to reduce with
    the options of the command ``args`` ran."""
    said = str(exc).strip()  # a bare MemoryError() says nothing
    what = "the GPU's memory" if memory == "GPU" else "memory (RAM)"
    return (f"out of {what}" + (f" ({_one_line(exc)})" if said else "")
            + f"; use less at once: {' or '.join(_memory_savers(memory, args))}")


def _memory_savers(memory, args) -> list:
    """The options of this command that make it hold less in memory, most useful first."""
    savers = []
    network = _may_train_a_network(args)
    if network:  # a network holds the activations of a whole batch (the presets' batch is 128)
        savers.append("give a network smaller batches (--param clf__batch_size=32)")
    if memory == "GPU":
        if network:
            savers.append("train on the CPU (--param clf__device=cpu)")
        return savers or ["free the GPU's memory (other programs using it)"]
    if hasattr(args, "limit"):  # every image is held in memory, as are the steps' features
        savers.append("use fewer images (--limit N)")
    n_jobs = getattr(args, "n_jobs", None)
    if n_jobs is not None and n_jobs != 1:  # each parallel fit holds its own copy of the data
        savers.append(f"run fewer fits at once (--n-jobs {n_jobs} now)")
    return savers or ["free memory (close other programs)"]


_NETWORKS = ("TorchMLPClassifier", "CNNClassifier")  # the presets' classifiers with batches


def _may_train_a_network(args) -> bool:
    """Whether the command trains a network, with a batch size --param can set: ``train`` of a
    network preset, or ``search`` (its grid file may name one)."""
    if args.command == "train":
        return dict(PRESET_STEPS[args.model])["clf"] in _NETWORKS
    return args.command == "search"


# --------------------------------------------------------------------- Ctrl-C and SIGTERM
class _Interrupted(BaseException):
    """Ctrl-C or SIGTERM, raised by the CLI's signal handler.

    Not a ``KeyboardInterrupt``: skorch's fit loop catches those and returns the half-trained
    network, and scikit-learn's searches then go on with the next candidate.
    """


# The signals that stop a command: Ctrl-C, and SIGTERM, which `kill`, systemd, Docker and batch
# schedulers send to ask a process to stop (and may follow with SIGKILL).
_SIGTERM = getattr(signal, "SIGTERM", None)
_STOP_SIGNALS = tuple(s for s in (signal.SIGINT, _SIGTERM) if s is not None)


class _SignalGuard:
    """The CLI's handler of SIGINT (Ctrl-C) and SIGTERM: the first one stops the command.

    The exit code is then 128 + the signal's number: 130 for Ctrl-C, 143 for SIGTERM. Later
    signals are recorded and otherwise ignored while the command stops (joblib ending a search's
    workers, ``train`` saving the partial model, temporary files being removed): interrupting
    that would leave behind what it cleans up. Inside :meth:`stop_training` the first signal
    is a ``KeyboardInterrupt`` instead, which skorch takes as "stop training and return the
    model"; a second one there (training did not stop) stops the command at once.
    """

    def __init__(self):
        self.signum = None  # the first signal received
        self._training = False

    @property
    def interrupted(self) -> bool:
        return self.signum is not None

    @property
    def exit_code(self) -> int:
        """130 for Ctrl-C (and a ``KeyboardInterrupt`` no signal raised), 143 for SIGTERM."""
        return EXIT_TERMINATED if self.signum == _SIGTERM else EXIT_INTERRUPTED

    @property
    def what(self) -> str:
        """How the command ended, for its last line: ``interrupted`` (Ctrl-C) or ``terminated
        by SIGTERM``."""
        if self.signum is None or self.signum == signal.SIGINT:
            return "interrupted"
        return f"terminated by {signal.Signals(self.signum).name}"

    def _handle(self, signum, frame):
        if self.signum is None:
            self.signum = signum
            raise KeyboardInterrupt if self._training else _Interrupted
        if self._training:
            self._training = False
            raise _Interrupted

    @contextmanager
    def installed(self, *, ignore_after_stop=False):
        """Handle the stop signals inside the block; afterwards, put the previous handlers back.

        With ``ignore_after_stop``, a stopped command instead leaves the stop signals ignored:
        the process is exiting, and Python's finalization puts the default action back on the
        handlers it installed, so that a second Ctrl-C while it unloads torch (which takes a
        moment) would kill it by the signal instead of letting it exit with its code.
        """
        self.signum, self._training = None, False
        if threading.current_thread() is not threading.main_thread():
            yield self  # signals reach the main thread only; there is nothing to handle
            return
        previous = {signum: signal.signal(signum, self._handle) for signum in _STOP_SIGNALS}
        try:
            yield self
        finally:
            ignore = ignore_after_stop and self.interrupted
            for signum, handler in previous.items():
                if ignore:
                    handler = signal.SIG_IGN
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)

    @contextmanager
    def stop_training(self):
        self._training = True
        try:
            yield self
        finally:
            self._training = False


_SIGNALS = _SignalGuard()


# ------------------------------------------------------------------------ worker processes
@contextmanager
def _workers_end_with_cli():
    """Start joblib's worker processes so that they end when this process ends, however it ends.

    loky's workers (joblib's default backend) do not watch their parent: when the CLI is killed
    by a signal it cannot handle (SIGKILL: ``kill -9``, the out-of-memory killer, a scheduler's
    hard limit), they go on with the fits already handed to them, then wait out loky's idle
    timeout, 300 s, before they exit (measured: a search killed during 5-second fits left its 2
    workers, and joblib's 2 resource trackers, for 340 s). On SIGINT and SIGTERM the CLI stops
    cleanly: joblib kills the workers of a running search, loky ends its idle ones at exit.

    So every worker starts with :func:`_end_with_parent`. Passing that initializer means naming
    the loky backend, which joblib then uses even where a library prefers threads
    (``prefer="threads"``); no step of the CLI's presets does.
    """
    if threading.current_thread() is not threading.main_thread():
        # The kernel would kill the workers when this thread ends, while the pool, shared by
        # the process, may still use them.
        yield
        return
    from joblib import parallel_config

    with parallel_config(backend="loky", initializer=_end_with_parent, initargs=(os.getpid(),)):
        yield


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _end_with_parent(parent_pid):
    """A worker's initializer: have it end as soon as ``parent_pid`` (the CLI) does.

    On Linux the kernel does it: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` kills the worker when the
    thread that started it ends. loky starts workers from the CLI's main thread, or from the
    thread that manages its pool and ends only after stopping that pool's workers. Elsewhere,
    a thread of the worker checks its parent once a second (an orphan gets another parent).
    A parent that died before this ran is caught by the last check.
    """
    if not _killed_with_parent():
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                         name="skimgclf-watch-parent").start()
    if os.getppid() != parent_pid:
        os._exit(1)


def _killed_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent ends; whether it could."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):  # no libc of the usual kind (a static build)
        return False


def _watch_parent(parent_pid, period=1.0):
    while os.getppid() == parent_pid:
        time.sleep(period)
    os._exit(1)


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


# -------------------------------------------------------------------------- parameters
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
# skorch nets take any NAME__* of these (routed to the module, the loss or the optimizer).
_ROUTED = ("module", "criterion", "optimizer", "callbacks", "iterator_train", "iterator_valid",
           "dataset")


def _steps(model):
    return [(name, step) for name, step in getattr(model, "steps", [])
            if step is not None and not isinstance(step, str)]


def _step_has(step, key):
    """Whether the Pipeline step ``step`` takes the parameter ``key``."""
    if key in step.get_params(deep=True):
        return True
    first, sep, _ = key.partition("__")
    return bool(sep) and hasattr(step, "prefixes_") and first in _ROUTED


def _param_name(model, key, shown, preset=None):
    """The full name in ``model`` (a Pipeline) of a parameter named ``key``: as it is when it
    starts with a step's name (``clf__C``), else the one step that has it (``C`` ->
    ``clf__C``). Ambiguous and unknown names are a UserError naming the steps."""
    steps = _steps(model)
    if key.partition("__")[0] in dict(steps) or not steps:
        return key
    having = [name for name, step in steps if _step_has(step, key)]
    if len(having) == 1:
        return f"{having[0]}__{key}"
    if len(having) > 1:
        options = " or ".join(f"{name}__{key}" for name in having)
        raise UserError(f"{shown}: {key!r} is a parameter of the steps {', '.join(having)} of "
                        f"the model; say which: {options}")
    raise UserError(f"{shown}: the model has no parameter {key!r}; "
                    f"{_name_hint(model, key, preset)}")


def _name_hint(model, key, preset=None):
    import difflib

    steps = _steps(model)
    names = model.get_params(deep=True)
    prefix, _, name = key.rpartition("__")
    if prefix:  # STEP__NAME: names of that step like NAME (case aside)
        siblings = {}
        for k in names:
            p, _, n = k.rpartition("__")
            if p == prefix:
                siblings.setdefault(n.lower(), k)
        close = [siblings[n] for n in
                 difflib.get_close_matches(name.lower(), list(siblings), n=3, cutoff=0.6)]
    else:  # NAME: step parameters like it
        flat = {}
        for k in names:
            step, sep, n = k.partition("__")
            if sep and step in dict(steps) and "__" not in n:
                flat.setdefault(n.lower(), k)
        close = [flat[n] for n in difflib.get_close_matches(key.lower(), list(flat), n=3,
                                                            cutoff=0.6)]
    steps_text = ", ".join(f"{n} ({type(s).__name__})" for n, s in steps)
    whose = f"the steps of {preset} are" if preset else "its steps are"
    where = (f"{whose} {steps_text}: give STEP__NAME, or NAME alone when one step has it"
             if steps else "see the model's get_params()")
    return f"did you mean {' or '.join(close)}? ({where})" if close else where


def _has_param(model, key):
    """Whether ``model`` takes ``key`` (a STEP__NAME): one of its step's parameters."""
    step, _, rest = key.partition("__")
    found = dict(_steps(model)).get(step)
    return found is not None and bool(rest) and _step_has(found, rest)


def _set_param(estimator, key, value, shown, preset=None):
    """Set one parameter, checked as scikit-learn checks it at fit; errors name ``shown``."""
    from ._sklearn_compat import (
        InvalidParameterError,
        validate_parameter_constraints,
    )

    names = estimator.get_params(deep=True)
    old = names.get(key, _MISSING)
    try:
        estimator.set_params(**{key: value})
    except ValueError:  # scikit-learn's "Invalid parameter 'x' for estimator ..." + a repr
        raise UserError(f"{shown}: the model has no parameter {key!r}; "
                        f"{_name_hint(estimator, key, preset)}") from None
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


def _is_number(value):
    from numbers import Real

    return isinstance(value, Real) and not isinstance(value, bool)


# -------------------------------------------------------------------------------- data
def _load(args, subset, *, class_names=_MISSING):
    """The data of ``args``: a Bunch of ``images``, ``target``, ``target_names``, ``source``,
    ``n_total`` (see :func:`skimgclf._datasource.load_data`)."""
    from ._datasource import canonical_spec, load_data

    names = _class_names_option(args) if class_names is _MISSING else class_names
    try:
        return load_data(
            args.data,
            subset=subset,
            data_home=args.data_home,
            download=not args.offline,
            image_shape=args.image_shape,
            class_names=names,
            limit=args.limit,
            random_state=args.random_state,
        )
    except FileNotFoundError as exc:
        missing = re.match(r"(\S+) is not in the cache", str(exc))
        if not (args.offline and missing):
            raise
        name = canonical_spec(args.data)
        name = "emnist" if name.startswith("emnist-") else name
        raise UserError(
            f"{_data_name(args)} is not in the cache ({missing.group(1)} is missing) and "
            f"--offline forbids downloading; drop --offline, or run 'skimgclf datasets fetch "
            f"{name}' on a machine with a network and copy the cache folder"
        ) from exc


def _class_names_option(args):
    """The names of ``--class-names``: ``a,b,c`` or ``@FILE`` (one name per line)."""
    text = getattr(args, "class_names", None)
    if text is None:
        return None
    if text.startswith("@"):
        path = text[1:]
        if os.path.isdir(path):
            raise UserError(f"--class-names {text}: {path} is a directory; give a text file "
                            "with one class name per line")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"class names file not found: {path}")
        try:
            with open(path, encoding="utf-8") as f:
                names = [line.strip() for line in f if line.strip()]
        except UnicodeDecodeError:
            raise UserError(f"--class-names {text}: {path} is not a UTF-8 text file") from None
    else:
        names = [n.strip() for n in text.split(",")]
    if not names or any(not n for n in names):
        raise UserError(f"--class-names {text!r}: give NAME,NAME,... or @FILE with one name "
                        "per line, no empty name")
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise UserError(f"--class-names: the names {twice} appear more than once; each class "
                        "needs a name of its own")
    return names


def _data_name(args):
    from ._datasource import describe

    return describe(args.data, args.subset)


def _counted(data):
    """``300 of 60000 images`` after --limit, else ``60000 images``."""
    n = len(data.target)
    return f"{n} of {data.n_total} images" if n < data.n_total else f"{n} images"


def _require_classes(y, args):
    import numpy as np

    classes = np.unique(y)
    if len(classes) < 2:
        raise UserError(
            f"{_data_name(args)} holds labels of one class only ({classes[0].item()!r}); training "
            "needs at least 2"
        )


# ------------------------------------------------------------------------------- models
def _build_model(name, X, args, *, progress=False):
    """A preset pipeline for images of ``X``'s shape with the user's --param values;
    ``progress`` shows each network's epoch log (plain lines where the output is not a
    terminal) and, on a terminal, a progress bar over its batches."""
    model = _preset(name, X, args, progress=progress)
    for key, (value, text) in _parse_params(args.param).items():
        shown = f"--param {key}={text}"
        _set_param(model, _param_name(model, key, shown, name), value, shown, name)
    return model


def _preset(name, X, args, *, progress=False):
    from .presets import make_model

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
    """Write atomically: a file at ``path`` is either the whole model or not there.

    The model is written to a temporary file beside ``path`` (on the same file system, where
    ``os.replace`` is atomic) and flushed to the disk before it takes the name, so that an
    error, a signal or a crash leaves the previous file or the new one, never part of one. Only
    a SIGKILL or a power cut during the write leaves the hidden ``.NAME.PID.tmp`` behind.
    """
    import joblib

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            joblib.dump(model, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _partial_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.partial{out.suffix}")


def _epochs_done(model):
    history = getattr(model.steps[-1][1], "history_", None) if hasattr(model, "steps") else None
    return len(history) if history is not None else None


def _keep_class_names(model, data):
    """Store the data's class names on the fitted model, in ``classes_`` order, as
    ``class_names_``: ``evaluate`` and ``report`` name the classes with them. (An attribute of
    the saved Pipeline: the file stays an ordinary scikit-learn model.)"""
    from ._datasource import class_names_for

    names = class_names_for(getattr(model, "classes_", []), data.target_names)
    if names is not None:
        model.class_names_ = names


def _cmd_train(args) -> int:
    import numpy as np

    echo = _echo(args)
    out = _output_path(args.output, "-o")
    data = _load(args, args.subset)
    X, y = data.images, data.target
    _require_classes(y, args)
    model = _build_model(args.model, X, args, progress=True)
    n_classes = len(np.unique(y))
    echo(f"training {args.model} on {_data_name(args)} ({_counted(data)}, {n_classes} classes)")
    start = time.perf_counter()
    with _workers_end_with_cli(), _SIGNALS.stop_training() as guard:
        model.fit(X, y)
    seconds = time.perf_counter() - start
    _keep_class_names(model, data)
    model.fit_time_ = seconds  # for the fit time of 'skimgclf report'
    if guard.interrupted:  # skorch stopped the epochs and returned; the model is not done
        # A second Ctrl-C or SIGTERM from here on is ignored (see _SignalGuard): the save ends.
        partial = _partial_path(out)
        _save(model, partial)
        epochs = _epochs_done(model)
        after = f" in epoch {epochs}" if epochs else ""
        print(
            f"skimgclf train: {guard.what}{after}; nothing saved to {out}; the partly trained "
            f"model is in {partial}",
            file=sys.stderr,
        )
        return guard.exit_code
    _save(model, out)
    echo(f"fitted in {seconds:.1f} s; training accuracy {model.score(X, y):.4f}; saved to {out}")
    return 0


def _load_model(path):
    """The fitted estimator saved at ``path``; every failure names the file."""
    import joblib
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
    import numpy as np

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
    import numpy as np

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


def _model_class_names(model, data, args):
    """Names of the model's classes, in ``classes_`` order: those of --class-names, else the
    ones saved with the model by ``train``, else the data's; None when nothing names them."""
    import numpy as np

    from ._datasource import class_names_for

    classes = getattr(model, "classes_", None)
    if classes is None:
        return None
    given = _class_names_option(args)
    if given is not None:
        classes = np.asarray(classes)
        if classes.dtype.kind in "US":
            raise UserError(f"--class-names: the classes of {args.model} are strings "
                            f"({classes[0]!r}, ...), which name themselves; drop --class-names")
        names = class_names_for(classes, given)
        if names is None or len(given) != int(classes.max()) + 1:
            raise UserError(f"--class-names gives {len(given)} names, but the classes of "
                            f"{args.model} are {_classes_text(classes)}: give "
                            f"{int(classes.max()) + 1}, the name of class i in place i")
        return names
    saved = getattr(model, "class_names_", None)
    if saved is not None and len(saved) == len(classes):
        return [str(n) for n in saved]
    return class_names_for(classes, data.target_names)


def _classes_text(classes):
    values = [str(c) for c in classes.tolist()]
    return ", ".join(values) if len(values) <= 6 else f"{values[0]}, ..., {values[-1]}"


def _cmd_evaluate(args) -> int:
    import numpy as np

    from .metrics import classification_report

    model = _load_model(args.model)
    data = _load(args, args.subset, class_names=None)
    X, y = data.images, data.target
    _check_input(model, X, args)
    _check_labels(model, y, args)
    names = _model_class_names(model, data, args)
    y_pred = model.predict(X)
    scores = model.predict_proba(X) if hasattr(model, "predict_proba") else None
    print(f"accuracy {np.mean(y_pred == y):.4f} on {_counted(data)} of {_data_name(args)}")
    if not args.quiet:
        print(classification_report(y, y_pred, y_score=scores, labels=model.classes_,
                                    target_names=names, digits=4))
    return 0


def _cmd_report(args) -> int:
    from .report import ModelReport

    _output_folder(args.out, "--out")
    model = _load_model(args.model)
    data = _load(args, args.subset, class_names=None)
    X, y = data.images, data.target
    _check_input(model, X, args)
    _check_labels(model, y, args)
    names = _model_class_names(model, data, args)
    title = f"{Path(args.model).name} on {_data_name(args)}"
    report = ModelReport.from_estimator(model, X, y, title=title, target_names=names,
                                        fit_time=getattr(model, "fit_time_", None))
    path = report.save(args.out)
    _echo(args)(f"report written to {path}")
    return 0


# ------------------------------------------------------------------------------- search
def _read_grid(path):
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


def _search_cv(args, spec):
    """The folds: --cv when given (it wins over the grid file's cv, with a note when they
    differ), else the file's cv, else 3."""
    if args.cv is None:
        return spec.get("cv", 3)
    if "cv" in spec and spec["cv"] != args.cv:
        print(f"skimgclf search: note: --cv {args.cv} overrides cv = {spec['cv']} of "
              f"{args.grid}", file=sys.stderr)
    return args.cv


def _cmd_search(args) -> int:
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    from .model_selection import compare_models

    echo = _echo(args)
    spec = _read_grid(args.grid)
    cv = _search_cv(args, spec)
    out = _output_path(args.output, "-o") if args.output else None
    data = _load(args, args.subset)
    X, y = data.images, data.target
    _require_classes(y, args)
    params = _parse_params(args.param)
    applied = {key: False for key in params}
    models, preprocessing, n_candidates = {}, {}, 0
    for family, entry in spec["models"].items():
        preset = entry["preset"]
        pipe = _preset(preset, X, args)
        for key, (value, text) in params.items():  # --param: every family that has it
            shown = f"--param {key}={text}"
            try:
                full = _param_name(pipe, key, shown, preset)
            except UserError as exc:
                if "is a parameter of the steps" in str(exc):
                    raise
                continue
            if not _has_param(pipe, full):
                continue
            _set_param(pipe, full, value, shown, preset)
            applied[key] = True
        grid, size = {}, 1
        for name, values in entry.get("grid", {}).items():
            values = [_tuples(v) for v in values]
            where = f"{args.grid}: model {family!r}, grid {name}"
            full = _param_name(pipe, name, f"{where}={json.dumps(entry['grid'][name][0])}",
                               preset)
            for value in values:
                _set_param(clone(pipe), full, value, f"{where}={json.dumps(value)}", preset)
            # compare_models names the classifier clf and the preprocessing steps prep__
            grid[full if full.startswith("clf__") else f"prep__{full}"] = values
            size *= len(values)
        n_candidates += size
        preprocessing[family] = Pipeline(pipe.steps[:-1])
        models[family] = (pipe.steps[-1][1], grid)
    for key, used in applied.items():
        if not used:
            presets = ", ".join(sorted({e["preset"] for e in spec["models"].values()}))
            raise UserError(f"--param {key}={params[key][1]}: no model of {args.grid} has a "
                            f"parameter {key!r} (presets {presets}; see 'skimgclf search "
                            "--help' for their steps)")
    echo(f"searching {len(models)} model families on {_data_name(args)} ({_counted(data)}): "
         f"{n_candidates} candidates x {cv} folds = {n_candidates * cv} fits"
         + ("" if args.verbose else "; --verbose 2 prints a line per fit"))
    with _workers_end_with_cli():
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
        _keep_class_names(search.best_estimator_, data)
        _save(search.best_estimator_, out)
        echo(f"best model saved to {out}")
    return 0


# ----------------------------------------------------------------------------- the parser
class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors on one line (the usage itself is one ``--help`` away)."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _HelpFormatter(argparse.HelpFormatter):
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


_DATA_HELP = ("digits (embedded, no download), " + ", ".join(DATASET_NAMES).replace(
    "emnist", "emnist-SPLIT") + " (fetched and cached; case and - or _ do not matter), "
    "idx:IMAGES:LABELS (IMAGES may list part files ...partKKofNN... with the whole labels "
    "file), folder:PATH (one sub-folder per class) or FILE.npz (X, y, and optionally "
    "target_names)")


def _add_data_args(p, subset, verb):
    p.add_argument("data", help=_DATA_HELP)
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
    p.add_argument("--limit", type=_int_at_least(1), metavar="N",
                   help=f"{verb} a stratified random subset of N images (seeded by "
                   "--random-state; default: all)")
    p.add_argument("--class-names", metavar="NAMES",
                   help="class names, NAME,NAME,... or @FILE with one per line: the name of "
                   "label i in place i (default: the data's names, or those saved with the "
                   "model)")
    p.add_argument("--random-state", type=_seed, default=0,
                   help="seed of the --limit subset and of the models")
    p.add_argument("--data-home",
                   help="cache folder of downloaded sets (default: $SKIMGCLF_DATA, else "
                   "~/skimgclf_data)")
    p.add_argument("--offline", action="store_true", help="never download; use cached files")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the result")


_PARAM_HELP = ("a pipeline parameter, STEP__NAME=VALUE (clf__C=0.5, hog__orientations=8) or "
               "NAME=VALUE when one step has NAME (C=0.5); values are read as JSON; repeatable")


def _add_model_args(p):
    p.add_argument("--max-epochs", type=_int_at_least(1),
                   help="epochs of neural networks (default: the network's)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help=_PARAM_HELP)


def _presets_text():
    width = max(map(len, MODEL_PRESETS))
    lines = [f"  {name:<{width}}  {describe_steps(name)}\n  {'':<{width}}  {text}"
             for name, text in MODEL_PRESETS.items()]
    return "\n".join(lines)


_NAMING = ("Parameters are named as in the model's Pipeline: STEP__NAME (clf__C, "
           "hog__orientations), or NAME alone when exactly one step has it (C, orientations); "
           "the classifier's step is always clf.")


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
    from .datasets import _cli as datasets_cli

    debug_help = "on an error, print its traceback too"
    style = {"formatter_class": _HelpFormatter}
    parser = _Parser(
        prog="skimgclf",
        description="scikit-learn compatible image classification. Exit codes: 0 success, "
        "1 failure while running (or a bug), 2 usage error, 130 interrupted (Ctrl-C), 143 "
        "terminated (SIGTERM). Results go to "
        "standard output, progress and errors to standard error; where they are not a "
        "terminal, they carry no colour codes nor progress bars.",
        **style,
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
        **style,
    )
    demo.add_argument("--cv", type=_folds, default=5, help="cross-validation folds")
    demo.add_argument("--fast", action="store_true", help="fewer epochs, for a quick look")
    demo.add_argument("--out", default="skimgclf-demo-report", help="folder for the report")
    demo.add_argument("--random-state", type=_seed, default=0, help="seed of the split, the "
                      "folds and the models")
    demo.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    demo.set_defaults(func=_cmd_demo)

    train = sub.add_parser(
        "train",
        parents=[common],
        help="fit a model on a data set and save it with joblib",
        description="Fit a named model (a scikit-learn Pipeline) and save it, fitted, with the "
        "data's class names (its class_names_). A network prints one line per epoch (and, on "
        "a terminal, a progress bar). Ctrl-C (or SIGTERM) stops: nothing is saved at the output "
        "path (exit code 130; 143 for SIGTERM); a network stopped mid-training is kept as "
        "OUTPUT_STEM.partial.joblib."
        f"\n\nModels and their Pipeline steps:\n\n{_presets_text()}\n\n{_NAMING}",
        **style,
    )
    _add_data_args(train, "train", "train on")
    train.add_argument("--model", default="cnn", choices=list(MODEL_PRESETS),
                       help="the model preset (see above)")
    train.add_argument("-o", "--output", default="model.joblib", help="where to save the model")
    _add_model_args(train)
    train.set_defaults(func=_cmd_train)

    evaluate = sub.add_parser(
        "evaluate", parents=[common], help="score a saved model: accuracy and per-class report",
        description="Print the accuracy and the per-class table of a saved model on data, "
        "with the classes named (--class-names, else the names saved with the model, else the "
        "data's).", **style,
    )
    evaluate.add_argument("model", help="a model saved by 'skimgclf train' (joblib)")
    _add_data_args(evaluate, "test", "score on")
    evaluate.set_defaults(func=_cmd_evaluate)

    report = sub.add_parser(
        "report", parents=[common], help="write a Markdown report with figures for a saved model",
        description="Write report.md and its figures (confusion matrix, per-class metrics, "
        "loss curves, kernels, worst predictions) for a saved model on data, with the classes "
        "named as in 'evaluate'.", **style,
    )
    report.add_argument("model", help="a model saved by 'skimgclf train' (joblib)")
    _add_data_args(report, "test", "report on")
    report.add_argument("--out", default="skimgclf-report", help="folder for report.md and figures")
    report.set_defaults(func=_cmd_report)

    search = sub.add_parser(
        "search",
        parents=[common],
        help="compare model families by grid search with cross-validation",
        description="The grid file (JSON or TOML) holds a 'models' table: family name -> "
        "{preset = NAME, grid = {param = [values]}}, and optionally cv and scoring; options "
        "given here win over the file's (with a note). Grid parameters are named as --param "
        "names them."
        f"\n\nModels and their Pipeline steps:\n\n{_presets_text()}\n\n{_NAMING} --param "
        "sets a parameter of every family whose model has it.",
        **style,
    )
    _add_data_args(search, "train", "search on")
    search.add_argument("--grid", required=True, help="JSON or TOML grid file")
    search.add_argument("--cv", type=_folds, default=None,
                        help="cross-validation folds (default: the grid file's cv, else 3)")
    search.add_argument("--verbose", type=_int_at_least(0), default=0, metavar="N",
                        help="the search's progress, scikit-learn's verbose: 1 the number of "
                        "fits, 2 a line per fit, 3 with its score")
    search.add_argument("--n-jobs", type=_n_jobs, default=None,
                        help="parallel fits (default: 1; -1: all cores)")
    search.add_argument("-o", "--output", help="save the best refitted model here")
    _add_model_args(search)
    search.set_defaults(func=_cmd_search)

    datasets_cli.add_parser(sub, parents=[common], formatter_class=_HelpFormatter)
    return parser


def _line_buffered(stream):
    """Flush ``stream`` at each line when it is not a terminal, so that a pipe or a log file
    gets every line as it is written (Python buffers them otherwise)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and not _isatty(stream):
        try:
            reconfigure(line_buffering=True)
        except (ValueError, OSError):  # a closed or detached stream
            pass


@_validate_params({"argv": [list, tuple, None]})
def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Errors are reported the way :func:`classify_error` sorts them: a usage error or a failure
    of the machine in one line on standard error, a bug with its traceback; ``--debug`` prints
    the traceback of every error.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after ``skimgclf``.

    Returns
    -------
    int
        The exit code: 0 success, 1 failure, 2 usage error, 130 interrupted (Ctrl-C), 143
        terminated (SIGTERM).

    See Also
    --------
    build_parser : The parser of the sub-commands and their options.

    Notes
    -----
    Ctrl-C (SIGINT) and SIGTERM stop the command, the first one only: later ones are ignored
    while it stops. Called without ``argv``, as the ``skimgclf`` program, a command stopped so
    leaves both signals ignored for the rest of the process's exit; called with ``argv``, main
    puts the previous handlers back.

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
    _line_buffered(sys.stdout)
    # Called without argv, main is the program (the console script, python -m skimgclf.cli):
    # once stopped by a signal, it is only left to exit, and may ignore later ones.
    with _SIGNALS.installed(ignore_after_stop=argv is None):
        return _run(args, debug)


def _run(args, debug) -> int:
    """Run the command of ``args``; the exit code, also when a signal stops the reporting of
    an error."""
    try:
        try:
            return int(args.func(args) or 0)
        except BrokenPipeError:  # the reader went away (`skimgclf ... | head`): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes
            return EXIT_FAILURE
        except Exception as exc:
            return _report(exc, args, debug)
    except (KeyboardInterrupt, _Interrupted):
        print(f"skimgclf {args.command}: {_SIGNALS.what}", file=sys.stderr)
        return _SIGNALS.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
