"""CLI plumbing for GitHub: format auto-selection, env files, side outputs and the branch filter."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Dict, List

import pytest

from linkguard.cli import main
from tests.unit.test_report_github import parse_commands, parse_output_file

BIN = Path(__file__).resolve().parents[1] / "data" / "elf" / "bin"
STATIC = BIN / "musl-gcc-static"
DYNAMIC = BIN / "gcc-glibc-dynamic-libm"
HOSTILE = "a,b:c%0A::error::x"


@pytest.fixture
def github_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Dict[str, Path]:
    files = {"output": tmp_path / "output.txt", "summary": tmp_path / "summary.md"}
    for path in files.values():
        path.write_text("", encoding="utf-8")
    for name in ("GITHUB_BASE_REF", "GITHUB_REF", "PRE_COMMIT_REMOTE_BRANCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(files["output"]))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(files["summary"]))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return files


def run(argv: List[str], capsys: pytest.CaptureFixture[str]) -> tuple:
    code = main(["--no-config", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_github_format_is_automatic_and_writes_env_files(
    github_env: Dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dist").mkdir()
    shutil.copy(DYNAMIC, tmp_path / "dist" / HOSTILE)
    shutil.copy(STATIC, tmp_path / "dist" / "static")
    code, out, _ = run(["dist", "--output-json", "r.json", "--output-sarif", "r.sarif"], capsys)
    assert code == 1
    commands = parse_commands(out)
    assert [(c[0], c[1]["file"]) for c in commands] == [("error", f"dist/{HOSTILE}")]
    outputs = parse_output_file(github_env["output"].read_text(encoding="utf-8"))
    assert outputs == {
        "errors": "1",
        "warnings": "0",
        "notes": "0",
        "artifacts": "2",
        "failed": "true",
        "json": str(tmp_path / "r.json"),
        "sarif": str(tmp_path / "r.sarif"),
    }
    summary = github_env["summary"].read_text(encoding="utf-8")
    assert summary.startswith("## ❌ linkguard: failed (1 error, 0 warnings)")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]["failed"] is True
    sarif = json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "dist/a%2Cb%3Ac%250A%3A%3Aerror%3A%3Ax"


def test_no_annotations_no_summary(
    github_env: Dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(DYNAMIC, tmp_path / "dyn")
    code, out, _ = run(["dyn", "--no-annotations", "--no-summary"], capsys)
    assert code == 1
    assert parse_commands(out) == []
    assert github_env["summary"].read_text(encoding="utf-8") == ""
    assert parse_output_file(github_env["output"].read_text(encoding="utf-8"))["failed"] == "true"


def test_explicit_format_wins_and_writes_no_env_files(
    github_env: Dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(STATIC, tmp_path / "static")
    code, out, _ = run(["static", "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["summary"]["failed"] is False
    assert github_env["output"].read_text(encoding="utf-8") == ""


def test_only_branches_skips_with_one_line(
    github_env: Dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_REF", "refs/heads/feature/x")
    code, out, err = run(["--only-branches", "^release/", str(DYNAMIC)], capsys)
    assert code == 0
    assert out == ""
    assert err.splitlines() == [
        "linkguard: skipped: branch 'feature/x' (from GITHUB_REF) does not match --only-branches '^release/'"
    ]
    assert parse_output_file(github_env["output"].read_text(encoding="utf-8"))["skipped"] == "true"


def test_only_branches_runs_on_a_match(
    github_env: Dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/release/1")
    monkeypatch.setenv("GITHUB_REF", "refs/heads/feature/x")
    code, _, _ = run(["--only-branches", "^release/", "--format", "text", str(DYNAMIC)], capsys)
    assert code == 1


def test_only_branches_bad_regex_is_a_usage_error(
    github_env: Dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["--only-branches", "(", str(STATIC)], capsys)
    assert code == 2
    assert "invalid regular expression" in err
