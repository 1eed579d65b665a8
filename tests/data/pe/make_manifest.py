"""Write manifest.json for the PE set from build-log.jsonl, with truth from independent tools only.

Run by build.sh (needs $UPX394 and $UPX4 set to UPX 3.94 / 4.2.4).  For every built file: size, sha256,
`file -b`, `objdump -p` (parsed fields + raw lines), `llvm-readobj --file-headers/--coff-imports`,
`objdump -h` section names, `strings -a` lines naming a DLL or UPX, and `upx -l` under both UPX versions
(`upx -t` too for the packed ones).  Refused builds are listed with the tool's message.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pefacts as pf

HERE = Path(__file__).resolve().parent
DLL_STRINGS = r"(?i)\.(dll|pyd)$"
UPX_STRINGS = r"UPX"


def first_line(cmd: List[str]) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0].strip()


def upx_facts(path: str, upx394: str, upx4: str, packer: str, original: str) -> Dict[str, Any]:
    """upx -l under both versions; for packed files also upx -t and upx -d (with the unpacked file's DLL names)."""
    rec: Dict[str, Any] = {"upx_l": {"upx394": pf.upx_list(upx394, path), "upx4": pf.upx_list(upx4, path)}}
    if packer:
        upx = upx394 if packer == "upx394" else upx4
        rec["upx_t"] = pf.upx_test(upx, path)
        rec["upx_d"], out = pf.upx_decompress(upx, path, original or None)
        if out is not None:
            rec["upx_d"]["dll_names"] = pf.objdump_p(out)[0]["dll_names"]
            os.unlink(out)
    return rec


HAND_WRITTEN = ("platform_facts", "verdicts_source", "verdicts")


def main() -> None:
    os.chdir(HERE)
    upx394, upx4 = os.environ["UPX394"], os.environ["UPX4"]
    fixtures: List[Dict[str, Any]] = []
    refusals: List[Dict[str, Any]] = []
    for line in Path("build-log.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec.get("refused"):
            refusals.append({k: rec[k] for k in ("name", "source", "build", "packer", "message", "notes")})
            continue
        path = rec["file"]
        truth = pf.pe_truth(path)
        truth["strings_dll"] = pf.strings_matching(path, DLL_STRINGS)
        truth["strings_upx"] = pf.strings_matching(path, UPX_STRINGS)
        original = ("bin/" + rec["original"]) if rec["original"] else ""
        truth.update(upx_facts(path, upx394, upx4, rec["packer"], original))
        truth["go_version_m"] = pf.go_version_m(path)
        fixtures.append(
            {
                "name": rec["name"],
                "file": path,
                "source": rec["source"],
                "build": rec["build"],
                "packer": rec["packer"] or None,
                "original": ("bin/" + rec["original"]) if rec["original"] else None,
                "size": os.path.getsize(path),
                "sha256": pf.sha256(path),
                "notes": rec["notes"],
                "truth": truth,
            }
        )
    for entry in json.loads(Path("thirdparty/sources.json").read_text()):
        path = entry["file"]
        truth = pf.pe_truth(path)
        truth["strings_dll"] = pf.strings_matching(path, DLL_STRINGS)
        truth["strings_upx"] = pf.strings_matching(path, UPX_STRINGS)
        truth.update(upx_facts(path, upx394, upx4, "", ""))
        truth["go_version_m"] = pf.go_version_m(path)
        pinned = ("registry", "package", "version", "artifact", "artifact_sha256", "member")
        fixtures.append(
            {
                "name": entry["name"],
                "file": path,
                "source": {k: entry[k] for k in pinned},
                "build": f"python3 tests/data/pe/fetch_thirdparty.py tests/data/{HERE.name}",
                "packer": None,
                "original": None,
                "size": os.path.getsize(path),
                "sha256": pf.sha256(path),
                "notes": entry["notes"],
                "truth": truth,
            }
        )
    manifest = {
        "generated_by": "tests/data/pe/make_manifest.py (run by tests/data/pe/build.sh)",
        "tools": {
            "objdump": pf.tool_version("objdump"),
            "llvm-readobj": pf.tool_version("llvm-readobj"),
            "file": pf.tool_version("file"),
            "strings": pf.tool_version("strings"),
            "upx394": pf.upx_version(upx394),
            "upx4": pf.upx_version(upx4),
        },
        "toolchains": {
            "x86_64-w64-mingw32-gcc": first_line(["x86_64-w64-mingw32-gcc", "--version"]),
            "i686-w64-mingw32-gcc": first_line(["i686-w64-mingw32-gcc", "--version"]),
            "x86_64-w64-mingw32-g++-posix": first_line(["x86_64-w64-mingw32-g++-posix", "--version"]),
            "zig": first_line([os.environ.get("PY", "python3"), "-m", "ziglang", "version"]),
            "go": first_line(["go", "version"]),
            "x86_64-w64-mingw32-gcc-posix": first_line(["x86_64-w64-mingw32-gcc-posix", "--version"]),
            "osslsigncode": first_line(["osslsigncode", "--version"]),
            "ld.lld": first_line([os.environ.get("LLD") or pf.which("ld.lld") or "ld.lld-15", "--version"]),
            "llvm-dlltool": pf.tool_version("llvm-ar"),  # llvm-dlltool is a name of the llvm-ar multi-call binary
        },
        "truth_sources": {
            "objdump": "objdump -p (binutils-multiarch): format, Characteristics, Magic, OS/subsystem versions, "
            "Subsystem, data directories 1/4/b/d/e, DLL Name lines of the import tables in file order",
            "readobj_file_headers": "llvm-readobj --file-headers: Format, Arch, AddressSize, Machine",
            "readobj_coff_imports": "llvm-readobj --coff-imports: Import/DelayImport blocks, Name and Symbol lines",
            "sections": "objdump -h section names",
            "strings_dll": f"strings -a lines matching {DLL_STRINGS}",
            "strings_upx": f"strings -a lines matching {UPX_STRINGS}",
            "upx_l": "upx -l under UPX 3.94 (upx394) and 4.2.4 (upx4)",
            "upx_t": "upx -t by the packer that made the file",
            "upx_d": "upx -d by the packer: sha256 of the output, whether it equals the original build, and its "
            "objdump -p DLL Name lines",
            "go_version_m": "go version -m, lines after the first, DefaultGODEBUG dropped (null: no Go build info)",
            "file": "file -b",
            "raw": "the exact tool output lines the parsed fields came from",
        },
        "fixtures": fixtures,
        "refusals": refusals,
    }
    # Written by hand, never by a tool or by linkguard: which libraries the OS ships (platform_facts) and each
    # fixture's expected verdict. Carried over from the manifest this run replaces; a new fixture needs its entry.
    previous = json.loads(Path("manifest.json").read_text()) if Path("manifest.json").exists() else {}
    for key in HAND_WRITTEN:
        if key in previous:
            manifest[key] = previous[key]
    Path("manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n")
    print(f"manifest.json: {len(fixtures)} fixtures, {len(refusals)} refusals")


if __name__ == "__main__":
    main()
