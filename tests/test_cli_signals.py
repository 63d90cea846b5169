"""Signals as the ``skimgclf`` program gets them: a second Ctrl-C, SIGTERM, and the worker
processes of a search that is stopped or killed.

Each test runs the CLI in a subprocess, as its console script does (``sys.exit(main())``), with
this module's stand-ins for the models installed first: fits that last until the test acts and
say where they are with marker files. The tests send each signal once a marker shows the CLI
where they want it, never after a delay. ``SAFETY_S`` bounds every wait: a safety net against a
broken run hanging the suite, never waited out when the CLI works.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="sends POSIX signals to a process"
)

SAFETY_S = 120
_MARKERS = "SKIMGCLF_TEST_MARKERS"  # the folder of the marker files, for the CLI and its workers


# ------------------------------------------------------- stand-ins, run in the CLI process
def _mark(name):
    (Path(os.environ[_MARKERS]) / name).touch()


def _wait_for_test(name):
    """Wait (in the CLI) until the test has created the marker ``name``."""
    marker, end = Path(os.environ[_MARKERS]) / name, time.monotonic() + SAFETY_S
    while not marker.exists() and time.monotonic() < end:
        time.sleep(0.02)


class Epochs(ClassifierMixin, BaseEstimator):
    """A network's stand-in: trains "epochs" until a KeyboardInterrupt, which it catches and
    returns from, as skorch's fit does. Saving it (pickling) waits for the test."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.epochs_ = 0
        end = time.monotonic() + SAFETY_S
        try:
            while time.monotonic() < end:
                self.epochs_ += 1
                if self.epochs_ == 1:
                    # Inside the try and after an epoch: the test's Ctrl-C, sent on this mark,
                    # then always stops a network that has trained (on a busy machine it once
                    # came before the try, and the CLI rightly saved nothing).
                    _mark("training")
                time.sleep(0.01)
        except KeyboardInterrupt:
            pass
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def __getstate__(self):
        _mark("saving")
        _wait_for_test("save")
        return super().__getstate__()


class SlowFit(ClassifierMixin, BaseEstimator):
    """A search candidate's stand-in: marks the worker process it runs in, then fits until the
    worker is ended."""

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        _mark(f"fit.{os.getpid()}")
        time.sleep(SAFETY_S)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


class _SlowExit:
    """Stands for torch, which takes a moment to unload as the CLI exits: freed when the
    interpreter clears its modules, after Python has given the signals their default action
    back, where a second Ctrl-C killed the CLI (exit -2). Marks that moment, waits for the test.
    """

    def __init__(self):
        self.folder = os.environ[_MARKERS]

    def __del__(self, exists=os.path.exists, sleep=time.sleep, clock=time.monotonic,
                open=open):
        # Builtins and modules are gone by then: the defaults keep what this needs.
        open(f"{self.folder}/exiting", "w").close()
        end = clock() + SAFETY_S
        while not exists(f"{self.folder}/exit") and clock() < end:
            sleep(0.02)


def install():
    """In the CLI process: the ``cnn`` preset trains an :class:`Epochs`, every other one is a
    :class:`SlowFit`; the process exits slowly."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    import skimgclf.presets

    def make_model(name, **kwargs):
        return Pipeline([("prep", FunctionTransformer()),
                         ("clf", Epochs() if name == "cnn" else SlowFit())])

    skimgclf.presets.make_model = make_model
    globals()["_SLOW_EXIT"] = _SlowExit()


# The console script's code, after installing the stand-ins.
_DRIVER = ("import sys, test_cli_signals; test_cli_signals.install(); "
           "from skimgclf.cli import main; sys.exit(main())")


# ------------------------------------------------------------------------ the test's side
class _Cli:
    """``skimgclf ARGS`` in a subprocess, with the stand-ins, in ``folder``; with
    ``slow_exit=False`` the CLI exits without waiting for the test."""

    def __init__(self, folder, *args, slow_exit=True):
        self.folder = folder
        if not slow_exit:
            self.tell("exit")
        path = os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])
        env = {**os.environ, _MARKERS: str(folder), "PYTHONPATH": path}
        self.err = folder / "stderr.txt"
        with open(self.err, "w") as err:  # a file, not a pipe: workers inherit it
            self.proc = subprocess.Popen([sys.executable, "-c", _DRIVER, *map(str, args)],
                                         cwd=folder, env=env, stdout=subprocess.DEVNULL,
                                         stderr=err)

    def wait_for(self, pattern, count=1):
        """The markers matching ``pattern`` once there are ``count``; fails if the CLI ends
        first."""
        end = time.monotonic() + SAFETY_S
        while time.monotonic() < end:
            found = sorted(self.folder.glob(pattern))
            if len(found) >= count:
                return found
            if self.proc.poll() is not None:
                pytest.fail(f"the CLI ended (exit {self.proc.returncode}) before {pattern}: "
                            f"{self.err.read_text()}")
            time.sleep(0.02)
        pytest.fail(f"no {pattern} within {SAFETY_S} s: {self.err.read_text()}")

    def tell(self, name):
        (self.folder / name).touch()

    def send(self, signum):
        self.proc.send_signal(signum)

    def exit_code(self):
        try:
            return self.proc.wait(timeout=SAFETY_S)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()

    def stderr(self):
        return self.err.read_text()


@pytest.fixture()
def train(tmp_path, monkeypatch):
    """``skimgclf train digits --model cnn -o model.skimgclf`` with an :class:`Epochs`."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))  # load_model finds Epochs
    cli = _Cli(tmp_path, "train", "digits", "--model", "cnn", "-o", tmp_path / "model.skimgclf")
    yield cli
    if cli.proc.poll() is None:
        cli.proc.kill()


def _partial_model_only(folder):
    """The model stopped mid-training, loaded: the only file saved, and whole."""
    from skimgclf.persistence import load_model

    saved = sorted(p.name for p in folder.iterdir() if p.name.endswith((".skimgclf", ".tmp")))
    assert saved == ["model.partial.skimgclf"]
    # Epochs and SlowFit are this module's, which no model file trusts by default
    return load_model(folder / "model.partial.skimgclf",
                      trusted=["test_cli_signals.Epochs", "test_cli_signals.SlowFit"])


def test_a_second_ctrl_c_during_the_save_lets_it_finish(train):
    train.wait_for("training")
    train.send(signal.SIGINT)  # stops training; the partial model is being saved
    train.wait_for("saving")
    train.send(signal.SIGINT)
    train.tell("save")
    train.wait_for("exiting")
    train.tell("exit")
    assert train.exit_code() == 130, train.stderr()
    assert _partial_model_only(train.folder).named_steps["clf"].epochs_ > 0
    assert "skimgclf train: interrupted; nothing saved to" in train.stderr()


def test_a_second_ctrl_c_while_the_cli_exits_keeps_exit_130(train):
    train.wait_for("training")
    train.send(signal.SIGINT)
    train.wait_for("saving")
    train.tell("save")
    train.wait_for("exiting")  # saved, reported; the interpreter is unloading its modules
    train.send(signal.SIGINT)
    train.tell("exit")
    assert train.exit_code() == 130, train.stderr()
    _partial_model_only(train.folder)


def test_sigterm_during_training_stops_as_ctrl_c_does_with_exit_143(train):
    train.wait_for("training")
    train.send(signal.SIGTERM)
    train.wait_for("saving")
    train.tell("save")
    train.wait_for("exiting")
    train.tell("exit")
    assert train.exit_code() == 143, train.stderr()
    _partial_model_only(train.folder)
    assert "skimgclf train: terminated by SIGTERM; nothing saved to" in train.stderr()


# ----------------------------------------------------------------------------- the search
def _processes_in(folder):
    """``{pid: start time}`` of the live processes of the CLI run in ``folder``: it and all it
    starts (joblib's workers and resource trackers, those started after a look too) inherit
    its marker variable."""
    tag, found = f"{_MARKERS}={folder}".encode(), {}
    for entry in Path("/proc").iterdir():
        try:
            mine = entry.name.isdigit() and tag in (entry / "environ").read_bytes().split(b"\0")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split() if mine else None
        except OSError:  # gone meanwhile, or another user's
            continue
        if fields is not None and fields[0] != "Z":  # a zombie has ended
            found[int(entry.name)] = fields[19]  # with its start time, which tells a reused pid
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads processes in /proc")
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143),
                                          (signal.SIGKILL, -signal.SIGKILL)],
                         ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_a_stopped_or_killed_search_leaves_no_process_behind(tmp_path, signum, code):
    (tmp_path / "grid.json").write_text(
        '{"models": {"slow": {"preset": "logreg", "grid": {"C": [1.0, 2.0]}}}, "cv": 2}'
    )
    cli = _Cli(tmp_path, "search", "digits", "--grid", "grid.json", "--n-jobs", "2",
               slow_exit=False)
    try:
        fits = cli.wait_for("fit.*", count=2)  # both workers are fitting
        assert {cli.proc.pid} | {int(f.name.split(".")[1]) for f in fits} <= set(
            _processes_in(tmp_path))
        cli.send(signum)
        assert cli.exit_code() == code, cli.stderr()
        end = time.monotonic() + SAFETY_S  # loky's workers would idle 300 s before they exit
        while _processes_in(tmp_path) and time.monotonic() < end:
            time.sleep(0.05)
        assert _processes_in(tmp_path) == {}, cli.stderr()
    finally:  # whatever failed, leave no process running
        for pid in _processes_in(tmp_path):
            os.kill(pid, signal.SIGKILL)


def test_ctrl_c_while_the_console_script_loads_exits_130_without_a_traceback():
    """Before main() guards the command, the entry point's handler answers Ctrl-C."""
    code = ("import signal; from skimgclf._cli import _entry; _entry.quiet_until_main(); "
            "signal.raise_signal(signal.SIGINT); import skimgclf.cli")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600)
    assert (done.returncode, done.stderr) == (130, "")


def test_the_console_script_enters_through_the_quiet_entry_point():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11+")

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    scripts = tomllib.loads(pyproject.read_text())["project"]["scripts"]
    assert scripts == {"skimgclf": "skimgclf._cli._entry:run"}
