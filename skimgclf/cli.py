"""The ``skimgclf`` command line: ``main(argv) -> int``.

The commands live in :mod:`skimgclf._cli`, one module each, over shared layers (errors, signals,
parameters, data, model files, the parser); this module is their public face, the entry point of
the ``skimgclf`` console script and of ``python -m skimgclf.cli``.

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
  temporary files). Worker processes end with the command however it ends, even by SIGKILL.

Which exceptions are the user's mistakes is decided in one place, :func:`classify_error`, by
their type: the input skimgclf refuses on purpose raises
:class:`~skimgclf.exceptions.InputError`.

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

import sys

from ._cli._errors import classify_error
from ._cli._main import main
from ._cli._parser import build_parser

__all__ = ["main", "build_parser", "classify_error"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
