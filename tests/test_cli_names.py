"""Class names flow from the data into the saved model, ``evaluate`` and ``report``: the
fetchers' ``target_names``, image-folder names, an npz key, ``--class-names`` (a list or @FILE);
and a Fashion-MNIST report from the CLI, on the real data, names the classes."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
import skimage.io

from skimgclf._datasource import load_data
from skimgclf.cli import main
from skimgclf.datasets import load_digits_images
from skimgclf.persistence import load_model

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]
DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
LR = ["--model", "logreg", "--param", "max_iter=50", "-q"]


def _idx(path, array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_images(return_X_y=True)
    return X[:400].reshape(-1, 8, 8), y[:400]


@pytest.fixture()
def named_npz(tmp_path, digits):
    X, y = digits
    path = tmp_path / "named.npz"
    np.savez(path, X=X, y=y, target_names=np.array(DIGIT_NAMES))
    return path


def _rows(printed):
    """The first column of the per-class rows of evaluate's table."""
    lines = printed.split("\n\n")[1].splitlines()
    return [line.rsplit(None, 8)[0].strip() for line in lines]


# ----------------------------------------------------------------------- where names come from
def test_load_data_names_from_each_source(tmp_path, named_npz):
    assert load_data(str(named_npz)).target_names == DIGIT_NAMES
    np.savez(tmp_path / "classes.npz", X=np.zeros((4, 4, 4)), y=[0, 1, 1, 0],
             class_names=np.array(["cat", "dog"]))
    assert load_data(str(tmp_path / "classes.npz")).target_names == ["cat", "dog"]
    assert load_data("digits").target_names == [str(i) for i in range(10)]
    root = tmp_path / "pets"
    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        skimage.io.imsave(root / name / "a.png", np.full((5, 5), 9, np.uint8),
                          check_contrast=False)
    assert load_data(f"folder:{root}").target_names == ["cat", "dog"]
    # given names replace the data's
    assert load_data(str(named_npz), class_names=list("abcdefghij")).target_names[:2] == ["a", "b"]


@pytest.mark.parametrize(
    "names, message",
    [
        (["a", "b"], "the class names given are 2, but the labels of .* run up to 9; give 10"),
        (list("abcdefghijk"), "are 11, but the labels of .* run from 0 to 9; give 10"),
        (["a", " "] + list("cdefghij"), "hold an empty name"),
    ],
)
def test_names_that_do_not_fit_the_labels_are_refused(named_npz, names, message):
    with pytest.raises(ValueError, match=message):
        load_data(str(named_npz), class_names=names)


def test_names_of_an_npz_file_must_name_every_label(tmp_path):
    np.savez(tmp_path / "short.npz", X=np.zeros((3, 4, 4)), y=[0, 1, 5],
             target_names=np.array(["a", "b"]))
    with pytest.raises(ValueError, match="the class names of .*short.npz are 2, but the labels"):
        load_data(str(tmp_path / "short.npz"))
    np.savez(tmp_path / "numbers.npz", X=np.zeros((3, 4, 4)), y=[0, 1, 1],
             target_names=np.array([1.5, 2.5]))
    with pytest.raises(ValueError, match="array 'target_names' must be a list of class names"):
        load_data(str(tmp_path / "numbers.npz"))


# --------------------------------------------------------------------- train, evaluate, report
def test_names_are_saved_with_the_model_and_name_every_output(tmp_path, named_npz, capsys):
    model = tmp_path / "m.skimgclf"
    assert main(["train", str(named_npz), *LR, "-o", str(model)]) == 0
    assert load_model(model).class_names_ == DIGIT_NAMES
    # evaluated on data that names nothing (the same images, no names): the model's names
    plain = tmp_path / "plain.npz"
    with np.load(named_npz) as npz:
        np.savez(plain, X=npz["X"], y=npz["y"])
    assert main(["evaluate", str(model), str(plain)]) == 0
    assert _rows(capsys.readouterr().out) == DIGIT_NAMES
    assert main(["report", str(model), str(plain), "--out", str(tmp_path / "r"), "-q"]) == 0
    report = (tmp_path / "r" / "report.md").read_text()
    assert "| seven |" in report and "| 7 |" not in report
    assert "Fit time: unknown" not in report  # train saved it with the model


def test_class_names_option_as_a_list_or_a_file(tmp_path, digits, capsys):
    X, y = digits
    np.savez(tmp_path / "d.npz", X=X, y=y)
    (tmp_path / "names.txt").write_text("\n".join(DIGIT_NAMES) + "\n\n")
    model = tmp_path / "m.skimgclf"
    argv = ["train", str(tmp_path / "d.npz"), *LR, "-o", str(model)]
    assert main([*argv, "--class-names", "@" + str(tmp_path / "names.txt")]) == 0
    assert load_model(model).class_names_ == DIGIT_NAMES
    # at evaluation, --class-names wins over the names saved with the model
    letters = ",".join("ABCDEFGHIJ")
    assert main(["evaluate", str(model), str(tmp_path / "d.npz"), "--class-names", letters]) == 0
    assert _rows(capsys.readouterr().out) == list("ABCDEFGHIJ")


@pytest.mark.parametrize(
    "option, message",
    [
        ("a,b", "--class-names gives 2 names, but the classes of m.skimgclf are 0, ..., 9: "
         "give 10"),
        ("a,,c", "--class-names 'a,,c': give NAME,NAME,... or @FILE"),
        ("a,b,a,c,d,e,f,g,h,i", "the names ['a'] appear more than once"),
        ("@missing.txt", "class names file not found: missing.txt"),
    ],
)
def test_bad_class_names_are_one_line_and_exit_2(tmp_path, digits, monkeypatch, capsys,
                                                option, message):
    monkeypatch.chdir(tmp_path)
    X, y = digits
    np.savez("d.npz", X=X, y=y)
    assert main(["train", "d.npz", *LR, "-o", "m.skimgclf"]) == 0
    assert main(["evaluate", "m.skimgclf", "d.npz", "--class-names", option]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_string_labels_need_no_names(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "s.npz", X=rng.integers(0, 255, (40, 4, 4)),
             y=np.array(["cat", "dog"] * 20))
    argv = ["train", str(tmp_path / "s.npz"), *LR, "-o", str(tmp_path / "m.skimgclf")]
    assert main(argv) == 0
    assert main([*argv, "--class-names", "a,b"]) == 2
    assert "are strings, which name the classes already" in capsys.readouterr().err


def test_a_fetched_set_brings_its_names(tmp_path, shared_data, capsys, monkeypatch):
    """fashion-mnist from the cache (offline): the fetcher's target_names reach the report."""
    d = shared_data / "fashion-mnist"
    from skimgclf.datasets import load_idx
    from skimgclf.datasets._download import file_checksum
    from skimgclf.datasets._registry import DATASETS

    images = load_idx(d / "t10k-images-idx3-ubyte.part01of02.gz")[:300]
    labels = load_idx(d / "t10k-labels-idx1-ubyte.gz")[:300]
    cache = tmp_path / "cache" / "fashion_mnist"
    cache.mkdir(parents=True)
    _idx(cache / "t10k-images-idx3-ubyte.gz", images)
    _idx(cache / "t10k-labels-idx1-ubyte.gz", labels)
    # The cache trusts only files that match the published checksums: publish these.
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        monkeypatch.setitem(DATASETS["fashion_mnist"].checksums, name,
                            "md5:" + file_checksum(cache / name, "md5"))
    data = ["fashion_mnist", "--subset", "test", "--offline", "--data-home", str(cache.parent)]
    model = tmp_path / "m.skimgclf"
    assert main(["train", *data, *LR, "-o", str(model)]) == 0
    assert load_model(model).class_names_ == FASHION
    assert main(["evaluate", str(model), *data]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("accuracy") and "of fashion-mnist (test)" in printed
    assert _rows(printed) == FASHION


def test_a_fashion_mnist_report_from_the_cli_names_the_classes(tmp_path, shared_data, capsys):
    """The real data as it is kept: IDX parts 1 and 3 of 12 with the whole label file."""
    d = shared_data / "fashion-mnist"
    parts = ",".join(str(d / f"train-images-idx3-ubyte.part{k:02d}of12.gz") for k in (1, 3))
    train = f"idx:{parts}:{d / 'train-labels-idx1-ubyte.gz'}"
    test = (f"idx:{d / 't10k-images-idx3-ubyte.part02of02.gz'}:"
            f"{d / 't10k-labels-idx1-ubyte.gz'}")
    names = tmp_path / "fashion.txt"
    names.write_text("\n".join(FASHION))
    model = tmp_path / "fashion.skimgclf"
    argv = ["train", train, "--model", "hog-logreg", "--limit", "1000", "--class-names",
            f"@{names}", "-o", str(model), "-q"]
    assert main(argv) == 0, capsys.readouterr().err
    assert main(["report", str(model), test, "--limit", "500", "--out", str(tmp_path / "r"),
                 "-q"]) == 0, capsys.readouterr().err
    report = (tmp_path / "r" / "report.md").read_text()
    for name in FASHION:
        assert f"| {name} |" in report, name
    assert main(["evaluate", str(model), test, "--limit", "500"]) == 0
    printed = capsys.readouterr().out
    assert _rows(printed) == FASHION
    assert float(printed.split()[1]) > 0.65  # HOG + logistic regression on 1,000 images: ~0.76
