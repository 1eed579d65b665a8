"""Write manifest.json for the remedy-proof fixtures from independent tools only.

For every before/after fixture in build-log.jsonl: readelf facts (linkage derived from them), `file -b`,
`go version -m` for Go programs and, on an x86-64 host, whether it runs.  Failed "attempt" commands
are kept with the tool's message so a suggested fix can avoid them.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "upx"))

import elffacts as ef  # noqa: E402


def truth_for(path: Path) -> Dict[str, Any]:
    truth: Dict[str, Any] = ef.readelf_facts(str(path))
    truth["file"] = ef.file_b(str(path))
    truth["size"] = path.stat().st_size
    truth["go_version_m"] = ef.go_version_m(str(path))
    if platform.machine() == "x86_64":
        truth["run"] = ef.run_binary(str(path))
    return truth


def main() -> None:
    recs: List[Dict[str, str]] = [json.loads(x) for x in (HERE / "build-log.jsonl").read_text().splitlines() if x]
    fixtures: List[Dict[str, Any]] = []
    attempts: List[Dict[str, str]] = []
    cache: Dict[str, Dict[str, Any]] = {}
    for rec in recs:
        if rec["role"] == "attempt":
            attempts.append(rec)
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
        },
        "fixtures": fixtures,
        "attempts": attempts,
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
        ],
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"manifest: {len(fixtures)} fixture entries, {len(attempts)} attempts")


if __name__ == "__main__":
    main()
