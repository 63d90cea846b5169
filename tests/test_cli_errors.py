"""The command line's promise: a user mistake is one line on stderr naming the file or parameter,
exit code 2; ``--debug`` adds the traceback; a bug keeps its traceback and exit code 1."""

from __future__ import annotations

import gzip
import json
import os
import struct

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skimgclf._cli import _data, _errors, _models
from skimgclf._datasource import DataError
from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.cli import classify_error, main
from skimgclf.datasets import load_digits_images
from skimgclf.exceptions import InputError, InputTypeError
from skimgclf.persistence import save_model


def _idx(path, array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    """A folder of good and bad inputs, named as the cases below name them."""
    d = tmp_path_factory.mktemp("cli_inputs")
    X, y = load_digits_images(return_X_y=True)
    np.savez(d / "digits.npz", X=X[:300], y=y[:300])
    np.savez(d / "other_labels.npz", X=X[:50], y=y[:50] + 100)
    np.savez(d / "string_labels.npz", X=X[:50], y=np.array([f"c{v}" for v in y[:50]]))
    np.savez(d / "big.npz", X=np.zeros((20, 16, 16), np.uint8), y=np.arange(20) % 2)
    (d / "text.npz").write_text("label,pixel0\n1,0\n")
    (d / "empty.npz").write_bytes(b"")
    (d / "truncated.npz").write_bytes((d / "digits.npz").read_bytes()[:3000])
    np.save(d / "single.npy", np.zeros(3))
    (d / "single.npz").write_bytes((d / "single.npy").read_bytes())
    np.savez(d / "keys.npz", pixels=np.zeros((3, 4)), classes=np.zeros(3))
    np.savez(d / "no_images.npz", X=np.zeros((0, 64)), y=np.zeros(0))
    np.savez(d / "lengths.npz", X=np.zeros((5, 64)), y=np.zeros(4))
    nan = np.zeros((5, 64))
    nan[3, 7] = np.nan
    np.savez(d / "nan.npz", X=nan, y=np.arange(5))
    np.savez(d / "strings.npz", X=np.array([["a"] * 64] * 5), y=np.arange(5))
    np.savez(d / "labels_2d.npz", X=np.zeros((5, 64)), y=np.zeros((5, 2)))
    np.savez(d / "labels_nan.npz", X=np.zeros((5, 64)), y=np.array([0, 1, np.nan, 0, 1]))
    np.savez(d / "labels_half.npz", X=np.zeros((5, 64)), y=np.arange(5) + 0.5)
    np.savez(d / "one_class.npz", X=np.zeros((5, 64)), y=np.zeros(5))
    np.savez(d / "flat_rgb.npz", X=np.zeros((4, 3072), np.uint8), y=np.arange(4) % 2)
    np.savez(d / "bad_shape.npz", X=np.zeros((4, 3072), np.uint8), y=np.arange(4) % 2,
             image_shape=np.array([32, 32]))
    np.savez(d / "objects.npz", X=np.array([None] * 4, dtype=object), y=np.arange(4))
    (d / "data.csv").write_text("1,2,3\n")
    (d / "a_folder").mkdir()
    (d / "a_file").write_text("x")
    _idx(d / "images.gz", np.zeros((3, 4, 4)))
    _idx(d / "labels.gz", np.arange(2))
    (d / "notmodel.joblib").write_text("not a pickle\n")
    joblib.dump({"weights": [1, 2]}, d / "dict.joblib")
    joblib.dump(LogisticRegression(), d / "unfitted.joblib")
    (d / "bad.json").write_text("{not json")
    (d / "bad.toml").write_text("models = [")
    (d / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    os.mkfifo(d / "model.fifo")
    grids = {
        "no_preset.json": {"models": {"lr": {"grid": {}}}},
        "unknown_preset.json": {"models": {"lr": {"preset": "resnet"}}},
        "bad_value.json": {"models": {"lr": {"preset": "logreg", "grid": {"C": [1.0, "x"]}}}},
        "bad_name.json": {"models": {"lr": {"preset": "logreg", "grid": {"Cc": [1.0]}}}},
        "not_list.json": {"models": {"lr": {"preset": "logreg", "grid": {"C": 1.0}}}},
        "bad_cv.json": {"cv": 1, "models": {"lr": {"preset": "logreg"}}},
        "no_models.json": {"grid": {}},
        # 9 parameters of 10 values: 10**9 candidates, which GridSearchCV would list in memory
        "huge.json": {"models": {"lr": {"preset": "logreg", "grid": {
            f"clf__{name}": values for name, values in (
                ("C", [float(c) for c in range(1, 11)]), ("tol", [1e-4 * t for t in range(1, 11)]),
                ("max_iter", list(range(100, 110))), ("intercept_scaling", list(range(1, 11))),
                ("random_state", list(range(10))), ("verbose", list(range(10))),
                ("warm_start", [False, True] * 5), ("fit_intercept", [True, False] * 5),
                ("n_jobs", list(range(1, 11))))}}}},
    }
    for name, spec in grids.items():
        (d / name).write_text(json.dumps(spec))
    return d


@pytest.fixture()
def in_bad_files(bad_files, monkeypatch):
    monkeypatch.chdir(bad_files)
    return bad_files


@pytest.fixture(scope="module")
def fitted_model(bad_files):
    """lr.skimgclf: logistic regression fitted on 8x8 digits."""
    X, y = load_digits_images(return_X_y=True)
    from skimgclf.presets import make_model

    model = make_model("logreg", image_shape=(8, 8)).set_params(clf__max_iter=50)
    save_model(model.fit(X[:300].reshape(-1, 8, 8), y[:300]), bad_files / "lr.skimgclf")
    return bad_files / "lr.skimgclf"


TRAIN = ["train", "--model", "logreg", "-q"]
CASES = [
    # data files
    (["train", "missing.npz"], "data file not found: missing.npz"),
    (["train", "text.npz"], "text.npz is not an .npz file"),
    (["train", "empty.npz"], "empty.npz is not an .npz file (it is empty)"),
    (["train", "truncated.npz"], "truncated.npz is not a readable .npz file"),
    (["train", "single.npz"], "single.npz holds a single .npy array"),
    (["train", "keys.npz"], "keys.npz must hold arrays X and y"),
    (["train", "keys.npz"], "it holds ['classes', 'pixels']"),
    (["train", "no_images.npz"], "no_images.npz holds no images"),
    (["train", "lengths.npz"], "lengths.npz holds 5 images but 4 labels"),
    (["train", "nan.npz"], "nan.npz: image 3 holds NaN"),
    (["train", "strings.npz"], "strings.npz: the images have dtype <U1"),
    (["train", "labels_2d.npz"], "labels_2d.npz: the labels have shape (5, 2)"),
    (["train", "labels_nan.npz"], "labels_nan.npz: the labels hold NaN or infinite values"),
    (["train", "labels_half.npz"], "labels_half.npz: the labels hold fractions (0.5, ...: 5 of"),
    ([*TRAIN, "one_class.npz"], "one_class.npz holds labels of one class only (0.0)"),
    (["train", "flat_rgb.npz"], "flat_rgb.npz holds flat rows of 3072 values, which are not"),
    (["train", "flat_rgb.npz", "--image-shape", "32x32"],
     "flat_rgb.npz holds flat rows of 3072 values, but images of 32x32"),
    (["train", "bad_shape.npz"], "bad_shape.npz holds flat rows of 3072 values, but images of"),
    (["train", "digits", "--image-shape", "28x28"], "digits holds images of 8x8, not of the"),
    (["train", "objects.npz"], "objects.npz: array 'X' holds Python objects"),
    (["train", "npz:a_folder"], "a_folder is a directory; expected a data file"),
    (["train", "a_folder"], "a_folder is a folder; give folder:a_folder"),
    (["train", "data.csv"], "data.csv is not a .npz file"),
    (["train", "imagenet"], "unknown data 'imagenet'"),
    (["train", "kmnist", "--offline", "--data-home", "cache"],
     "kmnist (train) is not in the cache (cache/kmnist/"),
    (["evaluate", "lr.skimgclf", "cifar10", "--offline", "--data-home", "cache"],
     "--offline forbids downloading; drop --offline, or run 'skimgclf datasets fetch cifar10'"),
    (["train", "idx:labels.gz:images.gz"], "labels.gz holds an array of shape (2,), not images"),
    (["train", "idx:images.gz:labels.gz"], "images.gz holds 3 images but 2 labels"),
    (["train", "idx:images.gz:nolabels.gz"], "data file not found: nolabels.gz"),
    (["train", "idx:text.npz:labels.gz"], "text.npz has magic number"),
    (["train", "idx:images.gz"], "an idx source is idx:IMAGES:LABELS"),
    (["train", "folder:a_file"], "a_file is a file; folder:PATH takes a folder"),
    (["train", "folder:nowhere"], "image folder not found: nowhere"),
    (["train", "folder:a_folder"], "a_folder has no sub-folders"),
    # parameters
    (["train", "digits", "--param", "clf__C"], "--param takes NAME=VALUE, got 'clf__C'"),
    ([*TRAIN, "digits", "--param", "clf__nope=1"], "the model has no parameter 'clf__nope'"),
    ([*TRAIN, "digits", "--param", "clf__CC=1"], "did you mean clf__C?"),
    ([*TRAIN, "digits", "--param", "clf__C=abc"],
     "--param clf__C=abc: The 'C' parameter of LogisticRegression must be a float"),
    ([*TRAIN, "digits", "--param", "clf__max_iter=-3"], "--param clf__max_iter=-3: The 'max_iter'"),
    (["train", "digits", "--model", "cnn", "--param", "clf__lr=abc"], "--param clf__lr=abc"),
    (["train", "digits", "--model", "cnn", "--param", "clf__max_epochs=ten"],
     "--param clf__max_epochs=ten"),
    (["train", "digits", "--model", "hog-logreg", "--param", "hog__block_norm=L3"],
     "--param hog__block_norm=L3"),
    (["train", "digits", "--model", "resnet"], "argument --model: invalid choice: 'resnet'"),
    (["train", "digits", "--max-epochs", "0"], "argument --max-epochs: must be at least 1"),
    (["train", "digits", "--random-state", "-1"], "argument --random-state: must be at least 0"),
    (["train", "digits", "--image-shape", "3x"], "argument --image-shape: expected HxW"),
    (["demo", "--cv", "1"], "argument --cv: must be at least 2, got 1"),
    (["datasets", "fetch", "imagenet"], "unknown data set 'imagenet'"),
    # model files
    (["evaluate", "missing.joblib", "digits"], "model file not found: missing.joblib"),
    (["evaluate", "notmodel.joblib", "digits"], "notmodel.joblib is not a model file"),
    (["evaluate", "notmodel.joblib", "digits", "--trust"], "notmodel.joblib is not a model"),
    (["evaluate", "digits.npz", "digits"], "digits.npz is a zip file but not a model file"),
    (["evaluate", "dict.joblib", "digits"], "dict.joblib is a pickle/joblib file, and opening "
     "one runs code stored in it: give --trust to open it"),
    (["evaluate", "dict.joblib", "digits", "--trust"], "dict.joblib holds a dict, not a"),
    (["evaluate", "unfitted.joblib", "digits", "--trust"], "unfitted.joblib holds an unfitted"),
    (["evaluate", "a_folder", "digits"], "a_folder is a directory; expected a model file"),
    (["report", "notmodel.joblib", "digits", "--out", "r"], "notmodel.joblib is not a model"),
    (["predict", "notmodel.joblib", "a.png"], "notmodel.joblib is not a model file"),
    (["export", "notmodel.joblib"], "notmodel.joblib is not a model file"),
    (["evaluate", "lr.skimgclf", "big.npz"], "lr.skimgclf was trained on images of 8x8"),
    (["evaluate", "lr.skimgclf", "other_labels.npz"], "no label of other_labels.npz is one of"),
    (["evaluate", "lr.skimgclf", "string_labels.npz"], "no label of string_labels.npz"),
    # output paths
    ([*TRAIN, "digits", "-o", "a_folder"], "-o a_folder is a directory; give a file name"),
    ([*TRAIN, "digits", "-o", "a_file/model.joblib"], "cannot create the folder a_file"),
    (["report", "lr.skimgclf", "digits.npz", "--out", "a_file"], "--out a_file is a file"),
    (["demo", "--out", "a_file"], "--out a_file is a file"),
    ([*TRAIN, "digits", "-o", "m" * 256], "the file name is 256 bytes long, more than the 255"),
    (["predict", "lr.skimgclf", "a.png", "-o", "a_folder"],
     "-o a_folder is a directory; give a file name, e.g. a_folder/predictions.csv"),
    # a rename would put a file in place of a FIFO or a device (as root, of /dev/null)
    ([*TRAIN, "digits", "-o", "model.fifo"], "-o model.fifo is a FIFO (named pipe), not a file"),
    (["predict", "lr.skimgclf", "a.png", "-o", "-"], "-o -: give a file name"),
    # grid files
    (["search", "digits", "--grid", "missing.json"], "grid file not found: missing.json"),
    (["search", "digits", "--grid", "a_folder"], "grid file a_folder is a directory"),
    (["search", "digits", "--grid", "bad.json"], "bad.json is not valid JSON"),
    (["search", "digits", "--grid", "bad.toml"], "bad.toml is not valid TOML"),
    (["search", "digits", "--grid", "no_models.json"], "no_models.json must hold a 'models'"),
    (["search", "digits", "--grid", "no_preset.json"], "model 'lr' in no_preset.json needs"),
    (["search", "digits", "--grid", "unknown_preset.json"], "unknown preset 'resnet'"),
    (["search", "digits", "--grid", "bad_value.json"],
     "bad_value.json: model 'lr', grid C=\"x\": The 'C' parameter"),
    (["search", "digits", "--grid", "bad_name.json"], "grid Cc=1.0: the model has no parameter"),
    (["search", "digits", "--grid", "not_list.json"], "'grid' must map parameter names to"),
    (["search", "digits", "--grid", "bad_cv.json"], "bad_cv.json: cv must be an int"),
    (["search", "digits", "--grid", "no_preset.json", "--n-jobs", "0"], "argument --n-jobs"),
    (["search", "digits", "--grid", "huge.json"], "huge.json asks for 1,000,000,000 candidates"),
    (["search", "digits", "--grid", "deep.json"], "deep.json is nested too deeply to be a grid"),
    # a FIFO would block the read forever
    (["evaluate", "model.fifo", "digits"], "model.fifo is not a regular file (a pipe or a"),
]


@pytest.mark.parametrize("argv, message", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_a_user_mistake_is_one_line_naming_it_and_exit_2(
    argv, message, in_bad_files, fitted_model, capsys
):
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"skimgclf {argv[0]}"), lines[0]
    assert message in lines[0], lines[0]
    assert "Traceback" not in captured.err + captured.out


def test_the_suite_holds_many_bad_inputs():
    assert len(CASES) >= 60


def test_debug_adds_the_traceback_and_keeps_exit_2(in_bad_files, capsys):
    for argv in (["--debug", "train", "text.npz"], ["train", "text.npz", "--debug"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err
        assert err.strip().splitlines()[-1].startswith("skimgclf train: error: text.npz is not")


def _raise(exc):
    def load(args, subset):
        raise exc

    return load


def test_a_bug_keeps_its_traceback_and_says_to_report_it(monkeypatch, capsys):
    monkeypatch.setattr(_data, "load", _raise(ZeroDivisionError("division by zero")))
    assert main(["train", "digits"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "ZeroDivisionError" in err
    assert "internal error" in err and "please report it" in err
    assert "error: division by zero" not in err  # not dressed as a usage error


def test_a_value_error_from_deep_inside_numpy_is_a_bug(monkeypatch, capsys):
    def load(args, subset):
        return np.zeros(4).reshape(3, 3), None  # a bug of ours handing numpy bad input

    monkeypatch.setattr(_data, "load", load)
    assert main(["train", "digits"]) == 1
    assert "internal error: ValueError: cannot reshape" in capsys.readouterr().err


def test_the_network_failing_is_exit_1_in_one_line(monkeypatch, capsys):
    monkeypatch.setattr(_data, "load", _raise(ConnectionResetError("the server hung up")))
    assert main(["train", "mnist"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("skimgclf train: error: the server hung up (rerun with --debug for "
                           "the traceback)")


@pytest.mark.parametrize(
    "make, kind",
    [
        (lambda: FileNotFoundError("x"), "usage"),
        (lambda: IsADirectoryError("x"), "usage"),
        (lambda: PermissionError(13, "Permission denied", "m.joblib"), "usage"),
        (lambda: _errors.UserError("x"), "usage"),
        (lambda: ValueError("raised without a traceback"), "bug"),
        (lambda: TypeError("x"), "bug"),
        (lambda: RuntimeError("x"), "bug"),
        (lambda: OSError("disk full"), "failure"),
        (lambda: MemoryError(), "failure"),
        (lambda: _torch().OutOfMemoryError("CUDA out of memory"), "failure"),
        (lambda: _cpu_allocator_error(), "failure"),
    ],
)
def test_classify_error(make, kind):
    assert classify_error(make()) == kind


def _torch():
    return pytest.importorskip("torch")


def _cpu_allocator_error():
    """What torch raises when the RAM runs out: a RuntimeError of its CPU allocator."""
    torch = _torch()
    try:
        torch.empty(2**52, dtype=torch.uint8)  # 4 PiB: more than any address space holds
    except RuntimeError as exc:
        return exc
    pytest.skip("this machine allocated 4 PiB")


def _numpy_memory_error():
    try:
        np.empty(2**52, dtype=np.uint8)
    except MemoryError as exc:  # numpy's _ArrayMemoryError
        return exc
    pytest.skip("this machine allocated 4 PiB")


class _RunsOutOfMemory(LogisticRegression):
    def __init__(self, make=None):
        self.make = make

    def fit(self, X, y):
        raise self.make()


RAM_ERRORS = {
    "MemoryError": lambda: MemoryError(),
    "numpy": _numpy_memory_error,
    "torch CPU": _cpu_allocator_error,
}
GPU_ERRORS = {
    "torch.OutOfMemoryError": lambda: _torch().OutOfMemoryError(
        "CUDA out of memory. Tried to allocate 2.00 GiB"),
    "torch.cuda.OutOfMemoryError": lambda: _torch().cuda.OutOfMemoryError("CUDA out of memory"),
}


def _train_out_of_memory(monkeypatch, capsys, make, model="cnn"):
    monkeypatch.setattr(_models, "build_model", lambda name, X, args, progress=False:
                        _RunsOutOfMemory(make))
    assert main(["train", "digits", "--model", model, "-o", "unused.joblib", "-q"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "internal error" not in err and "a bug" not in err and "Traceback" not in err
    return err


@pytest.mark.parametrize("make", RAM_ERRORS.values(), ids=RAM_ERRORS)
def test_running_out_of_memory_says_what_to_reduce(make, monkeypatch, capsys):
    err = _train_out_of_memory(monkeypatch, capsys, make)
    assert err.startswith("skimgclf train: error: out of memory (RAM)")
    assert "use less at once: give a network smaller batches (--param clf__batch_size=32)" in err
    assert "or use fewer images (--limit N)" in err
    assert err.endswith("(rerun with --debug for the traceback)")


def test_no_batch_size_for_a_model_without_batches(monkeypatch, capsys):
    err = _train_out_of_memory(monkeypatch, capsys, MemoryError, model="hog-logreg")
    assert err == ("skimgclf train: error: out of memory (RAM); use less at once: use fewer "
                   "images (--limit N) (rerun with --debug for the traceback)")


@pytest.mark.parametrize("make", GPU_ERRORS.values(), ids=GPU_ERRORS)
def test_running_out_of_gpu_memory_says_what_to_reduce(make, monkeypatch, capsys):
    err = _train_out_of_memory(monkeypatch, capsys, make)
    assert err.startswith("skimgclf train: error: out of the GPU's memory (CUDA out of memory")
    assert "smaller batches (--param clf__batch_size=32) or train on the CPU" in err


def test_a_search_out_of_memory_also_suggests_fewer_parallel_fits(in_bad_files, monkeypatch,
                                                                   capsys):
    def compare_models(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr("skimgclf.model_selection.compare_models", compare_models)
    grid = in_bad_files / "lr_grid.json"
    grid.write_text(json.dumps({"models": {"lr": {"preset": "logreg"}}}))
    assert main(["search", "digits", "--grid", str(grid), "--n-jobs", "4", "-q"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("skimgclf search: error: out of memory (RAM); use less at once:")
    assert "or run fewer fits at once (--n-jobs 4 now)" in err


def test_evaluate_out_of_memory_suggests_fewer_images(in_bad_files, fitted_model, monkeypatch,
                                                      capsys):
    def predict_everything(model, y, args):  # stands for the predictions of too many images
        raise MemoryError()

    monkeypatch.setattr(_data, "check_labels", predict_everything)
    assert main(["evaluate", str(fitted_model), "digits.npz"]) == 1
    assert capsys.readouterr().err.strip() == (
        "skimgclf evaluate: error: out of memory (RAM); use less at once: use fewer images "
        "(--limit N) (rerun with --debug for the traceback)")


def test_classify_error_goes_by_type_not_by_where_it_was_raised():
    from skimgclf._images import image_shape_from_flat

    with pytest.raises(InputError) as ours:
        image_shape_from_flat(785)
    assert classify_error(ours.value) == "usage"  # our validation: "not a square image"
    assert classify_error(InputTypeError("a list where an array is expected")) == "usage"
    assert classify_error(InvalidParameterError("the 'C' parameter must be a float")) == "usage"
    assert classify_error(DataError("x.npz holds no images")) == "usage"
    # A plain ValueError or TypeError is a bug, wherever it comes from: input refused on
    # purpose raises an InputError, with a message saying what to do.
    for exc in (ValueError("raised on purpose, but not as an InputError"), TypeError("x")):
        assert classify_error(exc) == "bug"


def _refuse(value):
    if value < 0:
        raise InputTypeError(f"{value} is negative")
    return value


def test_joblib_workers_errors_keep_their_type():
    from joblib import Parallel, delayed

    with pytest.raises(InputTypeError) as remote:
        Parallel(n_jobs=2)(delayed(_refuse)(v) for v in (1, -1))
    assert classify_error(remote.value) == "usage"
    with pytest.raises(ValueError) as deep:
        Parallel(n_jobs=2)(delayed(np.reshape)(np.zeros(4), s) for s in ((2, 2), (3, 3)))
    assert classify_error(deep.value) == "bug"


def test_an_internal_plain_value_error_in_a_command_is_a_bug_with_its_traceback(
    in_bad_files, fitted_model, monkeypatch, capsys
):
    def check_labels(model, y, args):  # stands for a check of ours that trips over itself
        raise ValueError("operands could not be broadcast together")

    monkeypatch.setattr(_data, "check_labels", check_labels)
    assert main(["evaluate", "lr.skimgclf", "digits.npz"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "internal error: ValueError: operands could not be broadcast" in err
    assert "please report it" in err


def test_an_input_type_error_in_a_command_is_a_usage_error(in_bad_files, fitted_model,
                                                           monkeypatch, capsys):
    def check_labels(model, y, args):
        raise InputTypeError("labels must be integers or strings, got a list of dicts")

    monkeypatch.setattr(_data, "check_labels", check_labels)
    assert main(["evaluate", "lr.skimgclf", "digits.npz"]) == 2
    assert capsys.readouterr().err.strip() == ("skimgclf evaluate: error: labels must be "
                                               "integers or strings, got a list of dicts")


@pytest.mark.parametrize("argv, message", [
    (["search", "digits.npz", "--grid", "lr.json", "--limit", "20", "--cv", "5"],
     "--cv 5: the largest class of digits.npz holds 2 images, fewer than the folds"),
    (["search", "digits.npz", "--grid", "lr_cv.json", "--limit", "20"],
     "cv = 4 of lr_cv.json: the largest class of digits.npz holds 2 images"),
    (["search", "digits.npz", "--grid", "lr_scoring.json"], "unknown scoring 'acuracy'; did you "
     "mean accuracy"),
    (["demo", "--cv", "1000", "--out", "d"], "--cv 1000: the demo cross-validates 75% of the "
     "embedded digits"),
])
def test_what_scikit_learn_refuses_with_a_plain_value_error_is_checked_first(
    argv, message, in_bad_files, capsys
):
    (in_bad_files / "lr_cv.json").write_text(json.dumps(
        {"cv": 4, "models": {"lr": {"preset": "logreg"}}}))
    (in_bad_files / "lr_scoring.json").write_text(json.dumps(
        {"scoring": "acuracy", "models": {"lr": {"preset": "logreg"}}}))
    (in_bad_files / "lr.json").write_text(json.dumps({"models": {"lr": {"preset": "logreg"}}}))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_one_line_of_a_long_or_multiline_message():
    message = _errors.one_line(ValueError("first\nsecond   third " + "x" * 1000))
    assert "\n" not in message and message.startswith("first second third")
    assert len(message) <= 500 and message.endswith("...")
    assert _errors.one_line(PermissionError(13, "Permission denied", "m.joblib")) == (
        "Permission denied: m.joblib"
    )


def test_an_unwritable_output_is_a_usage_error(in_bad_files, monkeypatch, capsys):
    def refuse(model, path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(_models, "save", refuse)
    argv = [*TRAIN, "digits.npz", "-o", "out/m.joblib", "--param", "clf__max_iter=20"]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == "skimgclf train: error: Permission denied: " \
        "out/m.joblib"


def test_an_output_folder_that_cannot_be_written_is_refused_before_training(
    in_bad_files, monkeypatch, capsys
):
    # (os.access itself says yes to root, who runs some CI machines: its answer is set here.)
    import os

    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert main([*TRAIN, "digits", "-o", "out/model.skimgclf"]) == 2
    err = capsys.readouterr().err
    assert "cannot write in the folder out (permission denied)" in err
    assert "epoch" not in err


def test_a_long_file_name_that_fits_is_written(in_bad_files, capsys):
    # The hidden temporary name beside it is cut to fit, not the user's name.
    name = "m" * 240 + ".skimgclf"  # 249 bytes
    assert main([*TRAIN, "digits", "--limit", "200", "-o", name]) == 0
    assert (in_bad_files / name).is_file()
    assert not [p for p in os.listdir(in_bad_files) if p.endswith(".tmp")]
