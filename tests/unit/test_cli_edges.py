"""The command at its edges, as users meet them: closed pipes, report paths, side reports, unexpanded globs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import List

import pytest

from linkguard import cli
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "tests" / "data" / "elf" / "bin"
DYNAMIC = BIN / "gcc-glibc-dynamic-libm"  # readelf -d: NEEDED libm.so.6, libc.so.6
STATIC = BIN / "musl-gcc-static"  # readelf -l: no INTERP, no DYNAMIC


def linkguard(args: List[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(PYTHONPATH=str(ROOT / "src"), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "linkguard", "--no-config", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ------------------------------------------------------------------------------------------ a closed pipe


@pytest.mark.parametrize("args", [["--verbose", "dist"], ["--format", "json", "dist"], ["--list-rules"]])
def test_a_reader_that_stops_early_ends_the_run_quietly(tmp_path: Path, args: List[str]) -> None:
    """`linkguard dist | head -1`: a real pipe whose reader closes it after one line. The run stops without a
    word on stderr and exits 141, as a shell reports a program that SIGPIPE ended."""
    dist = tmp_path / "dist"
    dist.mkdir()
    shutil.copy(DYNAMIC, dist / "tool-0000")
    for index in range(1, 400):  # hard links: reported once per path, read once; ~250 KB of verbose text
        os.link(dist / "tool-0000", dist / f"tool-{index:04d}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(PYTHONPATH=str(ROOT / "src"), NO_COLOR="1")
    command = [sys.executable, "-m", "linkguard", "--no-config", *args]
    with subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdout is not None and child.stderr is not None
        first = child.stdout.read(100)  # the JSON report is one line: read bytes, as `head -c 100` does
        child.stdout.close()  # what `head` does once it has what it wanted
        stderr = child.stderr.read()
        code = child.wait(timeout=120)
    assert first
    if args == ["--list-rules"]:  # a few hundred bytes fit in the pipe: it may finish before the close
        assert code in (0, cli.EXIT_STDOUT_CLOSED) and stderr == b""
        return
    assert stderr == b""
    assert code == cli.EXIT_STDOUT_CLOSED == 141


def test_the_closed_pipe_status_is_documented() -> None:
    epilog = cli.build_parser().epilog or ""
    assert "141" in epilog
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "141" in readme


# ------------------------------------------------------------------------------------------- report paths


@pytest.mark.parametrize("option", ["--output", "--output-json", "--output-sarif", "--output-junit", "--output-gitlab"])
def test_a_report_into_a_missing_directory_creates_it(tmp_path: Path, option: str) -> None:
    shutil.copy(STATIC, tmp_path / "static")
    target = tmp_path / "reports" / "deep" / "linkguard.out"
    code, _ = run_cli([option, str(target), str(tmp_path / "static")])
    assert code == 0
    assert target.read_text(encoding="utf-8")


@pytest.mark.parametrize("option", ["-o", "--output-sarif"])
def test_a_report_path_that_cannot_be_written_is_a_usage_error(
    tmp_path: Path, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(STATIC, tmp_path / "static")
    blocked = tmp_path / "static" / "report.out"  # under a regular file
    code, _ = run_cli([option, str(blocked), str(tmp_path / "static")])
    assert code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert f"cannot write {blocked}" in err and "internal error" not in err
    code, _ = run_cli([option, str(tmp_path), str(tmp_path / "static")])  # a directory
    assert code == cli.EXIT_USAGE
    assert f"cannot write {tmp_path}: it is a directory" in capsys.readouterr().err


def test_a_report_into_a_missing_directory_through_the_real_command(tmp_path: Path) -> None:
    shutil.copy(DYNAMIC, tmp_path / "app")
    result = linkguard(["--output-sarif", "out/sarif/linkguard.sarif", "app"], tmp_path)
    assert result.returncode == 1, result.stderr
    assert json.loads((tmp_path / "out" / "sarif" / "linkguard.sarif").read_text())["version"] == "2.1.0"


# ------------------------------------------------------------------------------------------- side reports


def test_one_run_gives_the_text_log_and_every_report(tmp_path: Path) -> None:
    shutil.copy(DYNAMIC, tmp_path / "app")
    shutil.copy(STATIC, tmp_path / "static")
    result = linkguard(
        [
            "--output-json",
            "r/linkguard.json",
            "--output-sarif",
            "r/linkguard.sarif",
            "--output-junit",
            "r/junit.xml",
            "--output-gitlab",
            "r/gl-code-quality.json",
            "app",
            "static",
        ],
        tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert "app  dynamic" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("linkguard: 2 artifacts checked")
    reports = tmp_path / "r"
    assert json.loads((reports / "linkguard.json").read_text())["summary"]["errors"] == 1
    assert len(json.loads((reports / "linkguard.sarif").read_text())["runs"][0]["results"]) == 1
    suite = ET.parse(reports / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    issues = json.loads((reports / "gl-code-quality.json").read_text())
    assert [issue["location"]["path"] for issue in issues] == ["app"]


# ------------------------------------------------------------------------------ globs the shell left alone


def glob_tree(root: Path) -> None:
    (root / "dist" / "sub").mkdir(parents=True)
    shutil.copy(DYNAMIC, root / "dist" / "app.exe")
    shutil.copy(STATIC, root / "dist" / "sub" / "tool.exe")
    shutil.copy(STATIC, root / "dist" / "other.bin")


def checked_paths(report: dict) -> List[str]:
    return [a["path"] for a in report["artifacts"]]


def test_an_unexpanded_glob_is_expanded_as_the_shell_would(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import run_json

    glob_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, report = run_json(["dist/*.exe"])
    assert code == 1 and checked_paths(report) == ["dist/app.exe"]
    code, report = run_json(["dist/**/*.exe"])
    assert code == 1 and checked_paths(report) == ["dist/app.exe", "dist/sub/tool.exe"]


def test_a_path_that_exists_is_taken_literally_even_with_glob_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import run_json

    (tmp_path / "dist").mkdir()
    shutil.copy(STATIC, tmp_path / "dist" / "[x].bin")
    shutil.copy(DYNAMIC, tmp_path / "dist" / "x.bin")  # what the pattern [x].bin would match
    monkeypatch.chdir(tmp_path)
    code, report = run_json(["dist/[x].bin"])
    assert code == 0 and checked_paths(report) == ["dist/[x].bin"]


def test_a_glob_that_matches_nothing_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import run_json

    glob_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, report = run_json(["dist/*.dll", "dist/app.exe"])
    assert code == 1
    (missing,) = [a for a in report["artifacts"] if a["path"] == "dist/*.dll"]
    assert [f["code"] for f in missing["findings"]] == ["LG901"]
    assert "no file matches this pattern" in missing["findings"][0]["message"]
    code, report = run_json(["dist/nothing.exe"])  # a plain path that does not exist keeps its own wording
    assert "no such file or directory" in report["artifacts"][0]["findings"][0]["message"]


def test_a_quoted_glob_through_the_real_command(tmp_path: Path) -> None:
    glob_tree(tmp_path)
    result = linkguard(["--format", "json", "dist/**/*.exe"], tmp_path)
    assert result.returncode == 1, result.stderr
    assert checked_paths(json.loads(result.stdout)) == ["dist/app.exe", "dist/sub/tool.exe"]


# ------------------------------------------------------------------------------------------ causes and fixes


def test_one_entry_per_cause_across_architectures(tmp_path: Path) -> None:
    """Two dynamic C programs, x86-64 and AArch64 (readelf -h: Machine), share one remedy: the closing section
    lists it once, with the fix as worded for each architecture."""
    shutil.copy(DYNAMIC, tmp_path / "app-amd64")
    shutil.copy(BIN / "zig-aarch64-linux-gnu-dynamic", tmp_path / "app-arm64")
    result = linkguard(["app-amd64", "app-arm64"], tmp_path)
    assert result.returncode == 1, result.stderr
    closing = result.stdout.split("Causes and fixes", 1)[1].splitlines()
    entries = [line for line in closing if line.startswith("[")]
    assert entries == ["[c-musl-static] LG101 dynamic-link, 2 artifacts: app-amd64, app-arm64"]
    fixes = [line for line in closing if line.startswith("  fix")]
    assert len(fixes) == 2
    assert "as worded for app-amd64" in fixes[0] and "zig cc -target x86_64-linux-musl" in fixes[0]
    assert "as worded for app-arm64" in fixes[1] and "zig cc -target aarch64-linux-musl" in fixes[1]
