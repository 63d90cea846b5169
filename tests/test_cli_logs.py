"""Progress where a user waits, clean logs where nobody does: a network's epoch log is on in
``train``, one plain line per epoch without ANSI codes or progress-bar frames when the output
is not a terminal (a pipe, a file); with a terminal, skorch's colours and its progress bar."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import HANG_TIMEOUT

from skimgclf import cli
from skimgclf._cli import _models
from skimgclf.cli import main

EPOCH_ROW = re.compile(r"^\s+\d+\s+\d+\.\d+")


def _args(argv=()):
    return cli.build_parser().parse_args(["train", "digits", *argv])


def test_train_logs_plain_epoch_lines_when_not_a_terminal(tmp_path, capsys):
    argv = ["train", "digits", "--model", "mlp", "--max-epochs", "3", "--limit", "200",
            "-o", str(tmp_path / "m.skimgclf")]
    assert main(argv) == 0
    captured = capsys.readouterr()  # pytest's capture is no terminal
    assert "\x1b" not in captured.out + captured.err
    assert "\r" not in captured.out + captured.err
    # the epoch table is progress: on the standard error, which holds no progress bar
    assert len([line for line in captured.err.splitlines() if EPOCH_ROW.match(line)]) == 3
    assert captured.out.startswith("fitted in ") and len(captured.out.splitlines()) == 1
    assert main([*argv, "-q"]) == 0
    assert not [line for line in capsys.readouterr().err.splitlines() if EPOCH_ROW.match(line)]


@pytest.mark.parametrize("terminal", [True, False])
def test_a_terminal_gets_the_progress_bar_and_colours(monkeypatch, terminal):
    import numpy as np

    monkeypatch.setattr(_models, "_isatty", lambda stream: terminal)
    model = _models.preset("cnn", np.zeros((2, 8, 8)), _args(), progress=True)
    params = model.get_params()
    assert params["clf__verbose"] == 1 and params["clf__progress_bar"] is terminal
    quiet = _models.preset("cnn", np.zeros((2, 8, 8)), _args(argv=["-q"]), progress=True)
    assert quiet.get_params()["clf__verbose"] == 0
    assert quiet.get_params()["clf__progress_bar"] is False


def test_the_epoch_sink_drops_ansi_codes_off_a_terminal(capsys):
    from skimgclf._console import epoch_log

    epoch_log("  1  \x1b[36m0.5000\x1b[0m  1.2")
    assert capsys.readouterr().out == "  1  0.5000  1.2\n"


def test_every_network_logs_through_that_sink_and_stays_silent_at_verbose_0(capsys):
    """Not only the command line: a verbose net in a script or notebook logs plain lines
    off a terminal, and a silent one prints nothing (skorch's other sinks ignore verbose)."""
    import numpy as np

    from skimgclf.neural import TorchMLPClassifier

    X, y = np.random.RandomState(0).rand(20, 8, 8), np.arange(20) % 2
    TorchMLPClassifier(max_epochs=2, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert len([line for line in out.splitlines() if EPOCH_ROW.match(line)]) == 2
    TorchMLPClassifier(max_epochs=2, verbose=0, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""


@pytest.mark.slow
def test_a_piped_train_log_has_no_ansi_codes_nor_bar_frames(tmp_path):
    """The command as a user pipes it: ``skimgclf train ... | tee log``."""
    argv = [sys.executable, "-m", "skimgclf.cli", "train", "digits", "--model", "cnn",
            "--max-epochs", "2", "--limit", "200", "-o", str(tmp_path / "m.skimgclf")]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, timeout=HANG_TIMEOUT,
                          env={**os.environ, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    log = done.stdout + done.stderr
    assert "\x1b[" not in log and "\r" not in log
    lines = done.stderr.splitlines()  # progress; the standard output keeps the result
    assert lines[0] == "training cnn on digits (200 of 1797 images, 10 classes)"
    assert len([line for line in lines if EPOCH_ROW.match(line)]) == 2
    assert done.stdout.startswith("fitted in ") and len(done.stdout.splitlines()) == 1
    # the saved model loads here (its log sink is not the __main__ of `-m`) and logs on
    from skimgclf.persistence import load_model

    net = load_model(tmp_path / "m.skimgclf").named_steps["clf"]
    assert net.callbacks_[-1][1].sink.__module__ == "skimgclf._console"


def test_no_color_strips_the_colour_codes_on_a_terminal_too(monkeypatch, capsys):
    from skimgclf import _console

    monkeypatch.setattr(_console, "isatty", lambda stream: True)
    _console.epoch_log("\x1b[32m0.5\x1b[0m")
    assert capsys.readouterr().out == "\x1b[32m0.5\x1b[0m\n"
    monkeypatch.setenv("NO_COLOR", "1")
    _console.epoch_log("\x1b[32m0.5\x1b[0m")
    assert capsys.readouterr().out == "0.5\n"


def test_a_warning_is_one_line_naming_the_command(monkeypatch, capsys):
    """Not Python's two lines with a path inside site-packages; --debug keeps those."""
    import warnings

    from skimgclf._cli import evaluate

    def warns(args):
        warnings.warn("something to know,\n  over two lines", UserWarning, stacklevel=1)
        return 0

    def show(message, category, filename, lineno, file=None, line=None):  # Python's default
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    monkeypatch.setattr(evaluate, "run", warns)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show  # pytest records warnings instead of showing them
        assert main(["evaluate", "m.skimgclf", "digits"]) == 0
        assert capsys.readouterr().err == ("skimgclf evaluate: warning: something to know, "
                                           "over two lines\n")
        assert main(["evaluate", "m.skimgclf", "digits", "--debug"]) == 0
        assert "UserWarning: something to know" in capsys.readouterr().err
    assert warnings.formatwarning.__name__ == "formatwarning"  # Python's again
