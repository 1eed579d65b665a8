"""CLI plumbing for GitHub: format auto-selection, env files, side outputs and the branch filter."""

from __future__ import annotations

import json
import re
import shutil
import tarfile
import zipfile
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


# ----------------------------------------------------------------- names that try to be commands, through the CLI

FORGED_GITHUB = "::error title=forged::x"
FORGED_AZURE = "##vso[task.setvariable variable=X]1"
TERMINAL = "\x1b[2J\x1b]0;pwned\x07"
GITHUB_V2 = re.compile(r"^\s*::")  # the runner: TrimStart, then `::`
HASH_COMMAND = re.compile(r"##(vso|teamcity)?\[", re.IGNORECASE)  # Azure's and the runner's v1 form, anywhere


def hostile_tree(root: Path) -> None:
    """Real ELF fixtures under hostile names: in a directory, and as members of a tar.gz and a zip."""
    dist = root / "dist"
    dist.mkdir()
    for name in (FORGED_GITHUB, FORGED_AZURE, TERMINAL):
        shutil.copy(DYNAMIC, dist / name)
    with tarfile.open(dist / "release.tar.gz", "w:gz") as archive:
        for name in (FORGED_GITHUB, FORGED_AZURE, TERMINAL):
            archive.add(str(DYNAMIC), arcname=name)
    with zipfile.ZipFile(dist / "release.zip", "w") as archive:
        for name in (FORGED_GITHUB, FORGED_AZURE):
            archive.write(str(DYNAMIC), arcname=f"bin/{name}")
    # The same name given on the command line starts the line that names it.
    shutil.copy(DYNAMIC, root / FORGED_GITHUB)
    shutil.copy(DYNAMIC, root / FORGED_AZURE)


def assert_no_command_line(text: str) -> None:
    for line in text.splitlines():
        assert not GITHUB_V2.match(line), line
        assert not HASH_COMMAND.search(line), line
        assert "\x1b" not in line and "\x07" not in line, line


@pytest.mark.parametrize("verbose", [[], ["--verbose"]])
def test_text_names_never_become_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], verbose: List[str]
) -> None:
    hostile_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["--format", "text", *verbose, FORGED_GITHUB, FORGED_AZURE, "dist"], capsys)
    assert code == 1
    assert_no_command_line(out)
    lines = out.splitlines()
    # 3 files + 3 tar members + 2 zip members + 2 arguments, each still recognisable at the start of its line
    assert sum(line.startswith("\\" + FORGED_GITHUB) for line in lines) == 1
    assert sum(line.startswith("##vso\\[task.setvariable variable=X]1  dynamic") for line in lines) == 1
    assert sum(line.startswith("dist/\\x1b[2J\\x1b]0;pwned\\x07  dynamic") for line in lines) == 1
    assert sum(line.startswith("dist/release.tar.gz!") for line in lines) == 3
    assert sum(line.startswith("dist/release.zip!bin/") for line in lines) == 2
    assert lines[-1].startswith("linkguard: 10 artifacts checked")


def test_text_under_github_actions_is_wrapped_in_stop_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run(["--format", "text", FORGED_GITHUB, "dist"], capsys)
    assert code == 1
    lines = out.splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert len(token) == 64 and lines[-1] == f"::{token}::"
    assert parse_commands(out) == []
    assert_no_command_line("\n".join(lines[1:-1]))
    # written to a file, the report is not wrapped
    code, _, _ = run(["--format", "text", "-o", "report.txt", "dist"], capsys)
    assert not (tmp_path / "report.txt").read_text(encoding="utf-8").startswith("::stop-commands::")


def test_github_format_annotates_once_per_artifact_and_nothing_else(
    github_env: Dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_tree(tmp_path)
    code, out, _ = run(["dist"], capsys)
    assert code == 1
    commands = parse_commands(out)
    assert [c[0] for c in commands] == ["error"] * 8
    for _, _, message in commands:
        assert_no_command_line(message)
    summary = github_env["summary"].read_text(encoding="utf-8")
    assert_no_command_line(summary)
    assert summary.count("\n| dist/") == 8


def test_markdown_through_the_cli_renders_no_markup_from_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.unit.test_report_markdown import OUR_TAGS, parse

    dist = tmp_path / "dist"
    dist.mkdir()
    names = ("<script>alert(1)", "a|b", "`tick`", "[x](y)", "**b**", "www.example.com", "u@example.com")
    for name in names:
        shutil.copy(DYNAMIC, dist / name)
    shutil.copy(STATIC, dist / "static")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["--format", "markdown", "dist"], capsys)
    assert code == 1
    assert_no_command_line(out)
    table = parse(out)
    assert set(table.tags) <= OUR_TAGS
    assert sorted(row[0][0] for row in table.rows) == sorted([*(f"dist/{n}" for n in names), "dist/static"])
    assert all("code" in row[5][1] for row in table.rows if row[0][0] != "dist/static")
    assert "musl-gcc -static" in table.code


def test_text_for_a_release_prints_each_cause_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Twelve copies of one dynamic C program (readelf: NEEDED libm.so.6, libc.so.6): 12 artifact lines, 12
    finding lines, one cause and one fix."""
    dist = tmp_path / "dist"
    dist.mkdir()
    for index in range(12):
        shutil.copy(DYNAMIC, dist / f"tool-{index:02d}")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["--format", "text", "dist"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert sum(line.startswith("dist/tool-") for line in lines) == 12
    assert sum(bool(re.match(r"  error LG101 dynamic-link \[[a-z-]+\]: ", line)) for line in lines) == 12
    causes = [line for line in lines if line.startswith("  cause")]
    fixes = [line for line in lines if line.startswith("  fix: ")]
    assert len(causes) == 1 and len(fixes) == 1
    assert "the system C library (libm.so.6, libc.so.6)" in causes[0]
    assert len(lines) == 12 * 2 + 2 + 3 + 1  # artifacts and findings, blank + heading, group, totals


def test_progress_line_shows_names_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    from linkguard.cli import _ProgressLine

    progress = _ProgressLine()
    progress._last = float("-inf")
    progress(1, 1, f"dist/{TERMINAL}")
    err = capsys.readouterr().err
    assert err.startswith("\r\x1b[K")  # the line's own reset, and no other escape
    assert "\x1b" not in err[4:] and "\x07" not in err
    assert "dist/\\x1b[2J\\x1b]0;pwned\\x07" in err
