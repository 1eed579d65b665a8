"""Write manifest.json for the seed-case fixtures from independent tools only.

readelf/file/`go version -m` for every variant; `upx -l/-t/--fileinfo` and `upx -d` (then readelf and
`go version -m` on the unpacked copy) for the packed one; strings/nm NSS evidence for the static
glibc one; the linker's own warning text from build-log.jsonl.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "upx"))

import elffacts as ef  # noqa: E402

NSS_STRINGS = ("libnss_", "nsswitch.conf", "__nss_hosts_lookup", "__nss_database")
NM_SYMBOLS = ("getaddrinfo", "dlopen", "__libc_dlopen_mode", "__nss_hosts_lookup2")


def nss_evidence(path: str) -> Dict[str, Any]:
    """What `strings -a` and `nm` show about NSS/dlopen in a static binary (glibc libc markers)."""
    text = ef.run(["strings", "-a", path]).stdout.splitlines()
    # Go packs its strings into long runs: record the matching tokens, not whole lines.
    hits = {
        s: sorted({m.group(0) for line in text for m in re.finditer(r"[\w./%]*" + re.escape(s) + r"[\w./%]*", line)})[
            :8
        ]
        for s in NSS_STRINGS
    }
    nm = ef.run(["nm", path])
    syms: Dict[str, Any] = {}
    if nm.returncode == 0:
        for sym in NM_SYMBOLS:
            m = re.search(r"^[0-9a-f]+ ([A-Za-z]) " + re.escape(sym) + r"$", nm.stdout, re.M)
            syms[sym] = m.group(1) if m else None
    return {
        "strings": hits,
        "nm_ok": nm.returncode == 0,
        "nm_message": (nm.stderr.strip().replace(path, "<file>") if nm.returncode else ""),
        "nm_symbol_types": syms,
        "glibc_markers": {
            s: any(s in line for line in text) for s in ("GLIBC_TUNABLES", "Fatal glibc error", "No error information")
        },
    }


def entry(upx: Any, rec: Dict[str, str]) -> Dict[str, Any]:
    path = HERE / rec["file"]
    truth: Dict[str, Any] = ef.readelf_facts(str(path))
    truth["file"] = ef.file_b(str(path))
    truth["size"] = path.stat().st_size
    gv = ef.go_version_m(str(path))
    truth["go_version_m"] = gv
    if rec["name"].endswith("-upx"):
        if upx is None:
            sys.exit("UPX 3.94 not found: set LINKGUARD_UPX")
        pt = ef.packed_truth(upx, str(path))
        pt.pop("packed_readelf")
        pt.pop("file")
        truth.update(pt)
        truth["packed"] = True
    else:
        truth["packed"] = False
    if truth["linkage"] == "static" or rec["name"].endswith("-static"):
        truth["nss_evidence"] = nss_evidence(str(path))
    if platform.machine() == "x86_64":
        truth["run"] = ef.run_binary(str(path))
    return {
        "name": rec["name"],
        "file": rec["file"],
        "source": rec["source"],
        "build": rec["build"],
        "build_stderr": rec["build_stderr"],
        "truth": truth,
        "notes": rec["notes"],
    }


def main() -> None:
    upx = ef.find_upx()
    recs: List[Dict[str, str]] = [json.loads(x) for x in (HERE / "build-log.jsonl").read_text().splitlines() if x]
    fixtures = [entry(upx, r) for r in recs]
    manifest = {
        "generated_by": "tests/data/seed/make_manifest.py",
        "built_by": "tests/data/seed/build.sh",
        "tools": {
            "readelf": ef.tool_version(["readelf", "--version"]),
            "file": ef.tool_version(["file", "--version"]),
            "upx": ef.tool_version([upx, "--version"]) if upx else None,
            "go": ef.tool_version(["go", "version"]),
            "gcc": ef.tool_version(["gcc", "--version"]),
            "nm": ef.tool_version(["nm", "--version"]),
            "strings": ef.tool_version(["strings", "--version"]),
        },
        "fixtures": fixtures,
        "notes": [
            "Origin story: a cgo Go program (pow from libm, net.LookupHost) shipped dynamic, then UPX-packed "
            "(looks static), then 'fixed' with static glibc (linker warns about getaddrinfo; NSS modules still "
            "loaded at run time), finally built static against musl.",
            "The static glibc variant keeps its symbol table (-w without -s) so nm truth can be re-checked.",
        ],
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"manifest: {len(fixtures)} fixtures")


if __name__ == "__main__":
    main()
