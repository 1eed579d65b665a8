"""Derive corrupt Mach-O files from built fixtures and record what llvm-objdump and file make of them.

Usage: python make_malformed.py  (run by ../build.sh after the fixtures exist; writes the files here and
manifest.json).  Offsets from <mach-o/loader.h> and <mach-o/fat.h>: mach_header_64 is 32 bytes (ncmds at +16,
sizeofcmds at +20), each load command starts with cmd and cmdsize; dylib_command's name offset is at +8
(LC_LOAD_DYLIB = 0xc); the fat header is big-endian (magic, nfat_arch) followed by 20-byte fat_arch entries
(offset at +8, size at +12).  What linkguard must do with every one of them: report LG901 (unreadable or
partial), never a clean verdict and never an empty dylib list.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict, List, Tuple

HERE = Path(__file__).resolve().parent
LC_LOAD_DYLIB = 0xC


def _load_pefacts() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lg_pefacts", HERE.parents[1] / "pe" / "pefacts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pf = _load_pefacts()


def load_commands(data: bytes) -> List[Tuple[int, int, int]]:
    """(offset, cmd, cmdsize) of each load command of a thin 64-bit little-endian Mach-O."""
    ncmds = struct.unpack_from("<I", data, 16)[0]
    out, at = [], 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, at)
        out.append((at, cmd, size))
        at += size
    return out


def last_dylib(data: bytes) -> Tuple[int, int]:
    """(offset, cmdsize) of the last LC_LOAD_DYLIB (the non-system one in the fixtures used)."""
    found = [(at, size) for at, cmd, size in load_commands(data) if cmd == LC_LOAD_DYLIB]
    return found[-1]


def put32(data: bytearray, offset: int, value: int, order: str = "<") -> bytearray:
    struct.pack_into(order + "I", data, offset, value)
    return data


def dylib_name_unterminated(data: bytearray) -> bytearray:
    at, size = last_dylib(bytes(data))
    name_at = at + struct.unpack_from("<I", data, at + 8)[0]
    data[name_at : at + size] = b"A" * (at + size - name_at)
    return data


Corruption = Callable[[bytearray], bytearray]
THIN = "../bin/usefoo-homebrew"
FAT = "../bin/universal-disagree"
CASES: List[Tuple[str, str, str, Corruption]] = [
    ("trunc-header", THIN, "first 16 bytes: cut inside mach_header_64", lambda d: d[:16]),
    ("trunc-loadcmds", THIN, "cut inside the load commands (header + 200 bytes)", lambda d: d[:232]),
    ("ncmds-huge", THIN, "ncmds = 0xffffffff", lambda d: put32(d, 16, 0xFFFFFFFF)),
    ("sizeofcmds-huge", THIN, "sizeofcmds = 0x7ffffff0", lambda d: put32(d, 20, 0x7FFFFFF0)),
    ("cmdsize-zero", THIN, "first load command's cmdsize = 0 (a loop that never advances)", lambda d: put32(d, 36, 0)),
    (
        "dylib-name-offset-out-of-range",
        THIN,
        "last LC_LOAD_DYLIB's name offset = 0xffff (beyond its cmdsize)",
        lambda d: put32(d, last_dylib(bytes(d))[0] + 8, 0xFFFF),
    ),
    (
        "dylib-name-unterminated",
        THIN,
        "last LC_LOAD_DYLIB's name filled with 'A' to the end of the command, no NUL",
        dylib_name_unterminated,
    ),
    ("fat-nfat-huge", FAT, "fat header nfat_arch = 0x7fffffff", lambda d: put32(d, 4, 0x7FFFFFFF, ">")),
    (
        "fat-offset-past-eof",
        FAT,
        "second fat_arch's offset = 0x7ffff000 (past EOF)",
        lambda d: put32(d, 8 + 20 + 8, 0x7FFFF000, ">"),
    ),
    ("fat-trunc-slice", FAT, "universal file cut in the middle of its second slice", lambda d: d[: len(d) - 20000]),
]


def tool_reaction(args: List[str], path: str) -> Dict[str, object]:
    """Exit code, first stderr lines (path and tool directory dropped) and the dylib names printed."""
    tool = pf.which("llvm-objdump")
    assert tool is not None
    proc = pf.run([tool, "--macho", *args, "--arch=all", path])
    err = [ln.replace(path, "FILE").replace(tool, "llvm-objdump") for ln in proc.stderr.splitlines() if ln.strip()]
    names = []
    for line in proc.stdout.splitlines():
        s = line.strip()
        if s.startswith("name ") and "(offset" in s:
            names.append(s[5:].rsplit(" (offset", 1)[0])
        elif line.startswith("\t") and " (compatibility version" in s:
            names.append(s.split(" (compatibility", 1)[0])
    return {
        "args": " ".join(["llvm-objdump", "--macho", *args, "--arch=all"]),
        "exit_code": proc.returncode,
        "stderr_first": err[:3],
        "names_printed": names,
    }


def main() -> None:
    entries = []
    for name, source, description, corrupt in CASES:
        data = corrupt(bytearray((HERE / source).read_bytes()))
        out = HERE / name
        out.write_bytes(bytes(data))
        entries.append(
            {
                "file": name,
                "derived_from": source,
                "description": description,
                "size": len(data),
                "sha256": pf.sha256(str(out)),
                "file_b": pf.file_b(str(out)),
                "private_headers": tool_reaction(["--private-headers"], str(out)),
                "dylibs_used": tool_reaction(["--dylibs-used"], str(out)),
                "expected_linkguard": "LG901 (unreadable or partial), no crash, never an empty dylib list",
            }
        )
    manifest = {
        "generated_by": "tests/data/macho/malformed/make_malformed.py (run by tests/data/macho/build.sh)",
        "tools": {"llvm-objdump": pf.tool_version("llvm-objdump"), "file": pf.tool_version("file")},
        "fixtures": entries,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"malformed/manifest.json: {len(entries)} files")


if __name__ == "__main__":
    main()
