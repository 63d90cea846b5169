"""Exit codes, and which exceptions are whose: :func:`classify_error` sorts them by type, and
:func:`report` prints each kind as the user needs it. What each exit code means is documented
once, for users, in :mod:`skimgclf.cli`.
"""

from __future__ import annotations

import re
import sys
import traceback

from .. import __version__
from .._preset_catalog import PRESET_STEPS
from ._validate import validate_params

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_TERMINATED = 143  # SIGTERM: 128 + 15, the shells' convention, as 130 is 128 + SIGINT


class UserError(Exception):
    """A mistake the user can fix, found by the command line; one line, exit code 2."""


# A file the user named that is not there, not of the kind expected, or not theirs to read or
# write: theirs to fix. Any other OSError (a full disk, a network error) is the machine's.
_USAGE_OS_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, FileExistsError,
                    PermissionError)


def _usage_types() -> tuple:
    """The exception types that are the user's mistakes.

    Types of modules not loaded yet are left out, without importing them (an exception of a
    module never loaded cannot have been raised), so that classifying a ``UserError`` of a
    command that has imported nothing heavy imports nothing either.
    """
    from ..exceptions import InputError  # the standard library only

    types = [UserError, InputError, *_USAGE_OS_ERRORS]
    datasource = sys.modules.get("skimgclf._datasource")
    if datasource is not None:  # DataError: an InputError soon; a ValueError of its own until then
        types.append(getattr(datasource, "DataError", UserError))
    if "sklearn" in sys.modules:
        from .._sklearn_compat import InvalidParameterError

        types.append(InvalidParameterError)  # a value that breaks its declared constraints
    return tuple(types)


@validate_params({"exc": [BaseException]})
def classify_error(exc: BaseException) -> str:
    """Whose fault an exception is: ``"usage"``, ``"failure"`` or ``"bug"``, by its type.

    - ``"usage"``: the user can fix it (exit code 2, one line): the input skimgclf refuses on
      purpose (:class:`~skimgclf.exceptions.InputError` and its subclasses, such as
      :class:`~skimgclf.exceptions.InputTypeError` and the data layer's errors), the command
      line's own usage errors, scikit-learn's ``InvalidParameterError`` (a parameter value
      that breaks its declared constraints), a missing file, a folder where a file is expected
      (or the reverse), an existing file in the way, a file that may not be read or written.
    - ``"failure"``: the machine, not the command (exit code 1, one line): other ``OSError``
      (network, disk full), and running out of memory: ``MemoryError`` (numpy's too), torch's
      ``OutOfMemoryError`` (``torch.cuda.OutOfMemoryError``) and the ``RuntimeError`` of its
      CPU allocator.
    - ``"bug"``: everything else (exit code 1 with the traceback), including a plain
      ``ValueError`` or ``TypeError`` from anywhere: input the package should have refused
      with a clear message (an ``InputError``) before handing it on.

    The type decides, never the message nor where it was raised. An exception that joblib
    re-raises from a worker process keeps its type, and so its class.

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
    >>> from skimgclf.exceptions import InputError, InputTypeError
    >>> classify_error(InputError("X has 785 features per sample, which is not a square image"))
    'usage'
    >>> classify_error(InputTypeError("expected an array, got a list of file names"))
    'usage'
    >>> classify_error(FileNotFoundError("data file not found: x.npz"))
    'usage'
    >>> classify_error(ConnectionResetError("the server hung up"))
    'failure'
    >>> classify_error(MemoryError())
    'failure'
    >>> classify_error(ValueError("cannot reshape array of size 4 into shape (3,3)"))
    'bug'
    >>> classify_error(ZeroDivisionError("division by zero"))
    'bug'
    """
    if isinstance(exc, _usage_types()):
        return "usage"
    if isinstance(exc, OSError) or memory_exhausted(exc):
        return "failure"
    return "bug"


# torch's CPU allocator reports a failed allocation as a RuntimeError, not a MemoryError ("can't
# allocate memory" on Linux and macOS, "not enough memory" on Windows), and so does its Apple GPU
# backend, MPS.
_TORCH_OUT_OF_MEMORY = re.compile(
    r"DefaultCPUAllocator: (?:can't allocate|not enough) memory|(?P<gpu>MPS backend out of memory)"
)


def memory_exhausted(exc) -> str | None:
    """Which memory ``exc`` says ran out: ``"RAM"``, ``"GPU"``, or None when it is no
    out-of-memory error."""
    if isinstance(exc, MemoryError):  # numpy's _ArrayMemoryError is one
        return "RAM"
    # torch.OutOfMemoryError (torch.cuda.OutOfMemoryError is the same class) is a RuntimeError;
    # matched by name, so that an error of torch's is read without importing torch.
    if any(cls.__name__ == "OutOfMemoryError" for cls in type(exc).__mro__):
        return "GPU"
    # torch's allocators raise a plain RuntimeError: its message is all there is to read.
    found = _TORCH_OUT_OF_MEMORY.search(str(exc)) if isinstance(exc, RuntimeError) else None
    if found is None:
        return None
    return "GPU" if found.group("gpu") else "RAM"


def one_line(exc) -> str:
    """The message of ``exc`` on one line, short enough to read."""
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        return f"{exc.strerror}: {exc.filename}"
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        text = f"KeyError: {exc.args[0]!r}"
    return text if len(text) <= 500 else text[:497] + "..."


def report(exc, args, debug) -> int:
    """Print what went wrong (as :func:`classify_error` says); return the exit code."""
    kind = classify_error(exc)
    prefix = f"skimgclf {args.command}" if args.command else "skimgclf"
    if kind == "bug":
        traceback.print_exception(exc, file=sys.stderr)
        print(
            f"{prefix}: internal error: {type(exc).__name__}: {one_line(exc)}\n"
            f"This is a bug in skimgclf {__version__}, not a mistake in the command; please "
            "report it with the traceback above.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    hint = "" if debug or kind == "usage" else " (rerun with --debug for the traceback)"
    memory = memory_exhausted(exc)
    message = one_line(exc) if memory is None else _out_of_memory_message(exc, memory, args)
    print(f"{prefix}: error: {message}{hint}", file=sys.stderr)
    return EXIT_USAGE if kind == "usage" else EXIT_FAILURE


def _out_of_memory_message(exc, memory, args) -> str:
    """What ran out (``memory``: "RAM" or "GPU"), the library's words, and what to reduce with
    the options of the command ``args`` ran."""
    said = str(exc).strip()  # a bare MemoryError() says nothing
    what = "the GPU's memory" if memory == "GPU" else "memory (RAM)"
    return (f"out of {what}" + (f" ({one_line(exc)})" if said else "")
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
        return dict(PRESET_STEPS.get(args.model, ())).get("clf") in _NETWORKS
    return args.command == "search"
