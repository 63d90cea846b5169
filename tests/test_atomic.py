"""write_atomically: the one way a file the user asked for is written (models, ONNX graphs,
predictions): whole or not at all, with the permissions of any new file."""

from __future__ import annotations

import os
import stat

import pytest
from sklearn.linear_model import LogisticRegression

from skimgclf._atomic import write_atomically
from skimgclf.persistence import save_model


def test_an_error_mid_write_leaves_the_previous_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"previous")

    def broken(f):
        f.write(b"half")
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        write_atomically(path, broken)
    assert path.read_bytes() == b"previous" and os.listdir(tmp_path) == ["out.bin"]


def test_files_get_the_permissions_of_any_new_file(tmp_path):
    """Not tempfile's private 0600: a model or a graph is there to be shared."""
    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "a.txt", lambda f: f.write(b"x"))
        save_model(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), tmp_path / "m.skimgclf")
    finally:
        os.umask(old)
    for name in ("a.txt", "m.skimgclf"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
