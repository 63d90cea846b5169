"""Ctrl-C: exit code 130 (SIGTERM: 143), and never a half-trained model at the path the user
asked for. (tests/test_cli_signals.py sends the signals to the program in a subprocess.)"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from skimgclf._cli import _models
from skimgclf.cli import main
from skimgclf.persistence import load_model

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGINT") or sys.platform == "win32",
    reason="sends SIGINT to a process (POSIX)",
)


def _raise(signum):
    """Send ``signum`` to this process, which the CLI must handle (SIGTERM would end pytest)."""
    if not callable(signal.getsignal(signum)):
        raise AssertionError(f"the CLI does not handle {signal.Signals(signum).name}")
    signal.raise_signal(signum)


class _SwallowsCtrlC(ClassifierMixin, BaseEstimator):
    """Trains "epochs" until Ctrl-C, which it catches and returns from, as skorch's fit does."""

    signum = signal.SIGINT

    def fit(self, X, y):
        self.classes_ = sorted(set(y.tolist()))
        self.epochs_ = 0
        try:
            while True:
                self.epochs_ += 1
                if self.epochs_ == 3:
                    _raise(self.signum)
        except KeyboardInterrupt:
            pass
        return self

    def predict(self, X):
        return [self.classes_[0]] * len(X)


class _SwallowsSigterm(_SwallowsCtrlC):
    """Stopped by SIGTERM (``kill``, a scheduler), which the CLI turns into Ctrl-C."""

    signum = signal.SIGTERM


class _StopsOnCtrlC(_SwallowsCtrlC):
    """A step that lets KeyboardInterrupt through (scikit-learn's estimators)."""

    def fit(self, X, y):
        signal.raise_signal(signal.SIGINT)
        raise AssertionError("not reached")


def _load(path):
    """A saved stand-in: its class is the test's, which no model file trusts by default."""
    names = [f"{cls.__module__}.{cls.__qualname__}" for cls in (_SwallowsCtrlC, _SwallowsSigterm)]
    return load_model(path, trusted=names)


def _use(monkeypatch, estimator):
    monkeypatch.setattr(_models, "build_model", lambda name, X, args, progress=False: estimator)


def test_a_swallowed_ctrl_c_saves_nothing_at_the_output(tmp_path, monkeypatch, capsys):
    _use(monkeypatch, _SwallowsCtrlC())
    out = tmp_path / "model.skimgclf"
    assert main(["train", "digits", "-o", str(out), "-q"]) == 130
    assert not out.exists()
    partial = tmp_path / "model.partial.skimgclf"
    assert _load(partial).epochs_ == 3  # the partly trained model, under another name
    err = capsys.readouterr().err.strip()
    assert err.startswith("skimgclf train: interrupted")
    assert f"nothing saved to {out}" in err and str(partial) in err
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_sigterm_stops_training_as_ctrl_c_does_with_exit_143(tmp_path, monkeypatch, capsys):
    _use(monkeypatch, _SwallowsSigterm())
    out = tmp_path / "model.skimgclf"
    assert main(["train", "digits", "-o", str(out), "-q"]) == 143
    assert not out.exists()
    assert _load(tmp_path / "model.partial.skimgclf").epochs_ == 3
    assert capsys.readouterr().err.startswith("skimgclf train: terminated by SIGTERM; nothing")


def test_a_second_signal_while_training_stops_at_once(tmp_path, monkeypatch, capsys):
    # The first one did not stop training (a step that ignores it): the second one ends the
    # command, with the exit code of the first.
    class Deaf(_SwallowsCtrlC):
        def fit(self, X, y):
            for signum in (signal.SIGTERM, signal.SIGINT):
                try:
                    _raise(signum)
                except KeyboardInterrupt:
                    pass
            raise AssertionError("not reached")

    _use(monkeypatch, Deaf())
    assert main(["train", "digits", "-o", str(tmp_path / "m.skimgclf"), "-q"]) == 143
    assert os.listdir(tmp_path) == []
    assert capsys.readouterr().err.strip() == "skimgclf train: terminated by SIGTERM"


def test_an_existing_model_at_the_output_is_left_as_it_was(tmp_path, monkeypatch):
    _use(monkeypatch, _SwallowsCtrlC())
    out = tmp_path / "model.skimgclf"
    out.write_bytes(b"the previous model")
    assert main(["train", "digits", "-o", str(out), "-q"]) == 130
    assert out.read_bytes() == b"the previous model"


def test_a_ctrl_c_that_stops_fit_saves_nothing(tmp_path, monkeypatch, capsys):
    _use(monkeypatch, _StopsOnCtrlC())
    assert main(["train", "digits", "-o", str(tmp_path / "m.skimgclf"), "-q"]) == 130
    assert os.listdir(tmp_path) == []
    assert capsys.readouterr().err.strip() == "skimgclf train: interrupted"


def test_a_ctrl_c_while_the_training_accuracy_is_scored_saves_nothing(tmp_path, monkeypatch,
                                                                     capsys):
    class StoppedWhileScored(_SwallowsCtrlC):
        def fit(self, X, y):
            self.classes_ = sorted(set(y.tolist()))
            return self

        def predict(self, X):  # what score calls, after training, before the save
            signal.raise_signal(signal.SIGINT)
            raise AssertionError("not reached")

    _use(monkeypatch, StoppedWhileScored())
    out = tmp_path / "model.skimgclf"
    out.write_bytes(b"the previous model")
    assert main(["train", "digits", "-o", str(out)]) == 130
    assert out.read_bytes() == b"the previous model"
    # quiet: the accuracy that would not be printed is not computed
    assert main(["train", "digits", "-o", str(out), "-q"]) == 0
    assert out.read_bytes() != b"the previous model"


def test_outside_training_no_library_can_swallow_ctrl_c(monkeypatch, capsys):
    # evaluate, search, demo: the first Ctrl-C ends the command, even where a library catches
    # KeyboardInterrupt and carries on (a search over skorch nets would start its next fit).
    carried_on = []

    def load_model(path, trust=False):
        for _ in range(3):
            try:
                signal.raise_signal(signal.SIGINT)
            except KeyboardInterrupt:
                carried_on.append(True)
        raise AssertionError("not reached")

    monkeypatch.setattr(_models, "load_model", load_model)
    assert main(["evaluate", "m.skimgclf", "digits"]) == 130
    assert carried_on == []
    assert capsys.readouterr().err.strip() == "skimgclf evaluate: interrupted"


def test_outside_training_sigterm_ends_the_command_with_143(monkeypatch, capsys):
    def load_model(path, trust=False):
        _raise(signal.SIGTERM)
        raise AssertionError("not reached")

    monkeypatch.setattr(_models, "load_model", load_model)
    assert main(["evaluate", "m.skimgclf", "digits"]) == 143
    assert capsys.readouterr().err.strip() == "skimgclf evaluate: terminated by SIGTERM"


def test_the_handlers_are_removed_afterwards(tmp_path, monkeypatch):
    before = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)]
    _use(monkeypatch, _SwallowsCtrlC())
    main(["train", "digits", "-o", str(tmp_path / "m.skimgclf"), "-q"])
    assert [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)] == before


def _lines(stream, into):
    for line in stream:
        into.put(line)
    into.put(None)


@pytest.mark.slow
def test_ctrl_c_during_a_real_training_run(tmp_path):
    """``skimgclf train`` in a subprocess: a CNN on the embedded digits, SIGINT after epoch 1."""
    out = tmp_path / "cnn.skimgclf"
    argv = [sys.executable, "-m", "skimgclf.cli", "train", "digits", "--model", "cnn",
            "--max-epochs", "2000", "-o", str(out)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=tmp_path)
    lines = queue.Queue()
    # the epoch table is progress: on the standard error, where the CLI's messages go too
    threading.Thread(target=_lines, args=(proc.stderr, lines), daemon=True).start()
    seen, deadline = [], time.monotonic() + 120
    try:
        while time.monotonic() < deadline:  # skorch prints one table row per finished epoch
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line is not None, f"train ended before its first epoch: {seen}"
            seen.append(line)
            if re.match(r"^\s+1\s", line):
                break
        else:
            pytest.fail(f"no epoch finished within 120 s: {seen}")
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = "\n".join(iter(lines.get, None))  # the rest of the standard error
    assert proc.returncode == 130, err
    assert not out.exists()
    partial = tmp_path / "cnn.partial.skimgclf"
    assert "nothing saved to" in err and str(partial) in err
    model = load_model(partial)  # the network as it was when stopped: it predicts
    assert 1 <= len(model.named_steps["clf"].history_) < 2000
    assert model.predict(np.zeros((2, 8, 8), np.uint8)).shape == (2,)
