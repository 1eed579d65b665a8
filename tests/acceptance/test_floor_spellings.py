"""Issue 15 item 1: a floor written "11" and a version written "11.0" are the same version, for every floor.

The fixtures' versions come from the manifests' tool truth (llvm-objdump's minos, objdump -p's subsystem version,
readelf -V's GCC_3.0); the floors are written with the trailing zeros dropped or added. Each case must pass
(no LG104/LG102) exactly as the version written the truth's way does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import DATA, load_manifest, run_cli

MACHO = {f["name"]: f for f in load_manifest(DATA / "macho" / "manifest.json")}
PE = {f["name"]: f for f in load_manifest(DATA / "pe" / "manifest.json")}
ELF = load_manifest(DATA / "elf" / "manifest.json")


def _findings(tmp_path: Path, config: str, binary: Path) -> List[Dict[str, Any]]:
    path = tmp_path / "linkguard.toml"
    path.write_text(config)
    _, text = run_cli(["--format", "json", "-j", "1", "-c", str(path), str(binary)])
    (artifact,) = json.loads(text)["artifacts"]
    return list(artifact["findings"])


@pytest.mark.parametrize("floor", ["11", "11.0", "11.0.0"])
def test_max_macos_without_trailing_zeros(tmp_path: Path, floor: str) -> None:
    fixture = MACHO["zig-c-arm64-macos11"]
    (truth,) = fixture["truth"]["slices"]
    assert truth["build_version"] == {"platform": "macos", "sdk": "27.0", "minos": "11.0"}
    found = _findings(tmp_path, f'max-macos = "{floor}"\n', DATA / "macho" / fixture["file"])
    assert [f["code"] for f in found] == []


def test_max_macos_still_fails_a_newer_minos(tmp_path: Path) -> None:
    fixture = MACHO["zig-c-x86_64-macos12"]
    assert fixture["truth"]["slices"][0]["build_version"]["minos"] == "12.0"
    found = _findings(tmp_path, 'max-macos = "11"\n', DATA / "macho" / fixture["file"])
    assert [f["code"] for f in found] == ["LG104"]


@pytest.mark.parametrize("floor", ["10", "10.0", "10.0.0"])
def test_max_windows_without_trailing_zeros(tmp_path: Path, floor: str) -> None:
    fixture = PE["go-windows-amd64.exe"]
    objdump = fixture["truth"]["objdump"]
    assert (objdump["major_subsystem_version"], objdump["minor_subsystem_version"]) == (10, 0)
    found = _findings(tmp_path, f'max-windows = "{floor}"\n', DATA / "pe" / fixture["file"])
    assert [f["code"] for f in found if f["code"] == "LG104"] == []


@pytest.mark.parametrize("floor", ["3", "3.0", "3.0.0"])
def test_gcc_floor_without_trailing_zeros(tmp_path: Path, floor: str) -> None:
    fixture = next(f for f in ELF if f["file"] == "bin/gxx-libstdcxx-dynamic")
    assert fixture["truth"]["version_needs"]["libgcc_s.so.1"] == ["GCC_3.0"]
    config = (
        '[[allow]]\npaths = ["*"]\ndynamic = true\nreason = "test"\n'
        f'max-versions = {{ GLIBC = "2.34", GLIBCXX = "3.4.21", CXXABI = "1.3", GCC = "{floor}" }}\n'
    )
    found = _findings(tmp_path, config, DATA / "elf" / fixture["file"])
    assert [f["code"] for f in found] == []


def test_gcc_floor_below_still_fails(tmp_path: Path) -> None:
    fixture = next(f for f in ELF if f["file"] == "bin/gxx-libstdcxx-dynamic")
    config = '[[allow]]\npaths = ["*"]\ndynamic = true\nreason = "test"\nmax-versions = { GCC = "2.9" }\n'
    found = _findings(tmp_path, config, DATA / "elf" / fixture["file"])
    assert [f["code"] for f in found] == ["LG102"]
    assert "GCC_3.0 > GCC_2.9" in found[0]["message"]
