"""Issue 15 item 4: a zippered Mach-O slice (LC_BUILD_VERSION for macOS and for Mac Catalyst) keeps both floors,
and LG104 judges the macOS one, whichever build version comes last.

Fixtures: tests/data/macho/zippered/build.sh (zig cc -darwin-target-variant, ld64.lld with two -platform_version,
llvm-lipo); truth: `llvm-objdump --macho --private-headers --arch=all`, recorded in manifest.json.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import DATA, load_manifest, run_cli, validate_report
from tests.truth import load_module, missing, require_tool

HERE = DATA / "macho" / "zippered"
FIXTURES = load_manifest(HERE / "manifest.json")
IDS = [f["name"] for f in FIXTURES]
# llvm-objdump's platform words -> the names linkguard reports (PLATFORM_* of <mach-o/loader.h>).
PLATFORM = {"macos": "macos", "macCatalyst": "maccatalyst"}


def _report(tmp_path: Path, config: str, path: Path) -> Dict[str, Any]:
    toml = tmp_path / "linkguard.toml"
    toml.write_text(config)
    _, text = run_cli(["--format", "json", "-j", "1", "-c", str(toml), str(path)])
    report = json.loads(text)
    validate_report(report)
    (artifact,) = report["artifacts"]
    return dict(artifact)


def _expected_builds(fixture: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
    return [
        [
            {"platform": PLATFORM[b["platform"]], "minos": b["minos"], "sdk": None if b["sdk"] == "n/a" else b["sdk"]}
            for b in piece["build_versions"]
        ]
        for piece in fixture["truth"]["slices"]
    ]


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_every_build_version_is_kept_per_slice(tmp_path: Path, fixture: Dict[str, Any]) -> None:
    artifact = _report(tmp_path, "", HERE / fixture["file"])
    found = [[dict(b) for b in s["builds"]] for s in artifact["macho"]["slices"]]
    expected = _expected_builds(fixture)
    for slice_builds in found:  # sdk 0 is printed "n/a" by llvm-objdump and "0.0" by linkguard's version text
        for build in slice_builds:
            if build["sdk"] == "0.0":
                build["sdk"] = None
    assert found == expected
    for piece, builds in zip(artifact["macho"]["slices"], expected):
        macos = next(b for b in builds if b["platform"] == "macos")
        assert (piece["platform"], piece["minos"]) == ("macos", macos["minos"])


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_macos_floor_of_a_zippered_slice_is_judged(tmp_path: Path, fixture: Dict[str, Any]) -> None:
    slices = fixture["truth"]["slices"]
    assert all([b["platform"] for b in s["build_versions"]] == ["macos", "macCatalyst"] for s in slices)
    artifact = _report(tmp_path, 'max-macos = "11.0"\n', HERE / fixture["file"])
    (finding,) = artifact["findings"]
    assert finding["code"] == "LG104"
    assert len(finding["evidence"]) == len(slices)
    assert all("minos 14.0" in line for line in finding["evidence"])


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_catalyst_floor_is_not_compared_with_max_macos(tmp_path: Path, fixture: Dict[str, Any]) -> None:
    artifact = _report(tmp_path, 'max-macos = "14"\n', HERE / fixture["file"])
    assert artifact["findings"] == []


@pytest.mark.parametrize("fixture", FIXTURES, ids=IDS)
def test_truth_recheck_llvm_objdump(fixture: Dict[str, Any]) -> None:
    tool = require_tool("llvm-objdump", "re-check the zippered fixtures' build versions")
    _require_recorded_llvm(tool, json.loads((HERE / "manifest.json").read_text())["tools"]["llvm-objdump"])
    manifest = load_module("lg_zippered_manifest", HERE / "make_manifest.py")
    args = [tool, "--macho", "--private-headers", "--arch=all", fixture["file"]]
    text = subprocess.run(args, capture_output=True, text=True, cwd=HERE, check=False).stdout
    if "LC_BUILD_VERSION" not in text:
        missing(f"{tool} does not decode these Mach-O load commands")
    assert manifest.build_versions(text) == fixture["truth"]["slices"]


def _require_recorded_llvm(tool: str, recorded: str) -> None:
    """Another LLVM words its listing differently: compare only with the version that wrote the manifest."""
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout
    found = next((line.strip() for line in out.splitlines() if "version" in line.lower()), "")
    if found != recorded:
        missing(f"{tool} is {found!r}, the manifest was recorded with {recorded!r}")
