"""Record llvm-objdump's truth for the zippered fixtures (build.sh): every LC_BUILD_VERSION per slice, literally.

`build_versions` lists, per slice in file order, each LC_BUILD_VERSION's platform/minos/sdk as llvm-objdump
prints them (`macos`, `macCatalyst`); `raw` keeps the lines they came from.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
FILES = ["zippered-x86_64.o", "zippered-x86_64.dylib", "zippered-arm64.dylib", "zippered-universal.dylib"]


def objdump(name: str) -> str:
    args = ["llvm-objdump", "--macho", "--private-headers", "--arch=all", name]
    return subprocess.run(args, capture_output=True, text=True, check=True, cwd=HERE).stdout


def build_versions(text: str) -> List[Dict[str, object]]:
    """Per slice (one "(architecture ...)" listing each, or the one thin file), its LC_BUILD_VERSIONs in order."""
    slices: List[Dict[str, object]] = []
    for chunk in re.split(r"(?m)^(?=\S+ \(architecture \S+\):$)", text):
        arch = re.search(r"\(architecture (\S+)\):", chunk)
        found = re.findall(r"cmd LC_BUILD_VERSION\n.*\n\s+platform (\S+)\n\s+sdk (\S+)\n\s+minos (\S+)", chunk)
        if found:
            versions = [{"platform": p, "sdk": s, "minos": m} for p, s, m in found]
            slices.append({"architecture": arch.group(1) if arch else None, "build_versions": versions})
    return slices


def _file(name: str) -> str:
    return subprocess.run(["file", "-b", name], capture_output=True, text=True, cwd=HERE).stdout.strip()


def _version_line(args: List[str]) -> str:
    out = subprocess.run(args, capture_output=True, text=True).stdout
    return next((line.strip() for line in out.splitlines() if "version" in line.lower() or "file-" in line), "")


def main() -> int:
    fixtures = []
    for name in FILES:
        data = (HERE / name).read_bytes()
        text = objdump(name)
        wanted = r"\s*(cmd LC_BUILD_VERSION|platform|sdk|minos)|\S+ \(architecture"
        raw = [line.strip() for line in text.splitlines() if re.match(wanted, line)]
        fixtures.append(
            {
                "name": name,
                "file": name,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "truth": {
                    "file": _file(name),
                    "slices": build_versions(text),
                    "raw": raw,
                },
            }
        )
    tools = {
        "llvm-objdump": _version_line(["llvm-objdump", "--version"]),
        "file": _version_line(["file", "--version"]),
    }
    manifest = {"generated_by": "tests/data/macho/zippered/build.sh", "tools": tools, "fixtures": fixtures}
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
