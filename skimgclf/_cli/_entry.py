"""The ``skimgclf`` console script's entry point: Ctrl-C while Python loads the command line
ends it with exit code 130 and no traceback, as Ctrl-C does once :func:`main` guards it."""

from __future__ import annotations

import signal
import sys


def _interrupted(signum, frame):
    raise SystemExit(130)  # what main() answers to Ctrl-C; SystemExit prints no traceback


def quiet_until_main():
    """Install the loading-time SIGINT handler (``main`` installs its own guard, and restores
    this one when it ends)."""
    signal.signal(signal.SIGINT, _interrupted)


def run():
    quiet_until_main()
    from ..cli import main

    sys.exit(main())
