"""Walking paths: special files are never opened, links do not leave the roots, errors become results."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from linkguard.inputs.files import FileArtifact, Problem, walk
from linkguard.model import Skipped


def _kinds(root: Path) -> dict:
    return {Path(c.path).name: c for c in walk([str(root)])}


def test_fifo_socket_and_device_are_skipped_without_opening(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")  # opening it for reading would block forever
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    try:
        found = _kinds(tmp_path)
    finally:
        sock.close()
    assert isinstance(found["pipe"], Skipped) and "FIFO" in found["pipe"].reason
    assert isinstance(found["sock"], Skipped) and "socket" in found["sock"].reason
    device = [c for c in walk(["/dev/null"])]
    assert isinstance(device[0], Skipped) and "character device" in device[0].reason


def test_symlinks_inside_roots_are_reported_by_their_own_path(tmp_path: Path) -> None:
    (tmp_path / "real").write_bytes(b"x")
    (tmp_path / "alias").symlink_to("real")
    found = _kinds(tmp_path)
    assert isinstance(found["alias"], FileArtifact)
    assert found["alias"].path == str(tmp_path / "alias")


def test_symlinks_leaving_the_roots_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_bytes(b"x")
    root = tmp_path / "root"
    root.mkdir()
    (root / "escape").symlink_to(outside)
    (root / "dangling").symlink_to(root / "missing")
    (root / "loop").symlink_to(root)
    found = _kinds(root)
    assert isinstance(found["escape"], Skipped) and "leaves the given roots" in found["escape"].reason
    assert isinstance(found["dangling"], Skipped) and "dangling" in found["dangling"].reason
    assert isinstance(found["loop"], Skipped)


def test_missing_argument_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (result,) = walk([str(tmp_path / "nope")])
    assert isinstance(result, Problem) and "no such file" in result.unreadable.reason


def test_unlistable_directory_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def deny(path: os.PathLike[str] | str) -> object:  # root ignores chmod, so deny at the call
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", deny)
    found = list(walk([str(tmp_path)]))
    problems = [c for c in found if isinstance(c, Problem)]
    assert problems and problems[0].unreadable.kind == "permission"


def test_odd_file_names_survive(tmp_path: Path) -> None:
    odd = tmp_path / "a,b:c%0A::error::x\nnewline"
    odd.write_bytes(b"x")
    raw = os.fsencode(str(tmp_path)) + b"/bad-\xff-utf8"
    with open(raw, "wb") as handle:
        handle.write(b"x")
    names = sorted(c.path for c in walk([str(tmp_path)]))
    assert str(odd) in names
    assert any("bad-" in n for n in names)


def test_order_is_stable_and_sorted(tmp_path: Path) -> None:
    for name in ("b", "a", "c"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "z").write_bytes(b"x")
    assert [Path(c.path).name for c in walk([str(tmp_path)])] == ["a", "b", "c", "z"]


def test_depth_first_order_resumes_the_parent_after_a_subdirectory(tmp_path: Path) -> None:
    """Depth first: a subdirectory's files come where its name sorts, then the rest of its parent; empty
    directories and nested ones do not lose the entries after them."""
    for name in ("a/x", "a/b/y", "a/c/d/z", "a/d", "b", "c/e/f", "d"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "a" / "empty").mkdir()
    (tmp_path / "bb").mkdir()
    found = [c for c in walk([str(tmp_path)]) if isinstance(c, FileArtifact)]
    assert [os.path.relpath(c.path, tmp_path) for c in found] == ["a/b/y", "a/c/d/z", "a/d", "a/x", "b", "c/e/f", "d"]
    first = found[0]
    st = os.stat(first.path)
    assert (first.location, first.size, first.identity, first.links, first.via_link, first.root) == (
        first.path,
        1,
        (st.st_dev, st.st_ino),
        1,
        False,
        str(tmp_path),
    )
    os.link(tmp_path / "d", tmp_path / "e")
    (last,) = [c for c in walk([str(tmp_path / "d")])]
    assert isinstance(last, FileArtifact) and last.links == 2 and last.root == ""


def test_file_artifact_is_still_a_frozen_dataclass_with_its_fields() -> None:
    """FileArtifact fills its fields itself (speed): defaults, keywords, equality, hashing, immutability and
    pickling must be the dataclass's."""
    import dataclasses
    import pickle

    plain = FileArtifact("p", "l", 3)
    assert dataclasses.astuple(plain) == ("p", "l", 3, None, 1, False, "")
    full = FileArtifact(path="p", location="l", size=3, identity=(1, 2), links=2, via_link=True, root="r")
    assert [getattr(full, f.name) for f in dataclasses.fields(full)] == ["p", "l", 3, (1, 2), 2, True, "r"]
    assert full == FileArtifact("p", "l", 3, (1, 2), 2, True, "r") != plain
    assert hash(full) == hash(FileArtifact("p", "l", 3, (1, 2), 2, True, "r"))
    assert dataclasses.replace(full, size=4).size == 4 and pickle.loads(pickle.dumps(full)) == full
    with pytest.raises(dataclasses.FrozenInstanceError):
        full.size = 5  # type: ignore[misc]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64])
def test_chunks_hold_the_walk_in_its_order(tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """walk_chunks: lists of exactly `size` (the last one shorter) that together are the walk, path for path,
    across directory boundaries, with symlinks (inside, leaving, dangling), hard links, a FIFO and a directory
    that cannot be listed; the paths come depth first in name order, as walk() always gave them."""
    from linkguard.inputs.files import walk_chunks

    for name in ("a/x", "a/b/y", "a/c/d/z", "a/d", "b", "c/e/f", "d", "locked/hidden"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "a" / "link-in").symlink_to("x")
    (tmp_path / "a" / "link-out").symlink_to("/")
    (tmp_path / "a" / "link-dangling").symlink_to("missing")
    os.link(tmp_path / "b", tmp_path / "c" / "hard")
    os.mkfifo(tmp_path / "c" / "pipe")
    locked = tmp_path / "locked"
    real_scandir = os.scandir

    def deny(path: os.PathLike[str] | str) -> object:
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", deny)
    chunks = list(walk_chunks([str(tmp_path), str(tmp_path / "d")], size))
    assert all(len(chunk) == size for chunk in chunks[:-1]) and 0 < len(chunks[-1]) <= size
    flat = [c for chunk in chunks for c in chunk]
    assert flat == list(walk([str(tmp_path), str(tmp_path / "d")]))
    assert [os.path.relpath(c.path, tmp_path) for c in flat] == [
        "a/b/y",
        "a/c/d/z",
        "a/d",
        "a/link-dangling",
        "a/link-in",
        "a/link-out",
        "a/x",
        "b",
        "c/e/f",
        "c/hard",
        "c/pipe",
        "d",
        "locked",
        "d",
    ]
    assert "".join(type(c).__name__[0] for c in flat) == "FFFSFSFFFFSFPF"  # FileArtifact, Skipped, Problem


def test_a_large_directory_is_passed_on_in_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The candidates of one directory go on RUN at a time (memory stays flat whatever its size), in order."""
    from linkguard.inputs import files

    for n in range(10):
        (tmp_path / f"f{n}").write_bytes(b"x")
    monkeypatch.setattr(files, "RUN", 4)
    runs = list(files._directory(str(tmp_path), [str(tmp_path)]))
    assert [len(run) for run in runs] == [4, 4, 2]
    assert [os.path.basename(c.path) for run in runs for c in run] == [f"f{n}" for n in range(10)]
