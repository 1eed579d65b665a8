"""Write manifest.json for the Mach-O set from build-log.jsonl, with truth from independent tools only.

Run by build.sh (needs $UPX394 and $UPX4).  For every built file: size, sha256, `file -b`,
`llvm-objdump --macho --universal-headers`, `--private-headers --arch=all` and `--dylibs-used --arch=all`
(parsed fields + raw lines), `upx -l` under both UPX versions (`upx -t` for the packed ones) and, for the Go
builds, `go version -m`.  Refused builds are listed with the tool's message.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import machofacts as mf

HERE = Path(__file__).resolve().parent
pf = mf.pf


def first_line(cmd: List[str]) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0].strip()


def negative_entry(rec: Dict[str, Any]) -> Dict[str, Any]:
    """A file that is not Mach-O although it shares a magic: `file -b` and what llvm-objdump --macho says."""
    path = rec["file"]
    return {
        "name": rec["name"],
        "file": path,
        "source": rec["source"],
        "build": rec["build"],
        "size": os.path.getsize(path),
        "sha256": pf.sha256(path),
        "notes": rec["notes"],
        "truth": {"file": pf.file_b(path), "llvm_objdump": mf.not_macho(path)},
    }


HAND_WRITTEN = ("platform_facts", "verdicts_source", "verdicts")


def main() -> None:
    os.chdir(HERE)
    upx394, upx4 = os.environ["UPX394"], os.environ["UPX4"]
    fixtures: List[Dict[str, Any]] = []
    refusals: List[Dict[str, Any]] = []
    negatives: List[Dict[str, Any]] = []
    edge: List[Dict[str, Any]] = []  # Mach-O that is not a macOS release artifact (32-bit headers, objects)
    for line in Path("build-log.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec.get("refused"):
            refusals.append({k: rec[k] for k in ("name", "source", "build", "packer", "message", "notes")})
            continue
        path = rec["file"]
        if path.startswith("negative/"):
            negatives.append(negative_entry(rec))
            continue
        truth = mf.macho_truth(path)
        if path.startswith("edge/"):
            edge.append(
                {
                    "name": rec["name"],
                    "file": path,
                    "source": rec["source"],
                    "build": rec["build"],
                    "size": os.path.getsize(path),
                    "sha256": pf.sha256(path),
                    "notes": rec["notes"],
                    "truth": truth,
                }
            )
            continue
        truth["upx_l"] = {"upx394": pf.upx_list(upx394, path), "upx4": pf.upx_list(upx4, path)}
        if rec["packer"]:
            upx = upx394 if rec["packer"] == "upx394" else upx4
            truth["upx_t"] = pf.upx_test(upx, path)
            original = "bin/" + rec["original"] if rec["original"] else None
            truth["upx_d"], out = pf.upx_decompress(upx, path, original)
            if out is not None:
                truth["upx_d"]["slices"] = mf.unpacked_summary(out)
                os.unlink(out)
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
        truth = mf.macho_truth(path)
        truth["upx_l"] = {"upx394": pf.upx_list(upx394, path), "upx4": pf.upx_list(upx4, path)}
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
        "generated_by": "tests/data/macho/make_manifest.py (run by tests/data/macho/build.sh)",
        "tools": {
            "llvm-objdump": pf.tool_version("llvm-objdump"),
            "file": pf.tool_version("file"),
            "go": first_line(["go", "version"]),
            "upx394": pf.upx_version(upx394),
            "upx4": pf.upx_version(upx4),
        },
        "toolchains": {
            "zig": first_line([os.environ.get("PY", "python3"), "-m", "ziglang", "version"]),
            "go": first_line(["go", "version"]),
            "llvm-lipo": pf.tool_version("llvm-lipo"),
            "javac": first_line(["javac", "-version"]),
            "llvm-mc": pf.tool_version("llvm-mc"),
            "ld64.lld": first_line([os.environ.get("LD64") or pf.which("ld64.lld") or "ld64.lld-15", "--version"]),
        },
        "truth_sources": {
            "universal": "llvm-objdump --macho --universal-headers: fat_magic, nfat_arch, per-arch cputype/offset/size",
            "slices": "llvm-objdump --macho --private-headers --arch=all: Mach header (magic, cputype, filetype, "
            "flags), load command names in order, LC_*DYLIB names, LC_ID_DYLIB, LC_RPATH, LC_BUILD_VERSION "
            "platform/minos/sdk, LC_VERSION_MIN_MACOSX version/sdk, LC_CODE_SIGNATURE dataoff/datasize",
            "dylibs_used": "llvm-objdump --macho --dylibs-used --arch=all (markers: weak, reexport, lazy, upward)",
            "upx_l": "upx -l under UPX 3.94 (upx394) and 4.2.4 (upx4)",
            "upx_t": "upx -t by the packer that made the file",
            "upx_d": "upx -d by the packer: sha256 of the output, whether it equals the original build, and its "
            "per-slice dylibs and floors (llvm-objdump --private-headers)",
            "go_version_m": "go version -m, lines after the first, DefaultGODEBUG dropped (null: no Go build info)",
            "file": "file -b",
            "raw": "the exact tool output lines the parsed fields came from",
        },
        "fixtures": fixtures,
        "refusals": refusals,
        "negatives": negatives,
        "edge": edge,
    }
    # Written by hand, never by a tool or by linkguard: which libraries the OS ships (platform_facts) and each
    # fixture's expected verdict. Carried over from the manifest this run replaces; a new fixture needs its entry.
    previous = json.loads(Path("manifest.json").read_text()) if Path("manifest.json").exists() else {}
    for key in HAND_WRITTEN:
        if key in previous:
            manifest[key] = previous[key]
    Path("manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"manifest.json: {len(fixtures)} fixtures, {len(refusals)} refusals")


if __name__ == "__main__":
    main()
