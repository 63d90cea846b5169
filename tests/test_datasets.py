"""Loaders against the real files in ../shared/data; image folders; make_modified_mnist."""

from __future__ import annotations

import contextlib
import gzip
import re
import signal
import struct

import numpy as np
import pytest
import skimage.io

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.datasets import (
    get_data_home,
    load_cifar10_npz,
    load_digits_images,
    load_idx,
    load_image_folder,
    load_olivetti_faces,
    make_modified_mnist,
)
from skimgclf.exceptions import InputError

# The published class counts of MNIST (LeCun et al.).
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# --------------------------------------------------------------------------- real files
def test_load_idx_mnist_parts_and_labels(shared_data):
    d = shared_data / "mnist"
    parts = sorted(d.glob("train-images-idx3-ubyte.part*of06.gz"))
    assert len(parts) == 6
    X = load_idx(parts)
    y = load_idx(d / "train-labels-idx1-ubyte.gz")
    assert X.shape == (60000, 28, 28) and X.dtype == np.uint8 and y.dtype == np.uint8
    assert np.bincount(y).tolist() == MNIST_TRAIN_COUNTS
    assert X.min() == 0 and X.max() == 255
    np.testing.assert_array_equal(X[10000:20000], load_idx(parts[1]))  # parts in order
    Xt, yt = load_idx(d / "t10k-images-idx3-ubyte.gz"), load_idx(d / "t10k-labels-idx1-ubyte.gz")
    assert Xt.shape == (10000, 28, 28) and np.bincount(yt).tolist() == MNIST_TEST_COUNTS


def test_load_idx_fashion_mnist_parts(shared_data):
    d = shared_data / "fashion-mnist"
    X = load_idx(sorted(d.glob("train-images-idx3-ubyte.part*of12.gz")))
    y = load_idx(d / "train-labels-idx1-ubyte.gz")
    Xt = load_idx(sorted(d.glob("t10k-images-idx3-ubyte.part*of02.gz")))
    yt = load_idx(d / "t10k-labels-idx1-ubyte.gz")
    assert X.shape == (60000, 28, 28) and Xt.shape == (10000, 28, 28)
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(yt).tolist() == [1000] * 10


def test_load_cifar10_npz_parts(shared_data):
    parts = sorted((shared_data / "cifar10-test-jpeg").glob("cifar10_test_part*of10.npz"))
    b = load_cifar10_npz(parts)
    assert b.images.shape == (10000, 32, 32, 3) and b.images.dtype == np.uint8
    assert b.data.shape == (10000, 3072) and b.target.dtype == np.int64
    assert np.bincount(b.target).tolist() == [1000] * 10
    assert list(b.target_names) == ["airplane", "automobile", "bird", "cat", "deer", "dog",
                                    "frog", "horse", "ship", "truck"]
    X, y = load_cifar10_npz(parts[3], return_X_y=True)
    np.testing.assert_array_equal(X, b.data[3000:4000])
    assert np.bincount(y).tolist() == [100] * 10


def test_load_olivetti_faces_upright(shared_data):
    faces = load_olivetti_faces(shared_data / "olivetti-faces" / "olivettifaces.mat")
    assert faces.images.shape == (400, 64, 64) and faces.images.dtype == np.uint8
    assert faces.data.shape == (400, 4096)
    assert np.bincount(faces.target).tolist() == [10] * 40 and len(faces.target_names) == 40
    # Upright faces are nearly mirror-symmetric left-right, not top-bottom.
    mean = faces.images.astype(float).mean(axis=0)
    lr = np.corrcoef(mean.ravel(), mean[:, ::-1].ravel())[0, 1]
    ud = np.corrcoef(mean.ravel(), mean[::-1, :].ravel())[0, 1]
    assert lr > 0.9 and lr > ud + 0.2
    # Not upside down: the eyes (the darkest rows of the mean face) are in the upper half,
    # below a brighter forehead.
    rows = mean[:, 16:48].mean(axis=1)
    assert 10 <= int(np.argmin(rows[:40])) <= 22
    assert rows[:6].mean() > rows[13:18].mean() + 20


# --------------------------------------------------------------------------- load_idx errors
@pytest.fixture
def mnist_test_labels(shared_data, tmp_path):
    src = shared_data / "mnist" / "t10k-labels-idx1-ubyte.gz"
    return src, src.read_bytes()


def test_load_idx_truncated_gzip_names_the_file(mnist_test_labels, tmp_path):
    _, raw = mnist_test_labels
    p = tmp_path / "t10k-labels-idx1-ubyte.gz"
    p.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz is truncated"):
        load_idx(p)


def test_load_idx_corrupt_gzip_names_the_file(mnist_test_labels, tmp_path):
    _, raw = mnist_test_labels
    damaged = bytearray(raw)
    for i in range(200, 260):
        damaged[i] ^= 0x5A
    p = tmp_path / "damaged.gz"
    p.write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match=r"damaged\.gz is (a corrupt gzip file|truncated)"):
        load_idx(p)
    p2 = tmp_path / "plain.gz"
    p2.write_bytes(gzip.decompress(raw))  # a .gz name on an uncompressed file
    with pytest.raises(ValueError, match=r"plain\.gz is not a gzip file"):
        load_idx(p2)


def test_load_idx_validates_header_and_length(tmp_path):
    good = struct.pack(">iIII", 2051, 2, 3, 4) + bytes(24)
    (tmp_path / "ok.idx").write_bytes(good)
    assert load_idx(tmp_path / "ok.idx").shape == (2, 3, 4)
    (tmp_path / "short.idx").write_bytes(good[:-1])
    with pytest.raises(ValueError, match=r"short\.idx is truncated.*\(2, 3, 4\)"):
        load_idx(tmp_path / "short.idx")
    (tmp_path / "long.idx").write_bytes(good + b"\x00")
    with pytest.raises(ValueError, match=r"long\.idx is corrupt \(it has trailing bytes\)"):
        load_idx(tmp_path / "long.idx")
    (tmp_path / "magic.idx").write_bytes(struct.pack(">iI", 1234567, 1) + b"\x00")
    with pytest.raises(ValueError, match=r"magic\.idx has magic number 1234567"):
        load_idx(tmp_path / "magic.idx")
    (tmp_path / "hdr.idx").write_bytes(struct.pack(">iI", 2051, 2))
    with pytest.raises(ValueError, match=r"hdr\.idx is truncated: its header announces 3"):
        load_idx(tmp_path / "hdr.idx")
    with pytest.raises(FileNotFoundError, match="missing.idx"):
        load_idx(tmp_path / "missing.idx")
    with pytest.raises(ValueError, match="at least one file"):
        load_idx([])


def test_load_idx_other_element_types_and_mixed_parts(tmp_path):
    values = np.array([[1, -2], [300, 4]], dtype=">i4")
    (tmp_path / "int.idx").write_bytes(struct.pack(">HBBII", 0, 0x0C, 2, 2, 2) + values.tobytes())
    out = load_idx(tmp_path / "int.idx")
    np.testing.assert_array_equal(out, [[1, -2], [300, 4]])
    assert out.dtype == np.dtype("int32")
    (tmp_path / "img.idx").write_bytes(struct.pack(">iIII", 2051, 1, 2, 2) + bytes(4))
    with pytest.raises(ValueError, match="disagree on element type or item shape"):
        load_idx([tmp_path / "img.idx", tmp_path / "int.idx"])


# --------------------------------------------------------------------------- image folders
@pytest.fixture(scope="module")
def cifar_part(shared_data):
    return load_cifar10_npz(shared_data / "cifar10-test-jpeg" / "cifar10_test_part01of10.npz")


def _write_folder(root, images, labels, names, ext=".png"):
    for i, (img, lab) in enumerate(zip(images, labels, strict=True)):
        folder = root / names[lab]
        folder.mkdir(parents=True, exist_ok=True)
        skimage.io.imsave(folder / f"img{i:03d}{ext}", img, check_contrast=False)


def test_load_image_folder_rgb_roundtrip(cifar_part, tmp_path):
    pick = np.concatenate([np.flatnonzero(cifar_part.target == c)[:3] for c in (9, 0, 3)])
    images, labels = cifar_part.images[pick], cifar_part.target[pick]
    _write_folder(tmp_path, images, labels, cifar_part.target_names)
    (tmp_path / "cat" / "notes.txt").write_text("not an image, ignored")
    b = load_image_folder(tmp_path)
    assert list(b.target_names) == ["airplane", "cat", "truck"]  # sorted
    assert b.images.shape == (9, 32, 32, 3) and b.images.dtype == np.uint8
    assert b.data.shape == (9, 3072) and len(b.filenames) == 9
    for img, t, fname in zip(b.images, b.target, b.filenames, strict=True):
        i = int(fname[-7:-4])  # the writer's index
        np.testing.assert_array_equal(img, images[i])  # PNG is lossless
        assert b.target_names[t] == cifar_part.target_names[labels[i]]
        assert f"/{b.target_names[t]}/" in fname


def test_load_image_folder_faces_gray_and_resize(shared_data, tmp_path):
    faces = load_olivetti_faces(shared_data / "olivetti-faces" / "olivettifaces.mat")
    keep = faces.target < 3
    _write_folder(tmp_path, faces.images[keep], faces.target[keep],
                  [f"person{i:02d}" for i in range(40)])
    b = load_image_folder(tmp_path, color="gray")
    np.testing.assert_array_equal(b.images, faces.images[keep])
    np.testing.assert_array_equal(b.target, faces.target[keep])
    small = load_image_folder(tmp_path, image_shape=(32, 24), color="rgb")
    assert small.images.shape == (30, 32, 24, 3)
    # A grayscale file read as RGB has three equal channels.
    np.testing.assert_array_equal(small.images[..., 0], small.images[..., 2])
    assert abs(small.images.mean() - faces.images[keep].mean()) < 2


def test_load_image_folder_mixed_modes_and_sizes(cifar_part, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    rgb = cifar_part.images[0]
    skimage.io.imsave(tmp_path / "a" / "rgb.png", rgb, check_contrast=False)
    rgba = np.dstack([rgb, np.full((32, 32), 255, np.uint8)])
    skimage.io.imsave(tmp_path / "b" / "rgba.png", rgba, check_contrast=False)
    skimage.io.imsave(tmp_path / "b" / "big.jpg", np.repeat(np.repeat(rgb, 2, 0), 2, 1),
                      check_contrast=False)
    with pytest.raises(ValueError, match=r"different sizes.*pass image_shape"):
        load_image_folder(tmp_path)
    b = load_image_folder(tmp_path, image_shape=(32, 32))
    assert b.images.shape == (3, 32, 32, 3)
    np.testing.assert_array_equal(b.images[b.filenames.tolist().index(
        str(tmp_path / "b" / "rgba.png"))], rgb)  # alpha dropped
    gray = load_image_folder(tmp_path, image_shape=(16, 16), color="gray")
    assert gray.images.shape == (3, 16, 16)


def test_load_image_folder_keeps_grayscale_files_grayscale(tmp_path):
    """color=None (the default) gives what the files are: a folder of grayscale PNGs gives
    (n, H, W), so a model trained on it takes MNIST; a mix of gray and colour files gives RGB,
    and says so."""
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    _write_folder(tmp_path, gray, [0, 0, 1, 1], ["a", "b"])
    b = load_image_folder(tmp_path)
    np.testing.assert_array_equal(b.images, gray)
    assert b.data.shape == (4, 784) and b.conversions == []
    assert load_image_folder(tmp_path, color="rgb").images.shape == (4, 28, 28, 3)
    skimage.io.imsave(tmp_path / "b" / "colour.png", rng.integers(0, 256, (28, 28, 3),
                                                                  dtype=np.uint8),
                      check_contrast=False)
    mixed = load_image_folder(tmp_path)
    assert mixed.images.shape == (5, 28, 28, 3)
    assert mixed.conversions == [
        "4 of 5 images converted from grayscale to RGB (the gray level on all three channels)",
        "the files mix grayscale and colour images: all read as RGB (pass color='gray' for "
        "grayscale)"]


def test_load_image_folder_resizes_mixed_sizes_to_image_shape(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    skimage.io.imsave(tmp_path / "a" / "small.png", np.zeros((20, 24), np.uint8),
                      check_contrast=False)
    skimage.io.imsave(tmp_path / "b" / "big.png", np.full((32, 32), 255, np.uint8),
                      check_contrast=False)
    with pytest.raises(ValueError, match=r"different sizes \(.*small\.png is 20x24, .*big\.png "
                                         r"is 32x32\); pass image_shape=\(H, W\)"):
        load_image_folder(tmp_path)
    b = load_image_folder(tmp_path, image_shape=(28, 28))
    assert b.images.shape == (2, 28, 28) and b.images[1].min() == 255
    assert b.conversions == [
        "1 of 2 images resized from 20x24 to 28x28 (skimage.transform.resize, anti-aliased)",
        "1 of 2 images resized from 32x32 to 28x28 (skimage.transform.resize, anti-aliased)"]


def test_load_image_folder_names_unreadable_files(cifar_part, tmp_path):
    _write_folder(tmp_path, cifar_part.images[:2], [0, 1], ["x", "y"])
    (tmp_path / "x" / "broken.png").write_bytes(b"\x89PNG not really")
    (tmp_path / "y" / "empty.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match=r"2 file\(s\) could not be read.*broken\.png.*empty\.jpg"):
        load_image_folder(tmp_path)


def test_load_image_folder_argument_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="image folder not found"):
        load_image_folder(tmp_path / "nope")
    with pytest.raises(ValueError, match="no sub-folders"):
        load_image_folder(tmp_path)
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ValueError, match="no image files"):
        load_image_folder(tmp_path)
    with pytest.raises(ValueError, match="'color' parameter of load_image_folder must be a str "
                       "among .*'gray'.* Got 'hsv'"):
        load_image_folder(tmp_path, color="hsv")
    with pytest.raises(ValueError, match="image_shape must be"):
        load_image_folder(tmp_path, image_shape=(0, 4))


# --------------------------------------------------------------------------- make_modified_mnist
@pytest.fixture(scope="module")
def mnist_digits(shared_data):
    d = shared_data / "mnist"
    return (load_idx(d / "t10k-images-idx3-ubyte.gz")[:2000],
            load_idx(d / "t10k-labels-idx1-ubyte.gz")[:2000])


def _bbox(mask):
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return (rows[0], cols[0], rows[-1] + 1, cols[-1] + 1)


def test_modified_mnist_is_deterministic(mnist_digits):
    a = make_modified_mnist(20, digits=mnist_digits, random_state=3, return_metadata=True)
    b = make_modified_mnist(20, digits=mnist_digits, random_state=3, return_metadata=True)
    c = make_modified_mnist(20, digits=mnist_digits, random_state=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    for digits_a, digits_b in zip(a[2], b[2], strict=True):
        for da, db in zip(digits_a, digits_b, strict=True):
            np.testing.assert_array_equal(da.pop("mask"), db.pop("mask"))
            assert da == db
    assert not np.array_equal(a[0], c[0])


def test_modified_mnist_min_gap_and_scale_ratio(mnist_digits):
    from scipy import ndimage

    X, y, meta = make_modified_mnist(60, digits=mnist_digits, min_gap=3, min_scale_ratio=1.2,
                                     random_state=0, return_metadata=True)
    for x, digits in zip(X, meta, strict=True):
        scales = sorted(d["scale"] for d in digits)
        assert scales[-1] >= 1.2 * scales[-2]
        # every digit alone on a canvas; grown by 3 pixels they still touch no other digit
        canvases = []
        for d in digits:
            canvas = np.zeros(x.shape, dtype=bool)
            r0, c0, r1, c1 = d["bbox"]
            canvas[r0:r1, c0:c1] = d["mask"]
            canvases.append(canvas)
        assert np.array_equal(np.logical_or.reduce(canvases), x == 255)
        for i, a in enumerate(canvases):
            grown = ndimage.binary_dilation(a, np.ones((7, 7), dtype=bool))
            assert not any((grown & b).any() for b in canvases[i + 1:])
    with pytest.raises(ValueError, match="min_scale_ratio=2.0 must be >= 1 and leave room"):
        make_modified_mnist(2, min_scale_ratio=2.0, scale_range=(0.7, 1.2))


def test_modified_mnist_label_pixels_and_metadata(mnist_digits):
    images, labels = mnist_digits
    X, y, meta = make_modified_mnist(200, digits=mnist_digits, random_state=0,
                                     return_metadata=True)
    assert X.shape == (200, 64, 64) and X.dtype == np.uint8 and y.dtype == np.int64
    assert {len(m) for m in meta} == {2, 3}
    for x, label, digits in zip(X, y, meta, strict=True):
        scales = [d["scale"] for d in digits]
        best = digits[int(np.argmax(scales))]
        assert label == best["label"] and best["largest"]
        assert sum(d["largest"] for d in digits) == 1 and scales.count(max(scales)) == 1
        on = x == 255
        covered = np.zeros_like(on)
        for d in digits:
            assert d["label"] == labels[d["index"]]
            assert 0.4 <= d["scale"] <= 1.2 and -45 <= d["angle"] <= 45
            r0, c0, r1, c1 = d["bbox"]
            assert 0 <= r0 < r1 <= 64 and 0 <= c0 < c1 <= 64
            box = on[r0:r1, c0:c1]
            # The box is tight: its border rows and columns each hold digit pixels.
            assert box[0].any() and box[-1].any() and box[:, 0].any() and box[:, -1].any()
            assert box.sum() >= d["n_pixels"] > 0
            covered[r0:r1, c0:c1] = True
        assert not (on & ~covered).any()  # every 255 pixel belongs to a digit's box
        assert on.sum() <= sum(d["n_pixels"] for d in digits)
    assert np.bincount(y, minlength=10).min() > 5  # every digit appears as a label


def test_modified_mnist_single_digit_exact_pixels(mnist_digits):
    # digit_value=0 with a uniform background: any 0 outside the digit would be an error.
    X, y, meta = make_modified_mnist(60, digits=mnist_digits, n_digits=1, digit_value=0,
                                     scale_range=(0.5, 1.0), random_state=1,
                                     return_metadata=True)
    for x, label, (d,) in zip(X, y, meta, strict=True):
        on = x == 0
        assert on.sum() == d["n_pixels"] and _bbox(on) == d["bbox"] and label == d["label"]
    background = X[X != 0]
    assert background.min() == 1 and background.max() == 255  # 1-255: all but digit_value


def test_modified_mnist_scale_sets_the_digit_size(mnist_digits):
    image = mnist_digits[0][:1], mnist_digits[1][:1]
    _, _, small = make_modified_mnist(1, digits=image, n_digits=1, scale_range=(0.5, 0.5),
                                      rotation_range=(0, 0), random_state=0, return_metadata=True)
    _, _, big = make_modified_mnist(1, digits=image, n_digits=1, scale_range=(1.0, 1.0),
                                    rotation_range=(0, 0), random_state=0, return_metadata=True)
    h_small = small[0][0]["bbox"][2] - small[0][0]["bbox"][0]
    h_big = big[0][0]["bbox"][2] - big[0][0]["bbox"][0]
    assert abs(h_big - 2 * h_small) <= 2
    assert abs(big[0][0]["n_pixels"] / small[0][0]["n_pixels"] - 4) < 1


def test_modified_mnist_backgrounds_and_defaults():
    X, y = make_modified_mnist(10, random_state=0)  # embedded digits
    assert X.shape == (10, 64, 64) and set(np.unique(y)) <= set(range(10))
    Xc, _ = make_modified_mnist(5, background=17, image_size=48, random_state=0)
    assert set(np.unique(Xc)) == {17, 255}
    Xs, _ = make_modified_mnist(5, background="smooth", digit_value=128, random_state=0)
    assert (Xs == 128).any()
    flat_8x8 = np.arange(2 * 64).reshape(2, 64) + 1  # flat square rows are accepted
    Xf, yf = make_modified_mnist(2, digits=(flat_8x8, [4, 5]), n_digits=1, random_state=0)
    assert Xf.shape == (2, 64, 64) and set(yf) <= {4, 5}


def test_modified_mnist_argument_errors(mnist_digits):
    with pytest.raises(ValueError, match="raise image_size"):
        make_modified_mnist(2, digits=mnist_digits, image_size=20, random_state=0)
    with pytest.raises(ValueError, match="differ from digit_value"):
        make_modified_mnist(2, background=255)
    with pytest.raises(ValueError, match="'background' parameter of make_modified_mnist must be a "
                       r"str among .* or an int in the range \[0, 255\]"):
        make_modified_mnist(2, background="plaid")
    with pytest.raises(ValueError, match="n_digits"):
        make_modified_mnist(2, n_digits=(3, 2))
    with pytest.raises(ValueError, match="scale_range"):
        make_modified_mnist(2, scale_range=(0, 1))
    with pytest.raises(ValueError, match="digit_value"):
        make_modified_mnist(2, digit_value=256)
    with pytest.raises(ValueError, match="blank"):
        make_modified_mnist(2, digits=(np.zeros((3, 28, 28)), [1, 2, 3]))
    with pytest.raises(ValueError, match="as many"):
        make_modified_mnist(2, digits=(mnist_digits[0][:3], [1, 2]))


def test_a_gzip_idx_is_inflated_no_further_than_its_header_announces(tmp_path):
    # 64 MB of zeros after a 1x28x28 header, deflated to ~64 KB: the reader stops a byte past
    # the announced data instead of inflating it all (a bomb of any size costs the same).
    path = tmp_path / "bomb-images-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">HBB", 0, 8, 3) + struct.pack(">III", 1, 28, 28))
        for _ in range(64):
            f.write(bytes(2**20))
    with pytest.raises(ValueError, match=r"is corrupt \(it has trailing bytes\): its header "
                                         r"announces shape \(1, 28, 28\) \(784 bytes of data\), "
                                         r"the file holds more"):
        load_idx(str(path))


@contextlib.contextmanager
def _fails_instead_of_hanging(seconds=300):
    """Turn an endless loop in the body into a failure after ``seconds`` (where SIGALRM exists).

    A hang guard, not a speed check: the bodies below end in about 2 s on a quiet 2-core
    machine, so 300 s leaves a busy one a hundred times that."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: an endless loop")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("n_digits", [2, (1, 2)])
def test_modified_mnist_refuses_a_zero_width_scale_range_for_several_digits(n_digits):
    # Equal scales give no unique largest digit: the tie redraw used to loop forever.
    with _fails_instead_of_hanging(), pytest.raises(
        InputError, match=r"scale_range=\(1\.0, 1\.0\) has zero width, but n_digits=.* widen "
        r"scale_range \(low < high\) or pass n_digits=1"
    ):
        make_modified_mnist(1, scale_range=(1.0, 1.0), n_digits=n_digits, random_state=0)
    # One digit per image needs no largest: the same range is fine there.
    X, y = make_modified_mnist(2, scale_range=(1.0, 1.0), n_digits=1, random_state=0)
    assert X.shape == (2, 64, 64) and y.shape == (2,)


def test_modified_mnist_bounds_the_redraws_of_tied_scales():
    # Two floats wide: 40 digits all but never get a unique largest scale.
    narrow = (1.0, float(np.nextafter(1.0, 2.0)))
    with _fails_instead_of_hanging(), pytest.raises(
        InputError, match=r"gave 40 digits no unique largest scale in \d+ draws.* widen "
        r"scale_range or lower n_digits"
    ):
        make_modified_mnist(1, scale_range=narrow, n_digits=40, image_size=400, random_state=0)
    # With 3 digits such a range does give unique largest scales, and the labels follow them.
    X, y, meta = make_modified_mnist(5, scale_range=narrow, n_digits=3, random_state=0,
                                     return_metadata=True)
    for label, digits in zip(y, meta, strict=True):
        scales = [d["scale"] for d in digits]
        assert scales.count(max(scales)) == 1
        assert label == digits[int(np.argmax(scales))]["label"]


def test_modified_mnist_gives_up_on_digits_that_never_fit_min_gap_apart():
    # Three digits of ~25 pixels cannot be 5 pixels apart in 36x36: placement used to retry
    # forever.
    with _fails_instead_of_hanging(), pytest.raises(
        InputError, match=r"could not place the digits of image 0 min_gap=5 pixels apart in "
        r"image_size=36 .*raise image_size, lower scale_range .*lower min_gap .*lower n_digits"
    ):
        make_modified_mnist(1, image_size=36, n_digits=3, scale_range=(0.9, 1.0), min_gap=5,
                            random_state=0)


_EIGHT = np.ones((3, 8, 8))  # three source images for the label checks
_RULE = r".*; digits=\(images, labels\) needs labels that are integers >= 0"
BAD_DIGIT_LABELS = {
    "fractional floats": ([5.7, 3.7, 2.7], r"digits\[1\] holds values that are not class "
                          r"labels \(digits\[1\]\[0\] = 5\.7\)" + _RULE),
    "strs": (np.array(["5", "3", "2"]), r"digits\[1\] holds str labels \(digits\[1\]\[0\] = "
             r"'5'\)" + _RULE),
    "NaN": ([5.0, np.nan, 2.0], r"digits\[1\] holds 1 missing label\(s\) \(NaN or None\) at "
            r"index \[1\]; drop those samples or fill in their labels"),
    "uint64 near 2**64": (np.array([5, 3, 2**64 - 1], dtype=np.uint64),
                          r"digits\[1\] holds 1 label\(s\) that are not integers in "
                          r"0\.\.2\*\*63-1 \(digits\[1\]\[2\] = 18446744073709551615\)"
                          + _RULE),
    "negative": ([5, -3, 2], r"not integers in 0\.\.2\*\*63-1 \(digits\[1\]\[1\] = -3\)"
                 + _RULE),
    "float 2**63": ([5.0, 3.0, 2.0**63], r"not integers in 0\.\.2\*\*63-1" + _RULE),
    "bools": ([True, False, True], r"digits\[1\] holds bool labels" + _RULE),
}


@pytest.mark.parametrize("labels, match", BAD_DIGIT_LABELS.values(), ids=BAD_DIGIT_LABELS)
def test_modified_mnist_refuses_source_labels_that_are_not_class_integers(labels, match):
    with pytest.raises(InputError, match=match):
        make_modified_mnist(2, digits=(_EIGHT, labels), n_digits=1, random_state=0)


def test_modified_mnist_takes_integral_float_labels_as_ints(mnist_digits):
    images, labels = mnist_digits[0][:50], mnist_digits[1][:50]
    X, y = make_modified_mnist(10, digits=(images, labels), random_state=0)
    Xf, yf = make_modified_mnist(10, digits=(images, labels.astype(np.float64)), random_state=0)
    np.testing.assert_array_equal(Xf, X)
    np.testing.assert_array_equal(yf, y)
    assert yf.dtype == np.int64


@pytest.mark.parametrize("images, match", [
    (np.ones((3, 0, 5)), r"digit images of shape 0x5 have no pixels; pass images of at least "
                         r"1x1"),
    (np.ones((3, 0)), r"digit images of shape 0x0 have no pixels"),
    (np.ones((3, 10)), r"digit images given as flat rows must be square: rows of 10 values are "
                       r"not; pass \(n, H, W\) images"),
], ids=["(3, 0, 5)", "flat rows of 0", "flat rows of 10"])
def test_modified_mnist_refuses_source_images_without_a_square_of_pixels(images, match):
    with pytest.raises(InputError, match=match):
        make_modified_mnist(2, digits=(images, [1, 2, 3]), n_digits=1, random_state=0)


# --------------------------------------------------------------------------- bad arguments
# Each case: the call, the error type, and the words the message must hold. None of them needs
# the real data.
BAD_CALLS = {
    "n_samples=0": (lambda: make_modified_mnist(0), InvalidParameterError,
                    r"'n_samples' parameter of make_modified_mnist must be an int in the range "
                    r"\[1, inf\)\. Got 0"),
    "n_samples=2.5": (lambda: make_modified_mnist(2.5), InvalidParameterError,
                      r"'n_samples' parameter .* Got 2\.5"),
    "image_size=-1": (lambda: make_modified_mnist(2, image_size=-1), InvalidParameterError,
                      r"'image_size' parameter of make_modified_mnist"),
    "digit_value=256": (lambda: make_modified_mnist(2, digit_value=256), InvalidParameterError,
                        r"'digit_value' parameter of make_modified_mnist must be an int in the "
                        r"range \[0, 255\]"),
    "min_gap=-1": (lambda: make_modified_mnist(2, min_gap=-1), InvalidParameterError,
                   r"'min_gap' parameter of make_modified_mnist must be an int in the range "
                   r"\[0, inf\) or None"),
    "min_scale_ratio=0.5": (lambda: make_modified_mnist(2, min_scale_ratio=0.5),
                            InvalidParameterError, r"'min_scale_ratio' parameter"),
    "n_digits=0": (lambda: make_modified_mnist(2, n_digits=0), InvalidParameterError,
                   r"'n_digits' parameter of make_modified_mnist"),
    "n_digits=(1.5, 2)": (lambda: make_modified_mnist(2, n_digits=(1.5, 2)), ValueError,
                          r"n_digits must be an int >= 1 or a \(min, max\) pair of ints >= 1"),
    "n_digits=(3, 2)": (lambda: make_modified_mnist(2, n_digits=(3, 2)), ValueError,
                        r"n_digits=\(min, max\) needs min <= max"),
    "scale_range=(0.5,)": (lambda: make_modified_mnist(2, scale_range=(0.5,)), ValueError,
                           r"scale_range must be a \(low, high\) pair of numbers"),
    "scale_range=('a', 1)": (lambda: make_modified_mnist(2, scale_range=("a", 1)), ValueError,
                             r"scale_range must be a \(low, high\) pair of numbers"),
    "scale_range=(0, 1)": (lambda: make_modified_mnist(2, scale_range=(0, 1)), ValueError,
                           r"scale_range must satisfy 0 < low <= high"),
    "rotation_range=(10, -10)": (lambda: make_modified_mnist(2, rotation_range=(10, -10)),
                                 ValueError, r"rotation_range must satisfy low <= high"),
    "rotation_range=5": (lambda: make_modified_mnist(2, rotation_range=5), InvalidParameterError,
                         r"'rotation_range' parameter of make_modified_mnist"),
    "background=300": (lambda: make_modified_mnist(2, background=300), InvalidParameterError,
                       r"'background' parameter .* Got 300"),
    "background=digit_value": (lambda: make_modified_mnist(2, background=7, digit_value=7),
                               ValueError, r"background=7 must differ from digit_value=7"),
    "random_state='x'": (lambda: make_modified_mnist(2, random_state="x"), InvalidParameterError,
                         r"'random_state' parameter of make_modified_mnist"),
    "digits of 3 items": (lambda: make_modified_mnist(2, digits=([1], [2], [3])), ValueError,
                          r"digits must be an \(images, labels\) pair.*length 3"),
    "digits as an array": (lambda: make_modified_mnist(2, digits=np.zeros((3, 8, 8))),
                           InvalidParameterError, r"'digits' parameter of make_modified_mnist"),
    "digits with str pixels": (
        lambda: make_modified_mnist(2, digits=(np.full((2, 8, 8), "a"), [1, 2])), ValueError,
        r"digit images must be numeric"),
    "digits with NaN pixels": (
        lambda: make_modified_mnist(2, digits=(np.full((2, 8, 8), np.nan), [1, 2])), ValueError,
        r"digit images hold NaN or infinite values"),
    "digits with 2-D labels": (
        lambda: make_modified_mnist(2, digits=(np.ones((2, 8, 8)), [[1], [2]])), ValueError,
        r"digit labels must be 1-D"),
    "load_digits_images(return_X_y=1)": (lambda: load_digits_images(return_X_y=1),
                                         InvalidParameterError,
                                         r"'return_X_y' parameter of load_digits_images"),
    "load_idx(3)": (lambda: load_idx(3), InvalidParameterError,
                    r"'path_or_paths' parameter of load_idx must be an instance of 'str', an "
                    r"instance of 'os\.PathLike', an instance of 'list' or an instance of 'tuple'"),
    "load_idx([path, 3])": (lambda: load_idx(["a.gz", 3]), TypeError,
                            r"load_idx takes a path or a list of paths; item 1 of the list is 3"),
    "load_image_folder(None)": (lambda: load_image_folder(None), InvalidParameterError,
                                r"'path' parameter of load_image_folder"),
    "get_data_home(3)": (lambda: get_data_home(3), InvalidParameterError,
                         r"'data_home' parameter of get_data_home must be an instance of 'str', an "
                         r"instance of 'os\.PathLike' or None"),
}


@pytest.mark.parametrize("call, error, match", BAD_CALLS.values(), ids=BAD_CALLS)
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("image_shape", [(28,), (28, 28, 3), (28.5, 28), ("a", 28), (True, 4)])
def test_load_image_folder_image_shape_needs_two_positive_ints(tmp_path, image_shape):
    with pytest.raises(ValueError, match=r"image_shape must be \(H, W\) with two positive ints"):
        load_image_folder(tmp_path, image_shape=image_shape)


def test_paths_of_the_wrong_kind_are_named(tmp_path):
    a_file = tmp_path / "labels.gz"
    a_file.write_bytes(b"")
    with pytest.raises(NotADirectoryError, match=r"labels\.gz is a file; pass the folder that "
                       "holds one sub-folder of images per class"):
        load_image_folder(a_file)
    with pytest.raises(IsADirectoryError, match=rf"{tmp_path.name} is a folder; pass the IDX "
                       "file itself"):
        load_idx(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"IDX file not found: .*nope\.gz"):
        load_idx([tmp_path / "nope.gz"])
    with pytest.raises(NotADirectoryError, match=r"data_home .*labels\.gz is a file, not a "
                       "folder"):
        get_data_home(a_file)
    with pytest.raises(NotADirectoryError, match=r"cannot create the data folder .*labels\.gz"
                       r"/cache: a part of that path is a file"):
        get_data_home(a_file / "cache")
    assert get_data_home(tmp_path / "new" / "cache").is_dir()  # a missing folder is created


# ------------------------------------------------------------------------- load_idx_folder
def _write_idx(path, magic, shape, values):
    import gzip

    header = magic.to_bytes(4, "big") + b"".join(s.to_bytes(4, "big") for s in shape)
    path.write_bytes(gzip.compress(header + bytes(values)))


def test_load_idx_folder_reads_the_shared_mnist_parts(shared_data):
    from skimgclf.datasets import load_idx, load_idx_folder

    train = load_idx_folder(shared_data / "mnist")
    assert train.images.shape == (60000, 28, 28) and train.images.dtype == np.uint8
    np.testing.assert_array_equal(
        train.images[:10000],
        load_idx(shared_data / "mnist" / "train-images-idx3-ubyte.part01of06.gz"))
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
             "Sneaker", "Bag", "Ankle boot"]
    test = load_idx_folder(shared_data / "fashion-mnist", subset="test", target_names=names)
    assert test.images.shape == (10000, 28, 28) and test.target_names[0] == "T-shirt/top"
    assert np.bincount(test.target).tolist() == [1000] * 10


@pytest.mark.parametrize(("files", "message"), [
    ({}, "holds no train images-idx3-ubyte file"),
    ({"train-images-idx3-ubyte.gz": (2051, (2, 1, 1), [0, 1])},
     "holds no train labels-idx1-ubyte file"),
    ({"train-images-idx3-ubyte.part01of03.gz": (2051, (1, 1, 1), [0]),
      "train-images-idx3-ubyte.part03of03.gz": (2051, (1, 1, 1), [0]),
      "train-labels-idx1-ubyte.gz": (2049, (3,), [0, 1, 0])},
     "split into 3 parts, but only parts [1, 3] are there"),
    ({"train-images-idx3-ubyte.gz": (2051, (2, 1, 1), [0, 1]),
      "train-labels-idx1-ubyte.gz": (2049, (3,), [0, 1, 0])},
     "the train images have shape (2, 1, 1) but the labels (3,)"),
])
def test_load_idx_folder_names_what_is_missing(tmp_path, files, message):
    from skimgclf.datasets import load_idx_folder

    for name, (magic, shape, values) in files.items():
        _write_idx(tmp_path / name, magic, shape, values)
    with pytest.raises((FileNotFoundError, ValueError), match=re.escape(message)):
        load_idx_folder(tmp_path)


def test_load_idx_folder_refuses_a_missing_folder(tmp_path):
    from skimgclf.datasets import load_idx_folder

    with pytest.raises(FileNotFoundError, match="is not a folder of IDX files"):
        load_idx_folder(tmp_path / "nope")
