"""The local-file loaders behind ``skimgclf`` and the examples (``load_cifar10_npz``,
``load_olivetti_faces``): a bad file is named, with what is wrong with it."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pytest
import scipy.io

from skimgclf._sklearn_compat import InvalidParameterError
from skimgclf.datasets import load_cifar10_npz, load_olivetti_faces


@pytest.fixture()
def files(tmp_path):
    ok = tmp_path / "part.npz"
    np.savez(ok, X=np.zeros((4, 32, 32, 3), np.uint8), y=np.array([0, 1, 2, 9], np.uint8))
    (tmp_path / "text.npz").write_text("not an archive")
    (tmp_path / "empty.npz").write_bytes(b"")
    np.savez(tmp_path / "objects.npz", X=np.array([1, "a"], dtype=object), y=np.zeros(2))
    (tmp_path / "truncated.npz").write_bytes(ok.read_bytes()[:200])
    np.save(tmp_path / "single.npy", np.zeros(3))
    (tmp_path / "single.npz").write_bytes((tmp_path / "single.npy").read_bytes())
    np.savez(tmp_path / "keys.npz", images=np.zeros((1, 32, 32, 3), np.uint8), y=np.zeros(1))
    np.savez(tmp_path / "gray.npz", X=np.zeros((2, 32, 32), np.uint8), y=np.zeros(2, np.uint8))
    np.savez(tmp_path / "floats.npz", X=np.zeros((2, 32, 32, 3)), y=np.zeros(2, np.uint8))
    np.savez(tmp_path / "labels.npz", X=np.zeros((2, 32, 32, 3), np.uint8), y=np.array([3, 10]))
    np.savez(tmp_path / "lengths.npz", X=np.zeros((2, 32, 32, 3), np.uint8), y=np.zeros(3))
    np.savez(tmp_path / "no_images.npz", X=np.zeros((0, 32, 32, 3), np.uint8),
             y=np.zeros(0, np.uint8))
    header = io.BytesIO()  # a header announcing 3 TB over an empty body
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|u1", "fortran_order": False, "shape": (10**9, 32, 32, 3)})
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as zf:
        zf.writestr("X.npy", header.getvalue())
        zf.writestr("y.npy", (tmp_path / "single.npy").read_bytes())
    (tmp_path / "folder").mkdir()
    scipy.io.savemat(tmp_path / "faces.mat", {"faces": np.zeros((4096, 10), np.uint8)})
    scipy.io.savemat(tmp_path / "other.mat", {"pixels": np.zeros((4096, 10), np.uint8)})
    scipy.io.savemat(tmp_path / "small.mat", {"faces": np.zeros((100, 10), np.uint8)})
    scipy.io.savemat(tmp_path / "none.mat", {"faces": np.zeros((4096, 0), np.uint8)})
    scipy.io.savemat(tmp_path / "unit.mat", {"faces": np.full((4096, 10), 0.5)})
    (tmp_path / "text.mat").write_text("not a mat file")
    (tmp_path / "empty.mat").write_bytes(b"")
    return tmp_path


@pytest.mark.parametrize(
    "name, error, message",
    [
        ("missing.npz", FileNotFoundError, "CIFAR-10 npz part not found: .*missing.npz"),
        ("folder", IsADirectoryError, "folder is a directory; expected the CIFAR-10 npz part"),
        ("text.npz", ValueError, r"text.npz is not an .npz file"),
        ("empty.npz", ValueError, r"empty.npz is not an .npz file \(it is empty\)"),
        ("truncated.npz", ValueError, r"truncated.npz is not a readable .npz file"),
        ("objects.npz", ValueError, r"objects.npz: array 'X' holds Python objects"),
        ("single.npz", ValueError, r"single.npz holds a single .npy array"),
        ("keys.npz", ValueError, r"keys.npz lacks the arrays 'X' and 'y' \(it has \['images'"),
        ("gray.npz", ValueError, r"gray.npz holds X of shape \(2, 32, 32\)"),
        ("lengths.npz", ValueError, r"lengths.npz holds X of shape \(2, 32, 32, 3\) and y of"),
        ("floats.npz", ValueError, r"floats.npz: X has dtype float64; expected uint8"),
        ("labels.npz", ValueError, r"labels.npz: y must hold the class indices 0-9.*\[3, 10\]"),
        ("huge.npz", ValueError, r"huge.npz is corrupt: array 'X' announces shape "
                                 r"\(1000000000, 32, 32, 3\) \(3072000000000 bytes\) but holds"),
        ("no_images.npz", ValueError, r"no_images.npz holds no images \(X has shape \(0, 32"),
    ],
)
def test_load_cifar10_npz_names_the_bad_part(files, name, error, message):
    with pytest.raises(error, match=message):
        load_cifar10_npz([files / "part.npz", files / name])


@pytest.mark.parametrize("name", ["text.npz", "empty.npz", "truncated.npz", "single.npz",
                                  "objects.npz"])
def test_both_npz_readers_name_a_broken_file_alike(files, name):
    # the CIFAR-10 parts loader and the CLI's npz source share one set of guards
    from skimgclf._datasource import load_data

    messages = []
    for read in (load_cifar10_npz, lambda path: load_data(f"npz:{path}")):
        with pytest.raises(ValueError, match=re.escape(name)) as info:
            read(files / name)
        messages.append(str(info.value).split(";")[0])
    assert messages[0] == messages[1]


def test_load_cifar10_npz_parameters():
    with pytest.raises(InvalidParameterError, match="'path_or_paths' parameter"):
        load_cifar10_npz(3)
    with pytest.raises(InvalidParameterError, match="'return_X_y' parameter"):
        load_cifar10_npz("x.npz", return_X_y="yes")
    with pytest.raises(ValueError, match="needs at least one file"):
        load_cifar10_npz([])


def test_load_cifar10_npz_reads_good_parts(files):
    X, y = load_cifar10_npz((files / "part.npz", files / "part.npz"), return_X_y=True)
    assert X.shape == (8, 3072) and y.tolist() == [0, 1, 2, 9] * 2


@pytest.mark.parametrize(
    "name, error, message",
    [
        ("missing.mat", FileNotFoundError, "Olivetti faces file not found: .*missing.mat"),
        ("folder", IsADirectoryError, "folder is a directory"),
        ("text.mat", ValueError, r"text.mat is not a MATLAB .mat file"),
        ("empty.mat", ValueError, r"empty.mat is not a MATLAB .mat file"),
        ("other.mat", ValueError, r"other.mat has no array 'faces' \(it holds \['pixels'\]\)"),
        ("small.mat", ValueError, r"small.mat: 'faces' has shape \(100, 10\)"),
        ("none.mat", ValueError, r"none.mat: 'faces' has shape \(4096, 0\)"),
        ("unit.mat", ValueError, r"unit.mat: 'faces' holds float64 values in \[0.5, 0.5\]"),
    ],
)
def test_load_olivetti_faces_names_the_bad_file(files, name, error, message):
    with pytest.raises(error, match=message):
        load_olivetti_faces(files / name)


def test_load_olivetti_faces_parameters(files):
    with pytest.raises(InvalidParameterError, match="'path' parameter"):
        load_olivetti_faces(None)
    faces = load_olivetti_faces(str(files / "faces.mat"))
    assert faces.images.shape == (10, 64, 64) and faces.target.tolist() == [0] * 10
