"""Records what readelf and glibc's own loader say about the rpath-chain fixtures into manifest.json, literally.

For every file under tree/: its sha256; for ELF `readelf -d`'s NEEDED/RPATH/RUNPATH lines, for Mach-O what
`llvm-objdump --macho --dylibs-used` and `--rpaths` print. For every module
(pkg/*.so): a host built from src/loadmod.c dlopen()s it under `LD_DEBUG=libs`; recorded are the host's line for it
(`loaded`, or the loader's dlerror()) and, per bundled library (libchain*) the loader searched for, the search
lists it named (its own text after each `search path=...`: `RPATH from file ./tree/rpath/pkg/_mod.so`, `system
search path`) and the file it found, relative to this directory (None when none was found). Never imports
linkguard; the tests re-run the same run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def readelf(relative: str) -> List[str]:
    out = subprocess.run(["readelf", "-d", relative], cwd=HERE, capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in out.splitlines() if any(k in line for k in ("(NEEDED)", "(RPATH)", "(RUNPATH)"))]


def objdump(relative: str) -> Dict[str, List[str]]:
    """A Mach-O file's load commands as llvm-objdump prints them: the dylibs it uses (after its own install name's
    line) and its LC_RPATH entries."""
    out: Dict[str, List[str]] = {}
    for option in ("--dylibs-used", "--rpaths"):
        text = subprocess.run(
            ["llvm-objdump", "--macho", option, relative], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout
        out[f"llvm-objdump --macho {option}"] = [line.strip() for line in text.splitlines()[1:]]
    return out


def build_host(directory: str) -> str:
    host = os.path.join(directory, "loadmod")
    subprocess.run(["gcc", "-o", host, str(HERE / "src" / "loadmod.c")], check=True)
    return host


def loader_run(host: str, module: str) -> Dict[str, Any]:
    """The host's line for `module` (a path relative to this directory) and what LD_DEBUG=libs says of each search."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LD_DEBUG": "libs"}
    ran = subprocess.run([host, "./" + module], cwd=HERE, capture_output=True, text=True, env=env, check=False)
    searches: Dict[str, Dict[str, Any]] = {}
    current: Optional[Dict[str, Any]] = None
    prefix = str(HERE) + "/"
    for raw in ran.stderr.splitlines():
        line = re.sub(r"^\s*\d+:\s*", "", raw)
        found = re.match(r"find library=(libchain\S+) \[\d+\]; searching", line)
        if found:
            current = searches.setdefault(found.group(1), {"search paths": [], "found": None})
            continue
        if current is None:
            continue
        if line.startswith("find library="):  # a system library's search: not the package's
            current = None
            continue
        listed = re.match(r"search path=.*\t\t\((.*)\)$", line)
        if listed:  # an object loaded through a search path is named by its full path: kept relative to here
            current["search paths"].append(listed.group(1).replace(prefix, ""))
            continue
        tried = re.match(r"trying file=(\S+)", line)
        if tried:
            current["tried"] = tried.group(1)
    # The file a search found is the last one it tried, when that file exists (a failed search ends on a file that
    # does not: the last directory of its list).
    for search in searches.values():
        tried = search.pop("tried", None)
        if tried is not None and os.path.isfile(tried):
            search["found"] = os.path.normpath(tried[len(prefix) :] if tried.startswith(prefix) else tried)
    return {"host says": ran.stdout.strip().replace(prefix, ""), "exit": ran.returncode, "searches": searches}


def main() -> None:
    files: List[Dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as work:
        host = build_host(work)
        for path in sorted(p for p in (HERE / "tree").rglob("*") if p.is_file()):
            relative = str(path.relative_to(HERE))
            entry: Dict[str, Any] = {"file": relative, "sha256": sha256(path)}
            if path.read_bytes()[:4] == b"\x7fELF":
                entry["readelf -d"] = readelf(relative)
                if path.parent.name == "pkg":
                    entry["dlopen"] = loader_run(host, relative)
            else:
                entry.update(objdump(relative))
            files.append(entry)
    manifest = {
        "tools": {
            "readelf": subprocess.run(["readelf", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
            "ld.so": subprocess.run(
                ["/lib64/ld-linux-x86-64.so.2", "--version"], capture_output=True, text=True
            ).stdout.splitlines()[0],
            "python": sys.version.split()[0],
            "llvm-objdump": next(
                line.strip()
                for line in subprocess.run(
                    ["llvm-objdump", "--version"], capture_output=True, text=True
                ).stdout.splitlines()
                if "version" in line
            ),
        },
        "files": files,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
