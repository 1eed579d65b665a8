"""Helpers shared by the truth tests: they re-run independent tools and never import linkguard.

Two decisions live here so every truth test makes them the same way:
- a missing tool (readelf, `file` of the recorded version, UPX 3.94/4.2.4, go, a loader) skips with a reason that
  names it, or fails when LINKGUARD_REQUIRE_TOOLS=1 (set by .ci/run): CI must not go green on skipped truth;
- whether this host can execute a fixture is decided from the host (machine, loader, glibc version, noexec mount,
  32-bit support), never from the result the manifest recorded, which is then asserted whenever the host can run it.
This module is also imported by tests/data/record_runs.py, which re-records run results with the same decision.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, NoReturn, Optional, Sequence

import pytest

REQUIRE_ENV = "LINKGUARD_REQUIRE_TOOLS"

# The readelf-derived facts every fixture manifest records and the truth tests re-check.
READELF_KEYS = (
    "class",
    "data",
    "readelf_machine",
    "type",
    "segments",
    "interpreter",
    "has_dynamic",
    "needed",
    "soname",
    "rpath",
    "runpath",
    "flags_1_pie",
    "version_needs",
    "max_versions",
    "linkage",
)

AMD64 = "Advanced Micro Devices X86-64"
I386 = "Intel 80386"
# ldconfig -p tags a library with its ABI: "(libc6,x86-64)" for amd64, "(libc6)" for i386.
_LDCONFIG_TAG = {AMD64: "libc6,x86-64", I386: "libc6"}
# A static i386 program from tests/data/elf: running it is how the host shows it executes 32-bit x86 code.
_I386_PROBE = Path(__file__).resolve().parent / "data" / "elf" / "bin" / "zig-x86-linux-musl-static"


def tools_required() -> bool:
    """True under LINKGUARD_REQUIRE_TOOLS=1: CI promised every truth tool is installed."""
    return os.environ.get(REQUIRE_ENV) == "1"


def missing(reason: str) -> NoReturn:
    """A truth check cannot run because the host lacks something: skip, or fail under LINKGUARD_REQUIRE_TOOLS=1."""
    if tools_required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1: a missing truth tool is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def require_tool(name: str, reason: str = "") -> str:
    """The path of command `name`, or missing(): `reason` says what the tool re-checks."""
    found = shutil.which(name)
    if found is None:
        missing(f"{name} is not installed: cannot {reason or 'run this truth check'}")
    return found


def require_module(name: str, reason: str) -> ModuleType:
    """Import `name` (a test extra, e.g. xmlschema), or missing() at module level: a developer who followed the
    README has it; CI must never go green on a suite that skipped what it validates."""
    try:
        return importlib.import_module(name)
    except ImportError:
        message = f"{name} is not installed: {reason}"
        if tools_required():
            pytest.fail(f"{message} ({REQUIRE_ENV}=1: a missing test dependency is a failure)", pytrace=False)
        pytest.skip(message, allow_module_level=True)


def need(tool: str) -> None:
    """require_tool() for a tool whose output a manifest recorded."""
    require_tool(tool, f"re-check the manifest's {tool} truth")


def first_line(args: Sequence[str]) -> Optional[str]:
    """First line a tool prints (stdout, else stderr), or None when it cannot be run."""
    try:
        proc = subprocess.run(list(args), capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0] if text else None


def require_version(args: Sequence[str], recorded: str, what: str) -> None:
    """The tool (args[0]) prints the version that wrote the manifest, or missing(): another version words it
    differently, so comparing would test the tool, not the fixture."""
    require_tool(args[0], f"re-check {what}")
    found = first_line(args)
    if found != recorded:
        missing(f"{args[0]} is {found!r}, the manifest was recorded with {recorded!r}: cannot re-check {what}")


def load_module(name: str, path: Path) -> ModuleType:
    """A fixture set's own Python helper (e.g. tests/data/upx/elffacts.py), loaded by path."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixture_path(base: Path, fixture: Dict[str, Any], build_script: str) -> Path:
    """A committed fixture: its absence is a broken checkout, not a host limitation."""
    path = base / fixture["file"]
    if not path.exists():
        pytest.fail(f"fixture binary {fixture['file']} is missing (committed; rebuilt by {build_script})")
    return path


# ------------------------------------------------------------------ can this host execute a fixture?


def numeric_version(text: str) -> tuple[int, ...]:
    """A dotted version of ASCII digits ("2.2.5", "3.4.21") as integers: the tests' own comparison, so an
    expectation never comes from linkguard.versions, the code under test."""
    return tuple(int(part) for part in text.split("."))


@functools.cache
def loader_glibc(loader: str) -> Optional[str]:
    """The glibc version of a glibc dynamic loader, from `LOADER --version` ("... release version 2.36.")."""
    line = first_line([loader, "--version"]) or ""
    match = re.search(r"version (\d+\.\d+)", line)
    return match.group(1) if match else None


@functools.cache
def _ldconfig() -> str:
    try:
        return subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""


def _library_present(name: str, machine: str) -> bool:
    pattern = re.compile(r"^\s*" + re.escape(name) + r" \(" + re.escape(_LDCONFIG_TAG[machine]) + r"[,)]", re.M)
    return bool(pattern.search(_ldconfig()))


@functools.cache
def runs_i386() -> Optional[str]:
    """None when the kernel executes 32-bit x86 programs (IA32 emulation), else why not."""
    if not _I386_PROBE.is_file():
        return f"the i386 probe {_I386_PROBE.name} is missing"
    try:
        proc = subprocess.run([str(_I386_PROBE)], capture_output=True, check=False, timeout=20)
    except OSError as exc:
        return f"the kernel does not execute i386 programs (IA32 emulation off?): {exc}"
    except subprocess.TimeoutExpired:
        return "the i386 probe did not finish"
    return None if proc.returncode == 0 else f"the i386 probe exited {proc.returncode}"


def cannot_run(
    path: Path,
    machine: Optional[str],
    interpreter: Optional[str],
    needed: Sequence[str] = (),
    max_versions: Optional[Dict[str, str]] = None,
) -> Optional[str]:
    """Why this host cannot execute the program at `path` (None when it can), from the host alone.

    `machine`, `interpreter`, `needed` and `max_versions` are the readelf facts of what runs: for a packed file,
    its original (the UPX stub maps the original's interpreter and libraries)."""
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        return f"needs an x86-64 Linux host to execute x86 fixtures (this is {platform.system()}/{platform.machine()})"
    if machine not in _LDCONFIG_TAG:
        return f"{machine} code does not run on x86-64"
    if os.statvfs(path).f_flag & os.ST_NOEXEC:
        return f"{path.parent} is on a noexec mount"
    if machine == I386:
        reason = runs_i386()
        if reason:
            return reason
    if interpreter is None:
        return None
    if not os.path.exists(interpreter):
        return f"its loader {interpreter} is not installed (Debian: {loader_package(interpreter)})"
    if "ld-musl" in interpreter:
        return None  # musl's loader is its C library: libc.so is the loader itself
    wanted = (max_versions or {}).get("GLIBC")
    host = loader_glibc(interpreter)
    if wanted and (host is None or numeric_version(host) < numeric_version(wanted)):
        return f"it needs GLIBC_{wanted} and this host's {interpreter} is glibc {host}"
    absent = [name for name in needed if not _library_present(name, machine)]
    if absent:
        return f"{', '.join(absent)} not installed for {machine}"
    return None


def loader_package(interpreter: str) -> str:
    """The Debian package that installs a loader, for skip reasons and .ci/run."""
    if "ld-musl" in interpreter:
        return "apt-get install musl"
    if interpreter == "/lib/ld-linux.so.2":
        return "apt-get install libc6-i386"
    return "the system C library"


def require_runnable(
    path: Path,
    machine: Optional[str],
    interpreter: Optional[str],
    needed: Sequence[str] = (),
    max_versions: Optional[Dict[str, str]] = None,
) -> None:
    """Skip (or fail, for a missing installable loader under LINKGUARD_REQUIRE_TOOLS=1) when the host cannot
    execute the program. A different machine, kernel or too-old glibc is the host, not a missing tool: skip."""
    reason = cannot_run(path, machine, interpreter, needed, max_versions)
    if reason is None:
        return
    if "is not installed" in reason:
        missing(f"cannot execute {path.name}: {reason}")
    pytest.skip(f"cannot execute {path.name} here: {reason}")


def run_facts(truth: Dict[str, Any], by_file: Optional[Dict[str, Dict[str, Any]]] = None) -> Dict[str, Any]:
    """The readelf facts of what actually runs when a fixture is executed: the original behind UPX packing
    (`truth.original`; for a tampered copy its `original_*` facts, else the fixture it was tampered from),
    else the file itself. Keyword arguments for cannot_run()/require_runnable()."""
    source: Dict[str, Any] = truth
    if "original" in truth:
        source = truth["original"]
    elif truth.get("tampered"):
        source = {key[len("original_") :]: value for key, value in truth.items() if key.startswith("original_")}
        parent = (by_file or {}).get(truth.get("tampered_from", ""), {}).get("truth", {}).get("original", {})
        for key in ("interpreter", "needed", "max_versions"):
            source.setdefault(key, parent.get(key))
    return {
        "machine": truth["readelf_machine"],
        "interpreter": source.get("interpreter"),
        "needed": list(source.get("needed") or []),
        "max_versions": dict(source.get("max_versions") or {}),
    }
