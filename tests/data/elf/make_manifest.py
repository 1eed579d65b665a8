"""Build tests/data/elf/manifest.json: the truth about every fixture, from independent tools only.

Truth comes from GNU readelf (headers, program headers, dynamic section, version needs, dynamic
symbols, notes, .comment), `file -b` and, for Go programs, `go version -m`. Nothing here imports
linkguard. "linkage" is derived from the readelf facts alone (see derive_linkage).

Section-less files (no section header table) are read through program headers: `readelf -D -d`
gives the dynamic section and `readelf -D -s` the dynamic symbols with their versions, but readelf
cannot print version needs without sections, so those come from the file the section-less copy
was derived from (the truth test checks both files share every mapped byte).

Usage:
  python make_manifest.py --builds RECORDS   (RECORDS: TSV name, source, command, notes; from build.sh)
  python make_manifest.py                    (keep build/source/notes from the current manifest)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

SET_DIR = Path(__file__).resolve().parent
MANIFEST = SET_DIR / "manifest.json"

# Prefixes whose highest numeric version is reported (DESIGN.md, "max_versions").
VERSION_PREFIXES = ("GLIBC", "GLIBCXX", "CXXABI", "GCC")
_NUMERIC_VERSION = re.compile(r"^(GLIBC|GLIBCXX|CXXABI|GCC)_(\d+(?:\.\d+)*)$")

# Fields produced by readelf_truth(); the drift test compares exactly these.
READELF_FIELDS = (
    "class",
    "data",
    "type",
    "readelf_machine",
    "has_section_headers",
    "interpreter",
    "has_interp_segment",
    "has_dynamic",
    "needed",
    "soname",
    "rpath",
    "runpath",
    "flags_1",
    "flags_1_pie",
    "version_needs",
    "version_needs_source",
    "max_versions",
    "versioned_symbols",
    "notes",
    "comment",
    "linkage",
)


def run(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a tool with a C locale and capture text output."""
    env = {**os.environ, "LC_ALL": "C"}
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


def tool_version(args: list[str]) -> str | None:
    """First line of a tool's version output, or None when the tool is absent."""
    if shutil.which(args[0]) is None:
        return None
    proc = run(args, check=False)
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0] if text else None


# --- readelf parsers ------------------------------------------------------------------------------


def parse_header(text: str) -> dict[str, Any]:
    """Parse `readelf -hlW`: ELF header fields and the program headers that matter for linkage."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"^\s{2}([A-Za-z][A-Za-z0-9 ()'/.-]*?):\s+(.*)$", line)
        if m and m.group(1) not in fields:
            fields[m.group(1)] = m.group(2).strip()
    data = fields["Data"]
    seg_types = re.findall(r"^\s{2}([A-Z][A-Z0-9_+]*|LOOS\+0x[0-9a-f]+|0x[0-9a-f]+)\s+0x", text, re.M)
    interp = re.search(r"\[Requesting program interpreter: (.*)\]", text)
    return {
        "class": fields["Class"],
        "data": "big" if "big endian" in data else "little",
        "type": fields["Type"].split()[0],
        "readelf_machine": fields["Machine"],
        "has_section_headers": int(fields["Number of section headers"].split()[0]) > 0,
        "interpreter": interp.group(1) if interp else None,
        "has_interp_segment": "INTERP" in seg_types,
        "has_dynamic": "DYNAMIC" in seg_types,
    }


def parse_dynamic(text: str) -> dict[str, Any]:
    """Parse `readelf -dW` (or `-D -dW`): DT_NEEDED in order, SONAME, RPATH, RUNPATH, FLAGS_1."""
    needed: list[str] = []
    soname = rpath = runpath = None
    flags_1: list[str] = []
    for line in text.splitlines():
        m = re.match(r"^\s*0x[0-9a-f]+\s+\((\w+)\)\s+(.*)$", line)
        if not m:
            continue
        tag, value = m.group(1), m.group(2).strip()
        bracket = re.search(r"\[(.*)\]", value)
        if tag == "NEEDED" and bracket:
            needed.append(bracket.group(1))
        elif tag == "SONAME" and bracket:
            soname = bracket.group(1)
        elif tag == "RPATH" and bracket:
            rpath = bracket.group(1)
        elif tag == "RUNPATH" and bracket:
            runpath = bracket.group(1)
        elif tag == "FLAGS_1":
            flags_1 = value.removeprefix("Flags:").split()
    return {
        "needed": needed,
        "soname": soname,
        "rpath": rpath,
        "runpath": runpath,
        "flags_1": flags_1,
        "flags_1_pie": "PIE" in flags_1,
    }


def parse_version_needs(text: str) -> dict[str, list[str]]:
    """Parse the "Version needs" part of `readelf -VW` into {library: [version names in file order]}."""
    needs: dict[str, list[str]] = {}
    in_needs = False
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("Version needs section"):
            in_needs = True
            continue
        if line.startswith("Version ") and "section" in line:
            in_needs = False
            continue
        if not in_needs:
            continue
        f = re.search(r"File: (\S+)\s+Cnt:", line)
        if f:
            current = f.group(1)
            needs.setdefault(current, [])
            continue
        n = re.search(r"Name: (\S+)\s+Flags:", line)
        if n and current is not None:
            needs[current].append(n.group(1))
    return needs


def parse_versioned_symbols(text: str) -> dict[str, list[str]]:
    """Map each needed version to the undefined dynamic symbols bound to it (from `--dyn-syms`/`-D -s`)."""
    out: dict[str, set[str]] = {}
    for line in text.splitlines():
        cols = line.split()
        # Num: Value Size Type Bind Vis Ndx Name [(verindex)]
        if len(cols) < 8 or not cols[0].endswith(":") or cols[6] != "UND":
            continue
        m = re.match(r"^([^@]+)@([^@\s]+)$", cols[7])
        if m:
            out.setdefault(m.group(2), set()).add(m.group(1))
    return {ver: sorted(syms) for ver, syms in sorted(out.items())}


def parse_notes(text: str) -> list[str]:
    """`readelf -nW` notes as "owner:TYPE" strings (e.g. "GNU:NT_GNU_ABI_TAG"), sorted, unique."""
    notes: set[str] = set()
    for line in text.splitlines():
        m = re.match(r"^\s{2}(\S+)\s+0x[0-9a-f]+\s+(\S+)", line)
        if m and m.group(1) != "Owner":
            notes.add(f"{m.group(1)}:{m.group(2)}")
    return sorted(notes)


def parse_comment(text: str) -> list[str]:
    """Strings of `readelf -p .comment`, in order."""
    return [m.group(1).strip() for m in re.finditer(r"^\s*\[\s*[0-9a-f]+\]\s+(.*)$", text, re.M)]


def max_versions(version_needs: dict[str, list[str]] | None, symbols: dict[str, list[str]]) -> dict[str, str]:
    """Highest numeric version per prefix; GLIBC_PRIVATE, GLIBC_ABI_DT_RELR etc. are ignored."""
    names: set[str] = set(symbols)
    for versions in (version_needs or {}).values():
        names.update(versions)
    best: dict[str, tuple[int, ...]] = {}
    for name in names:
        m = _NUMERIC_VERSION.match(name)
        if not m:
            continue
        key = tuple(int(p) for p in m.group(2).split("."))
        if m.group(1) not in best or key > best[m.group(1)]:
            best[m.group(1)] = key
    return {p: ".".join(str(x) for x in best[p]) for p in VERSION_PREFIXES if p in best}


def derive_linkage(t: dict[str, Any]) -> str:
    """Linkage from readelf facts only, per DESIGN.md.

    static: no PT_INTERP, no DT_NEEDED, and ET_EXEC or no PT_DYNAMIC.
    static-pie: ET_DYN + DF_1_PIE, no PT_INTERP, no DT_NEEDED.
    dynamic: an executable (ET_EXEC; ET_DYN with DF_1_PIE; ET_DYN with PT_INTERP and no SONAME)
             with PT_INTERP and/or DT_NEEDED.
    shared-library: any other ET_DYN (no DF_1_PIE, and a SONAME or no PT_INTERP).
    """
    interp = t["has_interp_segment"]
    needed = bool(t["needed"])
    etype = t["type"]
    if etype not in ("EXEC", "DYN"):
        return "unknown"
    executable = etype == "EXEC" or t["flags_1_pie"] or (interp and t["soname"] is None) or not t["has_dynamic"]
    if executable:
        if interp or needed:
            return "dynamic"
        if etype == "DYN" and t["has_dynamic"]:
            return "static-pie"
        return "static"
    return "shared-library"


def readelf_truth(path: Path, derived_from: Path | None = None) -> dict[str, Any]:
    """All readelf-derived truth for one file (the fields named in READELF_FIELDS)."""
    p = str(path)
    t: dict[str, Any] = parse_header(run(["readelf", "-hlW", p]).stdout)
    sections = t["has_section_headers"]
    dyn_args = ["readelf", "-dW", p] if sections else ["readelf", "-D", "-dW", p]
    t.update(parse_dynamic(run(dyn_args).stdout))
    if sections:
        t["version_needs"] = parse_version_needs(run(["readelf", "-VW", p]).stdout)
        t["version_needs_source"] = "readelf -VW"
        syms = run(["readelf", "--dyn-syms", "-W", p]).stdout
        t["comment"] = parse_comment(run(["readelf", "-p", ".comment", p], check=False).stdout)
    else:
        if derived_from is not None:
            origin = parse_version_needs(run(["readelf", "-VW", str(derived_from)]).stdout)
            t["version_needs"] = origin
            t["version_needs_source"] = f"readelf -VW {derived_from.name} (same mapped bytes)"
        else:
            t["version_needs"] = None
            t["version_needs_source"] = "unavailable: readelf -V needs section headers"
        syms = run(["readelf", "-D", "-sW", p]).stdout
        t["comment"] = None
    t["versioned_symbols"] = parse_versioned_symbols(syms)
    t["max_versions"] = max_versions(t["version_needs"], t["versioned_symbols"])
    t["notes"] = parse_notes(run(["readelf", "-nW", p], check=False).stdout)
    t["linkage"] = derive_linkage(t)
    return {k: t[k] for k in READELF_FIELDS}


def parse_go_version_m(text: str) -> dict[str, Any]:
    """Parse `go version -m FILE`: Go version, main package path, main module, build settings."""
    lines = text.splitlines()
    info: dict[str, Any] = {"go_version": lines[0].rsplit(": ", 1)[-1].strip(), "build": {}}
    for line in lines[1:]:
        cols = line.strip("\n").split("\t")
        if len(cols) < 3:
            continue
        kind = cols[1]
        if kind == "path":
            info["path"] = cols[2]
        elif kind == "mod":
            info["mod"] = cols[2]
        elif kind == "build":
            key, _, value = cols[2].partition("=")
            info["build"][key] = value
    return info


def go_truth(path: Path) -> dict[str, Any] | None:
    """`go version -m` facts, or None when the file carries no Go build info."""
    proc = run(["go", "version", "-m", str(path)], check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    return parse_go_version_m(proc.stdout)


def file_truth(path: Path) -> str:
    """`file -b` description."""
    return run(["file", "-b", str(path)]).stdout.strip()


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fixture_entry(name: str, source: str, build: str, notes: str) -> dict[str, Any]:
    """One manifest fixture with all its truth."""
    path = SET_DIR / "bin" / name
    derived_from = None
    m = re.search(r"sstrip\.py (bin/\S+) ", build)
    if m:
        derived_from = SET_DIR / m.group(1)
    truth = readelf_truth(path, derived_from)
    truth["file"] = file_truth(path)
    if source.startswith("src/go/") and shutil.which("go"):
        truth["go_version_m"] = go_truth(path)
    entry: dict[str, Any] = {
        "file": f"bin/{name}",
        "source": source,
        "build": build,
        "size": path.stat().st_size,
        "sha256": sha256(path),
        "truth": truth,
        "notes": notes,
    }
    if derived_from is not None:
        entry["derived_from"] = f"bin/{derived_from.name}"
    return entry


def load_records(builds: Path | None) -> list[tuple[str, str, str, str]]:
    """Build records from build.sh, or from the existing manifest when regenerating truth only."""
    if builds is not None:
        rows = []
        for line in builds.read_text().splitlines():
            if line.strip():
                name, source, cmd, notes = line.split("\t")
                rows.append((name, source, cmd, notes))
        return rows
    old = json.loads(MANIFEST.read_text())
    return [(f["file"].removeprefix("bin/"), f["source"], f["build"], f["notes"]) for f in old["fixtures"]]


def main(argv: list[str] | None = None) -> int:
    """Write manifest.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--builds", type=Path, help="TSV build records written by build.sh")
    args = ap.parse_args(argv)
    records = load_records(args.builds)
    manifest = {
        "generated_by": "tests/data/elf/make_manifest.py (run by tests/data/elf/build.sh)",
        "tools": {
            "readelf": tool_version(["readelf", "--version"]),
            "file": tool_version(["file", "--version"]),
            "go": tool_version(["go", "version"]),
        },
        "toolchains": {
            "gcc": tool_version(["gcc", "--version"]),
            "g++": tool_version(["g++", "--version"]),
            "musl-gcc": "musl " + (tool_version(["dpkg-query", "-W", "-f=${Version}", "musl-tools"]) or "?"),
            "zig": tool_version([sys.executable, "-m", "ziglang", "version"]),
            "go": tool_version(["go", "version"]),
        },
        "truth_sources": {
            "header/segments": "readelf -hlW",
            "dynamic": "readelf -dW (section-less files: readelf -D -dW)",
            "version_needs": "readelf -VW (section-less files: from derived_from, same mapped bytes)",
            "versioned_symbols": "readelf --dyn-syms -W (section-less files: readelf -D -sW); UND symbols only",
            "notes": "readelf -nW",
            "comment": "readelf -p .comment",
            "file": "file -b",
            "go_version_m": "go version -m",
            "linkage": "derived from the readelf facts by make_manifest.derive_linkage",
        },
        "fixtures": [fixture_entry(*r) for r in records],
    }
    MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n")
    print(f"wrote {MANIFEST} ({len(records)} fixtures)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
