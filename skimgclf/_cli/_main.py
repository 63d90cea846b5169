"""``main(argv) -> int``: parse, run the command under the signal guard, and turn what it raised
into an exit code (see :mod:`._errors`)."""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

from .._console import isatty as _isatty
from ._errors import EXIT_FAILURE, EXIT_USAGE, report
from ._parser import build_parser
from ._signals import SIGNALS, Interrupted
from ._validate import validate_params


def _line_buffered(stream):
    """Flush ``stream`` at each line when it is not a terminal, so that a pipe or a log file
    gets every line as it is written (Python buffers them otherwise)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and not _isatty(stream):
        try:
            reconfigure(line_buffering=True)
        except (ValueError, OSError):  # a closed or detached stream
            pass


@validate_params({"argv": [list, tuple, None]})
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
    with SIGNALS.installed(ignore_after_stop=argv is None), _warnings_as_lines(args, debug):
        return _run(args, debug)


@contextlib.contextmanager
def _warnings_as_lines(args, debug):
    """A warning a command meets is one line, as its errors are ("skimgclf CMD: warning:
    ..."), not Python's two with a file path inside site-packages; --debug keeps Python's."""
    if debug:
        yield
        return

    def one_line(message, category, filename, lineno, line=None):
        return f"skimgclf {args.command}: warning: {' '.join(str(message).split())}\n"

    original, warnings.formatwarning = warnings.formatwarning, one_line
    try:
        yield
    finally:
        warnings.formatwarning = original


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
            return report(exc, args, debug)
    except (KeyboardInterrupt, Interrupted):
        print(f"skimgclf {args.command}: {SIGNALS.what}", file=sys.stderr)
        return SIGNALS.exit_code
