"""Output meant for people: as it is on a terminal, plain where it is not (a pipe, a file).

Standard library only (the command line imports it before anything heavy). Its own module, so
that a model saved with :func:`epoch_log` as its networks' log sink refers to
``skimgclf._console.epoch_log`` however the command line was started (``python -m
skimgclf.cli`` runs ``skimgclf/cli.py`` as ``__main__``, where no saved model may point).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys

__all__ = ["isatty", "strip_ansi", "epoch_log", "progress_to_stderr"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def isatty(stream) -> bool:
    """Whether ``stream`` is a terminal (False for closed streams and stand-ins without one)."""
    check = getattr(stream, "isatty", None)
    try:
        return bool(check and check())
    except ValueError:  # a closed stream
        return False


def strip_ansi(text: str) -> str:
    """``text`` without ANSI escape codes (colours, cursor moves).

    Examples
    --------
    >>> strip_ansi("  1  \\x1b[36m0.5000\\x1b[0m  1.2")
    '  1  0.5000  1.2'
    """
    return _ANSI.sub("", text)


def epoch_log(text):
    """A networks' epoch log sink (skorch's ``PrintLog(sink=...)``): the line as it is on a
    terminal; elsewhere, or with ``NO_COLOR`` set, without ANSI colour codes; flushed, so
    that a log file gets each line as its epoch ends."""
    plain = not isatty(sys.stdout) or os.environ.get("NO_COLOR")
    print(strip_ansi(text) if plain else text, flush=True)


@contextlib.contextmanager
def progress_to_stderr():
    """What libraries print while a command works (skorch's epoch table, scikit-learn's
    ``verbose`` lines) goes to the standard error: the standard output keeps the results."""
    with contextlib.redirect_stdout(sys.stderr):
        yield
