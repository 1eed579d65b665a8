"""Which libraries a bare Windows or macOS provides, from data/windows_dlls.json, data/windows.json, data/macos.json.

The lists are data with a source per entry so they can be extended without touching code; windows_dlls.json is
generated from delvewheel, Wine, mingw-w64 and Microsoft Learn by tools/windows_dlls/generate.py. Lookups are
case-insensitive for DLL names (real binaries spell KERNEL32.dll, kernel32.dll and KERNEL32.DLL). Also answers
which imports imply a newer Windows than the subsystem version says (the UCRT API sets, ProcessPrng, ...).
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Dict, List, Optional, Sequence, Tuple

from linkguard.versions import leading_number, numeric_prefix


@dataclass(frozen=True)
class Runtime:
    """A redistributable runtime that a bare machine lacks, and what provides it."""

    pattern: str
    runtime: str
    source: str


@dataclass(frozen=True)
class ImpliedFloor:
    """A newer Windows implied by an import: `since` (NT major.minor) and why."""

    since: str
    reason: str
    source: str
    kind: str = "import"  # "import" | "ucrt" (the Universal CRT) | "toolchain" | "machine"


# delvewheel renames the DLLs it bundles to `<name>-<32 hex digits>.<ext>` (the first 32 hex digits of a SHA-256)
_MANGLED = re.compile(r".+-[0-9a-f]{32}\.[a-z]+", re.ASCII)


@cache
def _load(name: str) -> Dict[str, Any]:
    text = resources.files("linkguard").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    data: Dict[str, Any] = json.loads(text)
    return data


@cache
def _windows_names() -> Dict[str, Dict[str, Any]]:
    return {entry["name"].lower(): entry for entry in _load("windows_dlls.json")["platform"]}


def windows_platform_dll(name: str) -> bool:
    """True when a bare Windows provides `name` (an OS DLL or an API set)."""
    lower = name.lower()
    if lower in _windows_names():
        return True
    return any(lower.startswith(p["prefix"]) for p in _load("windows.json")["api_set_prefixes"])


def windows_runtime(name: str) -> Optional[Runtime]:
    """The redistributable that provides `name` (VCRUNTIME140.dll, libstdc++-6.dll, ...), if it is a known one."""
    lower = name.lower()
    if _MANGLED.fullmatch(lower):
        return None  # delvewheel's renamed copy, bundled by the wheel: no redistributable installs that name
    for entry in _load("windows.json")["runtimes"]:
        if fnmatch.fnmatchcase(lower, entry["pattern"]):
            return Runtime(entry["pattern"], entry["runtime"], entry["source"])
    return None


def windows_floors(imports: Sequence[Tuple[str, Sequence[str]]]) -> List[ImpliedFloor]:
    """Windows versions implied by (dll, functions) imports, beyond what the subsystem version says."""
    data = _load("windows.json")
    names = _windows_names()
    found: List[ImpliedFloor] = []
    functions = {(f["dll"], f["function"]): f for f in data["function_floors"]}
    for dll, taken in imports:
        lower = dll.lower()
        entry = names.get(lower)
        if entry is not None and "since" in entry:
            kind = "ucrt" if lower == "ucrtbase.dll" else "import"
            found.append(ImpliedFloor(entry["since"], f"imports {dll}" + _note(entry), entry["source"], kind))
        for api_set in data["api_set_floors"]:
            if lower.startswith(api_set["prefix"]):
                kind = "ucrt" if api_set["prefix"].startswith("api-ms-win-crt-") else "import"
                reason = f"imports {dll}" + _note(api_set)
                found.append(ImpliedFloor(api_set["since"], reason, api_set["source"], kind))
        for function in taken:
            rule = functions.get((lower, function))
            if rule is not None:
                found.append(ImpliedFloor(rule["since"], f"imports {dll}!{function}" + _note(rule), rule["source"]))
    return found


def go_windows_floor(go_version: str) -> Optional[ImpliedFloor]:
    """The oldest Windows a Go toolchain version supports (go1.21+ => Windows 10)."""
    numbers = _go_numbers(go_version)
    if numbers is None:
        return None
    for entry in _load("windows.json")["go_floors"]:
        wanted = tuple(int(p) for p in entry["go"].split("."))
        if numbers >= wanted:
            return ImpliedFloor(entry["since"], f"built by {go_version}", entry["source"], "toolchain")
    return None


def machine_windows_floor(machine: str) -> Optional[ImpliedFloor]:
    """The oldest Windows that runs code of `machine` at all (ARM64: Windows 10), when newer than XP/2003."""
    for entry in _load("windows.json")["machine_floors"]:
        if entry["machine"] == machine:
            return ImpliedFloor(entry["since"], f"{machine} code" + _note(entry), entry["source"], "machine")
    return None


def _go_numbers(go_version: str) -> Optional[Tuple[int, ...]]:
    text = go_version[2:] if go_version.startswith("go") else go_version
    head = text.split(" ", 1)[0].split("-", 1)[0]
    parts: List[int] = []
    for part in head.split(".")[:2]:
        number = leading_number(part)  # ASCII digits only: "go1.²1" names no Go release
        if number is None:
            break
        parts.append(number)
    return tuple(parts) if len(parts) == 2 else None


def _note(entry: Dict[str, Any]) -> str:
    return f" ({entry['note']})" if entry.get("note") else ""


def macos_install_path(path: str) -> str:
    """Where the file system finds an absolute install name: `.` and `..` resolved lexically, `//` as `/`
    (`/usr/lib/../../opt/homebrew/lib/libfoo.dylib` is Homebrew's). /usr/lib and /System/Library are real
    directories on macOS, so lexical resolution is what the kernel does. An @rpath/@loader_path name is left as
    written: dyld resolves it by its own search, and it is never part of macOS."""
    if not path.startswith("/"):
        return path
    return "/" + posixpath.normpath(path).lstrip("/")


def macos_platform_dylib(path: str) -> bool:
    """True when a bare macOS provides the dylib or framework at install name `path`."""
    where = macos_install_path(path)
    return any(where.startswith(p["prefix"]) for p in _load("macos.json")["platform_prefixes"])


def macos_location_note(path: str) -> Optional[str]:
    """Why a non-platform install name is a problem (Homebrew, MacPorts, @rpath, ...), if the prefix is known."""
    where = macos_install_path(path)
    for entry in _load("macos.json")["not_platform_prefixes"]:
        if where.startswith(entry["prefix"]):
            why: str = entry["why"]
            return why
    return None


version_tuple = numeric_prefix  # one parser of OS versions: linkguard.versions
