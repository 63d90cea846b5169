"""Data on the command line: ``--limit N`` (stratified, seeded), IDX parts with the whole
labels file (the matching rows of labels, or a clear error), and one spelling per data set."""

from __future__ import annotations

import gzip
import struct
from collections import Counter

import numpy as np
import pytest

from skimgclf._datasource import load_data
from skimgclf.cli import main
from skimgclf.datasets import load_idx


def _idx(path, array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def _one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


# ----------------------------------------------------------------------------------- --limit
def test_limit_is_stratified_seeded_and_keeps_the_order():
    full = load_data("digits")
    a = load_data("digits", limit=200, random_state=0)
    b = load_data("digits", limit=200, random_state=0)
    c = load_data("digits", limit=200, random_state=1)
    assert a.images.shape == (200, 8, 8) and a.n_total == 1797
    np.testing.assert_array_equal(a.images, b.images)  # same seed, same subset
    assert not np.array_equal(a.images, c.images)
    counts = Counter(a.target.tolist())
    assert set(counts) == set(range(10)) and max(counts.values()) - min(counts.values()) <= 2
    # rows of the data, in the data's order
    rows = [int(np.flatnonzero((full.images == img).all(axis=(1, 2)))[0]) for img in a.images]
    assert rows == sorted(rows)
    assert len(load_data("digits", limit=5000).target) == 1797  # no more than there are


def test_limit_below_the_classes_is_one_line(capsys):
    assert main(["train", "digits", "--limit", "5", "--model", "logreg"]) == 2
    assert "a limit of 5 images is below the 10 classes of digits" in _one_error_line(capsys)
    assert main(["train", "digits", "--limit", "0"]) == 2
    assert "argument --limit: must be at least 1" in _one_error_line(capsys)


@pytest.mark.parametrize("command", ["train", "evaluate", "report", "search"])
def test_every_data_command_takes_limit(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "digits", "--model", "logreg", "--limit", "300", "-o", "m.joblib",
                 "--param", "max_iter=30"]) == 0
    assert "(300 of 1797 images, 10 classes)" in capsys.readouterr().err  # progress
    (tmp_path / "g.json").write_text('{"models": {"lr": {"preset": "logreg", '
                                     '"grid": {"max_iter": [30]}}}}')
    argv = {"train": ["train", "digits", "--model", "logreg", "--param", "max_iter=30"],
            "evaluate": ["evaluate", "m.joblib", "digits"],
            "report": ["report", "m.joblib", "digits", "--out", "r"],
            "search": ["search", "digits", "--grid", "g.json", "--cv", "2"]}[command]
    assert main([*argv, "--limit", "250", "--random-state", "3"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    if command in ("train", "search"):
        assert "250 of 1797 images" in captured.err  # the progress line
    elif command == "evaluate":
        assert out.startswith("accuracy ") and "on 250 of 1797 images of digits" in out
    else:
        assert "Test samples: 250; classes: 10" in (tmp_path / "r" / "report.md").read_text()


# ------------------------------------------------------------------------ IDX parts + labels
def test_idx_parts_take_their_rows_of_the_whole_labels_file(shared_data):
    d = shared_data / "fashion-mnist"
    parts = [d / f"train-images-idx3-ubyte.part{k:02d}of12.gz" for k in (3, 1)]
    labels = d / "train-labels-idx1-ubyte.gz"
    data = load_data(f"idx:{parts[0]},{parts[1]}:{labels}")
    whole = load_idx(labels)
    assert data.images.shape == (10000, 28, 28)
    # part 3 holds rows 10000-14999 of the official file, part 1 rows 0-4999; in the order given
    np.testing.assert_array_equal(data.target, np.concatenate([whole[10000:15000], whole[:5000]]))
    np.testing.assert_array_equal(data.images[5000:], load_idx(parts[1]))


def test_idx_parts_real_mnist_one_part(tmp_path, capsys, shared_data):
    d = shared_data / "mnist"
    spec = f"idx:{d / 'train-images-idx3-ubyte.part02of06.gz'}:{d / 'train-labels-idx1-ubyte.gz'}"
    data = load_data(spec, limit=100, random_state=0)
    assert data.n_total == 10000 and data.target.shape == (100,)
    whole = load_data(f"idx:{d / 'train-images-idx3-ubyte.part02of06.gz'}:"
                      f"{d / 'train-labels-idx1-ubyte.gz'}")
    np.testing.assert_array_equal(whole.target, load_idx(d / "train-labels-idx1-ubyte.gz")[
        10000:20000])
    assert main(["train", spec, "--model", "logreg", "--limit", "200", "-q", "-o",
                 str(tmp_path / "m.joblib"), "--param", "max_iter=20"]) == 0


@pytest.fixture()
def parts(tmp_path):
    """A file of 10 rows in parts of 4, 4 and 2 (labels = row numbers); and a lonely part."""
    images = np.arange(10 * 2 * 2).reshape(10, 2, 2) % 256
    folder = tmp_path / "parts"
    folder.mkdir()
    for k, rows in enumerate((slice(0, 4), slice(4, 8), slice(8, 10)), start=1):
        _idx(folder / f"img.part{k}of3.gz", images[rows])
    _idx(folder / "labels.gz", np.arange(10))
    alone = tmp_path / "alone"
    alone.mkdir()
    _idx(alone / "img.part2of3.gz", images[4:8])
    _idx(alone / "img.part3of3.gz", images[8:10])
    _idx(alone / "odd.part2of3.gz", images[4:7])
    _idx(alone / "other.gz", images[:4])
    return tmp_path


def test_idx_parts_sizes_from_the_files_beside_them(parts):
    data = load_data(f"idx:{parts / 'parts/img.part3of3.gz'}:{parts / 'parts/labels.gz'}")
    assert data.target.tolist() == [8, 9]  # part 3 follows parts of 4 and 4 rows
    data = load_data(f"idx:{parts / 'parts/img.part2of3.gz'}:{parts / 'parts/labels.gz'}")
    assert data.target.tolist() == [4, 5, 6, 7]


def test_idx_parts_alone_are_assumed_equal_only_when_the_counts_add_up(parts):
    labels = parts / "parts/labels.gz"
    # parts 2 and 3 alone: part 1 is missing, assumed of 4 rows like part 2; 4 + 4 + 2 = 10
    data = load_data(f"idx:{parts / 'alone/img.part2of3.gz'}:{labels}")
    assert data.target.tolist() == [4, 5, 6, 7]


@pytest.mark.parametrize(
    "images, message",
    [
        ("alone/odd.part2of3.gz", r"3 parts of 3 rows do not make 10 labels; put every part "
                                  r"file beside them"),
        ("alone/other.gz", "name the parts ...partKKofNN..."),
        ("alone/img.part2of3.gz,parts/img.part3of3.gz", "are not parts of one file"),
    ],
)
def test_idx_parts_that_cannot_be_placed_say_so(parts, images, message, capsys, monkeypatch):
    monkeypatch.chdir(parts)
    spec = "idx:" + ",".join(images.split(",")) + ":parts/labels.gz"
    assert main(["train", spec, "--model", "logreg"]) == 2
    line = _one_error_line(capsys)
    assert "which of its rows they hold cannot be told" in line and message in line, line
    assert "inconsistent numbers of samples" not in line


def test_idx_labels_of_another_file_are_named(parts, capsys, monkeypatch):
    monkeypatch.chdir(parts)
    _idx(parts / "parts/long_labels.gz", np.arange(12) % 3)
    assert main(["train", "idx:parts/img.part1of3.gz:parts/long_labels.gz"]) == 2
    assert "the 3 parts of img.partKKof3.gz hold 10 rows, but parts/long_labels.gz holds 12" \
        in _one_error_line(capsys)


# ------------------------------------------------------------------------ one spelling
@pytest.mark.parametrize("typed", ["fashion-mnist", "fashion_mnist", "Fashion-MNIST"])
def test_each_data_set_has_one_spelling_and_aliases(typed, tmp_path, capsys):
    assert main(["train", typed, "--offline", "--data-home", str(tmp_path)]) == 2
    line = _one_error_line(capsys)
    assert line.startswith("skimgclf train: error: fashion-mnist (train) is not in the cache")
    assert "'skimgclf datasets fetch fashion-mnist'" in line


def test_datasets_list_and_fetch_use_the_same_names(tmp_path, capsys):
    assert main(["datasets", "list", "--data-home", str(tmp_path)]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()[2:]]
    assert names == ["mnist", "fashion-mnist", "kmnist", "emnist", "cifar10", "svhn"]
    for name in names:  # every listed name is one that train takes
        argv = ["train", name if name != "emnist" else "emnist-letters", "--offline",
                "--data-home", str(tmp_path)]
        assert main(argv) == 2
        assert "is not in the cache" in _one_error_line(capsys)
    assert main(["datasets", "fetch", "emnist-letters", "--split", "digits"]) == 2
    assert "names the EMNIST split 'letters' but --split says 'digits'" in _one_error_line(capsys)


def test_datasets_list_shows_sizes(tmp_path, capsys):
    folder = tmp_path / "mnist"
    folder.mkdir()
    _idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((2, 28, 28)))
    _idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(2))
    assert main(["datasets", "list", "--data-home", str(tmp_path)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    on_disk = sum(p.stat().st_size for p in folder.iterdir())
    assert f"{on_disk} B on disk, 9.9 MB more to download" in lines["mnist"]  # the train files
    assert "30.9 MB to download" in lines["fashion-mnist"]
    assert "170.5 MB to download" in lines["cifar10"] and "1.6 GB" in lines["svhn"]


def test_saved_model_is_an_ordinary_pipeline(tmp_path):
    assert main(["train", "digits", "--model", "logreg", "--limit", "200", "-q",
                 "-o", str(tmp_path / "m.joblib"), "--param", "max_iter=20"]) == 0
    from skimgclf.persistence import load_model

    model = load_model(tmp_path / "m.joblib")  # the content decides the format, not the name
    assert type(model).__name__ == "Pipeline" and model.class_names_[0] == "0"
