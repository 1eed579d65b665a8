"""PE facts from independent tools: binutils `objdump -p`/`-h`, `llvm-readobj`, `file -b`, `strings`, `upx -l/-t`.

Used by make_manifest.py (to write the truth) and tests/unit/test_pe_manifest_truth.py (to re-check it).
Never imports linkguard, pefile or any PE parser: these facts are the yardstick linkguard is measured against.
Every parser returns the parsed fields and the raw output lines it read them from.  The Mach-O helper
(tests/data/macho/machofacts.py) loads this module for the shared tool plumbing (run, which, file_b, upx_*).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any, Dict, List, Optional, Tuple

# LLVM tools: Debian's `llvm` package provides unversioned names; llvm-14 alone provides only the suffixed ones.
LLVM_SUFFIXES = ("", "-14", "-15", "-16", "-17", "-18", "-19")
VERSIONED = ("llvm-", "ld.lld", "ld64.lld")


def run(cmd: List[str], timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run a tool with the C locale (stable wording), capturing text output."""
    env = dict(os.environ, LC_ALL="C", LANG="C")
    env.pop("UPX", None)  # UPX reads default options from $UPX
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout, env=env, check=False)


def which(tool: str) -> Optional[str]:
    """The tool's path; LLVM tools are also looked up under their versioned Debian names."""
    names = [tool + s for s in LLVM_SUFFIXES] if tool.startswith(VERSIONED) else [tool]
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def tool_version(tool: str) -> Optional[str]:
    """First meaningful line of `tool --version` (LLVM tools print a banner line first)."""
    path = which(tool)
    if path is None:
        return None
    out = run([path, "--version"]).stdout.splitlines()
    lines = [ln.strip() for ln in out if ln.strip()]
    if tool.startswith("llvm-"):
        return next((ln for ln in lines if "LLVM version" in ln), lines[0] if lines else None)
    return lines[0] if lines else None


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_b(path: str) -> str:
    """`file -b` (libmagic's one-line description)."""
    return run(["file", "-b", path]).stdout.strip()


# ------------------------------------------------------------------ objdump -p

_HEADER_FIELDS = {
    "Magic": "magic",
    "MajorOSystemVersion": "major_os_version",
    "MinorOSystemVersion": "minor_os_version",
    "MajorSubsystemVersion": "major_subsystem_version",
    "MinorSubsystemVersion": "minor_subsystem_version",
    "Subsystem": "subsystem",
    "DllCharacteristics": "dll_characteristics",
}
# Data directories the manifest records (objdump -p "Entry N <rva> <size> <name>").
_DIRECTORIES = {
    "1": "import",
    "4": "security",
    "b": "bound_import",
    "d": "delay_import",
    "e": "clr_runtime",
}
_ENTRY = re.compile(r"^Entry ([0-9a-f]) ([0-9a-f]+) ([0-9a-f]+) ")
_FORMAT = re.compile(r"file format (\S+)")


def objdump_p(path: str) -> Tuple[Dict[str, Any], List[str]]:
    """binutils `objdump -p`: format, characteristics, PE32/PE32+, OS/subsystem versions, directories, DLL names."""
    proc = run(["objdump", "-p", path])
    facts: Dict[str, Any] = {"exit_code": proc.returncode}
    raw: List[str] = []
    dll_names: List[str] = []
    delay_dll_names: List[str] = []
    section = ""
    directories: Dict[str, Dict[str, int]] = {}
    for line in proc.stdout.splitlines():
        stripped = line.strip()
        m = _FORMAT.search(line)
        if m and "format" not in facts:
            facts["format"] = m.group(1)
            raw.append(line[m.start() :])  # without the path objdump prints first
            continue
        if line.startswith("Characteristics "):
            value = int(line.split()[1], 16)
            facts["characteristics"] = f"0x{value:x}"
            facts["is_dll"] = bool(value & 0x2000)
            raw.append(stripped)
            continue
        key = line.split("\t", 1)[0].strip() if "\t" in line else ""
        if key in _HEADER_FIELDS:
            raw.append(stripped)
            rest = line.split("\t", 1)[1].strip()
            name = _HEADER_FIELDS[key]
            if key == "Magic":
                facts[name] = rest.split("(")[-1].rstrip(")") if "(" in rest else rest
            elif key == "Subsystem":
                code, _, label = rest.partition("\t")
                facts["subsystem_code"] = int(code, 16)
                facts[name] = label.strip().strip("()")
            elif key == "DllCharacteristics":
                facts[name] = f"0x{int(rest, 16):x}"
            else:
                facts[name] = int(rest)
            continue
        m = _ENTRY.match(line)
        if m and m.group(1) in _DIRECTORIES:
            raw.append(stripped)
            directories[_DIRECTORIES[m.group(1)]] = {"rva": int(m.group(2), 16), "size": int(m.group(3), 16)}
            continue
        if stripped.startswith("The Import Tables"):
            section = "import"
        elif "Delay Import" in stripped:  # binutils 2.40 prints no delay tables; kept for newer versions
            section = "delay"
        elif stripped.startswith("The Export Tables"):
            section = ""
        if stripped.startswith("DLL Name:"):
            raw.append(stripped)
            (delay_dll_names if section == "delay" else dll_names).append(stripped.split(":", 1)[1].strip())
    facts["directories"] = directories
    facts["dll_names"] = dll_names
    facts["delay_dll_names"] = delay_dll_names
    return facts, raw


# ------------------------------------------------------------------ llvm-readobj


def readobj_file_headers(path: str) -> Tuple[Dict[str, Any], List[str]]:
    """`llvm-readobj --file-headers`: the COFF machine and characteristics as LLVM names them."""
    tool = which("llvm-readobj")
    assert tool is not None
    proc = run([tool, "--file-headers", path])
    facts: Dict[str, Any] = {"exit_code": proc.returncode}
    raw: List[str] = []
    for line in proc.stdout.splitlines():
        s = line.strip()
        if s.startswith(("Format:", "Arch:", "AddressSize:", "Machine:", "Magic:")):
            raw.append(s)
            key, _, value = s.partition(":")
            facts[key.lower()] = value.strip()
    return facts, raw


def readobj_coff_imports(path: str) -> Tuple[Dict[str, Any], List[str]]:
    """`llvm-readobj --coff-imports`: import and delay-import blocks in file order, with their symbols."""
    tool = which("llvm-readobj")
    assert tool is not None
    proc = run([tool, "--coff-imports", path])
    imports: List[Dict[str, Any]] = []
    delay: List[Dict[str, Any]] = []
    raw: List[str] = []
    current: Optional[Dict[str, Any]] = None
    depth = 0  # DelayImport blocks nest an "Import {" block around their symbols
    for line in proc.stdout.splitlines():
        s = line.strip()
        if s.endswith("{"):
            depth += 1
            if depth == 1 and s in ("Import {", "DelayImport {"):
                raw.append(s)
                current = {"name": None, "symbols": []}
                (imports if s == "Import {" else delay).append(current)
        elif s == "}":
            depth -= 1
            if depth == 0:
                current = None
        elif current is not None and s.startswith("Name:") and depth == 1:
            raw.append(s)
            current["name"] = s.split(":", 1)[1].strip()
        elif current is not None and s.startswith("Symbol:"):
            raw.append(s)
            # "Symbol: GetLastError (630)" or "Symbol:  (12)" for an import by ordinal
            sym = re.match(r"Symbol: ?(.*?) \((\d+)\)$", s)
            current["symbols"].append(sym.group(1) if sym and sym.group(1) else s.split(":", 1)[1].strip())
    facts = {"exit_code": proc.returncode, "imports": imports, "delay_imports": delay}
    if proc.returncode != 0:
        facts["stderr"] = proc.stderr.strip().splitlines()[:3]
    return facts, raw


# ------------------------------------------------------------------ strings and sections


def strings_matching(path: str, pattern: str) -> List[str]:
    """binutils `strings -a` lines that match a regex (e.g. a delay-loaded DLL name GNU ld left only as text)."""
    out = run(["strings", "-a", path]).stdout.splitlines()
    rx = re.compile(pattern)
    return sorted({ln for ln in out if rx.search(ln)})


def section_names(path: str) -> List[str]:
    """Section names in header order from `objdump -h`."""
    names = []
    for line in run(["objdump", "-h", path]).stdout.splitlines():
        parts = line.split()
        if len(parts) >= 7 and parts[0].isdigit():
            names.append(parts[1])
    return names


_RUSTC = re.compile(r"/rustc/([0-9a-f]{40})/")


def toolchain_strings(path: str) -> Dict[str, Any]:
    """Compiler evidence `strings -a -t x` shows: MinGW's "GCC: (GNU) ..." idents, rustc source-path commits,
    Go's "Go build ID:", and a "Rich" signature in the first 1 KiB (MSVC's linker writes it after the DOS stub)."""
    gcc, rustc, rich = set(), set(), []
    go = False
    for line in run(["strings", "-a", "-t", "x", path]).stdout.splitlines():
        offset, _, text = line.strip().partition(" ")
        if text.startswith("GCC: ("):
            gcc.add(text)
        elif "Go build ID: " in text:  # Go writes a 0xff byte, then " Go build ID: ..."
            go = True
        elif "Rich" in text and int(offset, 16) + text.index("Rich") < 0x400:
            rich.append(int(offset, 16) + text.index("Rich"))
        rustc.update(_RUSTC.findall(text))
    return {"gcc": sorted(gcc), "rustc_commits": sorted(rustc), "go_build_id": go, "rich_offsets": rich}


def go_version_m(path: str) -> Optional[List[str]]:
    """`go version -m` lines after the first (path, mod, build settings; DefaultGODEBUG dropped: its list
    changes with every Go release), or None when Go finds no build info."""
    proc = run(["go", "version", "-m", path])
    if proc.returncode != 0 or "\tpath\t" not in proc.stdout:
        return None
    return [ln.strip() for ln in proc.stdout.splitlines()[1:] if ln.strip() and "DefaultGODEBUG" not in ln]


# ------------------------------------------------------------------ UPX

_UPX_ROW = re.compile(r"^\s*(\d+)\s+->\s+(\d+)\s+([\d.]+)%\s+(\S+)\s+", re.M)


def find_upx(env: str) -> Optional[str]:
    """The UPX named by $LINKGUARD_UPX (3.94) or $LINKGUARD_UPX4 (4.2.4), if it runs."""
    path = os.environ.get(env)
    if path and os.access(path, os.X_OK):
        return path
    return None


def upx_version(upx: str) -> str:
    return run([upx, "--version"]).stdout.splitlines()[0].strip()


def _upx_message(text: str) -> str:
    """UPX's one diagnostic line ("upx: FILE: NotPackedException: not packed by UPX"), file path dropped."""
    for line in text.splitlines():
        if "Exception" in line or "error" in line.lower():
            parts = line.split(": ", 2)
            return parts[2].strip() if len(parts) == 3 else line.strip()
    return text.strip().splitlines()[-1] if text.strip() else ""


def upx_list(upx: str, path: str) -> Dict[str, Any]:
    """`upx -l`: sizes and format (e.g. win64/pe), or UPX's refusal message."""
    proc = run([upx, "-l", path])
    m = _UPX_ROW.search(proc.stdout)
    if proc.returncode == 0 and m:
        return {
            "ok": True,
            "uncompressed_size": int(m.group(1)),
            "compressed_size": int(m.group(2)),
            "format": m.group(4),
            "raw": m.group(0).strip(),
        }
    return {"ok": False, "exit_code": proc.returncode, "message": _upx_message(proc.stdout + proc.stderr)}


def upx_test(upx: str, path: str) -> Dict[str, Any]:
    """`upx -t`: whether UPX's own integrity test passes."""
    proc = run([upx, "-t", path])
    ok = proc.returncode == 0 and "[OK]" in proc.stdout
    rec: Dict[str, Any] = {"ok": ok}
    if not ok:
        rec["message"] = _upx_message(proc.stdout + proc.stderr)
    return rec


def upx_decompress(upx: str, path: str, original: Optional[str]) -> Tuple[Dict[str, Any], Optional[str]]:
    """`upx -d` into a temp file: ok, the output's sha256 and whether it equals the original build byte for byte.
    Also returns the output's path (the caller reads its headers, then deletes it) or None when UPX failed."""
    fd, out = tempfile.mkstemp(prefix="lg-upx-d-")
    os.close(fd)
    os.unlink(out)
    proc = run([upx, "-q", "-d", "-o", out, path])
    if proc.returncode != 0 or not os.path.exists(out):
        if os.path.exists(out):
            os.unlink(out)
        return {"ok": False, "message": _upx_message(proc.stdout + proc.stderr)}, None
    digest = sha256(out)
    same = original is not None and digest == sha256(original)
    return {"ok": True, "sha256": digest, "identical_to_original": same}, out


# ------------------------------------------------------------------ one fixture's truth


def pe_truth(path: str) -> Dict[str, Any]:
    """Every tool-derived fact the PE manifest records for one file (UPX facts are added by the caller)."""
    od, od_raw = objdump_p(path)
    fh, fh_raw = readobj_file_headers(path)
    ci, ci_raw = readobj_coff_imports(path)
    return {
        "file": file_b(path),
        "objdump": od,
        "readobj_file_headers": fh,
        "readobj_coff_imports": ci,
        "sections": section_names(path),
        "toolchain_strings": toolchain_strings(path),
        "raw": {"objdump -p": od_raw, "llvm-readobj --file-headers": fh_raw, "llvm-readobj --coff-imports": ci_raw},
    }
