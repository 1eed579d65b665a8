"""tests/data/tags/manifest.json is still true: sha256 of every file, and the independent tools re-run.

`auditwheel show` on every Linux wheel (its highest consistent tag as recorded), `llvm-objdump --macho
--private-headers` (minos and arch per slice), `llvm-readobj --file-headers --coff-imports` (machine, DLLs) and
`readelf -hdV` (machine, needs, GLIBC versions). The manifest's literal `consistent` verdicts are checked against
those outputs here, never against linkguard.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tarfile
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

from tests.conftest import DATA
from tests.truth import load_module, missing, require_tool

SET = DATA / "tags"
MANIFEST: Dict[str, Any] = json.loads((SET / "manifest.json").read_text())
build = load_module("tags_build", SET / "build.py")  # the recorder's own parsers of the tools' output


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_file_has_its_recorded_sha256() -> None:
    for record in MANIFEST["binaries"].values():
        assert _sha(SET / record["file"]) == record["sha256"], record["file"]
    for record in MANIFEST["wheels"]:
        assert _sha(SET / record["file"]) == record["sha256"], record["file"]
    for record in MANIFEST["npm"]:
        member = SET / record["dir"] / record["member"]
        assert _sha(member) == MANIFEST["binaries"][record["binary"]]["sha256"], member
        tarball = SET / record["tarball"]
        assert _sha(tarball) == record["tarball_sha256"], tarball
        with tarfile.open(tarball) as archive:
            packed = archive.extractfile(f"package/{record['member']}")
            assert packed is not None
            assert hashlib.sha256(packed.read()).hexdigest() == MANIFEST["binaries"][record["binary"]]["sha256"]


LINUX = [w for w in MANIFEST["wheels"] if "auditwheel" in w]


@pytest.mark.parametrize("record", LINUX, ids=[w["file"] for w in LINUX])
def test_auditwheel_show_still_says_so(record: Dict[str, Any]) -> None:
    require_tool("auditwheel", "re-run auditwheel show on the Linux wheels")
    shown = build.auditwheel_show(SET / record["file"])
    assert shown["highest_consistent"] == record["auditwheel"]["highest_consistent"]
    assert shown["returncode"] == record["auditwheel"]["returncode"]


def _tool(name: str) -> str:
    for candidate in (name, f"{name}-14"):
        try:
            subprocess.run([candidate, "--version"], capture_output=True, check=True)
            return candidate
        except (OSError, subprocess.CalledProcessError):
            continue
    missing(f"{name} is not installed: cannot re-check the tags fixtures")


@pytest.mark.parametrize("name", sorted(MANIFEST["binaries"]))
def test_binary_facts_are_the_tools(name: str) -> None:
    record = MANIFEST["binaries"][name]
    path = SET / record["file"]
    head = path.read_bytes()[:4]
    if head == b"\x7fELF":
        require_tool("readelf", "re-check the ELF fixtures")
    elif head[:2] == b"MZ":
        build.LLVM_READOBJ = _tool("llvm-readobj")
    else:
        build.LLVM_OBJDUMP = _tool("llvm-objdump")
    assert build.binary_truth(path) == record["truth"]


def _floor(version: Tuple[int, ...], arch: str) -> Tuple[int, ...]:
    return max(version, (11, 0)) if arch == "arm64" else version


MACOS = [w for w in MANIFEST["wheels"] if "macosx" in w["file"]]


@pytest.mark.parametrize("record", MACOS, ids=[w["file"] for w in MACOS])
def test_macos_verdicts_follow_llvm_objdump(record: Dict[str, Any]) -> None:
    """consistent == every promised slice is there with minos at most the tag's (arm64: at least 11.0)."""
    found = re.search(r"macosx_(\d+)_(\d+)_(\w+)\.whl$", record["file"])
    assert found
    version, arch = (int(found.group(1)), int(found.group(2))), found.group(3)
    promised = {"universal2": {"x86_64", "arm64"}}.get(arch, {arch})
    slices = {
        s["arch"]: tuple(int(p) for p in s["minos"].split(".")[:2])
        for s in MANIFEST["binaries"][record["binary"]]["truth"]["slices"]
    }
    keeps = promised <= set(slices) and all(slices[a] <= _floor(version, a) for a in promised)
    assert keeps == record["consistent"], (slices, record["why"])


WINDOWS = [w for w in MANIFEST["wheels"] if "win" in w["file"].rsplit("-", 1)[1]]
PE_MACHINE = {
    "win_amd64": "IMAGE_FILE_MACHINE_AMD64",
    "win_arm64": "IMAGE_FILE_MACHINE_ARM64",
    "win32": "IMAGE_FILE_MACHINE_I386",
}


@pytest.mark.parametrize("record", WINDOWS, ids=[w["file"] for w in WINDOWS])
def test_windows_verdicts_follow_llvm_readobj(record: Dict[str, Any]) -> None:
    """consistent == the PE machine is the tag's and the imported pythonX DLL is the ABI tag's."""
    _, _, _python, abi, platform = record["file"].rsplit("/", 1)[-1][: -len(".whl")].split("-")
    truth = MANIFEST["binaries"][record["binary"]]["truth"]
    dll = "python3.dll" if abi == "abi3" else f"python{abi[2:]}.dll"
    pythons = [d.lower() for d in truth["imports"] if d.lower().startswith("python")]
    keeps = truth["machine"] == PE_MACHINE[platform] and pythons == [dll]
    assert keeps == record["consistent"], (truth, record["why"])
