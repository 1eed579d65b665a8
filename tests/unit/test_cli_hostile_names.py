"""File names built to break a CI log, through the real command for every output format.

A release can hold any name a file system allows: terminal escapes, Azure's `##vso[` logging commands, GitHub's
`::` workflow commands, line breaks, `%` (the workflow-command escape), `|` and angle brackets (markdown and XML),
bytes that are not UTF-8 and C1 controls (U+009B is a one-character CSI). Each output, on standard output and in
a file, must be valid for its format, carry no raw control character, and issue no command but linkguard's own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List

import pytest

from linkguard.report import REPORTERS
from tests.unit.test_report_github import parse_commands

ROOT = Path(__file__).resolve().parents[2]
DYNAMIC = ROOT / "tests" / "data" / "elf" / "bin" / "gcc-glibc-dynamic-libm"

NAMES = (
    "esc\x1b[31mred\x07",
    "##vso[task.setvariable variable=X]1",
    "##[error]forged",
    "::error title=forged::x",
    "  ::warning::indented",
    "nl\n::error::second-line",
    "cr\rname",
    "pct%0Aand%25",
    "bar|pipe",
    '<b>ang&"q</b',
    "c1\u009b31mx",
    os.fsdecode(b"bad\xff\xfebytes"),
)
# Raw control characters, C0 (less line feed) and C1, and DEL.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f]")
HASH_COMMAND = re.compile(r"##[A-Za-z]*\[")
# What only linkguard may start a line with under GitHub: stop/resume and its annotations.
OWN_COMMAND = re.compile(r"^::(stop-commands::[0-9a-f]{64}|[0-9a-f]{64}::|error |warning |notice )")


def hostile_tree(root: Path) -> Path:
    """A real dynamic ELF (readelf -d: NEEDED libm.so.6, libc.so.6) under every name, as files and as tar
    members."""
    dist = root / "dist"
    dist.mkdir()
    for name in NAMES:
        path = dist / name.replace("/", "_")
        shutil.copy(DYNAMIC, path)
    with tarfile.open(dist / "release.tar.gz", "w:gz", format=tarfile.PAX_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as archive:  # fmt: skip
        for name in NAMES:
            archive.add(str(DYNAMIC), arcname="bin/" + name.replace("/", "_"))
    return dist


def linkguard(args: List[str], cwd: Path, env: Dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    full.update(env, PYTHONPATH=str(ROOT / "src"), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "linkguard", "--no-config", *args], cwd=cwd, env=full, capture_output=True, timeout=120
    )


def assert_harmless(raw: bytes, what: str) -> str:
    text = raw.decode("utf-8")  # strict: a name's undecodable bytes are shown escaped, never written raw
    bad = CONTROL.search(text)
    assert bad is None, (
        f"{what}: raw control character {bad.group()!r} near {text[max(0, bad.start() - 60) : bad.end() + 20]!r}"
    )
    assert not HASH_COMMAND.search(text), f"{what}: {HASH_COMMAND.search(text)}"
    for line in text.splitlines():
        stripped = line.lstrip()
        assert not stripped.startswith("::") or OWN_COMMAND.match(stripped), f"{what}: {line!r}"
    return text


def assert_valid(fmt: str, text: str) -> None:
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(text)
    elif fmt == "junit":
        ET.fromstring(text.encode("utf-8"))


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_hostile_names_through_every_format(tmp_path: Path, fmt: str) -> None:
    hostile_tree(tmp_path)
    github = {"GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_OUTPUT": str(tmp_path / "outputs.txt")}
    env = github if fmt == "github" else {}
    result = linkguard(["--format", fmt, "dist"], tmp_path, env)
    assert result.returncode == 1, result.stderr.decode("utf-8", "replace")
    out = assert_harmless(result.stdout, f"{fmt} stdout")
    assert_harmless(result.stderr, f"{fmt} stderr")
    assert_valid(fmt, out)
    written = linkguard(["--format", fmt, "--output", f"report.{fmt}", "dist"], tmp_path, env)
    assert written.returncode == 1, written.stderr.decode("utf-8", "replace")
    assert_valid(fmt, assert_harmless((tmp_path / f"report.{fmt}").read_bytes(), f"{fmt} file"))
    if fmt == "github":
        assert_harmless((tmp_path / "summary.md").read_bytes(), "job summary")
        assert_harmless((tmp_path / "outputs.txt").read_bytes(), "step outputs")
        commands = parse_commands(out)
        assert len(commands) == 10  # GitHub's cap per level; the last one counts the rest
        for name, properties, message in commands:
            assert name == "error"
            for value in (*properties.values(), message):
                assert_harmless(value.encode("utf-8"), f"annotation {value!r}")
    if fmt == "text":
        # recognisable: each name's line, escaped, once as a file and once as a member
        assert out.count("dist/esc\\x1b[31mred\\x07  dynamic") == 1
        assert out.count("dist/release.tar.gz!bin/bad\\xff\\xfebytes  dynamic") == 1


@pytest.mark.parametrize("side", ["--output-json", "--output-sarif", "--output-junit", "--output-gitlab"])
def test_hostile_names_in_side_reports(tmp_path: Path, side: str) -> None:
    hostile_tree(tmp_path)
    result = linkguard(["dist", side, "side.out"], tmp_path, {})
    assert result.returncode == 1, result.stderr.decode("utf-8", "replace")
    assert_harmless(result.stdout, "text log")
    fmt = side.rsplit("-", 1)[1]
    assert_valid(fmt, assert_harmless((tmp_path / "side.out").read_bytes(), side))


def test_a_usage_error_quoting_a_hostile_name_is_harmless(tmp_path: Path) -> None:
    hostile_tree(tmp_path)
    name = "base\x1b[31m##vso[task.setvariable variable=X]1.json"
    result = linkguard(["--baseline", name, "dist"], tmp_path, {"GITHUB_ACTIONS": "true"})
    assert result.returncode == 2
    err = assert_harmless(result.stderr, "stderr")
    assert "base\\x1b[31m##vso\\[task.setvariable" in err
    (annotation,) = parse_commands(assert_harmless(result.stdout, "stdout"))
    assert annotation[0] == "error" and "usage or configuration error" in annotation[1]["title"]
    assert_harmless(annotation[2].encode("utf-8"), "annotation")
