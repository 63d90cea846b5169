"""Ctrl-C and SIGTERM, and worker processes that end with the command.

The first SIGINT (Ctrl-C) or SIGTERM stops a command: exit code 130, or 143 for SIGTERM.
``train`` then saves nothing at its ``-o`` path: a network stopped mid-training is kept as
``<output stem>.partial<suffix>``, with a warning. Later signals are ignored while the command
stops (saving that model, ending its worker processes, removing its temporary files). Worker
processes end with the command however it ends, even by SIGKILL (see
:func:`workers_end_with_cli`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from contextlib import contextmanager

from ._errors import EXIT_INTERRUPTED, EXIT_TERMINATED


# --------------------------------------------------------------------- Ctrl-C and SIGTERM
class Interrupted(BaseException):
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
            raise KeyboardInterrupt if self._training else Interrupted
        if self._training:
            self._training = False
            raise Interrupted

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


SIGNALS = _SignalGuard()


# ------------------------------------------------------------------------ worker processes
@contextmanager
def workers_end_with_cli():
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
    """A worker's initializer: have it end as soon as ``parent_pid`` (the CLI) does, and
    print its progress on the standard error.

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
    # what a worker prints is progress (scikit-learn's verbose lines, an epoch table): to the
    # standard error, as in the command's own process (the output keeps the results)
    sys.stdout = sys.stderr


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
