"""macOS `.framework` bundles loaded through `@rpath` (tests/data/frameworks, truth in its manifest: llvm-objdump's
load commands and the path dyld tries by its documented rule, written out per program).

An app (`Contents/MacOS/App`, LC_RPATH `@executable_path/../Frameworks`) or a plain release program finds
`@rpath/X.framework/Versions/A/X` in the framework it ships, in a directory and in a zip; without the framework,
or with the iOS rpath `@executable_path/Frameworks`, it is LG101 naming the very path dyld tried (and, for the
wrong rpath, where the package does hold the framework and the LC_RPATH that would reach it).
"""

from __future__ import annotations

import json
import subprocess
from typing import Any, Dict, List

import pytest

from tests.conftest import DATA, run_json
from tests.truth import require_tool

SET = DATA / "frameworks"
DOCUMENT = json.loads((SET / "manifest.json").read_text())
NEED = DOCUMENT["need"]
LOADS: List[Dict[str, Any]] = DOCUMENT["loads"]


def _argument(program: str) -> str:
    """What a user passes: the zip, or the release directory (tree/<case>) holding the program."""
    if "!" in program:
        return str(SET / program.split("!")[0])
    return str(SET / "/".join(program.split("/")[:2]))


def _report(program: str) -> List[Dict[str, Any]]:
    _code, report = run_json(["-j", "1", _argument(program)])
    return list(report["artifacts"])


def _shown(path: str) -> str:
    """A manifest path (relative to the set, or a zip member) as linkguard displays it."""
    return str(SET / path)


@pytest.mark.parametrize("load", LOADS, ids=[load["program"] for load in LOADS])
def test_the_program_finds_its_framework_where_dyld_would(load: Dict[str, Any]) -> None:
    artifacts = _report(load["program"])
    (program,) = [a for a in artifacts if a["path"] == _shown(load["program"])]
    assert [f["code"] for f in program["findings"]] == load["expect"]
    (provision,) = [p for p in program["provisions"] if p["need"] == NEED]
    archive = load["program"].split("!")[0] if "!" in load["program"] else ""
    tried = f"{_shown(archive)}!{load['tries'][0]}" if archive else _shown(load["tries"][0])
    if load["found"]:
        assert provision["provided_by"] is not None and provision["provided_by"].startswith("bundled:")
        assert provision["path"] == tried
        assert provision["how"] == "@rpath via LC_RPATH @executable_path/../Frameworks"
    else:
        assert provision["provided_by"] is None
        assert provision["looked"][0].startswith(tried + " (LC_RPATH @executable_path/"), provision["looked"]
        (finding,) = program["findings"]
        assert any(tried in line for line in finding["evidence"]), finding["evidence"]
    if "shipped_at" in load:
        assert provision["looked"][1] == (
            f"{_shown(load['shipped_at'])} is in the package: LC_RPATH @executable_path/../Frameworks would reach it"
        )


@pytest.mark.parametrize("argument", ["tree/good", "tree/good.zip", "tree/program"])
def test_the_framework_is_a_package_with_its_plist_version_and_passes(argument: str) -> None:
    _code, report = run_json(["-j", "1", str(SET / argument)])
    dylibs = [a for a in report["artifacts"] if a["path"].endswith("X.framework/Versions/A/X")]
    assert len(dylibs) == 1
    (dylib,) = dylibs
    assert (dylib["package"]["kind"], dylib["package"]["name"], dylib["package"]["version"]) == (
        "framework",
        "X",
        "2.0",
    )
    assert dylib["soname"] == NEED and dylib["findings"] == []


def test_the_recorded_load_commands_still_hold() -> None:
    objdump = require_tool("llvm-objdump", "llvm-objdump --macho --rpaths reads LC_RPATH")
    for fixture in DOCUMENT["fixtures"]:
        if fixture["file"].endswith(".zip"):
            continue
        out = subprocess.run(
            [objdump, "--macho", "--rpaths", fixture["file"]], cwd=SET, capture_output=True, text=True, check=True
        )
        assert [line.rstrip() for line in out.stdout.splitlines() if line.strip()] == fixture["truth"]["rpaths"]
