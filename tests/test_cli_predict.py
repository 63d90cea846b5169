"""``skimgclf predict MODEL PATH...``: one row per image file, in the order given, converted to
what the model was trained on; table, csv and json; top-k; errors naming the path."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
import skimage.io
from sklearn.svm import LinearSVC

from skimgclf.cli import main
from skimgclf.datasets import load_digits_images
from skimgclf.persistence import save_model
from skimgclf.presets import make_model

NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_images(return_X_y=True)
    return X.reshape(-1, 8, 8), y


@pytest.fixture(scope="module")
def folder(tmp_path_factory, digits):
    """lr.skimgclf, fitted on 8x8 grayscale digits with class names; svc.skimgclf, without
    predict_proba; imgs/: five digits as 16x16 RGB PNGs (another size and colour)."""
    root = tmp_path_factory.mktemp("predict")
    X, y = digits
    model = make_model("logreg", image_shape=(8, 8)).set_params(clf__max_iter=300)
    model.fit(X[:500], y[:500])
    model.class_names_ = NAMES
    save_model(model, root / "lr.skimgclf")
    svc = make_model("logreg", image_shape=(8, 8)).set_params(clf=LinearSVC(max_iter=200))
    save_model(svc.fit(X[:500], y[:500]), root / "svc.skimgclf")
    (root / "imgs").mkdir()
    for i in range(5):
        big = np.kron(X[600 + i], np.ones((2, 2), np.uint8)).astype(np.uint8)
        skimage.io.imsave(root / "imgs" / f"{i}.png", np.stack([big] * 3, axis=-1),
                          check_contrast=False)
    (root / "empty").mkdir()
    (root / "notes.txt").write_text("no image")
    return root


@pytest.fixture()
def here(folder, monkeypatch):
    monkeypatch.chdir(folder)
    return folder


def _run(argv, capsys, code=0):
    assert main(argv) == code
    return capsys.readouterr()


def test_a_folder_of_other_size_and_colour_in_order(here, digits, capsys):
    out = _run(["predict", "lr.skimgclf", "imgs"], capsys)
    lines = out.out.splitlines()
    assert lines[0].split() == ["file", "class", "probability"]
    assert [line.split()[0] for line in lines[1:]] == [f"imgs/{i}.png" for i in range(5)]
    classes = [line.split()[1] for line in lines[1:]]
    assert set(classes) <= set(NAMES)
    X, y = digits
    assert sum(c == NAMES[t] for c, t in zip(classes, y[600:605], strict=True)) >= 4
    assert "5 of 5 images converted from RGB to grayscale" in out.err
    assert "5 of 5 images resized from 16x16 to 8x8" in out.err
    assert _run(["predict", "lr.skimgclf", "imgs", "-q"], capsys).err == ""


def test_globs_and_files_keep_the_order_given(here, capsys):
    out = _run(["predict", "lr.skimgclf", "imgs/3.png", "imgs/[01].png", "imgs/3.png",
                "--format", "csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out.out)))
    assert [r["file"] for r in rows] == ["imgs/3.png", "imgs/0.png", "imgs/1.png", "imgs/3.png"]
    assert rows[0] == rows[3]


def test_csv_and_json_parse_back_with_top_k(here, capsys):
    text = _run(["predict", "lr.skimgclf", "imgs", "--format", "csv", "--top-k", "3"],
                capsys).out
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["file", "class", "probability", "class_2", "probability_2", "class_3",
                       "probability_3"]
    for row in rows[1:]:
        p = [float(v) for v in row[2::2]]
        assert p == sorted(p, reverse=True) and 0 <= p[-1] and p[0] <= 1
        assert len(set(row[1::2])) == 3
    records = json.loads(_run(["predict", "lr.skimgclf", "imgs", "--format", "json",
                               "--top-k", "3"], capsys).out)
    assert [r["file"] for r in records] == [r[0] for r in rows[1:]]
    for record, row in zip(records, rows[1:], strict=True):
        assert record["class"] == row[1] and len(record["top_k"]) == 3
        assert [t["class"] for t in record["top_k"]] == row[1::2]
        assert record["probability"] == pytest.approx(float(row[2]), abs=1e-6)


def test_top_k_larger_than_the_classes_gives_them_all(here, capsys):
    out = _run(["predict", "lr.skimgclf", "imgs/0.png", "--top-k", "50", "--format", "json"],
               capsys)
    (record,) = json.loads(out.out)
    assert sorted(t["class"] for t in record["top_k"]) == sorted(NAMES)
    assert sum(t["probability"] for t in record["top_k"]) == pytest.approx(1, abs=1e-4)
    assert "--top-k 50 is more than the 10 classes of lr.skimgclf; giving all 10" in out.err


def test_a_model_without_probabilities_gives_the_class_only(here, capsys):
    out = _run(["predict", "svc.skimgclf", "imgs", "--top-k", "2", "--format", "csv"], capsys)
    rows = list(csv.reader(io.StringIO(out.out)))
    assert rows[0] == ["file", "class"] and len(rows) == 6
    assert all(r[1] in [str(c) for c in range(10)] for r in rows[1:])  # its labels: no names
    assert "--top-k 2 needs probabilities, which the Pipeline of svc.skimgclf does not give" \
        in out.err


def test_output_file_is_written_whole(here, capsys):
    out = _run(["predict", "lr.skimgclf", "imgs", "--format", "json", "-o", "out/p.json"],
               capsys)
    assert out.out == ""
    assert len(json.loads((here / "out" / "p.json").read_text())) == 5
    assert not [p for p in (here / "out").iterdir() if p.name != "p.json"]


@pytest.mark.parametrize("paths, message", [
    (["missing.png"], "no such file or folder: missing.png"),
    (["imgs/*.jpg"], "no file matches the pattern imgs/*.jpg"),
    (["empty"], "folder empty holds no image files"),
    (["notes.txt"], "notes.txt"),
    (["imgs", "-o", "imgs"], "-o imgs is a directory"),
])
def test_bad_paths_are_one_line_and_exit_2(paths, message, here, capsys):
    err = _run(["predict", "lr.skimgclf", *paths], capsys, code=2).err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("skimgclf predict: error: "), err
    assert message in err, err


def test_evaluate_matches_the_folders_to_the_models_classes_by_name(here, digits, capsys):
    """folder: numbers its class folders in order: a set without the model's first classes
    must still score the images of 'two' as 'two', not as the first class it holds."""
    X, y = digits
    for label in (2, 3):
        (here / "named" / NAMES[label]).mkdir(parents=True, exist_ok=True)
        for i in np.flatnonzero(y[600:700] == label)[:4]:
            skimage.io.imsave(here / "named" / NAMES[label] / f"{i}.png", X[600 + i],
                              check_contrast=False)
    out = _run(["evaluate", "lr.skimgclf", "folder:named", "-q"], capsys)
    assert float(out.out.split()[1]) >= 0.75  # 8 easy digits, scored as what they are
    (here / "named" / "ten").mkdir()
    skimage.io.imsave(here / "named" / "ten" / "x.png", X[600], check_contrast=False)
    err = _run(["evaluate", "lr.skimgclf", "folder:named"], capsys, code=2).err
    assert "holds classes lr.skimgclf was not trained on: ten" in err


def test_labels_the_model_was_not_trained_on_are_refused_by_count(here, digits, capsys):
    X, y = digits
    y_other = y[600:650].copy()
    y_other[:5] = 10
    np.savez(here / "extra.npz", X=X[600:650], y=y_other)
    err = _run(["evaluate", "lr.skimgclf", "extra.npz"], capsys, code=2).err
    assert "5 of the 50 images of extra.npz have labels lr.skimgclf was not trained on: 10" in err


def test_a_model_fitted_on_flat_rows_predicts_evaluates_and_reports(here, digits, capsys):
    """Any scikit-learn estimator saved with save_model: its images arrive as flat rows."""
    from sklearn.linear_model import LogisticRegression

    X, y = digits
    flat = LogisticRegression(max_iter=300).fit(X[:500].reshape(500, -1), y[:500])
    save_model(flat, here / "flat.skimgclf")
    np.savez(here / "test.npz", X=X[600:700], y=y[600:700])
    assert len(_run(["predict", "flat.skimgclf", "imgs", "-q"], capsys).out.splitlines()) == 6
    out = _run(["evaluate", "flat.skimgclf", "test.npz", "-q"], capsys).out
    assert float(out.split()[1]) >= 0.8
    _run(["report", "flat.skimgclf", "test.npz", "--out", "flat_report", "-q"], capsys)
    assert (here / "flat_report" / "worst_predictions.png").exists()


def test_top_k_must_be_positive(here, capsys):
    err = _run(["predict", "lr.skimgclf", "imgs", "--top-k", "0"], capsys, code=2).err
    assert "argument --top-k: must be at least 1" in err


def test_evaluate_reads_an_image_folder_at_the_models_size_and_colour(here, digits, capsys):
    """evaluate and report on folder:PATH convert the images as predict does (here 16x16 RGB
    PNGs for a model of 8x8 grayscale digits), unless --image-shape or --color say otherwise."""
    X, y = digits
    for label in (0, 1):
        (here / "labelled" / str(label)).mkdir(parents=True, exist_ok=True)
        for i in np.flatnonzero(y[600:700] == label)[:4]:
            big = np.kron(X[600 + i], np.ones((2, 2), np.uint8)).astype(np.uint8)
            skimage.io.imsave(here / "labelled" / str(label) / f"{i}.png",
                              np.stack([big] * 3, axis=-1), check_contrast=False)
    out = _run(["evaluate", "lr.skimgclf", "folder:labelled", "-q"], capsys)
    assert out.out.startswith("accuracy ") and "on 8 images of folder:labelled" in out.out
    assert float(out.out.split()[1]) >= 0.75  # 8 easy digits of 2 classes
    # an explicit shape wins, and then the sizes disagree: said, not guessed
    err = _run(["evaluate", "lr.skimgclf", "folder:labelled", "--image-shape", "16x16"],
               capsys, code=2).err
    assert "was trained on images of 8x8x1" in err
