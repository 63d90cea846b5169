"""``skimgclf --help`` answers at once: the parser is built without scikit-learn, torch or
matplotlib (the modules are asserted, not the time; ``benchmarks/bench_cli.py`` times it), and
the help shows the defaults, the presets' step names and the data-set names."""

from __future__ import annotations

import subprocess
import sys

import pytest

from skimgclf.cli import main

HEAVY = ("torch", "skorch", "matplotlib", "sklearn", "scipy", "numpy", "joblib")


def _loaded_after(argv):
    """The heavy modules a fresh interpreter holds after ``main(argv)``, and its output."""
    code = (
        "import sys, contextlib, io\n"
        "from skimgclf.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = main({argv!r})\n"
        f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["--version"], ["train", "--help"], ["search", "--help"],
     ["evaluate", "--help"], ["report", "--help"], ["predict", "--help"], ["export", "--help"],
     ["datasets", "--help"],
     ["datasets", "fetch", "--help"], ["train", "digits", "--limit", "0"]],
    ids=" ".join,
)
def test_help_version_and_usage_errors_import_nothing_heavy(argv):
    code = 2 if "--limit" in argv else 0
    assert _loaded_after(argv) == f"{code} []"


def test_the_console_script_answers_help(tmp_path):
    script = subprocess.run([sys.executable, "-m", "skimgclf.cli", "--version"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert script.returncode == 0 and script.stdout.startswith("skimgclf ")


@pytest.fixture(autouse=True)
def wide_help(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # argparse wraps the help at the terminal's width


def _help(argv, capsys):
    assert main([*argv, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())


def test_help_shows_the_defaults(capsys):
    text = _help(["train"], capsys)
    for shown in ("(default: cnn)", "(default: model.skimgclf)", "(default: train)",
                  "seed of the --limit subset and of the models (default: 0)",
                  "epochs of neural networks (default: the network's)"):
        assert shown in text, shown
    assert "(default: None)" not in text and "(default: False)" not in text
    text = _help(["search"], capsys)
    assert "(default: the grid file's cv, else 3)" in text and "(default: 0)" in text
    assert "(default: test)" in _help(["evaluate"], capsys)
    assert "(default: skimgclf-report)" in _help(["report"], capsys)
    assert "cross-validation folds (default: 5)" in _help(["demo"], capsys)


@pytest.mark.parametrize("command", ["train", "search"])
def test_help_names_every_preset_with_its_steps(command, capsys):
    text = _help([command], capsys)
    assert "hog-logreg hog=HOGFeatures -> std=StandardScaler -> clf=LogisticRegression" in text
    assert "cnn scale=Normalizer -> clf=CNNClassifier" in text
    assert "STEP__NAME (clf__C, hog__orientations), or NAME alone when exactly one step" in text


def test_help_spells_each_data_set_one_way(capsys):
    text = _help(["train"], capsys)
    assert "fashion-mnist" in text and "fashion_mnist" not in text
    assert "fashion-mnist" in _help(["datasets", "fetch"], capsys)
