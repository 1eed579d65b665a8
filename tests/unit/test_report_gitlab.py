"""GitLab Code Quality: valid against GitLab's own Code Climate schema plus the fields its docs require."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from linkguard.cli import main
from linkguard.report import RenderOptions
from linkguard.report.gitlab import GitlabReporter
from tests.truth import require_module
from tests.unit._ci_hostile import ci_commands, hostile_tree
from tests.unit._report_samples import WORKSPACE, clean_report, many_report, mixed_report

jsonschema = require_module("jsonschema", reason="jsonschema (the test extra) validates the report")

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "schemas" / "gitlab-codeclimate.json"
SCHEMA_SHA256 = "66b43685a7569ad97e773a552f0d9d98e35b45c03fbe31b6a478c1af8d737a92"
SEVERITIES = {"info", "minor", "major", "critical", "blocker"}  # GitLab Code Quality documentation


def render(report: Any) -> List[Dict[str, Any]]:
    issues: List[Dict[str, Any]] = json.loads(GitlabReporter().render(report, RenderOptions(workspace=WORKSPACE)).text)
    return issues


def validate(issues: List[Dict[str, Any]]) -> None:
    """GitLab's per-issue schema, then what GitLab's documentation adds (check_name, lines.begin, severities)."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    assert isinstance(issues, list)
    for issue in issues:
        errors = [e.message for e in validator.iter_errors(issue)]
        assert not errors, errors
        assert isinstance(issue["check_name"], str) and issue["check_name"]
        assert issue["severity"] in SEVERITIES
        assert isinstance(issue["location"]["path"], str) and issue["location"]["path"]
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1


def test_schema_file_is_the_recorded_one() -> None:
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256


@pytest.mark.parametrize("make", [clean_report, mixed_report, lambda: many_report(30, 20)])
def test_valid(make: Any) -> None:
    validate(render(make()))


def test_the_schema_rejects_a_broken_issue() -> None:
    issue = render(mixed_report())[0]
    del issue["fingerprint"]
    with pytest.raises(AssertionError):
        validate([issue])


def test_one_issue_per_finding_with_distinct_fingerprints() -> None:
    report = mixed_report()
    issues = render(report)
    assert len(issues) == sum(len(a.findings) for a in report.artifacts)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    by_check = {(i["location"]["path"], i["check_name"]): i for i in issues}
    packed = by_check[("dist/release.tar.gz", "LG201 upx-packed")]
    assert "archive member app/bin/packed" in packed["description"]
    assert packed["severity"] == "major"
    assert "Security" in packed["categories"]  # upx-packed is the one security rule
    assert by_check[("dist/warned", "LG102 glibc-too-new")]["severity"] == "minor"
    assert "Fix: link with `musl-gcc -static`" in by_check[("dist/app", "LG101 dynamic-link")]["content"]["body"]


def test_fingerprints_are_stable_across_workspaces() -> None:
    first = [i["fingerprint"] for i in render(mixed_report())]
    elsewhere = json.loads(GitlabReporter().render(mixed_report(), RenderOptions(workspace="/other")).text)
    assert first == [i["fingerprint"] for i in elsewhere]


def test_hostile_names_issue_no_ci_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "dist"
    dynamic = hostile_tree(root)
    out = tmp_path / "gl-code-quality-report.json"
    assert main(["--no-config", "--format", "gitlab", "--output", str(out), str(root)]) == 1
    issues = json.loads(out.read_text(encoding="utf-8"))
    validate(issues)
    assert len(issues) == len(dynamic)  # one LG101 per dynamic copy (readelf: DT_NEEDED libm, libc)
    for issue in issues:
        assert ci_commands(issue["description"]) == [] and ci_commands(issue["content"]["body"]) == []
    capsys.readouterr()
