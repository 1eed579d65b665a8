"""Write manifest.json for bin/: each file's sha256 and, from `readelf -V` and `readelf --dyn-syms -W` (binutils),
its version needs as (library, version, undefined symbols bound to it). Run after build.sh; never imports linkguard."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent


def needs(path: Path) -> List[Dict[str, object]]:
    versions = subprocess.run(["readelf", "-V", "-W", str(path)], capture_output=True, text=True, check=True).stdout
    symbols = subprocess.run(["readelf", "--dyn-syms", "-W", str(path)], capture_output=True, text=True, check=True)
    users: Dict[str, List[str]] = {}
    for line in symbols.stdout.splitlines():
        match = re.search(r" UND (\S+)@(\S+) \((\d+)\)$", line)
        if match:
            users.setdefault(match.group(3), []).append(match.group(1))
    out: List[Dict[str, object]] = []
    library = ""
    for line in versions.split("Version needs", 1)[1].splitlines():
        file_match = re.search(r"File: (\S+)", line)
        if file_match:
            library = file_match.group(1)
        name_match = re.search(r"Name: (\S+)\s+Flags: (\S+)\s+Version: (\d+)", line)
        if name_match:
            out.append(
                {
                    "library": library,
                    "version": name_match.group(1),
                    "symbols": sorted(users.get(name_match.group(3), [])),
                    "weak": name_match.group(2) == "WEAK",
                }
            )
    return out


def main() -> int:
    files = []
    for path in sorted((HERE / "bin").iterdir()):
        header = subprocess.run(["readelf", "-h", str(path)], capture_output=True, text=True, check=True).stdout
        files.append(
            {
                "file": f"bin/{path.name}",
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "class": re.search(r"Class:\s+(\S+)", header).group(1),  # type: ignore[union-attr]
                "data": re.search(r"Data:\s+(.+)", header).group(1).strip(),  # type: ignore[union-attr]
                "version_needs": needs(path),
            }
        )
    json.dump({"generated_by": "build.sh (zig cc), then manifest.py (readelf)", "files": files}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
