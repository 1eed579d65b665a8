"""zip.py's fast path (members settled from the central directory and a few inflated bytes, the rest read alone
through zipfile) gives exactly what the slow path (zipfile for every member) gives.

Each zip of the test corpus, and jars built here mixing plain members with programs and nested archives, is
scanned twice: as linkguard reads it, and with the fast path switched off.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import List

import pytest

from linkguard.config import Policy
from linkguard.inputs import zip as zip_format
from linkguard.model import Report
from linkguard.scan import scan

ARCHIVES = Path(__file__).resolve().parents[1] / "data" / "archives"
BIN = ARCHIVES / "bin"


def zips() -> List[Path]:
    found = [p for p in sorted(ARCHIVES.rglob("*")) if p.suffix in (".zip", ".whl", ".jar", ".exe")]
    return [*found, ARCHIVES / "zipedge" / "sfx-elf"]


def mixed_jar(path: Path, method: int) -> Path:
    """A jar: class-file-like and text members, a directory, an ELF program, a nested zip, a tar, a short member."""
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr("META-INF/", b"")
        archive.writestr("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n")
        for index in range(40):
            archive.writestr(f"org/example/C{index}.class", b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + bytes(600 + index))
        archive.write(BIN / "spex-static", "lib/native/spex")
        archive.write(ARCHIVES / "release.zip", "nested/release.zip")
        archive.write(ARCHIVES / "release.tar", "nested/release.tar")
        archive.writestr("tiny", b"MZ")
        archive.writestr("readme.txt", b"hello " * 100)
    return path


def both_ways(monkeypatch: pytest.MonkeyPatch, path: Path) -> List[Report]:
    policy = Policy(jobs=1, allow_empty=True)
    fast = scan([str(path)], policy)
    with monkeypatch.context() as patched:
        patched.setattr(zip_format, "_plain_members", lambda *args: None)
        slow = scan([str(path)], policy)
    return [fast, slow]


@pytest.mark.parametrize("path", zips(), ids=lambda p: p.name)
def test_corpus_zips_read_the_same_both_ways(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    fast, slow = both_ways(monkeypatch, path)
    assert fast == slow


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_jar_with_a_few_programs_reads_only_those_through_zipfile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, method: int
) -> None:
    path = mixed_jar(tmp_path / "mixed.jar", method)
    read_alone: List[str] = []
    member = zip_format._member

    def spy(walker, archive, info, version, source, stream, display, *args):  # type: ignore[no-untyped-def]
        if display == str(path):  # the jar's own members (the nested zip has a link member: read the slow way)
            read_alone.append(info.filename)
        return member(walker, archive, info, version, source, stream, display, *args)

    monkeypatch.setattr(zip_format, "_member", spy)
    fast = scan([str(path)], Policy(jobs=1, allow_empty=True))
    assert sorted(read_alone) == ["lib/native/spex", "nested/release.tar", "nested/release.zip"]
    monkeypatch.undo()
    fast_again, slow = both_ways(monkeypatch, path)
    assert fast == fast_again == slow
    paths = [a.path for a in fast.artifacts]
    assert f"{path}!lib/native/spex" in paths  # the program inside, checked
    assert any(p.startswith(f"{path}!nested/release.zip!") for p in paths)  # and what the nested archives hold
    assert any(p.startswith(f"{path}!nested/release.tar!") for p in paths)


@pytest.mark.parametrize("pattern", ["*readme.txt", "*.class"])
def test_an_excluded_plain_member_is_reported_as_excluded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pattern: str
) -> None:
    """The fast path makes a member's path only when the configuration excludes something: then it must test it."""
    path = mixed_jar(tmp_path / "mixed.jar", zipfile.ZIP_DEFLATED)
    policy = Policy(jobs=1, allow_empty=True, exclude=(pattern,))
    fast = scan([str(path)], policy)
    with monkeypatch.context() as patched:
        patched.setattr(zip_format, "_plain_members", lambda *args: None)
        slow = scan([str(path)], policy)
    assert fast == slow
    excluded = [s.path for s in fast.skipped if s.reason == "excluded by configuration"]
    assert f"{path}!readme.txt" in excluded if pattern == "*readme.txt" else len(excluded) == 40


@pytest.mark.parametrize("in_memory", [True, False])
def test_a_nested_jar_reads_the_same_in_memory_or_by_positioned_reads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, in_memory: bool
) -> None:
    """A nested archive cannot be mapped: it is read into memory, or (larger than IN_MEMORY) read where needed."""
    inner = mixed_jar(tmp_path / "inner.jar", zipfile.ZIP_DEFLATED)
    outer = tmp_path / "outer.jar"
    with zipfile.ZipFile(outer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.write(inner, "lib/inner.jar")
    if not in_memory:
        monkeypatch.setattr(zip_format, "IN_MEMORY", 0)
    read_alone: List[str] = []
    member = zip_format._member

    def spy(walker, archive, info, version, source, stream, display, *args):  # type: ignore[no-untyped-def]
        if display == f"{outer}!lib/inner.jar":
            read_alone.append(info.filename)
        return member(walker, archive, info, version, source, stream, display, *args)

    monkeypatch.setattr(zip_format, "_member", spy)
    fast, slow = both_ways(monkeypatch, outer)
    assert fast == slow
    assert f"{outer}!lib/inner.jar!lib/native/spex" in [a.path for a in fast.artifacts]
    # The plain members were settled from the bytes read here (the slow run read all of them alone).
    assert sorted(read_alone[:3]) == ["lib/native/spex", "nested/release.tar", "nested/release.zip"]


def test_a_name_with_a_nul_byte_is_read_the_slow_way(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """zipfile cuts a name at its first NUL: the fast path leaves such an archive to it (here the cut name is a
    duplicate, which only the slow path would see)."""
    path = tmp_path / "nul.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("docs/a", b"hello " * 100)
        archive.writestr("docs/aXb", b"hello " * 100)
    path.write_bytes(path.read_bytes().replace(b"docs/aXb", b"docs/a\0b"))
    fast, slow = both_ways(monkeypatch, path)
    assert fast == slow
    assert [a.path for a in fast.artifacts if a.format == "unreadable"] == [f"{path}!docs/a"]  # the duplicate
