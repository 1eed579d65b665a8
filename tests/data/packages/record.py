#!/usr/bin/env python3
"""Record the independent tools' truth about every package of the corpus into manifest.json.

    python tests/data/packages/record.py

Per package: its sha256, what it declares (WHEEL `Tag:` lines; package.json name/version/os/cpu/libc), its file
list, and per binary the facts of packfacts.py (readelf, llvm-readobj, llvm-objdump, file); per Linux wheel
`auditwheel show --json`, per abi3 wheel abi3audit's report, per Windows wheel `delvewheel show`.
Each entry's `expected` block (the verdicts linkguard must give: who provides each need, whether LG106 fires) is
written by hand from those outputs and is kept as it is: this script never writes or changes it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import packfacts  # noqa: E402

MANIFEST = HERE / "manifest.json"
FOLDERS = ("wheels", "npm", "derived")

DERIVED_FROM = {
    "derived/bcrypt-4.3.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl": (
        "wheels/bcrypt-4.3.0-cp39-abi3-manylinux_2_34_x86_64.whl re-tagged manylinux_2_17/manylinux2014 (older policy)"
    ),
    "derived/bcrypt-4.3.0-cp39-abi3-manylinux2014_aarch64.whl": (
        "wheels/bcrypt-4.3.0-cp39-abi3-manylinux_2_28_aarch64.whl re-tagged manylinux2014 (older policy)"
    ),
    "derived/pyzmq-26.2.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl": (
        "wheels/pyzmq-26.2.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl with "
        "pyzmq.libs/libsodium-db835f69.so.26.1.0 deleted"
    ),
    "derived/MarkupSafe-2.1.5-cp312-abi3-win_amd64.whl": (
        "wheels/MarkupSafe-2.1.5-cp312-cp312-win_amd64.whl re-tagged cp312-abi3 (its .pyd imports python312.dll)"
    ),
    "derived/markupsafe-3.0.3-cp312-cp312-macosx_10_9_arm64.whl": (
        "wheels/markupsafe-3.0.3-cp312-cp312-macosx_11_0_arm64.whl re-tagged macosx_10_9_arm64 "
        "(its dylib has minos 11.0, which every arm64 Mac has)"
    ),
    "derived/bcrypt-4.3.0-cp39-abi3-macosx_10_9_universal2.whl": (
        "wheels/bcrypt-4.3.0-cp39-abi3-macosx_10_12_universal2.whl re-tagged macosx_10_9_universal2 "
        "(its x86_64 slice has minos 10.12; its arm64 slice minos 11.0)"
    ),
    "derived/linkguard-fixture-watcher-win32-x64-2.5.1.tgz": (
        "npm/parcel-watcher-win32-arm64-2.5.1.tgz renamed @linkguard-fixture/watcher-win32-x64 with cpu [x64] "
        "(its watcher.node is ARM64)"
    ),
    "derived/tinyext-1.0-cp311-cp311-linux_x86_64.whl": (
        "built here: pip wheel of src/tinyext with Debian's python3 3.11, python3-dev and gcc (fetch.py)"
    ),
}


def first_line(args: List[str]) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0]


def tool_versions() -> Dict[str, str]:
    """The versions whose output the manifest holds (the Python tools by their distribution's version)."""
    return {
        **{name: importlib.metadata.version(name) for name in packfacts.PYTHON_TOOLS},
        "readelf": first_line(["readelf", "--version"]),
        "llvm-readobj": _llvm_version("llvm-readobj"),
        "llvm-objdump": _llvm_version("llvm-objdump"),
        "llvm-nm": _llvm_version("llvm-nm"),
        "file": first_line(["file", "--version"]),
    }


def _llvm_version(name: str) -> str:
    text = subprocess.run([name, "--version"], capture_output=True, text=True, check=True).stdout
    return next(line.strip() for line in text.splitlines() if "version" in line)


def record_package(path: Path, relative: str) -> Dict[str, Any]:
    files = packfacts.package_files(path)
    entry: Dict[str, Any] = {
        "file": relative,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "kind": "wheel" if path.suffix == ".whl" else "npm",
        "origin": DERIVED_FROM.get(relative, "published (fetch.py: pinned version and sha256, slimmed)"),
    }
    truth: Dict[str, Any] = {"files": packfacts.file_list(files)}
    if entry["kind"] == "wheel":
        tags = packfacts.wheel_tags(files)
        entry["declared"] = {"tags": tags}
        platforms = {tag.rsplit("-", 1)[1] for tag in tags}
        if any("linux" in platform for platform in platforms):
            truth["auditwheel_show"] = packfacts.auditwheel_truth(path)
        if any(platform.startswith("win") for platform in platforms):
            truth["delvewheel_show"] = packfacts.delvewheel_truth(path)
        if any(tag.split("-")[1] == "abi3" for tag in tags):
            truth["abi3audit"] = packfacts.abi3audit_truth(path)
    else:
        entry["declared"] = packfacts.npm_declared(files)
    with tempfile.TemporaryDirectory() as scratch:
        binaries = packfacts.extract(path, Path(scratch))
        truth["binaries"] = {name: packfacts.binary_truth(binaries[name]) for name in sorted(binaries)}
    entry["truth"] = truth
    return entry


def main() -> int:
    old = {entry["file"]: entry for entry in packfacts.read_json(MANIFEST)["files"]} if MANIFEST.exists() else {}
    entries = []
    for folder in FOLDERS:
        for path in sorted((HERE / folder).iterdir()):
            relative = f"{folder}/{path.name}"
            entry = record_package(path, relative)
            entry["expected"] = old.get(relative, {}).get("expected")
            entries.append(entry)
    document = {
        "generated_by": "tests/data/packages/record.py (corpus made by tests/data/packages/fetch.py)",
        "tools": tool_versions(),
        "truth_sources": {
            "auditwheel_show": "auditwheel show --json WHEEL (auditwheel 6.8.2), run in the wheel's folder",
            "abi3audit": "abi3audit --report WHEEL: exit status and the wheel's per-extension results",
            "delvewheel_show": "delvewheel show WHEEL: DLLs it would copy / assumes present, or its refusal",
            "binaries.readelf": "readelf -h/-d/-l/--dyn-syms -W: Machine, NEEDED, SONAME, RPATH, RUNPATH, program "
            "interpreter, defined dynamic symbols matching PyInit_*, napi_register_module_v*, node_register_module_v*",
            "binaries.pe": "llvm-readobj --file-headers (Machine), --coff-imports (Import/DelayImport Name), "
            "--coff-exports (names matching PyInit_*, napi_register_module_v*, node_register_module_v*)",
            "binaries.macho": "llvm-objdump --macho --dylibs-used --private-headers --arch=all: per slice "
            "cputype/filetype (Mach header), LC_ID_DYLIB, LC_LOAD_*DYLIB, LC_RPATH, "
            "LC_BUILD_VERSION/LC_VERSION_MIN_MACOSX minos and sdk; llvm-nm --extern-only --defined-only --arch=all: "
            "the same host exports (without Mach-O's leading underscore)",
            "binaries.file": "file -b",
            "expected": "written by hand from the tool outputs above (see docs/packages-truth.md); never by linkguard",
        },
        "files": entries,
    }
    MANIFEST.write_text(packfacts.dumps(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
