"""The command line, called as ``main(argv)``: the demo, train -> evaluate -> report, search."""

import json

import numpy as np
import pytest

from skimgclf.cli import main
from skimgclf.datasets import load_digits_images
from skimgclf.persistence import load_model


@pytest.fixture()
def digits_npz(tmp_path):
    X, y = load_digits_images(return_X_y=True)
    path = tmp_path / "digits.npz"
    np.savez(path, X=X[:600], y=y[:600])
    return path


@pytest.mark.slow
def test_demo_compares_models_and_writes_a_report(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--fast", "--cv", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for model in ("pixels + LogisticRegression", "HOG + LogisticRegression", "HOG + MLP", "CNN"):
        assert model in printed
    assert "Best by cross-validation" in printed and "precision" in printed
    report = (out / "report.md").read_text()
    assert "confusion_matrix.png" in report and (out / "confusion_matrix.png").is_file()


def test_train_evaluate_report_round_trip(tmp_path, capsys, digits_npz):
    model = tmp_path / "m.skimgclf"
    argv = ["train", str(digits_npz), "--model", "hog-logreg", "-o", str(model)]
    assert main([*argv, "--param", "clf__C=0.5"]) == 0
    fitted = load_model(model)
    assert fitted.named_steps["clf"].C == 0.5
    assert fitted.named_steps["hog"].pixels_per_cell == (2, 2)  # sized for 8x8 images
    assert "saved to" in capsys.readouterr().out

    assert main(["evaluate", str(model), str(digits_npz)]) == 0
    printed = capsys.readouterr().out
    accuracy = float(printed.split()[1])
    assert accuracy > 0.95  # scored on its own training images
    assert "bcr" in printed.lower() and "area" in printed.lower()

    assert main(["report", str(model), str(digits_npz), "--out", str(tmp_path / "r"), "-q"]) == 0
    assert (tmp_path / "r" / "report.md").read_text().startswith("# m.skimgclf on")


def test_train_reads_idx_parts(tmp_path, shared_data):
    images = shared_data / "mnist" / "t10k-images-idx3-ubyte.gz"
    labels = shared_data / "mnist" / "t10k-labels-idx1-ubyte.gz"
    model = tmp_path / "lr.skimgclf"
    code = main(
        [
            "train",
            f"idx:{images}:{labels}",
            "--model",
            "logreg",
            "-o",
            str(model),
            "-q",
            "--param",
            "clf__max_iter=50",
        ]
    )
    assert code == 0
    assert load_model(model).named_steps["clf"].n_features_in_ == 784


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_search_from_a_grid_file(tmp_path, capsys, digits_npz, suffix):
    grid = tmp_path / f"grid{suffix}"
    if suffix == ".json":
        grid.write_text(
            json.dumps(
                {
                    "models": {
                        "lr": {"preset": "logreg", "grid": {"C": [0.01, 1.0]}},
                        "hog": {"preset": "hog-logreg", "grid": {"C": [1.0]}},
                    }
                }
            )
        )
    else:
        grid.write_text(
            'cv = 2\n[models.lr]\npreset = "logreg"\ngrid = { C = [0.01, 1.0] }\n'
            '[models.hog]\npreset = "hog-logreg"\n'
        )
    best = tmp_path / "best.skimgclf"
    assert main(["search", str(digits_npz), "--grid", str(grid), "-o", str(best), "-q"]) == 0
    table = capsys.readouterr().out
    assert table.count("| lr |") == 2 and table.count("| hog |") == 1
    assert best.is_file()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["evaluate", "no-such-model.skimgclf", "digits"], "model file not found: no-such-model"),
        (["train", "no-such.npz", "--model", "logreg"], "data file not found: no-such.npz"),
        (["train", "imagenet"], "unknown data 'imagenet'"),
        (["train", "digits", "--param", "clf__C"], "--param takes NAME=VALUE"),
        (["train", "digits", "--model", "logreg", "--param", "clf__nope=1"],
         "the model has no parameter 'clf__nope'"),
        (["search", "digits", "--grid", "no-grid.json"], "grid file not found"),
    ],
)
def test_user_mistakes_give_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_bad_grid_file_is_named(tmp_path, capsys):
    grid = tmp_path / "grid.json"
    grid.write_text('{"models": {"x": {"grid": {}}}}')
    assert main(["search", "digits", "--grid", str(grid)]) == 2
    assert "needs a 'preset'" in capsys.readouterr().err
    grid.write_text("{not json")
    assert main(["search", "digits", "--grid", str(grid)]) == 2
    assert "is not valid JSON" in capsys.readouterr().err


def test_unknown_model_is_a_usage_error(capsys):
    assert main(["train", "digits", "--model", "resnet"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'resnet'" in err and len(err.strip().splitlines()) == 1


def test_help_and_version_exit_0(capsys):
    assert main(["--version"]) == 0
    assert "skimgclf" in capsys.readouterr().out
    assert main(["train", "--help"]) == 0
    assert "--image-shape" in capsys.readouterr().out
