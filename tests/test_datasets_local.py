"""Named data sets from local copies (the data home: cache, then whole files or partKKofNN
parts, then the web), globs in ``idx:`` and npz specs, class names of known sets, and the one
registry (an entry is all a new set needs). The shared data is read in place, never copied
(symlinks into tmp_path where a test needs a changed copy)."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest

from skimgclf._datasource import DataError, load_data
from skimgclf.cli import main
from skimgclf.datasets import _names
from skimgclf.datasets._download import ChecksumError
from skimgclf.exceptions import InputError

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]
CIFAR = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
         "truck"]
LR = ["--model", "logreg", "--param", "max_iter=30"]


def _idx_bytes(array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    return (struct.pack(">HBB", 0, 0x08, array.ndim)
            + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes())


def _idx(path, array):
    with gzip.open(path, "wb") as f:
        f.write(_idx_bytes(array))


def _linked(shared_data, tmp_path, folder, skip=()):
    """A data home in tmp_path whose ``folder`` links to the shared files but ``skip``."""
    home = tmp_path / "home"
    (home / folder).mkdir(parents=True)
    for path in sorted((shared_data / folder).iterdir()):
        if path.name not in skip:
            (home / folder / path.name).symlink_to(path)
    return home


# ------------------------------------------------------------------ named sets, local copies
def test_train_and_evaluate_fashion_mnist_from_the_shared_parts(shared_data, tmp_path, capsys):
    model = tmp_path / "m.joblib"
    data = ["--data-home", str(shared_data), "--offline", "--limit", "300"]
    assert main(["train", "fashion-mnist", *data, *LR, "-o", str(model)]) == 0
    assert "fashion-mnist (train) (300 of 60000 images, 10 classes)" in capsys.readouterr().err
    assert main(["evaluate", str(model), "fashion-mnist", "--subset", "test", *data]) == 0
    out = capsys.readouterr().out
    assert "Ankle boot" in out and "T-shirt/top" in out
    assert not any(p.name.startswith(".") for p in (shared_data / "fashion-mnist").iterdir())


def test_a_local_copy_is_found_without_offline_and_brings_the_names(shared_data, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a local copy is there: nothing may be downloaded")

    from skimgclf.datasets import _download

    monkeypatch.setattr(_download.urllib.request, "urlopen", no_network)
    data = load_data("fashion_mnist", subset="test", data_home=shared_data)
    assert data.images.shape == (10000, 28, 28) and data.target_names == FASHION
    assert data.location.startswith("local copy in") and data.location.endswith("2 parts")
    monkeypatch.setenv("SKIMGCLF_DATA", str(shared_data))  # the data home from the environment
    assert load_data("cifar10", subset="test", limit=100, random_state=0).target_names == CIFAR


def test_a_missing_part_is_named(shared_data, tmp_path, capsys):
    home = _linked(shared_data, tmp_path, "fashion-mnist",
                   skip={"train-images-idx3-ubyte.part03of12.gz"})
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte.part03of12.gz is "
                       r"missing: train-images-idx3-ubyte.gz is split into 12 parts there and "
                       r"part 3 is not there"):
        load_data("fashion-mnist", data_home=home)  # with download allowed, too
    assert main(["train", "fashion-mnist", "--data-home", str(home), "--offline"]) == 2
    assert "part03of12.gz is missing" in capsys.readouterr().err


def test_a_damaged_copy_is_refused_by_the_originals_checksum(shared_data, tmp_path):
    home = _linked(shared_data, tmp_path, "fashion-mnist",
                   skip={"t10k-images-idx3-ubyte.part02of02.gz"})
    part = load_data(f"idx:{shared_data}/fashion-mnist/t10k-images-idx3-ubyte.part02of02.gz:"
                     f"{shared_data}/fashion-mnist/t10k-labels-idx1-ubyte.gz").images.copy()
    part[0, 0, 0] ^= 1  # one bit of one pixel
    _idx(home / "fashion-mnist" / "t10k-images-idx3-ubyte.part02of02.gz", part)
    with pytest.raises(ChecksumError, match="do not hold the official data: the md5"):
        load_data("fashion-mnist", subset="test", data_home=home, download=False)


def test_offline_without_a_copy_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"is not in the cache and download=False.*no "
                       r"local copy .* was found in .*fashion-mnist"):
        load_data("fashion-mnist", data_home=tmp_path, download=False)


def test_datasets_list_shows_local_copies(shared_data, capsys):
    assert main(["datasets", "list", "--data-home", str(shared_data)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("fashion-mnist "))
    assert "train, test (local)" in line and "on disk" in line
    assert "fashion-mnist train: local copy in" in out and "12 parts" in out
    assert "cifar10 test: local copy in" in out


# ------------------------------------------------------------------------- globs, npz parts
def test_idx_globs_are_sorted_by_part_number(shared_data):
    d = shared_data / "fashion-mnist"
    data = load_data(f"idx:{d}/train-images*.gz:{d}/train-labels*.gz")
    assert data.images.shape == (60000, 28, 28) and data.target_names == FASHION
    named = load_data("fashion-mnist", data_home=shared_data, download=False)
    np.testing.assert_array_equal(data.images, named.images)
    np.testing.assert_array_equal(data.target, named.target)


def test_an_idx_glob_that_matches_nothing_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no file matches .*nothing\*.gz"):
        load_data(f"idx:{tmp_path}/nothing*.gz:{tmp_path}/labels.gz")


def test_part_numbers_sort_as_numbers(tmp_path):
    for k in (1, 2, 10):
        _idx(tmp_path / f"img.part{k}of10.gz", np.full((1, 2, 2), k))
    _idx(tmp_path / "labels.gz", np.arange(3))
    from skimgclf._datasource._sources import expand

    assert [p.rsplit("/", 1)[1] for p in expand([f"{tmp_path}/img.part*.gz"])] == [
        "img.part1of10.gz", "img.part2of10.gz", "img.part10of10.gz"]


def test_cifar10_npz_parts_bring_the_class_names(shared_data):
    d = shared_data / "cifar10-test-jpeg"
    one = load_data(str(d / "cifar10_test_part03of10.npz"))
    assert one.images.shape == (1000, 32, 32, 3) and one.target_names == CIFAR
    some = load_data(f"npz:{d}/cifar10_test_part0[12]of10.npz", color="gray")
    assert some.images.shape == (2000, 32, 32) and some.target_names == CIFAR
    assert some.source.endswith("cifar10_test_part01of10.npz (+1 parts)")


# ------------------------------------------------------------------------------ one registry
def test_one_registry_entry_is_all_a_new_set_needs(tmp_path, monkeypatch, capsys):
    images = np.arange(6 * 2 * 2).reshape(6, 2, 2) % 256
    labels = np.array([0, 1, 2, 0, 1, 2])
    content = hashlib.md5(_idx_bytes(images)).hexdigest()
    entry = _names.Dataset(
        key="toy_set", name="toy-set", title="A toy set", aliases=("toys",),
        class_names=("circle", "square", "star"), base_urls=("http://127.0.0.1:9/",),
        checksums={"img.gz": "md5:" + "0" * 32},  # the labels' is set once they are written
        sizes={"img.gz": 2000, "lab.gz": 2000}, subsets={"train": ("img.gz", "lab.gz")},
        contents={"img.gz": "md5:" + content}, reader="idx",
    )
    monkeypatch.setitem(_names.DATASETS, "toy_set", entry)
    folder = tmp_path / "toy-set"
    folder.mkdir()
    _idx(folder / "img.part1of2.gz", images[:4])
    _idx(folder / "img.part2of2.gz", images[4:])
    _idx(folder / "lab.gz", labels)
    # A whole file is checked against its published checksum (no content checksum here).
    entry.checksums["lab.gz"] = "md5:" + hashlib.md5((folder / "lab.gz").read_bytes()).hexdigest()
    data = load_data("Toys", data_home=tmp_path, download=False)
    assert data.target_names == ["circle", "square", "star"] and data.images.shape == (6, 2, 2)
    assert data.target.tolist() == labels.tolist()
    assert main(["datasets", "list", "--data-home", str(tmp_path)]) == 0
    assert "toy-set train: local copy in" in capsys.readouterr().out
    (folder / "img.part2of2.gz").unlink()
    _idx(folder / "img.part2of2.gz", images[4:] ^ 1)
    with pytest.raises(ChecksumError, match="not hold the official data"):
        load_data("toy-set", data_home=tmp_path, download=False)


# -------------------------------------------------------------------------------- folders
def test_folder_images_are_resized_and_read_in_the_colour_asked(tmp_path):
    import skimage.io

    for name, value in (("cat", 200), ("dog", 50)):
        (tmp_path / name).mkdir()
        for i in range(2):
            skimage.io.imsave(tmp_path / name / f"{i}.png", np.full((6, 8, 3), value, np.uint8),
                              check_contrast=False)
    data = load_data(f"folder:{tmp_path}", image_shape=(4, 4), color="gray")
    assert data.images.shape == (4, 4, 4) and data.target_names == ["cat", "dog"]
    assert load_data(f"folder:{tmp_path}", image_shape=(3, 5), color="rgb").images.shape == (
        4, 3, 5, 3)


def test_a_class_folder_without_images_is_named(tmp_path):
    # load_image_folder kept it as a class that no image has (ImageFolderDataset refused it)
    import skimage.io

    from skimgclf.datasets import load_image_folder

    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
    skimage.io.imsave(tmp_path / "cat" / "0.png", np.zeros((4, 4), np.uint8),
                      check_contrast=False)
    with pytest.raises(InputError, match="class folder.s. dog under .* hold no image files"):
        load_image_folder(tmp_path)


def test_idx_target_names_must_name_every_label(tmp_path):
    from skimgclf.datasets import load_idx_folder

    _idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 4, 4)))
    _idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([0, 2, 1]))
    with pytest.raises(InputError, match=r"target_names holds 2 names, but the test labels .* "
                                         r"go from 0 to 2"):
        load_idx_folder(tmp_path, subset="test", target_names=["a", "b"])
    named = load_idx_folder(tmp_path, subset="test", target_names=["a", "b", "c"])
    assert named.target_names[named.target].tolist() == ["a", "c", "b"]


def test_data_errors_are_input_errors():
    assert issubclass(DataError, InputError)
    with pytest.raises(DataError, match="--color gray|rgb"):
        load_data("digits", color="blue")
    assert load_data("digits", color="rgb", limit=20, random_state=0).images.shape == (
        20, 8, 8, 3)


def test_a_read_only_folder_named_as_the_cache_is_read_in_place(shared_data, tmp_path):
    """A data home whose mnist/ holds the whole official test files but grants no write
    permission (as the shared data does) is read as a local copy: no lock, no stamps beside
    the files, even for root."""
    home = _linked(shared_data, tmp_path, "mnist")
    folder = home / "mnist"
    folder.chmod(0o555)
    try:
        data = load_data("mnist", subset="test", data_home=home, download=False)
        assert data.images.shape == (10000, 28, 28)
        assert data.location.startswith("local copy in")
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            p.name for p in (shared_data / "mnist").iterdir())
    finally:
        folder.chmod(0o755)
