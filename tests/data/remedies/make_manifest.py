"""Write manifest.json for the remedy-proof fixtures from independent tools only.

For every before/after fixture in build-log.jsonl: readelf facts (linkage derived from them), `file -b`,
`go version -m` for Go programs (with the module replacements it prints), for static programs the NSS
evidence `strings`/`nm` show, and, on an x86-64 host, whether it runs.  Failed "attempt" commands are kept
with the tool's message so a suggested fix can avoid them; "setup" steps (a library the fixtures link) too.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "upx"))

import elffacts as ef  # noqa: E402

# Loaders a plain x86-64 glibc host has; fixtures needing another (musl, FreeBSD) are not run.
HOST_LOADERS = (None, "/lib64/ld-linux-x86-64.so.2")
HOST_LIBRARIES = {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "libresolv.so.2", "ld-linux-x86-64.so.2"}


def _seed_manifest() -> ModuleType:
    """tests/data/seed/make_manifest.py, for its strings/nm NSS evidence (one definition for both sets)."""
    spec = importlib.util.spec_from_file_location("seed_make_manifest", HERE.parent / "seed" / "make_manifest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def go_modules(path: Path) -> Optional[List[Dict[str, Any]]]:
    """`go version -m` module lines: main module and deps, each with the `=>` replacement that follows it."""
    if ef.tool_version(["go", "version"]) is None:
        return None
    proc = ef.run(["go", "version", "-m", str(path)])
    if proc.returncode != 0:
        return None
    modules: List[Dict[str, Any]] = []
    for line in proc.stdout.splitlines()[1:]:
        parts = line.strip().split("\t")
        if parts[0] in ("mod", "dep") and len(parts) >= 3:
            modules.append({"kind": parts[0], "path": parts[1], "version": parts[2], "replacement": None})
        elif parts[0] == "=>" and modules and len(parts) >= 3:
            modules[-1]["replacement"] = {"path": parts[1], "version": parts[2]}
    return modules


def truth_for(path: Path) -> Dict[str, Any]:
    truth: Dict[str, Any] = ef.readelf_facts(str(path))
    truth["file"] = ef.file_b(str(path))
    truth["size"] = path.stat().st_size
    truth["go_version_m"] = ef.go_version_m(str(path))
    if truth["go_version_m"] is not None:
        truth["go_modules"] = go_modules(path)
    if truth["linkage"] in ("static", "static-pie"):
        truth["nss_evidence"] = SEED.nss_evidence(str(path))
    runnable = truth["interpreter"] in HOST_LOADERS and set(truth["needed"]) <= HOST_LIBRARIES
    if platform.machine() == "x86_64" and runnable:
        truth["run"] = ef.run_binary(str(path))
    return truth


SEED = _seed_manifest()


def main() -> None:
    recs: List[Dict[str, str]] = [json.loads(x) for x in (HERE / "build-log.jsonl").read_text().splitlines() if x]
    fixtures: List[Dict[str, Any]] = []
    attempts: List[Dict[str, str]] = []
    setup: List[Dict[str, str]] = []
    cache: Dict[str, Dict[str, Any]] = {}
    for rec in recs:
        if rec["role"] == "attempt":
            attempts.append(rec)
            continue
        if rec["role"] == "setup":
            setup.append(rec)
            continue
        if rec["file"] not in cache:
            cache[rec["file"]] = truth_for(HERE / rec["file"])
        fixtures.append(
            {
                "remedy": rec["remedy"],
                "role": rec["role"],
                "name": rec["name"],
                "file": rec["file"],
                "source": rec["source"],
                "build": rec["build"],
                "build_stderr": rec["build_stderr"],
                "truth": cache[rec["file"]],
                "notes": rec["notes"],
                **({"promise": rec["promise"].split(",")} if rec.get("promise") else {}),
            }
        )
    manifest = {
        "generated_by": "tests/data/remedies/make_manifest.py",
        "built_by": "tests/data/remedies/build.sh",
        "tools": {
            "readelf": ef.tool_version(["readelf", "--version"]),
            "file": ef.tool_version(["file", "--version"]),
            "go": ef.tool_version(["go", "version"]),
            "gcc": ef.tool_version(["gcc", "--version"]),
            "zig": ef.tool_version([sys.executable, "-m", "ziglang", "version"]),
            "rustc": ef.tool_version(["rustc", "--version"]),
            "cargo": ef.tool_version(["cargo", "--version"]),
            "cargo-zigbuild": ef.tool_version(["cargo-zigbuild", "--version"]),
            "musl-gcc": ef.tool_version(["musl-gcc", "--version"]),
            "strings": ef.tool_version(["strings", "--version"]),
        },
        "fixtures": fixtures,
        "attempts": attempts,
        "setup": setup,
        "covered_elsewhere": [
            {
                "remedy": "go-cgo-musl-static",
                "role": "after",
                "file": "../seed/bin/seed-cgo-musl-static",
                "notes": "cgo program built static against musl: seed variant 4 (tests/data/seed/manifest.json)",
            },
            {
                "remedy": "drop-upx",
                "role": "after",
                "file": "../upx/bin/orig/",
                "notes": "dropping the upx step leaves the original: tests/data/upx/bin/orig/<name> "
                "(truth.original of each packed fixture in tests/data/upx/manifest.json)",
            },
            {
                "remedy": "shared-library-allow",
                "role": "before",
                "file": "../elf/bin/libfoo.so.1",
                "notes": "a shared library (tests/data/elf/manifest.json); its fix is policy, not a build change: "
                "the allowance the fix spells out, which the proof test applies",
            },
            {
                "remedy": "extension-libpython",
                "role": "before",
                "file": "../loose-hosts/bin/linux/embed/embedmod.cpython-311-x86_64-linux-gnu.so",
                "notes": "an extension module linked with `python3-config --ldflags --embed`; the after fixture is "
                "../loose-hosts/bin/linux/fixed/ (`--ldflags`, no libpython): tests/data/loose-hosts/manifest.json",
            },
            {
                "remedy": "drop-upx-static",
                "role": "after",
                "file": "../upx/bin/orig/",
                "notes": "the same for packed programs whose original is static: upx/bin/<name> before, "
                "upx/bin/orig/<name> after",
            },
        ],
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"manifest: {len(fixtures)} fixture entries, {len(attempts)} attempts")


if __name__ == "__main__":
    main()
