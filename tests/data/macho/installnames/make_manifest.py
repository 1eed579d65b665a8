"""Record `llvm-objdump --macho --dylibs-used` for the install-name fixtures (build.sh), as the tool prints them.

`dylibs_used` keeps llvm-objdump's lines (the install name, then its version numbers); `expected` is the verdict
written by hand from where the file system resolves each install name (`..` and `.` lexically, `//` as `/`):
under /usr/lib/ or /System/Library/ it is part of macOS (data/macos.json's prefixes), elsewhere LG101.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Dict

HERE = Path(__file__).resolve().parent
# case -> (where the install name resolves, part of macOS?)
EXPECTED: Dict[str, Dict[str, object]] = {
    "up-from-usr-lib": {"resolves_to": "/opt/homebrew/lib/libfoo.dylib", "macos": False},
    "up-from-system": {"resolves_to": "/usr/local/lib/libfoo.dylib", "macos": False},
    "double-slash": {"resolves_to": "/usr/local/lib/libfoo.dylib", "macos": False},
    "dot-in-usr-lib": {"resolves_to": "/usr/lib/libfoo.dylib", "macos": True},
    "into-usr-lib": {"resolves_to": "/usr/lib/libfoo.dylib", "macos": True},
}


def _first_version_line(args: list[str]) -> str:
    out = subprocess.run(args, capture_output=True, text=True).stdout
    return next((line.strip() for line in out.splitlines() if "version" in line.lower()), "")


def main() -> int:
    fixtures = []
    for case, expected in EXPECTED.items():
        name = f"usefoo-{case}"
        data = (HERE / name).read_bytes()
        args = ["llvm-objdump", "--macho", "--dylibs-used", name]
        lines = subprocess.run(args, capture_output=True, text=True, check=True, cwd=HERE).stdout.splitlines()
        fixtures.append(
            {
                "name": name,
                "file": name,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "truth": {"dylibs_used": [line.strip() for line in lines[1:]]},
                "expected": expected,
            }
        )
    tools = {"llvm-objdump": _first_version_line(["llvm-objdump", "--version"])}
    manifest = {"generated_by": "tests/data/macho/installnames/build.sh", "tools": tools, "fixtures": fixtures}
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
