"""Zips found as unzip and Python's zipfile find them: from the end of the file, with their offsets corrected, each
member read as either tool would extract it. Fail closed: what those tools open is checked, never "not an ELF file".

Truth: tests/data/archives/zipedge/manifest.json (written by make_zipedge.py from `unzip -l`, `zipinfo`,
`python -m zipfile -l`, and what `unzip -p` and `python -m zipfile -e` extract, named by the committed file it
equals) and the readelf truth of those committed files in tests/data/archives/manifest.json.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest

from linkguard import scan as scan_module
from linkguard.config import Policy
from linkguard.inputs.members import NOT_INSPECTED
from linkguard.model import Report
from linkguard.scan import scan
from tests.truth import require_tool

DATA = Path(__file__).resolve().parents[1] / "data" / "archives"
EDGE = DATA / "zipedge"
MANIFEST = json.loads((EDGE / "manifest.json").read_text())
RECORDS = {record["file"]: record for record in MANIFEST["archives"]}
ZIP_TAIL = 65535 + 22  # zipfile and unzip search the last 64 KiB + 22 bytes for the end record
ELF_TRUTH = json.loads((DATA / "manifest.json").read_text())["elf"]


def run(name: str, jobs: int = 1) -> Report:
    return scan([str(EDGE / name)], Policy(jobs=jobs))


def extracted_programs(record: Dict[str, Any]) -> Set[Tuple[str, str]]:
    """(member, committed ELF file) for every member that unzip or zipfile extracts as one of the committed ELFs."""
    found = set()
    for tool in record["extracted"].values():
        for member, result in tool.items():
            if result.get("is", "").startswith("bin/"):
                found.add((member, result["is"]))
    return found


def test_every_file_matches_its_manifest_sha256() -> None:
    for record in MANIFEST["archives"]:
        data = (EDGE / record["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record["sha256"], record["file"]
        assert len(data) == record["size"]
    for name, digest in MANIFEST["sources"].items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("name", sorted(RECORDS))
@pytest.mark.parametrize("jobs", [1, 2])
def test_every_program_either_tool_extracts_is_checked(name: str, jobs: int) -> None:
    """Each member that unzip or zipfile writes as a program gets that program's report, with readelf's linkage."""
    record = RECORDS[name]
    programs = extracted_programs(record)
    assert programs, "the manifest says which members are programs"
    report = run(name, jobs)
    by_path = {}
    for artifact in report.artifacts:
        by_path.setdefault(artifact.path, []).append(artifact)
    for member, committed in programs:
        path = f"{EDGE / name}!{member}"
        elves = [a for a in by_path.get(path, []) if a.format == "elf"]
        assert elves, f"{path} ({committed} per the tools) was not checked: {report.skipped}"
        truth = ELF_TRUTH[committed]["truth"]
        assert {a.facts.linkage for a in elves if a.facts is not None} == {truth["linkage"]}  # type: ignore[union-attr]
        # dynamic: LG101, or inside a wheel with a manylinux tag, whose platform provides libc and the loader, LG106
        # for the GLIBC_2.34 the manylinux_2_17 tag does not promise
        judged = ("LG101", "LG106") if name.endswith(".whl") else ("LG101",)
        assert all(any(f.code in judged for f in a.findings) for a in elves) == (truth["linkage"] == "dynamic")
    assert not any(s.reason.startswith("not an") for s in report.skipped if s.path == str(EDGE / name))
    assert not [a for a in report.artifacts if a.problem is not None and a.problem.kind == "internal"]


@pytest.mark.parametrize("name", ["sfx-elf", "sfx-pe.exe"])
def test_a_self_extracting_program_is_checked_and_so_are_its_members(name: str) -> None:
    record = RECORDS[name]
    report = run(name)
    [program] = [a for a in report.artifacts if a.path == str(EDGE / name)]
    prefix = record["prefix"]["is"]
    if prefix.startswith("bin/"):
        assert program.format == "elf"
        assert program.facts.linkage == ELF_TRUTH[prefix]["truth"]["linkage"]  # type: ignore[union-attr]
    else:
        assert program.format == "pe" and prefix.endswith(".exe")
    assert any(a.path.startswith(f"{EDGE / name}!") for a in report.artifacts)
    assert not [s for s in report.skipped if s.path == str(EDGE / name)]  # reported as the program, not skipped


def test_the_tools_see_the_prefixes_and_open_the_archives() -> None:
    """The recorded verdicts: unzip corrects the offsets of an unadjusted prefix and lists every file."""
    for name in ("shell-prefixed.jar", "sfx-pe.exe", "decoy-offsets.zip"):
        unzip = RECORDS[name]["tools"][0]
        assert unzip["command"] == "unzip -l" and unzip["exit"] == 1
        assert any("extra bytes at beginning" in line for line in unzip["output"]), name
        assert any("bin/app" in line for line in unzip["output"])
    for name in ("junk-prefixed.zip", "sfx-elf"):  # `zip -A` adjusted: nothing to correct
        assert RECORDS[name]["tools"][0]["exit"] == 0


def test_the_tools_disagree_on_the_method_mismatch_and_both_readings_are_checked() -> None:
    record = RECORDS["method-mismatch.zip"]
    assert record["extracted"]["unzip -p"]["bin/app"]["is"] == "bin/spex-dynamic"  # unzip: the local header
    assert record["extracted"]["python -m zipfile -e"]["bin/app"]["is"] == "other"  # zipfile: the directory
    report = run("method-mismatch.zip")
    path = f"{EDGE / 'method-mismatch.zip'}!bin/app"
    assert [a.format for a in report.artifacts if a.path == path] == ["elf"]


def test_a_link_member_of_a_wheel_is_checked_as_the_regular_file_pip_installs() -> None:
    record = RECORDS["symlink-member.whl"]
    assert record["extracted"]["python -m zipfile -e"]["spex/bin/spex"]["is"] == "bin/spex-dynamic"
    report = run("symlink-member.whl")
    [member] = [a for a in report.artifacts if a.path.endswith("!spex/bin/spex")]
    # The wheel is tagged manylinux_2_17_x86_64: its libc.so.6 and loader are the platform's (no LG101), but the
    # program needs GLIBC_2.34 (readelf, tests/data/elf's bin/spex-dynamic): LG106
    assert member.format == "elf" and [f.code for f in member.findings] == ["LG106"]


def test_a_link_member_whose_data_is_a_program_is_checked_and_a_plain_link_is_skipped(tmp_path: Path) -> None:
    """unzip writes a link to the bytes before the first NUL; zipfile writes the program: it is checked."""
    assert RECORDS["symlink-member.zip"]["unzip_writes"]["spex/bin/spex"]["creates"] == "symbolic link"
    report = run("symlink-member.zip")
    [member] = [a for a in report.artifacts if a.path.endswith("!spex/bin/spex")]
    assert member.format == "elf"
    # A link whose data is a path stays a skipped link.
    import stat
    import zipfile

    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("bin/app")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, b"../lib/app")
    linked = scan([str(path)], Policy(jobs=1, allow_empty=True))
    assert not linked.artifacts
    assert any("symbolic link to ../lib/app" in s.reason for s in linked.skipped)


def test_independent_listings_hold() -> None:
    """Re-run the tools when present: their listings of every fixture are what the manifest says."""
    require_tool("unzip", "unzip -l re-check of the zipedge fixtures")
    for record in MANIFEST["archives"]:
        path = EDGE / record["file"]
        for tool in record["tools"]:
            command = {"unzip -l": ["unzip", "-l"], "zipinfo": ["zipinfo"]}.get(tool["command"])
            if command is None:
                command = [sys.executable, "-m", "zipfile", "-l"]
            result = subprocess.run(
                [*command, str(path)], capture_output=True, env={**os.environ, "LC_ALL": "C", "TZ": "UTC"}
            )
            text = (result.stdout + result.stderr).decode("utf-8", "replace").replace(str(path), path.name)
            assert result.returncode == tool["exit"], (record["file"], tool["command"])
            assert text.splitlines() == tool["output"], (record["file"], tool["command"])


# ------------------------------------------------------------------------------------------- the cost bound


class _Counting(io.FileIO):
    reads: List[int] = []

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        data = super().read(size)
        _Counting.reads.append(len(data))
        return data


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[List[int]]:
    _Counting.reads = []
    monkeypatch.setattr(scan_module, "open", lambda path, mode="rb": _Counting(path, "r"), raising=False)
    yield _Counting.reads


def test_an_unrecognised_file_costs_its_head_and_its_tail_only(tmp_path: Path, counted: List[int]) -> None:
    path = tmp_path / "data.bin"
    with open(path, "wb") as handle:
        handle.truncate(64 << 20)  # sparse: 64 MiB of zeros, not a zip
    report = scan([str(path)], Policy(jobs=1))
    assert [s.reason for s in report.skipped] == [NOT_INSPECTED]
    assert sum(counted) <= 512 + ZIP_TAIL


def test_a_zip_prefixed_by_megabytes_is_found_from_its_tail(tmp_path: Path, counted: List[int]) -> None:
    path = tmp_path / "big.jar"
    zipped = (EDGE / "shell-prefixed.jar").read_bytes()
    with open(path, "wb") as handle:
        handle.write(b"#!/bin/sh\n")
        handle.seek(32 << 20)
        handle.write(zipped[35:])  # the zip part, offsets relative to its own start
    report = scan([str(path)], Policy(jobs=1))
    assert [a.format for a in report.artifacts if a.path.endswith("!bin/app")] == ["elf"]


def _end_record(count: int, size: int, offset: int) -> bytes:
    import struct

    return struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, offset, 0)


def test_an_empty_zip_is_reported_as_skipped_not_dropped(tmp_path: Path) -> None:
    (tmp_path / "empty.zip").write_bytes(_end_record(count=0, size=0, offset=0))
    report = scan([str(tmp_path / "empty.zip")], Policy(jobs=1))
    assert [(s.path, s.reason) for s in report.skipped] == [
        (str(tmp_path / "empty.zip"), "zip archive with no files in it")
    ]


def test_small_files_without_a_zip_stay_skipped(tmp_path: Path) -> None:
    texts = {
        "a.txt": b"hello\n",
        "b.py": b"print('PK\\x05\\x06')\n" * 100,
        "c.bin": b"x" * 100 + _end_record(count=1, size=46, offset=0),  # an end record, no directory where it says
    }
    for name, data in texts.items():
        (tmp_path / name).write_bytes(data)
    report = scan([str(tmp_path)], Policy(jobs=1, allow_empty=True))
    assert not report.artifacts
    assert sorted((s.path, s.reason) for s in report.skipped) == sorted(
        (str(tmp_path / n), NOT_INSPECTED) for n in texts
    )


# ------------------------------------------------------------------------------------------- inside archives


def _tarball(path: Path, names: List[str], mode: str) -> Path:
    import tarfile

    with tarfile.open(path, mode) as archive:
        for name in names:
            archive.add(EDGE / name, arcname=f"rel/{name}")
    return path


def test_members_of_a_plain_tar_are_found_from_their_end_too(tmp_path: Path) -> None:
    """A plain tar on disk: every member's tail is one read away, as a file's is."""
    names = ["shell-prefixed.jar", "junk-prefixed.zip", "sfx-elf", "sfx-pe.exe"]
    tarball = _tarball(tmp_path / "release.tar", names, "w")
    report = scan([str(tarball)], Policy(jobs=1))
    for name in names:
        for member, _committed in extracted_programs(RECORDS[name]):
            path = f"{tarball}!rel/{name}!{member}"
            assert [a.format for a in report.artifacts if a.path == path] == ["elf"], path
    for name in ("sfx-elf", "sfx-pe.exe"):  # the program part too
        assert [a.path for a in report.artifacts if a.path == f"{tarball}!rel/{name}"]


def test_a_self_extracting_member_behind_a_decompressor_is_followed(tmp_path: Path) -> None:
    """Behind gzip a program small enough to be read into memory has its tail at hand: its zip is followed."""
    tarball = _tarball(tmp_path / "release.tar.gz", ["sfx-elf", "sfx-pe.exe"], "w:gz")
    report = scan([str(tarball)], Policy(jobs=1))
    for name in ("sfx-elf", "sfx-pe.exe"):
        assert [a.format for a in report.artifacts if a.path == f"{tarball}!rel/{name}!bin/app"] == ["elf"]
