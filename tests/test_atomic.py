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


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_or_device_is_never_replaced_by_a_file(tmp_path):
    from skimgclf.exceptions import InputError

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"pipe is a FIFO \(named pipe\), not a file"):
        write_atomically(fifo, lambda f: f.write(b"x"))
    with pytest.raises(InputError, match="pipe is a FIFO"):  # what save_model writes with
        save_model(LogisticRegression(), fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    # (no test writes at /dev/null: without this check, a test run as root would replace it)


def test_a_symbolic_link_keeps_pointing_at_the_file_written(tmp_path):
    target, link = tmp_path / "target.bin", tmp_path / "link.bin"
    target.write_bytes(b"old")
    link.symlink_to(target)
    write_atomically(link, lambda f: f.write(b"new"))
    assert link.is_symlink() and target.read_bytes() == b"new"


def test_a_symbolic_link_loop_is_named_not_replaced(tmp_path):
    from skimgclf.exceptions import InputError

    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(InputError, match="loop is a symbolic link that leads nowhere"):
        write_atomically(loop, lambda f: f.write(b"x"))
    assert loop.is_symlink()
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "missing")  # leads to a file yet to be made: it is made
    write_atomically(dangling, lambda f: f.write(b"x"))
    assert dangling.is_symlink() and (tmp_path / "missing").read_bytes() == b"x"
