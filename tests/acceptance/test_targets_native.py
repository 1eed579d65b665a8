"""Named Windows and macOS bases (`windows-11`, `macos-11`, ...) judged against the fixtures' own truth.

Only as far as the facts reach without running anything there: a PE program starts on Windows 11 when every DLL of
its import directory (llvm-readobj --coff-imports, recorded) is one Windows ships (the manifest's literal
`verdicts`: `non_system`); a Mach-O program starts on macOS N when a macOS slice (llvm-objdump's recorded load
commands) links only /usr/lib and /System/Library (weak links aside) and has a minos of N or older.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from tests.conftest import DATA, run_json
from tests.truth import numeric_version

PE = json.loads((DATA / "pe" / "manifest.json").read_text())
MACHO = json.loads((DATA / "macho" / "manifest.json").read_text())
SYSTEM_PREFIXES = (
    tuple(MACHO["platform_facts"]["system_prefixes"])
    if "system_prefixes" in MACHO.get("platform_facts", {})
    else ("/usr/lib/", "/System/Library/")
)


def _fixtures(manifest: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [f for f in manifest["fixtures"] if f["name"] in manifest["verdicts"] and not f.get("packer")]


def _verdicts(base: str, folder: Path, fixtures: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    _code, report = run_json(["--target", base, "-j", "1", *(str(folder / f["file"]) for f in fixtures)])
    by_path = {a["path"]: a for a in report["artifacts"]}
    return {f["name"]: by_path[str(folder / f["file"])]["targets"][0] for f in fixtures}


def test_windows_11_starts_what_imports_only_system_dlls() -> None:
    fixtures = _fixtures(PE)
    verdicts = _verdicts("windows-11", DATA / "pe", fixtures)
    assert len(verdicts) > 20
    for fixture in fixtures:
        imported = {i["name"].lower() for i in fixture["truth"]["readobj_coff_imports"]["imports"]}
        foreign = [d for d in PE["verdicts"][fixture["name"]]["non_system"] if d.lower() in imported]
        verdict = verdicts[fixture["name"]]
        assert verdict["starts"] == (not foreign), (fixture["name"], foreign, verdict["message"])
        if foreign:
            assert verdict["message"].endswith(f"The code execution cannot proceed because {foreign[0]} was not found.")


def _macos_slices(fixture: Dict[str, Any]) -> List[Tuple[List[str], str]]:
    """(non-weak dylibs, minos) of each macOS slice, from llvm-objdump's recorded load commands."""
    out = []
    for slice_ in fixture["truth"]["slices"]:
        build = slice_.get("build_version") or {}
        minos = build.get("minos") or (slice_.get("version_min_macosx") or {}).get("version")
        if build and build.get("platform") != "macos":
            continue
        dylibs = [d["name"] for d in slice_["dylibs"] if d["command"] != "LC_LOAD_WEAK_DYLIB"]
        out.append((dylibs, minos or "0"))
    return out


@pytest.mark.parametrize("release", [11, 15])
def test_macos_starts_a_slice_that_links_only_the_os_and_is_old_enough(release: int) -> None:
    fixtures = [f for f in _fixtures(MACHO) if "slices" in f["truth"]]
    verdicts = _verdicts(f"macos-{release}", DATA / "macho", fixtures)
    assert len(verdicts) > 10
    for fixture in fixtures:
        expected = any(
            all(d.startswith(SYSTEM_PREFIXES) for d in dylibs)
            and numeric_version(minos) <= numeric_version(f"{release}.0")
            for dylibs, minos in _macos_slices(fixture)
        )
        verdict = verdicts[fixture["name"]]
        assert verdict["starts"] == expected, (release, fixture["name"], verdict["message"])


def test_a_program_for_another_os_does_not_start() -> None:
    pe = DATA / "pe" / "bin" / "mingw-c.exe"
    _code, report = run_json(["--target", "macos-15", "--target", "debian-12", str(pe)])
    assert [v["starts"] for v in report["artifacts"][0]["targets"]] == [False, False]
    assert report["artifacts"][0]["targets"][0]["missing"][0]["kind"] == "arch"


# The LG105 fixes for these bases, each proven by a fixture built the suggested way (its build command is in the
# manifest): (remedy, base, the failing fixture, the one built as the fix says).
NATIVE_FIX_PROOFS = [
    ("targets-windows-dll", "windows-11", "pe/bin/mingw-cxx-thread-dynamic.exe", "pe/bin/mingw-cxx-thread-static.exe"),
    ("targets-os-floor", "macos-11", "macho/bin/go-darwin-arm64", "macho/bin/zig-c-arm64-macos11"),
]


@pytest.mark.parametrize(("remedy", "base", "before", "after"), NATIVE_FIX_PROOFS)
def test_each_fix_for_a_named_os_base_is_proven(remedy: str, base: str, before: str, after: str) -> None:
    _code, report = run_json(["--target", base, str(DATA / before), str(DATA / after)])
    failing, fixed = report["artifacts"]
    assert not failing["targets"][0]["starts"] and fixed["targets"][0]["starts"]
    assert next(f for f in failing["findings"] if f["code"] == "LG105")["remedy"] == remedy


def test_a_dotnet_assembly_starts_where_its_clr_ships() -> None:
    """hello-anycpu.exe is built for CLR v4.0.30319 (Mono's pedump, recorded in tests/data/dotnet): Windows 8 and
    later ship .NET 4.x; Windows 7 ships 3.5.1 (CLR v2.0.50727) only."""
    exe = DATA / "dotnet" / "bin" / "hello-anycpu.exe"
    _code, report = run_json(["--target", "windows-7", "--target", "windows-10", str(exe)])
    seven, ten = report["artifacts"][0]["targets"]
    assert not seven["starts"] and ten["starts"]
    assert seven["missing"][0]["name"] == ".NET runtime (v4.0.30319)"
