"""Write manifest.json for the host fixtures with truth from independent tools only (run by build.sh).

Per file: its build command (build-log.jsonl), sha256, and the literal output lines of `nm -D --defined-only`
and `readelf -d` NEEDED (ELF), `llvm-readobj --coff-imports --coff-exports` (PE: DLL names and export names),
`llvm-objdump --macho --exports-trie` and `--dylibs-used` (Mach-O); per wheel `zipinfo -1` and `delvewheel show`
(or, once repaired, the repaired module's imports). The only hand-written fields are in INTENT, THIRDPARTY and
WHEELS: what the source defines (the entry point it exports, hence the host) and why the fixture exists; main()
checks that every intended entry is among the exports the tools list, so intent and truth cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent

# file -> (the host entries its source defines, the host that loads it, why the fixture exists)
INTENT: Dict[str, Any] = {
    "bin/linux/hostmod.cpython-311-x86_64-linux-gnu.so": (["PyInit_hostmod"], "cpython", "gcc + Python.h"),
    "bin/linux/linkspython.cpython-311-x86_64-linux-gnu.so": (
        ["PyInit_hostmod"],
        "cpython",
        "links libpython3.11.so.1.0, which manylinux forbids (auditwheel: not in any policy's whitelist)",
    ),
    "bin/linux/addon.node": (["napi_register_module_v1"], "node", "gcc + node_api.h (NAPI_MODULE_INIT)"),
    "bin/linux/noinit.cpython-311-x86_64-linux-gnu.so": ([], None, "named like a module, exports no PyInit_"),
    "bin/windows/winmod.cp312-win_amd64.pyd": (["PyInit_winmod"], "cpython", "imports python312.dll + vcruntime"),
    "bin/windows/winmod.pyd": (["PyInit_winmod"], "cpython", "abi3: imports python3.dll + vcruntime"),
    "bin/windows/winmod_msvcp.cp312-win_amd64.pyd": (
        ["PyInit_winmod"],
        "cpython",
        "also imports msvcp140.dll, which CPython does not ship",
    ),
    "bin/windows/winmod_mingw.cp38-win_amd64.pyd": (
        ["PyInit_winmod"],
        "cpython",
        "MinGW (msvcrt.dll): runs on the Windows Vista CPython 3.8 supports",
    ),
    "bin/windows/winmod_mingw.cp312-win_amd64.pyd": (
        ["PyInit_winmod"],
        "cpython",
        "MinGW (msvcrt.dll): the module runs on Vista, CPython 3.12 needs Windows 8.1",
    ),
    "bin/windows/foo.pyd": ([], None, "a .pyd by name only: exports hostmod_helper, no PyInit_"),
    "bin/windows/addon.node": (
        ["napi_register_module_v1"],
        "node",
        "zig cc against node-api-headers' def/node_api.def (NAME NODE.EXE)",
    ),
    "bin/windows/addon_dep.node": (
        ["napi_register_module_v1"],
        "node",
        "also imports libdep.dll, which neither Windows nor Node provides",
    ),
    "bin/macos/machomod.cpython-312-darwin.so": (
        ["_PyInit_machomod"],
        "cpython",
        "zig cc -target aarch64-macos -undefined dynamic_lookup",
    ),
}


THIRD_PARTY_BUILD = "third-party, not built here: tests/data/pe/thirdparty/sources.json"


def run(args: List[str]) -> List[str]:
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    return [line.rstrip() for line in out.stdout.splitlines() if line.strip()]


def version(args: List[str]) -> str:
    return run(args)[0].strip()


def elf_truth(path: str) -> Dict[str, Any]:
    nm = run(["nm", "-D", "--defined-only", path])
    needed = [m.group(1) for line in run(["readelf", "-d", path]) if (m := re.search(r"\(NEEDED\).*\[(.*)\]", line))]
    return {"nm_defined": nm, "exports": [line.split()[-1] for line in nm], "needed": needed}


def pe_truth(path: str) -> Dict[str, Any]:
    lines = run(["llvm-readobj", "--coff-imports", "--coff-exports", path])
    imports, exports, block = [], [], ""
    for line in lines:
        text = line.strip()
        if text.startswith(("Import {", "Export {", "DelayImport {")):
            block = text.split()[0]
        elif text.startswith("Name: ") and block == "Import":
            imports.append(text[6:])
        elif text.startswith("Name: ") and block == "Export":
            exports.append(text[6:])
    return {"llvm_readobj": lines, "imports": imports, "exports": exports}


def macho_truth(path: str) -> Dict[str, Any]:
    trie = run(["llvm-objdump", "--macho", "--exports-trie", path])
    used = run(["llvm-objdump", "--macho", "--dylibs-used", path])
    exports = [line.split()[-1] for line in trie if line.startswith("0x")]
    dylibs = [line.strip().split(" (")[0] for line in used[1:]]
    return {"exports_trie": trie, "dylibs_used": used, "exports": exports, "dylibs": dylibs[1:]}


# Real third-party plugins already committed in tests/data/pe/thirdparty (sources.json says where each came from):
# file -> (host entries, host, why)
THIRDPARTY: Dict[str, Any] = {
    "../pe/thirdparty/_speedups.cp312-win_amd64.pyd": (["PyInit__speedups"], "cpython", "MarkupSafe 2.1.5, MSVC"),
    "../pe/thirdparty/_speedups.cp312-win32.pyd": (["PyInit__speedups"], "cpython", "MarkupSafe 2.1.5, MSVC, x86"),
    "../pe/thirdparty/lz4-napi.win32-x64-msvc.node": (
        ["napi_register_module_v1"],
        "node",
        "lz4-napi, Rust napi-rs, MSVC",
    ),
}

# wheel -> why it exists; the truth is `zipinfo -1` and, for a wheel not yet repaired, `delvewheel show`
WHEELS: Dict[str, str] = {
    "bin/wheels/cp312/winmod-1.0-cp312-cp312-win_amd64.whl": "imports only what CPython 3.12 ships",
    "bin/wheels/abi3/winmod-1.0-cp39-abi3-win_amd64.whl": "abi3: python3.dll and the VC++ runtime CPython ships",
    "bin/wheels/cp38/winmod-1.0-cp38-cp38-win_amd64.whl": "MinGW module for CPython 3.8 (msvcrt.dll)",
    "bin/wheels/msvcp-before/winmod-1.0-cp312-cp312-win_amd64.whl": "needs msvcp140.dll, not bundled",
    "bin/wheels/msvcp-repaired/winmod-1.0-cp312-cp312-win_amd64.whl": "the same after `delvewheel repair`",
    "../pe/thirdparty/MarkupSafe-2.1.5-cp312-cp312-win_amd64.whl": "a real MSVC-built wheel (sources.json)",
}


def delvewheel_show(path: str) -> Dict[str, List[str]]:
    """`delvewheel show` split into the DLLs it would copy and those it assumes the user's environment has."""
    lines = run(["delvewheel", "show", path])
    out: Dict[str, List[str]] = {"lines": lines, "copied": [], "assumed_present": []}
    section = ""
    for line in lines:
        if line.startswith("The following DLLs will be copied"):
            section = "copied"
        elif line.startswith("The following DLLs are assumed to be present"):
            section = "assumed_present"
        elif line.startswith(" ") and section and line.strip() != "None":
            out[section].append(line.split()[0])
        elif not line.startswith(" "):
            section = ""
    return out


def wheel_truth(path: str) -> Dict[str, Any]:
    truth: Dict[str, Any] = {"zipinfo": run(["zipinfo", "-1", path])}
    if "repaired" not in path:
        truth["delvewheel_show"] = delvewheel_show(path)
    else:
        with zipfile.ZipFile(path) as archive:
            archive.extract("winmod/winmod_msvcp.cp312-win_amd64.pyd", HERE / "_extract")
        pyd = HERE / "_extract" / "winmod" / "winmod_msvcp.cp312-win_amd64.pyd"
        truth["pyd"] = pe_truth(str(pyd))
        shutil.rmtree(HERE / "_extract")
    return truth


def main() -> None:
    builds = {}
    for line in (HERE / "build-log.jsonl").read_text().splitlines():
        record = json.loads(line)
        builds[record["file"]] = record["build"]
    built = set(INTENT) | {w for w in WHEELS if not w.startswith("../")}
    assert set(builds) == built, "build.sh and INTENT/WHEELS list different files"
    fixtures = []
    for file, (entries, host, why) in {**INTENT, **THIRDPARTY}.items():
        path = HERE / file
        kind = "windows" if file.startswith("../pe/") else file.split("/")[1]
        truth = {"linux": elf_truth, "windows": pe_truth, "macos": macho_truth}[kind](str(path))
        missing = [e for e in entries if e not in truth["exports"]]
        assert not missing, f"{file}: the tools list no {missing}"
        fixtures.append(
            {
                "name": Path(file).name,
                "file": file,
                "build": builds.get(file, THIRD_PARTY_BUILD),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "host_entries": entries,
                "host": host,
                "why": why,
                "truth": truth,
            }
        )
    for file, why in WHEELS.items():
        path = HERE / file
        fixtures.append(
            {
                "name": f"{Path(file).parent.name}/{Path(file).name}",
                "file": file,
                "build": builds.get(file, THIRD_PARTY_BUILD),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "why": why,
                "truth": wheel_truth(str(path)),
            }
        )
    manifest = {
        "generated_by": "tests/data/hosts/build.sh + make_manifest.py",
        "tools": {
            "nm": version(["nm", "--version"]),
            "llvm-readobj": next(x.strip() for x in run(["llvm-readobj", "--version"]) if "version" in x),
            "zig": version(["python3", "-m", "ziglang", "version"]),
            "gcc": version(["gcc", "--version"]),
            "x86_64-w64-mingw32-gcc": version(["x86_64-w64-mingw32-gcc", "--version"]),
            "delvewheel": run(["python3", "-c", "import delvewheel._version as v; print(v.__version__)"])[0],
        },
        "fixtures": fixtures,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
