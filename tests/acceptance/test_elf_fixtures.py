"""linkguard's facts on every real fixture equal the truth readelf recorded in tests/data/elf/manifest.json."""

from __future__ import annotations

import functools
from typing import Any, Dict, List

import pytest

from tests.conftest import DATA, load_manifest, run_json

SET = DATA / "elf"
FIXTURES = load_manifest(SET / "manifest.json")

# readelf's "Machine:" text -> linkguard's short machine name.
MACHINES = {
    "Advanced Micro Devices X86-64": "x86_64",
    "Intel 80386": "i386",
    "AArch64": "aarch64",
    "ARM": "arm",
    "RISC-V": "riscv",
    "PowerPC64": "ppc64",
    "PowerPC": "ppc",
    "IBM S/390": "s390",
    "MIPS R3000": "mips",
}


def _artifact(fixture: Dict[str, Any]) -> Dict[str, Any]:
    return _inspect(fixture["file"])


@functools.cache
def _inspect(name: str) -> Dict[str, Any]:
    _code, report = run_json([str(SET / name)])
    (artifact,) = report["artifacts"]
    return artifact


def _ids(fixtures: List[Dict[str, Any]]) -> List[str]:
    return [f["file"].split("/")[-1] for f in fixtures]


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_header_facts(fixture: Dict[str, Any]) -> None:
    truth, got = fixture["truth"], _artifact(fixture)
    assert got["machine"] == MACHINES[truth["readelf_machine"]]
    assert got["bits"] == (64 if truth["class"] == "ELF64" else 32)
    assert got["endian"] == truth["data"]
    assert got["type"] == truth["type"]
    assert got["section_headers"] == truth["has_section_headers"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_linkage_and_dynamic_facts(fixture: Dict[str, Any]) -> None:
    truth, got = fixture["truth"], _artifact(fixture)
    assert got["linkage"] == truth["linkage"]
    assert got["interpreter"] == truth["interpreter"]
    assert got["needed"] == truth["needed"]
    assert got["soname"] == truth["soname"]
    assert got["rpath"] == ([] if truth["rpath"] is None else truth["rpath"].split(":"))
    assert got["runpath"] == ([] if truth["runpath"] is None else truth["runpath"].split(":"))
    assert got["pie"] == truth["flags_1_pie"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_symbol_version_needs(fixture: Dict[str, Any]) -> None:
    truth, got = fixture["truth"], _artifact(fixture)
    needs: Dict[str, List[str]] = {}
    for need in got["version_needs"]:
        needs.setdefault(need["library"], []).append(need["version"])
    assert {k: sorted(v) for k, v in needs.items()} == {k: sorted(v) for k, v in truth["version_needs"].items()}
    assert got["max_versions"] == truth["max_versions"]
    by_version: Dict[str, List[str]] = {}
    for need in got["version_needs"]:
        by_version.setdefault(need["version"], []).extend(need["symbols"])
    for version, symbols in truth.get("versioned_symbols", {}).items():
        if version in by_version:
            assert sorted(set(by_version[version])) == sorted(set(symbols)), version


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_verdict_follows_linkage(fixture: Dict[str, Any]) -> None:
    truth, got = fixture["truth"], _artifact(fixture)
    codes = {f["code"] for f in got["findings"]}
    if truth["linkage"] in ("static", "static-pie"):
        assert "LG101" not in codes
    else:
        assert "LG101" in codes
