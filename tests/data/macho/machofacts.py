"""Mach-O facts from independent tools: `llvm-objdump --macho` (--universal-headers, --private-headers,
--dylibs-used, all with --arch=all so every slice of a universal binary is read), `file -b` and `upx -l/-t`.

Used by make_manifest.py (to write the truth) and tests/unit/test_macho_manifest_truth.py (to re-check it).
Never imports linkguard, macholib or any Mach-O parser.  Tool plumbing (run, which, file_b, sha256, upx_*)
comes from tests/data/pe/pefacts.py.  Each parser returns parsed fields and the raw lines it read them from.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List, Optional, Tuple


def _load_pefacts() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lg_pefacts", Path(__file__).parents[1] / "pe" / "pefacts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pf = _load_pefacts()

# Load commands whose payload the manifest records; every command name is recorded in order regardless.
DYLIB_COMMANDS = (
    "LC_LOAD_DYLIB",
    "LC_LOAD_WEAK_DYLIB",
    "LC_REEXPORT_DYLIB",
    "LC_LAZY_LOAD_DYLIB",
    "LC_LOAD_UPWARD_DYLIB",
)
_SLICE = re.compile(r"^(.*) \(architecture (\S+)\):$")
_NAME = re.compile(r"^(?:name|path) (.*) \(offset \d+\)$")


def _objdump(args: List[str], path: str) -> str:
    tool = pf.which("llvm-objdump")
    assert tool is not None
    proc = pf.run([tool, "--macho", *args, "--arch=all", path])
    if proc.returncode != 0:
        raise RuntimeError(f"llvm-objdump {' '.join(args)} failed: {proc.stderr.strip()}")
    return str(proc.stdout)


def _split_slices(text: str, path: str) -> List[Tuple[Optional[str], List[str]]]:
    """Output blocks per slice: [(arch or None for a thin file, lines)]; the path header line is dropped."""
    blocks: List[Tuple[Optional[str], List[str]]] = []
    for line in text.splitlines():
        m = _SLICE.match(line)
        if m:
            blocks.append((m.group(2), []))
        elif line == f"{path}:" and not blocks:
            blocks.append((None, []))
        elif blocks:
            blocks[-1][1].append(line)
    return blocks


def universal_headers(path: str) -> Tuple[Optional[Dict[str, Any]], List[str]]:
    """`--universal-headers`: nfat_arch and each architecture's cputype/offset/size (None for a thin file)."""
    text = _objdump(["--universal-headers"], path)
    if "fat_magic" not in text:
        return None, []
    raw: List[str] = []
    archs: List[Dict[str, Any]] = []
    facts: Dict[str, Any] = {"archs": archs}
    for line in text.splitlines():
        s = line.strip()
        key, _, value = s.partition(" ")
        if key in ("fat_magic", "nfat_arch"):
            raw.append(s)
            facts[key] = int(value) if key == "nfat_arch" else value
        elif key == "architecture":
            raw.append(s)
            archs.append({"architecture": value})
        elif archs and key in ("cputype", "offset", "size"):
            raw.append(s)
            archs[-1][key] = int(value) if key != "cputype" else value
    return facts, raw


def _slice_private(lines: List[str]) -> Tuple[Dict[str, Any], List[str]]:
    raw: List[str] = []
    facts: Dict[str, Any] = {
        "load_commands": [],
        "dylibs": [],
        "id_dylib": None,
        "rpaths": [],
        "build_version": None,
        "version_min_macosx": None,
        "code_signature": None,
    }
    i = 0
    cmd: Optional[str] = None
    while i < len(lines):
        s = lines[i].strip()
        if s.startswith("magic cputype"):
            values = lines[i + 1].split()
            raw += [s, lines[i + 1].strip()]
            facts["magic"], facts["cputype"], facts["cpusubtype"] = values[0], values[1], values[2]
            facts["filetype"] = values[4]
            facts["flags"] = values[7:]
            i += 2
            continue
        if s.startswith("cmd "):
            cmd = s.split()[1]
            facts["load_commands"].append(cmd)
            raw.append(s)
        elif cmd is not None:
            m = _NAME.match(s)
            if m and cmd in DYLIB_COMMANDS:
                raw.append(s)
                facts["dylibs"].append({"command": cmd, "name": m.group(1)})
            elif m and cmd == "LC_ID_DYLIB":
                raw.append(s)
                facts["id_dylib"] = m.group(1)
            elif m and cmd == "LC_RPATH":
                raw.append(s)
                facts["rpaths"].append(m.group(1))
            elif cmd == "LC_BUILD_VERSION" and s.split(" ")[0] in ("platform", "minos", "sdk"):
                raw.append(s)
                key, value = s.split(None, 1)
                facts["build_version"] = {**(facts["build_version"] or {}), key: value}
            elif cmd == "LC_VERSION_MIN_MACOSX" and s.split(" ")[0] in ("version", "sdk"):
                raw.append(s)
                key, value = s.split(None, 1)
                facts["version_min_macosx"] = {**(facts["version_min_macosx"] or {}), key: value}
            elif cmd == "LC_CODE_SIGNATURE" and s.split(" ")[0] in ("dataoff", "datasize"):
                raw.append(s)
                key, value = s.split(None, 1)
                facts["code_signature"] = {**(facts["code_signature"] or {}), key: int(value)}
        i += 1
    return facts, raw


def private_headers(path: str) -> Tuple[List[Dict[str, Any]], List[List[str]]]:
    """`--private-headers --arch=all`: per slice the Mach header and the load commands the manifest records."""
    slices: List[Dict[str, Any]] = []
    raws: List[List[str]] = []
    for arch, lines in _split_slices(_objdump(["--private-headers"], path), path):
        facts, raw = _slice_private(lines)
        facts["architecture"] = arch
        slices.append(facts)
        raws.append(raw)
    return slices, raws


def dylibs_used(path: str) -> Tuple[List[Dict[str, Any]], List[List[str]]]:
    """`--dylibs-used --arch=all`: per slice the dylib names with weak/lazy/re-export markers."""
    slices: List[Dict[str, Any]] = []
    raws: List[List[str]] = []
    for arch, lines in _split_slices(_objdump(["--dylibs-used"], path), path):
        used = []
        raw = []
        for line in lines:
            s = line.strip()
            if not s:
                continue
            raw.append(s)
            name, _, rest = s.partition(" (")
            markers = [m.strip() for m in rest.rstrip(")").split(",")[2:]]
            used.append({"name": name, "markers": markers})
        slices.append({"architecture": arch, "dylibs": used})
        raws.append(raw)
    return slices, raws


def unpacked_summary(path: str) -> List[Dict[str, Any]]:
    """Per slice: cputype, dylib load commands and floors of a file (used on `upx -d` output)."""
    keys = ("cputype", "dylibs", "build_version", "version_min_macosx")
    return [{k: s[k] for k in keys} for s in private_headers(path)[0]]


def not_macho(path: str) -> Dict[str, Any]:
    """What `llvm-objdump --macho --universal-headers --private-headers` says about a file that is not Mach-O:
    exit code and output lines with the path prefix dropped."""
    tool = pf.which("llvm-objdump")
    assert tool is not None
    proc = pf.run([tool, "--macho", "--universal-headers", "--private-headers", path])
    lines = [ln.replace(path, "FILE") for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    return {"exit_code": proc.returncode, "output": lines}


def macho_truth(path: str) -> Dict[str, Any]:
    """Every tool-derived fact the Mach-O manifest records for one file (UPX facts are added by the caller)."""
    fat, fat_raw = universal_headers(path)
    ph, ph_raw = private_headers(path)
    du, du_raw = dylibs_used(path)
    return {
        "file": pf.file_b(path),
        "universal": fat,
        "slices": ph,
        "dylibs_used": du,
        "raw": {
            "llvm-objdump --macho --universal-headers": fat_raw,
            "llvm-objdump --macho --private-headers --arch=all": ph_raw,
            "llvm-objdump --macho --dylibs-used --arch=all": du_raw,
        },
    }
