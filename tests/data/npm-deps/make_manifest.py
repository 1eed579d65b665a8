"""Write manifest.json for tests/data/npm-deps from independent tools only (nothing here imports linkguard).

Per file: sha256; for each ELF file `readelf -d`'s NEEDED, SONAME and RUNPATH lines, for each Mach-O file what
`llvm-objdump --macho --dylibs-used` and `--rpaths` print; for each Linux addon what glibc's
dlopen() (through ctypes, in a fresh process) says of it where it is installed, and of a copy of it alone in an
empty directory of the same shape (its dependency not installed); for the tarball its member names (`tar -tzf`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
ADDONS = (
    "tree/node_modules/@lgfix/addon-linux-x64/lib/addon.node",
    "tree/node_modules/@lgfix/addon-undeclared/lib/addon.node",
)


def readelf(path: Path) -> List[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in out.splitlines() if any(k in line for k in ("(NEEDED)", "(SONAME)", "(RUNPATH)"))]


def objdump(path: Path) -> Dict[str, List[str]]:
    """A Mach-O file's dylibs (after its own install name's line) and LC_RPATH entries, as llvm-objdump prints them."""
    out: Dict[str, List[str]] = {}
    for option in ("--dylibs-used", "--rpaths"):
        text = subprocess.run(
            ["llvm-objdump", "--macho", option, str(path)], capture_output=True, text=True, check=True
        ).stdout
        out[f"llvm-objdump --macho {option}"] = [line.strip() for line in text.splitlines()[1:]]
    return out


def dlopen(path: Path) -> str:
    """glibc's dlopen() of `path` in a fresh process (one that has loaded libdep.so.1 would reuse it by name)."""
    probe = "import ctypes, sys\ntry:\n    ctypes.CDLL(sys.argv[1])\nexcept OSError as exc:\n    print(exc)\n"
    said = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True)
    text = said.stdout.strip()
    return "dlopen: " + text.replace(str(path), "<addon>") if text else "loaded"


def dlopen_alone(relative: str) -> str:
    """The addon copied to the same place in an otherwise empty node_modules: its dependency is not installed."""
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / relative
        copy.parent.mkdir(parents=True)
        shutil.copy(HERE / relative, copy)
        return dlopen(copy)


def main() -> None:
    files: List[Dict[str, Any]] = []
    for path in sorted(p for p in (HERE / "tree").rglob("*") if p.is_file()) + sorted((HERE / "dist").iterdir()):
        relative = str(path.relative_to(HERE))
        entry: Dict[str, Any] = {"file": relative, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        if path.read_bytes()[:4] == b"\x7fELF":
            entry["readelf -d"] = readelf(path)
        elif path.read_bytes()[:4] == b"\xcf\xfa\xed\xfe":
            entry.update(objdump(path))
        if relative in ADDONS:
            entry["dlopen installed"] = dlopen(path)
            entry["dlopen alone"] = dlopen_alone(relative)
        if relative.endswith(".tgz"):
            names = subprocess.run(["tar", "-tzf", str(path)], capture_output=True, text=True, check=True).stdout
            entry["tar -tzf"] = names.split()
        files.append(entry)
    manifest = {
        "description": "an npm addon whose library another package of the same install ships (build.sh)",
        "tools": {
            "gcc": subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
            "readelf": subprocess.run(["readelf", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
        },
        "files": files,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
