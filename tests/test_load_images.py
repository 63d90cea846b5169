"""load_images: image files, folders and globs read into what a fitted model expects."""

from __future__ import annotations

import logging
import os
import re
import shutil

import numpy as np
import pytest
import skimage.io
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.datasets import load_image_folder, load_images
from skimgclf.exceptions import InputError
from skimgclf.neural import CNNClassifier
from skimgclf.preprocessing import Normalizer, flatten_images

RNG = np.random.default_rng(0)
# the tiny models here are fitted for their shapes, not their fit
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _save(path, img):
    skimage.io.imsave(path, img, check_contrast=False)
    return str(path)


@pytest.fixture(scope="module")
def model():
    """A tiny LogisticRegression pipeline fitted on 28x28 grayscale images (the 'logreg'
    preset's steps, built here so that this test does not depend on the preset catalogue)."""
    X = RNG.integers(0, 256, size=(10, 28, 28), dtype=np.uint8)
    pipe = make_pipeline(Normalizer(), FunctionTransformer(flatten_images),
                         LogisticRegression(max_iter=50))
    return pipe.fit(X, np.arange(10) % 2)


@pytest.fixture
def mixed(tmp_path):
    """Two gray 32x32 and one RGB 20x24 PNG, plus a text file, in tmp_path/'photos'."""
    folder = tmp_path / "photos"
    folder.mkdir()
    _save(folder / "b_gray.png", RNG.integers(0, 256, (32, 32), dtype=np.uint8))
    _save(folder / "a_gray.png", RNG.integers(0, 256, (32, 32), dtype=np.uint8))
    _save(folder / "c_rgb.png", RNG.integers(0, 256, (20, 24, 3), dtype=np.uint8))
    (folder / "notes.txt").write_text("not an image: skipped in a folder")
    return folder


# --------------------------------------------------------------------------- like a model
def test_files_of_any_size_and_colour_are_classified_by_a_28x28_gray_model(model, mixed):
    found = load_images(mixed, like=model)
    assert found.images.shape == (3, 28, 28) and found.images.dtype == np.uint8
    assert [os.path.basename(f) for f in found.filenames] == ["a_gray.png", "b_gray.png",
                                                              "c_rgb.png"]
    assert found.conversions == [
        "1 of 3 images converted from RGB to grayscale (skimage.color.rgb2gray)",
        "2 of 3 images resized from 32x32 to 28x28 (skimage.transform.resize, anti-aliased)",
        "1 of 3 images resized from 20x24 to 28x28 (skimage.transform.resize, anti-aliased)",
    ]
    assert model.predict(found.images).shape == (3,)


def test_like_reads_the_shape_of_networks_searches_and_plain_estimators(mixed):
    X = RNG.integers(0, 256, size=(6, 16, 16, 3), dtype=np.uint8)
    y = np.arange(6) % 2
    net = CNNClassifier(max_epochs=1, batch_size=8, augment=None, device="cpu",
                        random_state=0).fit(X, y)
    assert load_images(mixed, like=net).images.shape == (3, 16, 16, 3)
    search = GridSearchCV(make_pipeline(Normalizer(), FunctionTransformer(flatten_images),
                                        LogisticRegression(max_iter=20)),
                          {"logisticregression__C": [1.0]}, cv=2).fit(X, y)
    assert load_images(mixed, like=search).images.shape == (3, 16, 16, 3)
    flat = LogisticRegression(max_iter=20).fit(X[..., 0].reshape(6, -1), y)  # 256 features
    found = load_images(mixed, like=flat)  # 16x16 gray, as the flat rows it was fitted on
    assert found.images.shape == (3, 256)
    assert flat.predict(found.images).shape == (3,)


def test_image_shape_and_color_override_like(model, mixed):
    assert load_images(mixed, like=model, image_shape=(8, 10)).images.shape == (3, 8, 10)
    assert load_images(mixed, like=model, color="rgb").images.shape == (3, 28, 28, 3)
    assert load_images(mixed, image_shape=(8, 8, 3)).images.shape == (3, 8, 8, 3)
    assert load_images(mixed, image_shape=[8, 8], color="gray").images.shape == (3, 8, 8)


def test_gray_to_rgb_repeats_the_gray_level_and_rgb_to_gray_is_luminance(tmp_path):
    gray = RNG.integers(0, 256, (5, 6), dtype=np.uint8)
    red = np.zeros((5, 6, 3), np.uint8)
    red[..., 0] = 255
    files = [_save(tmp_path / "g.png", gray), _save(tmp_path / "r.png", red)]
    as_rgb = load_images(files[0], color="rgb")
    np.testing.assert_array_equal(as_rgb.images[0], np.dstack([gray] * 3))
    assert as_rgb.conversions == ["1 of 1 images converted from grayscale to RGB (the gray "
                                  "level on all three channels)"]
    assert int(load_images(files[1], color="gray").images.max()) == 54  # 0.2125 * 255


# --------------------------------------------------------------------------- without a model
def test_files_as_they_are_need_one_size(mixed):
    files = sorted(str(p) for p in mixed.glob("*_gray.png"))
    same = load_images(files)
    assert same.images.shape == (2, 32, 32) and same.conversions == []
    np.testing.assert_array_equal(same.images[0], skimage.io.imread(files[0]))  # unchanged
    with pytest.raises(InputError, match=re.escape(
            f"images have different sizes ({files[0]} is 32x32, {mixed / 'c_rgb.png'} is "
            "20x24); pass image_shape=(H, W) to resize them all, or like=model")):
        load_images(mixed)


def test_a_mix_of_gray_and_colour_files_is_read_as_rgb(mixed):
    found = load_images(mixed, image_shape=(32, 32))
    assert found.images.shape == (3, 32, 32, 3)
    assert "2 of 3 images converted from grayscale to RGB (the gray level on all three " \
           "channels)" in found.conversions
    assert found.conversions[-1] == ("the files mix grayscale and colour images: all read as "
                                     "RGB (pass color='gray' for grayscale)")


# --------------------------------------------------------------------------- paths and order
def test_folder_glob_and_list_keep_the_input_order(mixed, tmp_path):
    other = _save(tmp_path / "z_first.png", np.zeros((32, 32), np.uint8))
    names = [os.path.basename(f) for f in load_images(
        [other, str(mixed / "*_gray.png"), mixed / "c_rgb.png", mixed],
        image_shape=(4, 4)).filenames]
    assert names == ["z_first.png", "a_gray.png", "b_gray.png", "c_rgb.png",  # glob sorted
                     "a_gray.png", "b_gray.png", "c_rgb.png"]  # folder sorted, .txt skipped


def test_folders_are_not_recursive_unless_asked(mixed):
    sub = mixed / "sub"
    sub.mkdir()
    _save(sub / "d.png", np.zeros((32, 32), np.uint8))
    (mixed / ".hidden.png").write_bytes(b"hidden files are not listed")
    assert len(load_images(mixed, image_shape=(4, 4)).filenames) == 3
    deep = load_images(mixed, image_shape=(4, 4), recursive=True).filenames
    assert [os.path.relpath(f, mixed) for f in deep] == ["a_gray.png", "b_gray.png",
                                                         "c_rgb.png", os.path.join("sub", "d.png")]
    assert len(load_images(str(mixed / "**" / "*.png"), image_shape=(4, 4),
                           recursive=True).filenames) == 4


# --------------------------------------------------------------------------- depths and modes
def test_16_bit_png_is_brought_to_8_bits(tmp_path):
    img16 = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1024)
    found = load_images(_save(tmp_path / "deep.png", img16))
    assert found.images.dtype == np.uint8
    np.testing.assert_array_equal(found.images[0], (img16 >> 8).astype(np.uint8))
    assert found.conversions == ["1 of 1 images converted from uint16 to uint8 "
                                 "(skimage.util.img_as_ubyte)"]


def test_float_tiff_in_0_1_is_read_and_outside_is_refused(tmp_path):
    img = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8)
    found = load_images(_save(tmp_path / "f.tif", img))
    assert found.images[0, 0, 0] == 0 and found.images[0, -1, -1] == 255
    assert found.conversions == ["1 of 1 images converted from float32 to uint8 "
                                 "(skimage.util.img_as_ubyte)"]
    _save(tmp_path / "big.tif", img * 1000)
    with pytest.raises(InputError, match=r"big\.tif .*float pixels must lie within \[0, 1\]"):
        load_images(tmp_path / "big.tif")


def test_alpha_is_dropped_when_opaque_and_composited_onto_white_otherwise(tmp_path):
    rgb = RNG.integers(0, 256, (6, 6, 3), dtype=np.uint8)
    opaque = load_images(_save(tmp_path / "o.png", np.dstack([rgb, np.full((6, 6), 255,
                                                                              np.uint8)])))
    np.testing.assert_array_equal(opaque.images[0], rgb)
    assert opaque.conversions == ["1 of 1 images: alpha channel dropped (fully opaque)"]
    # a black drawing on a transparent (black, alpha 0) background stays visible
    drawing = np.zeros((6, 6, 4), np.uint8)
    drawing[2:4, 2:4, 3] = 255
    found = load_images(_save(tmp_path / "t.png", drawing), color="gray")
    assert found.images[0, 0, 0] == 255 and found.images[0, 2, 2] == 0
    assert "1 of 1 images: alpha channel composited onto a white background" in \
        found.conversions


def test_gray_with_alpha_and_palette_files(tmp_path):
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    Image.fromarray(gray).convert("LA").save(tmp_path / "la.png")
    Image.fromarray(np.dstack([gray] * 3)).convert("P", palette=Image.ADAPTIVE).save(
        tmp_path / "p.png")
    la = load_images(tmp_path / "la.png")
    assert la.images.shape == (1, 8, 8)
    np.testing.assert_array_equal(la.images[0], gray)
    palette = load_images(tmp_path / "p.png", color="gray")  # palette files arrive as RGB
    assert palette.images.shape == (1, 8, 8)
    assert np.abs(palette.images[0].astype(int) - gray).max() <= 1


def test_gif_gives_its_first_frame_and_jpeg_bmp_are_read(tmp_path):
    a = np.zeros((8, 8), np.uint8)
    frames = [Image.fromarray(a), Image.fromarray(a + 200)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    Image.fromarray(a).save(tmp_path / "b.bmp")
    Image.fromarray(a).save(tmp_path / "c.jpg")
    found = load_images(tmp_path, color="gray")
    assert found.images.shape == (3, 8, 8) and int(found.images.max()) == 0


def test_the_folder_loader_reads_through_the_same_code(mixed, tmp_path):
    root = tmp_path / "classes"
    (root / "x").mkdir(parents=True)
    (root / "y").mkdir()
    for f in mixed.glob("*.png"):
        shutil.copy(f, root / ("x" if "gray" in f.name else "y") / f.name)
    folder = load_image_folder(root, image_shape=(28, 28), color="gray")
    files = load_images([root / "x", root / "y"], image_shape=(28, 28), color="gray")
    np.testing.assert_array_equal(folder.images, files.images)
    assert folder.conversions == files.conversions


# --------------------------------------------------------------------------- reporting
def test_conversions_are_logged_not_warned(mixed, model, caplog, recwarn):
    with caplog.at_level(logging.INFO, logger="skimgclf.datasets"):
        found = load_images(mixed, like=model)
    assert [r.getMessage() for r in caplog.records] == found.conversions
    assert not [w for w in recwarn if "converted" in str(w.message)]


def test_the_files_are_not_modified(mixed, model):
    before = {f: f.read_bytes() for f in mixed.iterdir()}
    load_images(mixed, like=model)
    assert {f: f.read_bytes() for f in mixed.iterdir()} == before


# --------------------------------------------------------------------------- errors
def test_missing_paths_and_patterns_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no such file or folder: .*nope\.png"):
        load_images(tmp_path / "nope.png")
    with pytest.raises(FileNotFoundError, match=r"no file matches the pattern .*\*\.jpg"):
        load_images(str(tmp_path / "*.jpg"))
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(InputError, match=r"the pattern .*\*\.txt matches 1 path\(s\), but no "
                                         "image file"):
        load_images(str(tmp_path / "*.txt"))
    with pytest.raises(InputError, match=r"folder .* holds no image files \([^)]*\)$"):
        load_images(tmp_path)
    (tmp_path / "sub").mkdir()
    skimage.io.imsave(tmp_path / "sub" / "x.png", np.zeros((4, 4), np.uint8),
                      check_contrast=False)
    with pytest.raises(InputError, match="its sub-folders hold some: read them with "
                                         r"recursive=True \(skimgclf predict -r\)"):
        load_images(tmp_path)
    assert load_images(tmp_path, recursive=True).images.shape == (1, 4, 4)
    (tmp_path / "sub" / "empty.png").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.png \(an empty file\)"):
        load_images(tmp_path / "sub")
    with pytest.raises(InputError, match="paths is empty"):
        load_images([])
    with pytest.raises(InputError, match="item 1 of the list is 3"):
        load_images([tmp_path / "a.txt", 3])


def test_unreadable_files_are_named(mixed):
    (mixed / "broken.png").write_bytes(b"\x89PNG not really")
    named = mixed / "notes.txt"
    with pytest.raises(InputError, match=r"2 file\(s\) could not be read as images: "
                                         r".*broken\.png .*; .*notes\.txt"):
        load_images([mixed / "broken.png", mixed / "a_gray.png", named])


def test_bad_color_and_image_shape(mixed):
    with pytest.raises(InvalidParameterError, match="'color' parameter of load_images"):
        load_images(mixed, color="hsv")
    for bad in [(0, 4), (28,), (28.5, 28), (True, 4)]:
        with pytest.raises(InputError, match=r"image_shape must be \(H, W\) with two positive "
                                             "ints"):
            load_images(mixed, image_shape=bad)
    with pytest.raises(InputError, match=r"C = 1 \(grayscale\) or 3 \(RGB\)"):
        load_images(mixed, image_shape=(8, 8, 4))
    with pytest.raises(InputError, match="asks for 3 channel.*color='gray'; drop one"):
        load_images(mixed, image_shape=(8, 8, 3), color="gray")


def test_like_must_be_a_fitted_image_model(mixed):
    with pytest.raises(InputError, match=r"like=Pipeline\(\.\.\.\) is not fitted"):
        load_images(mixed, like=make_pipeline(Normalizer(), LogisticRegression()))
    with pytest.raises(InputError, match=r"like=CNNClassifier\(\.\.\.\) is not fitted"):
        load_images(mixed, like=CNNClassifier())
    flat = LogisticRegression(max_iter=20).fit(np.zeros((4, 10)), [0, 1, 0, 1])
    with pytest.raises(InputError, match="expects 10 features per sample, which is not a "
                                         "square grayscale image"):
        load_images(mixed, like=flat)
    with pytest.raises(InvalidParameterError, match="'like' parameter of load_images"):
        load_images(mixed, like="model.skops")
    two = Normalizer(mode="channel").fit(np.zeros((2, 4, 4, 2)))
    with pytest.raises(InputError, match="expects images of 4x4x2; load_images gives 1"):
        load_images(mixed, like=two)


def test_a_very_long_strip_is_resized_by_blocks_first(tmp_path):
    # Anti-aliasing a 1x200000 strip to 28x28 alone took minutes (its cost grows with the
    # square of the shrink); block means bring it near the size first.
    strip = (np.arange(200_000) % 256).astype(np.uint8)[np.newaxis]
    Image.fromarray(strip).save(tmp_path / "strip.png")
    images = load_images(tmp_path / "strip.png", image_shape=(28, 28)).images
    assert images.shape == (1, 28, 28) and images.dtype == np.uint8
    assert abs(float(images.mean()) - float(strip.mean())) < 8  # the ramp's mean survives


def test_a_file_announcing_more_pixels_than_allowed_is_named(tmp_path, monkeypatch):
    # Pillow refuses such PNGs itself, tifffile decodes whatever a TIFF header announces.
    from skimgclf.datasets import _read_images

    monkeypatch.setattr(_read_images, "_MAX_PIXELS", 100)
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(tmp_path / "big.tif")
    with pytest.raises(InputError, match=r"big.tif \(InputError: it announces 20x20 pixels, "
                                         r"more than the 100 an image may hold"):
        load_images(tmp_path / "big.tif")


def test_a_recursive_glob_does_not_follow_links_to_folders(mixed):
    # glob follows them: 'self -> .' and 'up -> ..' made ** walk the same folders until the
    # paths grew too long (minutes, gigabytes); each folder is now walked once.
    sub = mixed / "sub"
    sub.mkdir()
    _save(sub / "d.png", np.zeros((32, 32), np.uint8))
    os.symlink(".", sub / "self")
    os.symlink("..", sub / "up")
    found = load_images(str(mixed / "**" / "*.png"), image_shape=(4, 4), recursive=True)
    assert sorted(os.path.relpath(f, mixed) for f in found.filenames) == [
        "a_gray.png", "b_gray.png", "c_rgb.png", os.path.join("sub", "d.png")]
