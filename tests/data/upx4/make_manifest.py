"""Write manifest.json for the UPX 4.x fixture set from independent tools only.

Reads build-log.jsonl (build.sh) and tampered-log.jsonl (make_tampered.py), then records for each file
what readelf, file, `upx -l`, `upx -t`, `upx --fileinfo`, `upx -d` (then readelf / go version -m on the
unpacked copy) say, the ident strings in its bytes, and, on an x86 host, whether it runs.  Needs UPX 4
($LINKGUARD_UPX4, see get-upx4.sh).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


u4 = _load("lg_upx4facts", HERE / "upx4facts.py")
ef = u4.ef


def read_log(path: Path) -> List[Dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def unpacked_facts(upx: str, path: str) -> Dict[str, Any]:
    """`upx -d` into a temp dir, then readelf/file/go version -m on the copy."""
    out: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        dst = str(Path(tmp) / "unpacked")
        dec = u4.upx_decompress(upx, path, dst)
        out["upx_d"] = dec
        if dec["ok"]:
            orig = ef.readelf_facts(dst)
            orig["file"] = ef.file_b(dst)
            orig["size"] = os.path.getsize(dst)
            orig["sha256"] = ef.sha256(dst)
            gv = ef.go_version_m(dst)
            if gv is not None:
                orig["go_version_m"] = gv
            out["original"] = orig
    return out


def packed_entry(upx: str, rec: Dict[str, str]) -> Dict[str, Any]:
    path = str(HERE / rec["file"])
    truth: Dict[str, Any] = ef.readelf_facts(path)
    truth["file"] = ef.file_b(path)
    truth["size"] = os.path.getsize(path)
    truth["upx_l"] = u4.upx_list(upx, path)
    truth["upx_t"] = u4.upx_test(upx, path)
    info = u4.upx_fileinfo(upx, path)
    if info.get("ok"):
        info["method_name"] = ef.UPX_METHODS.get(info["method"], "unknown")
    truth["upx_fileinfo"] = info
    truth["ident"] = u4.ident_strings(path)
    truth.update(unpacked_facts(upx, path))
    truth["packed"] = True
    shlib = truth.get("original", {}).get("linkage") == "shared-library"
    truth["run"] = u4.run_fixture(path, truth["readelf_machine"], shlib)
    entry: Dict[str, Any] = {
        "name": rec["name"],
        "file": rec["file"],
        "source": rec["source"],
        "build": rec["build"],
        "pack": rec["pack"],
        "original_file": ("bin/" + rec["kept_original"]) if rec.get("kept_original") else None,
        "truth": truth,
        "notes": rec["notes"],
    }
    if entry["original_file"] and "original" in truth:
        kept = ef.sha256(str(HERE / entry["original_file"]))
        truth["original"]["kept_original_identical"] = kept == truth["original"]["sha256"]
    return entry


def tampered_entry(upx: str, rec: Dict[str, str], by_file: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    path = str(HERE / rec["file"])
    truth: Dict[str, Any] = ef.readelf_facts(path)
    truth["file"] = ef.file_b(path)
    truth["size"] = os.path.getsize(path)
    truth["upx_l"] = u4.upx_list(upx, path)
    truth["upx_t"] = u4.upx_test(upx, path)
    dec = unpacked_facts(upx, path)
    truth["upx_d"] = dec["upx_d"]
    if "original" in dec:
        truth["upx_d"]["original_sha256"] = dec["original"]["sha256"]
    truth["packed"] = True
    truth["tampered"] = True
    src = by_file[rec["tampered_from"]]
    truth["tampered_from"] = rec["tampered_from"]
    # The program behind the damage is the untampered fixture's original (same compressed blocks).
    for key in ("linkage", "interpreter", "needed", "soname", "max_versions"):
        truth["original_" + key] = src["truth"]["original"][key]
    shlib = truth["original_linkage"] == "shared-library"
    truth["run"] = u4.run_fixture(path, truth["readelf_machine"], shlib)
    return {
        "name": rec["name"],
        "file": rec["file"],
        "source": src["source"],
        "build": rec["build"],
        "variant": rec["variant"],
        "truth": truth,
        "notes": f"tampered copy of {rec['tampered_from']}: {rec['edit']}; original facts are those of "
        f"{rec['tampered_from']} (truth.original there)",
    }


def main() -> None:
    upx = u4.find_upx4()
    if upx is None:
        sys.exit("UPX 4 not found: run get-upx4.sh and set LINKGUARD_UPX4 to the wrapper it prints")
    fixtures: List[Dict[str, Any]] = []
    refusals: List[Dict[str, str]] = []
    helpers: List[Dict[str, str]] = []
    for rec in read_log(HERE / "build-log.jsonl"):
        if rec.get("refused"):
            refusals.append({k: rec[k] for k in ("name", "source", "build", "pack", "refused", "notes")})
        elif rec.get("helper"):
            helpers.append(rec)
        else:
            print("==", rec["name"], file=sys.stderr)
            fixtures.append(packed_entry(upx, rec))
    by_file = {f["file"]: f for f in fixtures}
    for rec in read_log(HERE / "tampered-log.jsonl"):
        fixtures.append(tampered_entry(upx, rec, by_file))
    manifest = {
        "generated_by": "tests/data/upx4/make_manifest.py",
        "built_by": "tests/data/upx4/build.sh, make_tampered.py",
        "upx_obtained_by": "tests/data/upx4/get-upx4.sh (Debian package upx-ucl from the trixie suite, run "
        "through trixie's own loader and libraries)",
        "tools": {
            "readelf": ef.tool_version(["readelf", "--version"]),
            "file": ef.tool_version(["file", "--version"]),
            "upx": u4.upx_version(upx),
            "go": ef.tool_version(["go", "version"]),
            "gcc": ef.tool_version(["gcc", "--version"]),
            "zig": ef.tool_version([sys.executable, "-m", "ziglang", "version"]),
        },
        "fixtures": fixtures,
        "helpers": helpers,
        "refusals": refusals,
        "notes": [r["refused"] for r in refusals]
        + [
            "A packed main program has no PT_INTERP/PT_DYNAMIC, so readelf and `file` call it static even when "
            "the original (truth.original) is dynamic. A packed shared library keeps its PT_DYNAMIC, DT_NEEDED "
            "and DT_SONAME (readelf facts of the packed file).",
            "UPX 4 writes its version as '$Id: UPX 4.24 ...' (truth.ident) for upx 4.2.4.",
        ],
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n")
    print(f"manifest: {len(fixtures)} fixtures, {len(refusals)} refusals")


if __name__ == "__main__":
    main()
