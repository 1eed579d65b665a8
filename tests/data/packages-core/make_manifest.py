"""Records what independent tools say about the packages-core fixtures into manifest.json, literally.

For every executable under tree/: its sha256 and the tool's own lines: `readelf -d` (NEEDED, RPATH, RUNPATH) for
ELF, `llvm-readobj --coff-imports` (Name:) for PE, `llvm-objdump --macho --dylibs-used` and `--rpaths` for Mach-O.
For the ELF programs, the loader itself: `ld.so --list` and the exit status of a run, from this directory. The
archives in dist/ are recorded with their sha256 and member list (`unzip -Z1`, `tar -tf`). Never imports linkguard.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOADER = "/lib64/ld-linux-x86-64.so.2"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=HERE, capture_output=True, text=True, check=False, env={"PATH": os.environ["PATH"]}
    )


def lines(text: str, *keys: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if any(k in line for k in keys)]


def record(path: Path) -> dict[str, object] | None:
    head = path.read_bytes()[:4]
    relative = str(path.relative_to(HERE))
    entry: dict[str, object] = {"file": str(path.relative_to(HERE)), "sha256": sha256(path)}
    if head == b"\x7fELF":
        entry["readelf -d"] = lines(run("readelf", "-d", relative).stdout, "(NEEDED)", "(RPATH)", "(RUNPATH)")
        if os.access(path, os.X_OK) and path.suffix == "" and "bin" in path.parts:
            listing = run(LOADER, "--list", "./" + relative)
            entry["ld.so --list"] = listing.stdout.splitlines()
            ran = run("./" + relative)
            entry["run"] = {"exit": ran.returncode, "stderr": ran.stderr.strip()}
        return entry
    if head[:2] == b"MZ":
        entry["llvm-readobj --coff-imports"] = lines(run("llvm-readobj", "--coff-imports", relative).stdout, "Name:")
        return entry
    if head in (b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        used = run("llvm-objdump", "--macho", "--dylibs-used", relative).stdout.splitlines()[1:]
        entry["llvm-objdump --macho --dylibs-used"] = [line.strip() for line in used]
        rpaths = run("llvm-objdump", "--macho", "--rpaths", relative).stdout.splitlines()[1:]
        entry["llvm-objdump --macho --rpaths"] = [line.strip() for line in rpaths]
        return entry
    return None


def main() -> None:
    files: list[dict[str, object]] = []
    for path in sorted((HERE / "tree").rglob("*")):
        if path.is_file() and not path.is_symlink():
            entry = record(path)
            if entry is not None:
                files.append(entry)
    archives: list[dict[str, object]] = []
    for path in sorted((HERE / "dist").iterdir()):
        relative = str(path.relative_to(HERE))
        listing = run("unzip", "-Z1", relative) if path.suffix == ".whl" else run("tar", "-tf", relative)
        archives.append({"file": relative, "sha256": sha256(path), "members": listing.stdout.splitlines()})
    manifest = {
        "tools": {"readelf": run("readelf", "--version").stdout.splitlines()[0]},
        "files": files,
        "archives": archives,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
