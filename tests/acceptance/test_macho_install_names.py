"""Issue 15 item 9: a Mach-O install name is classified where the file system finds it, not by its raw prefix.

Fixtures: tests/data/macho/installnames/build.sh (zig cc, `-install_name` with `..`, `.` and `//`); truth: the
install names as `llvm-objdump --macho --dylibs-used` prints them, and the verdict written by hand from where each
name resolves (manifest.json `expected`).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict

import pytest

from tests.conftest import DATA, load_manifest, run_cli, validate_report
from tests.truth import missing, require_tool

HERE = DATA / "macho" / "installnames"
FIXTURES = load_manifest(HERE / "manifest.json")
IDS = [f["name"] for f in FIXTURES]


def _install_name(fixture: Dict[str, Any]) -> str:
    (line,) = [line for line in fixture["truth"]["dylibs_used"] if "libfoo" in line]
    return str(line.split(" (compatibility version")[0])


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_install_name_is_classified_where_it_resolves(fixture: Dict[str, Any]) -> None:
    _, text = run_cli(["--format", "json", "-j", "1", str(HERE / fixture["file"])])
    report = json.loads(text)
    validate_report(report)
    (artifact,) = report["artifacts"]
    (piece,) = artifact["macho"]["slices"]
    name = _install_name(fixture)
    (dylib,) = [d for d in piece["dylibs"] if d["path"] == name]
    expected = fixture["expected"]
    assert dylib["platform"] is expected["macos"]
    assert (dylib["resolved"] or dylib["path"]) == expected["resolves_to"]
    codes = [f["code"] for f in artifact["findings"]]
    assert codes == ([] if expected["macos"] else ["LG101"])


def test_homebrew_remedy_follows_the_resolved_name() -> None:
    fixture = next(f for f in FIXTURES if f["name"] == "usefoo-up-from-usr-lib")
    _, text = run_cli(["--format", "json", "-j", "1", str(HERE / fixture["file"])])
    (finding,) = json.loads(text)["artifacts"][0]["findings"]
    assert finding["remedy"] == "macho-homebrew"


def test_library_allowance_matches_the_resolved_name(tmp_path: Path) -> None:
    fixture = next(f for f in FIXTURES if f["name"] == "usefoo-up-from-usr-lib")
    config = tmp_path / "linkguard.toml"
    config.write_text('[[allow]]\npaths = ["*"]\ndynamic = true\nreason = "t"\nlibraries = ["/usr/lib/*"]\n')
    _, text = run_cli(["--format", "json", "-j", "1", "-c", str(config), str(HERE / fixture["file"])])
    (finding,) = json.loads(text)["artifacts"][0]["findings"]
    assert finding["code"] == "LG103"


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_truth_recheck_llvm_objdump(fixture: Dict[str, Any]) -> None:
    tool = require_tool("llvm-objdump", "re-check the install-name fixtures")
    _require_recorded_llvm(tool, json.loads((HERE / "manifest.json").read_text())["tools"]["llvm-objdump"])
    args = [tool, "--macho", "--dylibs-used", fixture["file"]]
    lines = subprocess.run(args, capture_output=True, text=True, cwd=HERE, check=True).stdout.splitlines()
    assert [line.strip() for line in lines[1:]] == fixture["truth"]["dylibs_used"]


def _require_recorded_llvm(tool: str, recorded: str) -> None:
    """Another LLVM words its listing differently: compare only with the version that wrote the manifest."""
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout
    found = next((line.strip() for line in out.splitlines() if "version" in line.lower()), "")
    if found != recorded:
        missing(f"{tool} is {found!r}, the manifest was recorded with {recorded!r}")
