"""An archive is reported as what happened to it: through its members when any was checked or failed, "skipped"
only when nothing in it is an executable.

hostile-truncated.tar is release.tar cut inside a member (tests/data/archives/manifest.json): its one executable
member is LG901 and its README is no executable. The archive was once also listed as "skipped (archive: 1 member
is not an ELF file)", a skipped test in JUnit, beside the failure that made the run fail.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from linkguard.inputs.members import NOT_INSPECTED
from tests.conftest import run_cli, run_json

ARCHIVES = Path(__file__).resolve().parents[1] / "data" / "archives"
TRUNCATED = ARCHIVES / "hostile-truncated.tar"
RECORD = {r["file"]: r for r in json.loads((ARCHIVES / "manifest.json").read_text())["archives"]}


def test_an_archive_with_a_failed_member_is_not_skipped() -> None:
    assert RECORD["hostile-truncated.tar"]["expect_archive_problem"] == "truncated"
    code, report = run_json([str(TRUNCATED)])
    assert [s["path"] for s in report["skipped_files"]] == []
    [member] = report["artifacts"]
    assert member["path"] == f"{TRUNCATED}!spex/bin/spex" and member["problem"]["kind"] == "truncated"
    assert [f["code"] for f in member["findings"]] == ["LG901"]
    assert report["summary"] == {**report["summary"], "artifacts": 1, "skipped": 0, "errors": 1, "failed": True}
    assert code == 1


def test_junit_shows_the_failure_and_no_skipped_test() -> None:
    _, text = run_cli(["--format", "junit", str(TRUNCATED)])
    suite = ET.fromstring(text).find("testsuite")
    assert suite is not None
    assert suite.get("skipped") == "0" and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [f"{TRUNCATED}!spex/bin/spex"]
    assert cases[0].find("failure") is not None and cases[0].find("skipped") is None


def test_an_archive_of_no_executables_is_skipped_and_says_why(tmp_path: Path) -> None:
    import tarfile

    path = tmp_path / "docs.tar"
    with tarfile.open(path, "w") as archive:
        archive.add(ARCHIVES / "src" / "spex.c", "src/spex.c")
    _, report = run_json(["--allow-empty", str(path)])  # nothing to check is LG902 otherwise (test_empty_run.py)
    assert report["artifacts"] == []
    assert report["skipped_files"] == [
        {"path": str(path), "reason": "archive: 1 member is not an executable (ELF, PE or Mach-O)"}
    ]


def test_the_skip_reason_names_the_formats_read() -> None:
    assert NOT_INSPECTED == "not an executable (ELF, PE or Mach-O)"
