"""Write manifest.json for tests/data/debuginfo from independent tools only (nothing here imports linkguard).

Per file: sha256; `readelf -lW` (every PT_LOAD's flags and file size, and the file sizes of PT_INTERP and
PT_DYNAMIC); `file -b`; and what the system does with it: each program is executed (the kernel's verdict: an
errno, or the signal it died of), each library is opened with glibc's dlopen (through ctypes; its error text).
`expected` says how linkguard must see it: the .debug files hold no code (linkage "object", no finding), the
stripped ones are ordinary programs and libraries.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import re
import subprocess
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
PROGRAMS = ("hello-dynamic", "hello-dynamic.debug", "hello-static.debug")
LIBRARIES = ("libfoo.so.1", "libfoo.so.1.debug")
_ROW = re.compile(
    r"^\s*(\w+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+([RWE ]+?)\s+0x"
)


def program_headers(path: Path) -> Dict[str, Any]:
    text = subprocess.run(["readelf", "-lW", str(path)], capture_output=True, text=True, check=False).stdout
    loads: List[Dict[str, Any]] = []
    sizes: Dict[str, int] = {}
    for line in text.splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        kind, filesz, flags = match.group(1), int(match.group(2), 16), match.group(3).replace(" ", "")
        if kind == "LOAD":
            loads.append({"flags": flags, "filesz": filesz})
        elif kind in ("INTERP", "DYNAMIC"):
            sizes[kind] = filesz
    return {
        "tool": "readelf -lW",
        "loads": loads,
        "interp_filesz": sizes.get("INTERP"),
        "dynamic_filesz": sizes.get("DYNAMIC"),
    }


def run(path: Path) -> str:
    try:
        completed = subprocess.run([str(path)], capture_output=True, timeout=10, check=False)
    except OSError as exc:
        return f"execve: {exc.strerror}"
    if completed.returncode < 0:
        return f"killed by signal {-completed.returncode}"
    return f"exit {completed.returncode}"


def dlopen(path: Path) -> str:
    try:
        ctypes.CDLL(str(path))
    except OSError as exc:
        return f"dlopen: {str(exc).replace(str(path), '<file>')}"
    return "loaded"


def main() -> None:
    files = []
    for name in PROGRAMS + LIBRARIES:
        path = HERE / "bin" / name
        debug = name.endswith(".debug")
        files.append(
            {
                "file": f"bin/{name}",
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "readelf": program_headers(path),
                "file_b": subprocess.run(["file", "-b", str(path)], capture_output=True, text=True).stdout.strip(),
                "system": run(path) if name in PROGRAMS else dlopen(path),
                "expected": {"linkage": "object", "findings": []} if debug else {"judged": True},
            }
        )
    manifest = {
        "description": "programs and a library with their detached debug-info files (build.sh)",
        "tools": {
            "gcc": subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
            "objcopy": subprocess.run(["objcopy", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
        },
        "files": files,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
