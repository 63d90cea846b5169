"""Model files are opened without running code from them: a pickle or joblib file only with
--trust, by every command that opens a model; with --trust, files of older versions still work."""

from __future__ import annotations

import os
import pickle

import joblib
import numpy as np
import pytest

from skimgclf.cli import main
from skimgclf.datasets import load_digits_images
from skimgclf.persistence import load_model
from skimgclf.presets import make_model


class Hostile:
    """Unpickling it runs ``os.mkdir(marker)``: code from the file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.fixture()
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y = load_digits_images(return_X_y=True)
    np.savez("d.npz", X=X[:200].reshape(-1, 8, 8), y=y[:200])
    with open("hostile.pkl", "wb") as f:
        pickle.dump(Hostile(tmp_path / "marker-pickle"), f)
    joblib.dump(Hostile(tmp_path / "marker-joblib"), "hostile.joblib")
    (tmp_path / "a.png").write_bytes(b"")  # never read: the model is opened first
    return tmp_path


COMMANDS = {
    "evaluate": ["evaluate", "{model}", "d.npz"],
    "report": ["report", "{model}", "d.npz", "--out", "r"],
    "predict": ["predict", "{model}", "a.png"],
    "export": ["export", "{model}", "-o", "m.onnx"],
}


@pytest.mark.parametrize("model", ["hostile.pkl", "hostile.joblib"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_pickle_runs_nothing_without_trust(command, model, files, capsys):
    argv = [a.format(model=model) for a in COMMANDS[command]]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"skimgclf {command}: error: {model} is a pickle/joblib file, and "
                          "opening one runs code stored in it: give --trust to open it")
    assert sorted(p.name for p in files.iterdir() if p.name.startswith("marker")) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_that_opens_a_model_has_trust(command, capsys):
    assert main([command, "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert ("--trust open a pickle/joblib model file: it can run any code; only for files you "
            "made or trust") in help_text


def test_with_trust_an_older_joblib_model_still_works(files, capsys):
    X, y = load_digits_images(return_X_y=True)
    model = make_model("logreg", image_shape=(8, 8)).set_params(clf__max_iter=200)
    model.fit(X[:200].reshape(-1, 8, 8), y[:200])
    model.class_names_ = [f"digit {i}" for i in range(10)]
    joblib.dump(model, "old.joblib")  # what 'skimgclf train' wrote before
    assert main(["evaluate", "old.joblib", "d.npz"]) == 2
    capsys.readouterr()
    assert main(["evaluate", "old.joblib", "d.npz", "--trust", "-q"]) == 0
    assert capsys.readouterr().out.startswith("accuracy ")
    assert main(["report", "old.joblib", "d.npz", "--trust", "--out", "r", "-q"]) == 0
    assert (files / "r" / "report.md").is_file()


def test_train_writes_a_file_that_opens_without_trust(files):
    argv = ["train", "digits", "--limit", "200", "--model", "logreg", "-q"]
    assert main([*argv, "--param", "clf__max_iter=50"]) == 0
    assert (files / "model.skimgclf").is_file()  # the default output
    with open("model.skimgclf", "rb") as f:
        assert f.read(2) == b"PK"  # a zip of data (skops, JSON), no pickle
    assert load_model("model.skimgclf").class_names_[:2] == ["0", "1"]
    assert main(["evaluate", "model.skimgclf", "d.npz", "-q"]) == 0
