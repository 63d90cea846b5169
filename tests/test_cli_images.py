"""The command line reads images with their shape (never re-derived from a row width), and every
preset works on 32x32x3 colour images as on grayscale ones."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.io
from conftest import stratified_subset
from sklearn.utils import Bunch

from skimgclf._datasource import load_data
from skimgclf.cli import build_parser, main
from skimgclf.persistence import load_model
from skimgclf.presets import MODEL_PRESETS, hog_cell_size, make_model


@pytest.fixture(scope="module")
def cifar_small(shared_data):
    """300 CIFAR-10 test images, stratified (30 per class), (n, 32, 32, 3) uint8."""
    part = shared_data / "cifar10-test-jpeg" / "cifar10_test_part01of10.npz"
    if not part.is_file():
        pytest.skip(f"{part} is absent (see shared/data/README.md)")
    with np.load(part) as npz:
        X, y = npz["X"], npz["y"]
    return stratified_subset(X, y, 300, random_state=0)


# ----------------------------------------------------------------------- natural layouts
def _X_y(*args, **kwargs):
    data = load_data(*args, **kwargs)
    return data.images, data.target


def test_every_source_gives_images_in_their_layout(tmp_path, shared_data, monkeypatch):
    X, y = _X_y("digits")
    assert X.shape == (1797, 8, 8) and X.dtype == np.uint8
    mnist = shared_data / "mnist"
    X, y = _X_y(f"idx:{mnist / 't10k-images-idx3-ubyte.gz'}:"
                f"{mnist / 't10k-labels-idx1-ubyte.gz'}")
    assert X.shape == (10000, 28, 28) and y.shape == (10000,)

    root = tmp_path / "folder"
    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        skimage.io.imsave(root / name / "a.png", np.full((6, 5, 3), 9, np.uint8),
                          check_contrast=False)
    X, y = _X_y(f"folder:{root}")
    assert X.shape == (2, 6, 5, 3) and y.tolist() == [0, 1]

    images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    fetched = Bunch(images=images, data=images.reshape(4, -1), target=np.arange(4),
                    location="test")
    # the data layer reads a registered set through the registry's loader
    monkeypatch.setattr("skimgclf.datasets._lookup.load_named", lambda key, subset, **kw: fetched)
    X, _ = _X_y("cifar10")
    assert X.shape == (4, 32, 32, 3)


def test_npz_files_with_images_or_flat_rows(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    y = np.arange(4)
    np.savez(tmp_path / "images.npz", X=images, y=y)
    np.savez(tmp_path / "flat.npz", X=images.reshape(4, -1), y=y)
    np.savez(tmp_path / "flat_shaped.npz", X=images.reshape(4, -1), y=y,
             image_shape=np.array([32, 32, 3]))
    np.savez(tmp_path / "square.npz", data=images[..., 0].reshape(4, -1), target=y)
    for name, shape in [("images.npz", None), ("flat.npz", (32, 32, 3)),
                        ("flat_shaped.npz", None), ("flat_shaped.npz", (32, 32, 3))]:
        X, _ = _X_y(str(tmp_path / name), image_shape=shape)
        np.testing.assert_array_equal(X, images)  # the same pixels in the same places
    X, _ = _X_y(str(tmp_path / "square.npz"))  # square grayscale rows are inferred
    np.testing.assert_array_equal(X, images[..., 0])


def test_load_data_does_not_copy_or_modify_the_file_arrays(tmp_path):
    images = np.arange(4 * 64, dtype=np.uint8).reshape(4, 64)
    np.savez(tmp_path / "d.npz", X=images, y=np.arange(4))
    X, _ = _X_y(str(tmp_path / "d.npz"))
    X[0, 0, 0] = 255
    again, _ = _X_y(str(tmp_path / "d.npz"))
    assert again[0, 0, 0] == 0


# --------------------------------------------------------------------------- presets
def test_hog_cells_follow_the_image_shape():
    assert hog_cell_size(28) == (7, 7) and hog_cell_size((32, 32, 3)) == (8, 8)
    assert make_model("hog-logreg", image_shape=(64, 48)).named_steps["hog"].pixels_per_cell \
        == (16, 12)
    assert make_model("hog-mlp").named_steps["hog"].pixels_per_cell == (7, 7)  # None: 28x28


@pytest.mark.parametrize("bad", [(32,), (32, 32, 3, 1), (0, 32), (32.5, 32), ("a", "b")])
def test_make_model_refuses_a_malformed_image_shape(bad):
    with pytest.raises(ValueError, match=r"image_shape must be \(H, W\) or \(H, W, C\)"):
        make_model("cnn", image_shape=bad)


@pytest.mark.parametrize("name", sorted(MODEL_PRESETS))
def test_every_preset_fits_colour_images_and_their_flat_rows(name, cifar_small):
    X, y = cifar_small[0][:100], cifar_small[1][:100]
    model = make_model(name, image_shape=(32, 32, 3), random_state=0, max_epochs=1)
    if name == "logreg" or name == "hog-logreg":
        model.set_params(clf__max_iter=20)
    model.fit(X, y)
    pred = model.predict(X)
    assert pred.shape == (100,) and set(pred) <= set(y)
    # the pipeline knows the shape, so flat rows of the same images give the same predictions
    np.testing.assert_array_equal(model.predict(X.reshape(100, -1)), pred)


# ---------------------------------------------------------------- the CLI on CIFAR-10
def _accuracy(printed):
    first = printed.strip().splitlines()[0]
    assert first.startswith("accuracy ")
    return float(first.split()[1])


def test_cli_cnn_on_cifar10_images_and_flat_rows(cifar_small, tmp_path, capsys):
    X, y = cifar_small
    np.savez(tmp_path / "images.npz", X=X, y=y)
    np.savez(tmp_path / "flat.npz", X=X.reshape(len(X), -1), y=y)
    np.savez(tmp_path / "flat_shaped.npz", X=X.reshape(len(X), -1), y=y,
             image_shape=np.array([32, 32, 3]))
    runs = {
        "images": [str(tmp_path / "images.npz")],
        "flat": [str(tmp_path / "flat.npz"), "--image-shape", "32x32x3"],
        "flat_shaped": [str(tmp_path / "flat_shaped.npz")],
    }
    accuracies = {}
    for run, data in runs.items():
        out = tmp_path / f"{run}.skimgclf"
        argv = ["train", *data, "--model", "cnn", "--max-epochs", "1", "-o", str(out), "-q"]
        assert main(argv) == 0, capsys.readouterr().err
        assert load_model(out).named_steps["clf"].image_shape_ == (32, 32, 3)
        assert main(["evaluate", str(out), *data, "-q"]) == 0, capsys.readouterr().err
        accuracies[run] = _accuracy(capsys.readouterr().out)
    assert 0 <= accuracies["images"] <= 1
    # The same pixels whatever the file layout: the same model and the same score.
    assert accuracies["flat"] == accuracies["images"] == accuracies["flat_shaped"]
    # A model trained on images scores flat rows of the same images (both are read as images).
    assert main(["evaluate", str(tmp_path / "images.skimgclf"), *runs["flat"], "-q"]) == 0
    assert _accuracy(capsys.readouterr().out) == accuracies["images"]


def test_cli_hog_on_colour_images(cifar_small, tmp_path, capsys):
    X, y = cifar_small
    np.savez(tmp_path / "images.npz", X=X, y=y)
    out = tmp_path / "hog.skimgclf"
    argv = ["train", str(tmp_path / "images.npz"), "--model", "hog-logreg", "-o", str(out),
            "-q", "--param", "clf__max_iter=50"]
    assert main(argv) == 0, capsys.readouterr().err
    hog = load_model(out).named_steps["hog"]
    assert hog.pixels_per_cell == (8, 8) and hog.image_shape_ == (32, 32, 3)


# ------------------------------------------------------------- --image-shape and --color
def test_image_shape_follows_the_image_contracts_rule(cifar_small, tmp_path, capsys):
    X, y = cifar_small
    np.savez(tmp_path / "flat.npz", X=X[:40].reshape(40, -1), y=y[:40])
    argv = ["train", str(tmp_path / "flat.npz"), "--model", "logreg", "-q", "--param",
            "clf__max_iter=5", "-o", str(tmp_path / "m.skimgclf")]
    assert main([*argv, "--image-shape", "32x32x3"]) == 0, capsys.readouterr().err
    assert load_model(tmp_path / "m.skimgclf")[0].image_shape_ == (32, 32, 3)
    # one side may be -1 (the rule of skimgclf._images.normalize_image_shape): the parser
    # passes it on; resolving it against the row width is the data layer's
    parsed = build_parser().parse_args(["train", "flat.npz", "--image-shape", "32x-1x3"])
    assert parsed.image_shape == (32, -1, 3)
    assert main([*argv, "--image-shape", "32x-1x3"]) == 0, capsys.readouterr().err
    assert load_model(tmp_path / "m.skimgclf")[0].image_shape_ == (32, 32, 3)
    assert main([*argv, "--image-shape", "5x-1x3"]) == 2  # 3072 is no multiple of 5 * 3
    assert "cannot hold: 3072 is not a multiple of 15" in capsys.readouterr().err
    for bad in ("0x32x3", "-1x-1x3", "32x32x0"):
        assert main([*argv, f"--image-shape={bad}"]) == 2  # = : argparse reads -1x as a flag
        err = capsys.readouterr().err.strip()
        assert err == (f"skimgclf train: error: --image-shape {bad}: give HxW or HxWxC with "
                       "positive sizes (one of H, W may be -1, read from the row width), e.g. "
                       "32x32x3"), err


def test_color_and_image_shape_convert_a_folder(tmp_path, capsys):
    root = tmp_path / "folder"
    rng = np.random.default_rng(0)
    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        for i in range(3):
            skimage.io.imsave(root / name / f"{i}.png",
                              rng.integers(0, 256, (12, 10, 3), dtype=np.uint8),
                              check_contrast=False)
    out = tmp_path / "m.skimgclf"
    argv = ["train", f"folder:{root}", "--model", "logreg", "-q", "--param", "clf__max_iter=5",
            "-o", str(out)]
    assert main([*argv, "--color", "gray", "--image-shape", "8x8"]) == 0, capsys.readouterr().err
    model = load_model(out)
    assert model[0].image_shape_ in ((8, 8), (8, 8, 1))
    assert model.class_names_ == ["cat", "dog"]
    assert main([*argv, "--color", "rgb"]) == 0
    assert load_model(out)[0].image_shape_ == (12, 10, 3)
    assert main([*argv, "--color", "blue"]) == 2
    assert "argument --color: invalid choice: 'blue'" in capsys.readouterr().err
