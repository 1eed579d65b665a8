"""Hostile archives: one LG901 per bad member (or per broken archive), a full report for every good member, and
every run bounded in time.

The corpus is tests/data/archives/malformed/ (written by make_malformed.py there). What is broken in each file is
what the script built, and independent tools (unzip, tar, gzip/xz/bzip2, dpkg-deb, ar) confirm it; their verdicts
are recorded in the manifest and re-checked here where the tools exist. The good member beside each defect is a
committed ELF file whose readelf truth is in tests/data/elf/manifest.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from linkguard.config import Policy
from linkguard.inputs import archives, failures, streams
from linkguard.inputs.deadline import Deadline
from linkguard.inputs.members import EMPTY_NAME, link_escape, unsafe_reason
from linkguard.limits import ArchiveLimits
from linkguard.magic import is_tar, sniff_archive
from linkguard.model import ArtifactReport, Report, Skipped
from linkguard.scan import scan
from tests.conftest import run_json

HERE = Path(__file__).resolve().parents[1] / "data"
DATA = HERE / "archives" / "malformed"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
RECORDS = {record["file"]: record for record in MANIFEST["archives"]}
ELF_TRUTH = {f["file"]: f["truth"] for f in json.loads((HERE / "elf" / "manifest.json").read_text())["fixtures"]}
GOOD = MANIFEST["good_member"]
GOOD_TRUTH = ELF_TRUTH[GOOD["source"].removeprefix("tests/data/elf/")]

# What each defect class must say: the kind of the LG901 and words its reason carries (from what was built).
EXPECT = {
    "corrupt-deflate": ("corrupt", ["corrupt zip member", "zlib.error"]),
    "corrupt-lzma": ("corrupt", ["corrupt zip member", "LZMAError"]),
    "unsupported-method": ("unsupported", ["NotImplementedError", "compression method"]),
    "unsupported-version": ("unsupported", ["zip version 6.4"]),
    "encrypted": ("encrypted", ["encrypted zip member"]),
    "empty-name": ("archive", ["empty name"]),
    "truncated": ("truncated", ["truncated"]),
    "header-too-large": ("too-large", ["header claims 4294967296 bytes"]),
    "corrupt-directory": ("corrupt", ["corrupt zip archive", "BadZipFile"]),
}
RUN_BOUND = 60.0  # seconds for the whole corpus; each file takes well under one on a busy 2-core machine


def display(name: str, member: str) -> str:
    """The display path linkguard gives a member: names escaped, an empty name shown as such."""
    if member == "":
        return f"{DATA / name}!{EMPTY_NAME}"
    return f"{DATA / name}!{archives.safe_name(member)}"


def problems_in(report: Report, name: str) -> List[ArtifactReport]:
    archive = str(DATA / name)
    mine = [a for a in report.artifacts if a.path == archive or a.path.startswith(archive + "!")]
    return [a for a in mine if a.problem is not None]


def assert_good(report: ArtifactReport) -> None:
    """The member's facts are readelf's (via the ELF manifest), not merely present."""
    facts = report.facts
    assert facts is not None, report
    assert facts.linkage == GOOD_TRUTH["linkage"]
    assert facts.interpreter == GOOD_TRUTH["interpreter"]
    assert list(facts.needed) == GOOD_TRUTH["needed"]
    assert facts.type == GOOD_TRUTH["type"]


@pytest.fixture(scope="module")
def corpus_report() -> Iterator[Report]:
    started = time.monotonic()
    report = scan([str(DATA / name) for name in sorted(RECORDS)], Policy(jobs=1))
    assert time.monotonic() - started < RUN_BOUND
    yield report


# ------------------------------------------------------------------------------------------- corpus


def test_every_file_matches_its_manifest_sha256() -> None:
    on_disk = {p.name for p in DATA.iterdir() if p.suffix not in (".py", ".json")}
    assert on_disk == set(RECORDS)
    for name, record in RECORDS.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == record["sha256"], name
    good = (HERE / "elf" / GOOD["source"].removeprefix("tests/data/elf/")).read_bytes()
    assert hashlib.sha256(good).hexdigest() == GOOD["sha256"]


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_one_lg901_per_defect_and_a_full_report_for_the_good_member(corpus_report: Report, name: str) -> None:
    record = RECORDS[name]
    found = problems_in(corpus_report, name)
    expected_problems = 0
    for member, defect in record["defects"].items():
        if defect in ("odd-name", "link-outside"):
            continue  # not findings: see test_odd_names_are_escaped_and_checked, test_links_that_lead_out_are_named
        expected_problems += 1
        kind, words = EXPECT[defect]
        path = str(DATA / name) if member == "" and defect != "empty-name" else display(name, member)
        mine = [a for a in found if a.path == path]
        assert len(mine) == 1, (path, [(a.path, a.problem) for a in found])
        problem = mine[0].problem
        assert problem is not None
        assert problem.kind == kind, problem
        for word in words:
            assert word in problem.reason, problem
        assert [f.code for f in mine[0].findings] == ["LG901"]
    assert len(found) == expected_problems, [(a.path, a.problem) for a in found]
    if record["good"]:
        [good] = [a for a in corpus_report.artifacts if a.path == display(name, record["good"])]
        assert_good(good)


def test_no_internal_errors_in_the_corpus(corpus_report: Report) -> None:
    internal = [a for a in corpus_report.artifacts if a.problem is not None and a.problem.kind == "internal"]
    assert not internal


def test_odd_names_are_escaped_and_checked(corpus_report: Report) -> None:
    for name in ("zip-odd-names.zip", "odd-names.tar.gz"):
        [member] = [m for m, d in RECORDS[name]["defects"].items() if d == "odd-name"]
        assert any(ord(c) < 0x20 for c in member)
        [report] = [a for a in corpus_report.artifacts if a.path == display(name, member)]
        assert_good(report)  # the content is checked like any other member
    for artifact in corpus_report.artifacts:
        assert all(c.isprintable() for c in artifact.path), artifact.path


def test_empty_names_are_a_problem_and_their_content_is_checked(corpus_report: Report) -> None:
    for name in ("zip-empty-name.zip", "empty-name.tar"):
        elf = [a for a in corpus_report.artifacts if a.path == display(name, "") and a.facts is not None]
        assert len(elf) == 1
        assert_good(elf[0])


def test_links_that_lead_out_are_named_and_never_read_through(corpus_report: Report) -> None:
    """Links are skipped, never followed; one whose target leaves the archive's tree says so (not a finding: trees
    of installed files are full of `bin/vi -> /etc/alternatives/vi`)."""
    for name in ("symlink-out.tar", "zip-symlink-out.zip"):
        for member, defect in RECORDS[name]["defects"].items():
            assert defect == "link-outside"
            [skipped] = [s for s in corpus_report.skipped if s.path == display(name, member)]
            assert "leads outside the archive's tree" in skipped.reason and "not followed" in skipped.reason
    path = display("symlink-out.tar", "good/inside")
    [skipped] = [s for s in corpus_report.skipped if s.path == path]
    assert skipped.reason == "symbolic link to app; links inside archives are not followed"
    assert not any(a.path == path for a in corpus_report.artifacts)


@pytest.mark.parametrize("jobs", [1, 2])
def test_cli_exits_1_never_3(jobs: int) -> None:
    paths = [str(DATA / name) for name in sorted(RECORDS)]
    started = time.monotonic()
    code, report = run_json(["-j", str(jobs), *paths])
    assert time.monotonic() - started < RUN_BOUND
    assert code == 1
    kinds = {a["problem"]["kind"] for a in report["artifacts"] if a["problem"]}
    assert kinds <= {"corrupt", "truncated", "unsupported", "encrypted", "archive", "too-large"}, kinds


# ------------------------------------------------------------------------------------------- independent truth


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        message = f"{tool} is not installed: cannot re-check the recorded {tool} verdicts"
        if os.environ.get("LINKGUARD_REQUIRE_TOOLS") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _verdicts() -> Iterator[Any]:
    for name, record in sorted(RECORDS.items()):
        for check in record["tools"]:
            if "<" not in check["command"]:  # the LZMA check pipes bytes the script held; re-run below
                yield pytest.param(name, check, id=f"{name}:{check['command'].split()[0]}")


@pytest.mark.parametrize(("name", "check"), list(_verdicts()))
def test_independent_tool_verdicts_hold(name: str, check: Dict[str, Any]) -> None:
    """The tool agrees today with what it said when the corpus was built (exit code and first lines)."""
    command = check["command"].split()
    _need(command[0])
    done = subprocess.run(
        [*command, str(DATA / name)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=30,
        cwd=DATA,
        env={**os.environ, "LC_ALL": "C"},
    )
    assert done.returncode == check["exit"], (done.stdout, done.stderr)


def test_the_broken_members_are_broken_per_the_tools() -> None:
    """The recorded verdicts say what the test above relies on (a regression in the script would show here)."""
    unzip = {n: r["tools"][0] for n, r in RECORDS.items() if n.endswith(".zip")}
    assert "invalid compressed data to inflate bad/app" in " ".join(unzip["zip-corrupt-deflate.zip"]["output"])
    assert "incorrect password" in " ".join(unzip["zip-encrypted-classic.zip"]["output"])
    assert "unsupported compression" in " ".join(unzip["zip-bad-version.zip"]["output"])
    zipinfo = " ".join(RECORDS["zip-bad-version.zip"]["tools"][1]["output"])
    assert "minimum software version required to extract:   6.4" in zipinfo
    assert "imploded" in " ".join(RECORDS["zip-unsupported-method.zip"]["tools"][1]["output"])
    lzma_check = RECORDS["zip-corrupt-lzma.zip"]["tools"][-1]
    assert lzma_check["command"].startswith("xz ") and lzma_check["exit"] != 0
    assert "Compressed data is corrupt" in " ".join(lzma_check["output"])
    for name in ("huge-longname.tar", "huge-pax.tar.xz", "magic-only.tar", "huge-size.tar.gz"):
        assert RECORDS[name]["tools"][0]["exit"] == 2, name  # GNU tar: fatal error
    assert RECORDS["magic-only.deb"]["tools"][1]["exit"] == 2  # dpkg-deb -c


# ------------------------------------------------------------------------------------------- boundaries


def _expand(name: str, deadline: Optional[Deadline] = None) -> List[Any]:
    path = DATA / name
    kind = sniff_archive(path.read_bytes()[:512])
    assert kind is not None
    size = path.stat().st_size
    return list(archives.expand(str(path), str(path), size, kind, ArchiveLimits(), lambda _a: None, deadline=deadline))


def test_a_bug_while_reading_one_zip_member_is_that_members_internal_lg901(monkeypatch: pytest.MonkeyPatch) -> None:
    from linkguard.inputs import walker

    real = walker.ArchiveWalker.member

    def broken(self: walker.ArchiveWalker, source: Any, path: str, *rest: Any, **kw: Any) -> Any:
        if path.endswith("line"):
            raise TypeError("simulated bug")
        return real(self, source, path, *rest, **kw)

    monkeypatch.setattr(walker.ArchiveWalker, "member", broken)
    entries = _expand("zip-odd-names.zip")  # two readable members; the second one hits a "bug"
    [problem] = [e for e in entries if not isinstance(e, Skipped)]
    assert problem.unreadable.kind == "internal"
    assert "TypeError: simulated bug" in problem.unreadable.reason and "please report" in problem.unreadable.reason
    assert any(isinstance(e, Skipped) and e.path.endswith("good/app") for e in entries)  # the walk went on


def test_a_bug_in_a_container_is_that_archives_internal_lg901(monkeypatch: pytest.MonkeyPatch) -> None:
    from linkguard.inputs import tar

    def broken(*_args: Any, **_kw: Any) -> Any:
        raise KeyError("simulated bug")

    monkeypatch.setattr(tar, "read", broken)
    [problem] = _expand("huge-size.tar.gz")
    assert problem.unreadable.kind == "internal" and "KeyError" in problem.unreadable.reason


def _stalled_tar(tmp_path: Path, compress: Any, suffix: str) -> Path:
    """A compressed tar whose regular member claims 2**80 bytes after some text: the member is skipped after its
    first bytes (not an executable), so tarfile's forward seek to the next header stalls at the end of data."""
    import tarfile

    info = tarfile.TarInfo("bad/huge")
    info.size = 1 << 80
    info.mtime = 1704067200
    head = info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")
    path = tmp_path / f"stalled.tar.{suffix}"
    path.write_bytes(compress(head + b"text, not an executable\n" * 4096))  # more than one buffered read
    return path


def test_the_deadline_alone_ends_a_stalled_tar_stream(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With the end-of-data guard off, the clock still stops the 2**80-byte skip, as LG901 kind budget."""
    import lzma

    monkeypatch.setattr(streams, "STALL_READS", 1 << 62)
    started = time.monotonic()
    entries = _expand(str(_stalled_tar(tmp_path, lzma.compress, "xz")), Deadline(0.5))
    assert time.monotonic() - started < 30
    [problem] = [e for e in entries if hasattr(e, "unreadable")]
    assert problem.unreadable.kind == "budget" and "0.5 s" in problem.unreadable.reason


def test_the_walk_stops_at_stop_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import gzip

    monkeypatch.setattr(streams, "STALL_READS", 1 << 62)
    deadline = Deadline(3600.0, stop_at=time.monotonic() + 0.5)
    entries = _expand(str(_stalled_tar(tmp_path, gzip.compress, "gz")), deadline)
    [problem] = [e for e in entries if hasattr(e, "unreadable")]
    assert problem.unreadable.kind == "budget" and "archive time limit reached" in problem.unreadable.reason


def test_the_deadline_restarts_per_member() -> None:
    now = [0.0]
    deadline = Deadline(10.0, clock=lambda: now[0])
    now[0] = 9.0
    deadline.check()
    deadline.restart()
    now[0] = 18.0
    deadline.check()
    now[0] = 19.5
    with pytest.raises(Exception, match="longer than 10 s"):
        deadline.check()


def test_watched_stream_stops_a_reader_stuck_at_the_end() -> None:
    import io

    watched = streams.Watched(io.BytesIO(b"abc"), "x.tar.gz", Deadline(60.0))
    assert watched.read(10) == b"abc"
    with pytest.raises(streams.ArchiveError, match="claims more data") as caught:
        for _ in range(streams.STALL_READS + 2):
            watched.read(10240)
    assert caught.value.owner == "x.tar.gz" and caught.value.kind == "truncated"


def test_watched_stream_clips_seeks_and_reads_to_the_known_size() -> None:
    import io

    watched = streams.Watched(io.BytesIO(b"abcdef"), "x.tar", Deadline(60.0), size=4)
    assert watched.seek(1 << 80) == 4
    assert watched.read(1 << 40) == b""
    watched.seek(1)
    assert watched.read(1 << 40) == b"bcd"


# ------------------------------------------------------------------------------------------- small parts


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (EOFError("Compressed file ended"), "truncated"),
        (NotImplementedError("zip file version 6.4"), "unsupported"),
        (RuntimeError("File 'x' is encrypted, password required for extraction"), "encrypted"),
        (OSError("Invalid data stream"), "corrupt"),
        (PermissionError(13, "Permission denied"), "permission"),
        (MemoryError(), "budget"),
        (ValueError("bad"), "corrupt"),
        (TypeError("NoneType"), "internal"),
        (AttributeError("x"), "internal"),
        (AssertionError(), "internal"),
    ],
)
def test_unreadable_kinds(exc: Exception, kind: str) -> None:
    result = failures.unreadable(exc, "zip member")
    assert result.kind == kind
    assert type(exc).__name__ in result.reason or kind == "permission"


@pytest.mark.parametrize(
    ("name", "target", "escapes"),
    [
        ("bin/link", "../../etc/passwd", True),
        ("bin/link", "/etc/shadow", True),
        ("a/b/link", "../x", False),
        ("link", "app", False),
        ("a/link", "../../x", True),
        ("a/link", "", False),
    ],
)
def test_link_escape(name: str, target: str, escapes: bool) -> None:
    assert (link_escape(name, target) is not None) == escapes


def test_empty_member_name_is_unsafe() -> None:
    assert unsafe_reason("") == "empty name"
    assert unsafe_reason("a") is None


def test_a_tar_header_cut_short_is_still_a_tar() -> None:
    head = (DATA / "truncated-header.tar").read_bytes()
    assert len(head) < 512 and is_tar(head) and sniff_archive(head) == "tar"
    assert not is_tar(b"\0" * 300)


def test_zip64_end_records_locate_the_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The directory bounds read before zipfile (member-count limit, version patching) agree with zipfile's."""
    import io
    import zipfile

    from linkguard.inputs import zip as zip_format

    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)  # makes zipfile write zip64 end records for 3 members
    path = tmp_path / "z64.zip"
    with zipfile.ZipFile(path, "w") as writer:
        for i in range(3):
            writer.writestr(f"m{i}", b"x" * i)
    data = path.read_bytes()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data
    directory = zip_format._directory(io.BytesIO(data))
    assert directory is not None and directory.count == 3
    with zipfile.ZipFile(path) as reader:
        assert directory.start == reader.start_dir  # type: ignore[attr-defined]
    monkeypatch.undo()
    entries = list(
        archives.expand(str(path), str(path), len(data), "zip", ArchiveLimits(max_members=2), lambda _a: None)
    )
    [problem] = entries
    assert "archive-members limit 2 exceeded" in problem.unreadable.reason


def test_truncated_ar_member_is_the_archives_lg901(tmp_path: Path) -> None:
    header = f"{'debian-binary':<16}{0:<12}{0:<6}{0:<6}{100644:<8}{4:<10}`\n".encode()
    data_header = f"{'data.tar.gz':<16}{0:<12}{0:<6}{0:<6}{100644:<8}{5000:<10}`\n".encode()
    path = tmp_path / "short.deb"
    path.write_bytes(b"!<arch>\n" + header + b"2.0\n" + data_header + b"\x1f\x8b\x08" + b"\0" * 50)
    [problem] = list(archives.expand(str(path), str(path), path.stat().st_size, "ar", ArchiveLimits(), lambda _a: None))
    assert problem.unreadable.kind == "truncated" and "past the end of the archive" in problem.unreadable.reason


def test_inputs_import_nothing_above_them() -> None:
    """inputs/ sits below readers/, config, rules and report: it imports none of them."""
    import ast

    package = Path(archives.__file__).parent
    for module in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                assert not name.startswith(
                    ("linkguard.readers", "linkguard.config", "linkguard.rules", "linkguard.report")
                ), (module.name, name)
