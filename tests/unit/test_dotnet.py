""".NET assemblies (issue 15 item 3): the CLR runtime header is a fact, and the verdict says "managed code that
needs the .NET runtime", never "needs mscoree.dll, a DLL a bare Windows lacks".

Fixtures: tests/data/dotnet (mcs builds and clr_loader 0.2.6's ClrLoader.dll); their truth (manifest.json) is
`file`, `llvm-readobj` and Mono's `pedump`. The expected verdicts below are written from that truth by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest

from linkguard.readers import read_pe as read_facts
from linkguard.readers.budget import Budget
from tests.conftest import DATA, run_cli, validate_report
from tests.truth import load_module, need, require_version

SET = DATA / "dotnet"
MANIFEST: Dict[str, Any] = json.loads((SET / "manifest.json").read_text(encoding="utf-8"))
FIXTURES: List[Dict[str, Any]] = MANIFEST["fixtures"]
# pedump's words for the COMIMAGE_FLAGS bits (mono/metadata/pedump.c): "ilonly" = ILONLY set, "contains native" =
# ILONLY clear; "32bits" = 32BITREQUIRED set, "32/64" = clear.
PEDUMP_FLAGS = {"ilonly": "ILONLY", "32bits": "32BITREQUIRED"}
# fixture -> the LG101 message, from the truth: every one is a CLR v4.0.30319 assembly importing only mscoree.dll
# (a Windows DLL: Microsoft Learn, CorBindToRuntimeEx requirements), and ClrLoader.dll is not IL-only.
EXPECTED_MESSAGE = {
    "hello-anycpu.exe": "managed .NET assembly: needs the .NET runtime (CLR v4.0.30319)",
    "hello-x86.exe": "managed .NET assembly: needs the .NET runtime (CLR v4.0.30319)",
    "hellolib-x64.dll": "managed .NET assembly: needs the .NET runtime (CLR v4.0.30319)",
    "clr_loader-0.2.6-amd64-ClrLoader.dll": (
        "managed .NET assembly: needs the .NET runtime (CLR v4.0.30319; mixed mode: native code too)"
    ),
    "clr_loader-0.2.6-x86-ClrLoader.dll": (
        "managed .NET assembly: needs the .NET runtime (CLR v4.0.30319; mixed mode: native code too)"
    ),
}


def _path(fixture: Dict[str, Any]) -> Path:
    return SET / fixture["file"]


def _truth_lines(fixture: Dict[str, Any], key: str, label: str) -> List[str]:
    return [line.split(": ", 1)[1] for line in fixture["truth"][key] if line.startswith(label + ": ")]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f["name"])
def test_sha256(fixture: Dict[str, Any]) -> None:
    assert hashlib.sha256(_path(fixture).read_bytes()).hexdigest() == fixture["sha256"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f["name"])
def test_clr_facts_match_pedump_and_readobj(fixture: Dict[str, Any]) -> None:
    path = _path(fixture)
    with path.open("rb") as handle:
        facts = read_facts(handle, path.stat().st_size, Budget())
    assert "Mono/.Net assembly" in fixture["truth"]["file"]
    assert _truth_lines(fixture, "llvm_readobj", "CLRRuntimeHeaderSize") == ["0x48"]
    assert facts.clr is not None
    assert [i.dll for i in facts.imports] == _truth_lines(fixture, "llvm_readobj", "Name")
    assert facts.clr.runtime == _truth_lines(fixture, "pedump_cli", "Runtime required")[0]
    assert facts.clr.version == _truth_lines(fixture, "pedump_version", "Version string")[0]
    words = [w.strip() for w in _truth_lines(fixture, "pedump_cli", "Flags")[0].split(",")]
    expected = {PEDUMP_FLAGS[w] for w in words if w in PEDUMP_FLAGS}
    assert {f for f in facts.clr.flags if f in PEDUMP_FLAGS.values()} == expected


def test_native_pe_has_no_clr_facts() -> None:
    path = DATA / "pe" / "bin" / "mingw-c.exe"  # objdump truth: Entry e (CLR) 0, 0
    with path.open("rb") as handle:
        assert read_facts(handle, path.stat().st_size, Budget()).clr is None


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f["name"])
def test_verdict_is_managed_code_not_a_missing_dll(fixture: Dict[str, Any]) -> None:
    _, text = run_cli(["--format", "json", "-j", "1", str(_path(fixture))])
    report = json.loads(text)
    validate_report(report)
    [artifact] = report["artifacts"]
    assert artifact["linkage"] == "dynamic"
    assert [i["platform"] for i in artifact["pe"]["imports"]] == [True]  # mscoree.dll ships with Windows
    [finding] = artifact["findings"]
    assert (finding["code"], finding["remedy"]) == ("LG101", "dotnet-runtime")
    assert finding["message"] == EXPECTED_MESSAGE[fixture["name"]]
    assert "lacks" not in finding["message"]


def test_allowance_with_a_reason_accepts_a_managed_assembly(tmp_path: Path) -> None:
    config = tmp_path / "linkguard.toml"
    reason = "the .NET Framework 4.8 is a prerequisite"
    config.write_text(f'[[allow]]\npaths = ["**/*.exe"]\ndynamic = true\nreason = "{reason}"\n')
    code, _ = run_cli(["-c", str(config), str(SET / "bin" / "hello-anycpu.exe")])
    assert code == 0


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f["name"])
def test_truth_recheck(fixture: Dict[str, Any]) -> None:
    """Run the tools again and compare with the manifest (CI installs them: llvm, file, mono-utils)."""
    record = load_module("dotnet_record", SET / "record.py")
    require_version(["file", "--version"], MANIFEST["tools"]["file"], "the file truth")
    need("llvm-readobj")
    need("pedump")
    assert record.truth(_path(fixture)) == fixture["truth"]
    assert os.path.basename(fixture["file"]) == fixture["name"]
