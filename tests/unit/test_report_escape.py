"""neutralize(): no line it returns is a CI command, control characters are spelled out, the text stays readable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linkguard.report.escape import neutralize

# The runners' own tests for a command, as each documents it: GitHub trims leading white space then needs `::`
# (and finds the older `##[` anywhere); Azure finds `##vso[` anywhere; TeamCity `##teamcity[`.
GITHUB_V2 = re.compile(r"^\s*::")
ANYWHERE = re.compile(r"##(vso|teamcity)?\[", re.IGNORECASE)


def is_command(line: str) -> bool:
    return bool(GITHUB_V2.match(line) or ANYWHERE.search(line))


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("::error title=forged::x", "\\::error title=forged::x"),
        ("   ::warning::x", "   \\::warning::x"),
        ("dist/::error::x", "dist/::error::x"),  # not at line start: no command, left alone
        ("##vso[task.setvariable variable=X]1", "##vso\\[task.setvariable variable=X]1"),
        ("dist/a ##VSO[task.complete]", "dist/a ##VSO\\[task.complete]"),
        ("##[group]x", "##\\[group]x"),
        ("##teamcity[buildStatus text='x']", "##teamcity\\[buildStatus text='x']"),
        ("\x1b[2J\x1b]0;title\x07", "\\x1b[2J\\x1b]0;title\\x07"),
        ("\x9b31m", "\\x9b31m"),
        ("a\u202eb", "a\\u202eb"),
        ("\u00a0::error::x", "\\xa0::error::x"),  # .NET TrimStart would trim U+00A0: it is spelled out instead
        ("\u2028::error::x", "\\u2028::error::x"),
        ("x\r::error::y", "x\\r::error::y"),
        ("plain/path-1.2", "plain/path-1.2"),
    ],
)
def test_neutralize(raw: str, shown: str) -> None:
    assert neutralize(raw) == shown
    assert not any(is_command(line) for line in neutralize(raw).split("\n"))


def test_each_line_is_neutralized() -> None:
    text = neutralize("ok\n::error::x\n  ##vso[a]b")
    assert text.split("\n") == ["ok", "\\::error::x", "  ##vso\\[a]b"]


def test_undecodable_bytes_are_spelled_out() -> None:
    name = b"bin/\xff::x".decode("utf-8", "surrogateescape")
    assert neutralize(name) == "bin/\\xff::x"


def test_every_json_format_hides_azure_commands_in_file_names(tmp_path: Path) -> None:
    """json, sarif and gitlab print file names inside JSON strings: the prefix is escaped, the value kept."""
    import json
    import shutil

    from tests.conftest import run_cli

    source = Path(__file__).resolve().parents[1] / "data" / "elf" / "bin" / "gcc-glibc-dynamic-libm"
    name = "##vso[task.setvariable variable=X]1"
    shutil.copyfile(source, tmp_path / name)
    for fmt in ("json", "sarif", "gitlab"):
        _, text = run_cli(["-f", fmt, str(tmp_path)])
        assert "##vso[" not in text.lower() and "##[" not in text, fmt
        assert name in json.dumps(json.loads(text), ensure_ascii=False), fmt
