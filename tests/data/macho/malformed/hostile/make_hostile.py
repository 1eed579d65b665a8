"""A universal Mach-O file built to make the report grow: many slices x many repeated load commands.

`fat-many-dylibs`: a fat header with 40 entries (the most llvm-objdump reads as universal is 42) that all point at the
same x86_64 MH_EXECUTE slice, whose 4095 load commands are 3071 LC_LOAD_DYLIB with distinct ~440-byte Homebrew
install names, 1023 LC_RPATH and one LC_BUILD_VERSION. About 1.7 MiB on disk; read naively it is 122,840 dylib
entries and 40,920 rpaths, each listed in the facts and again in LG101's evidence (issue 15 item 12: 168 MB of
JSON and 0.86 GB of memory before the report was bounded). Layouts from <mach-o/loader.h> and <mach-o/fat.h>.

The truth in manifest.json comes from llvm-objdump (`--private-headers` of the thin slice: the count of each load
command; `--universal-headers` of the fat file, which it refuses because the slices overlap, as xnu does) and
`file -b`. The tests build the file with `build()` in a temporary directory; it is not committed.

Usage: python make_hostile.py
"""

from __future__ import annotations

import collections
import hashlib
import json
import re
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
NAME = "fat-many-dylibs"
SLICES = 40  # llvm-objdump reads 0xCAFEBABE as a universal header only below 43 entries (a Java class above)
DYLIBS = 3071
RPATHS = 1023
MH_MAGIC_64, MH_EXECUTE, CPU_X86_64, CPU_SUBTYPE_ALL = 0xFEEDFACF, 2, 0x01000007, 3
LC_LOAD_DYLIB, LC_RPATH, LC_BUILD_VERSION = 0xC, 0x8000001C, 0x32
FAT_MAGIC = 0xCAFEBABE
ALIGN = 12  # slices start on a 4 KiB boundary (2**12), as lipo aligns them


def _padded(text: bytes, header: int) -> bytes:
    size = (header + len(text) + 1 + 7) // 8 * 8
    return text + b"\0" * (size - header - len(text))


def thin_slice() -> bytes:
    commands: List[bytes] = []
    for i in range(DYLIBS):
        name = _padded(f"/opt/homebrew/lib/lib{i:05d}-{'x' * 400}.dylib".encode(), 24)
        commands.append(struct.pack("<IIIIII", LC_LOAD_DYLIB, 24 + len(name), 24, 2, 0x10000, 0x10000) + name)
    for i in range(RPATHS):
        path = _padded(f"/opt/homebrew/rpath/{i:05d}/{'r' * 200}".encode(), 12)
        commands.append(struct.pack("<III", LC_RPATH, 12 + len(path), 12) + path)
    commands.append(struct.pack("<IIIIII", LC_BUILD_VERSION, 24, 1, 0x0B0000, 0x0E0000, 0))  # macos 11.0, sdk 14.0
    body = b"".join(commands)
    ncmds, size = len(commands), len(body)
    header = struct.pack("<IiiIIIII", MH_MAGIC_64, CPU_X86_64, CPU_SUBTYPE_ALL, MH_EXECUTE, ncmds, size, 0, 0)
    return header + body


def fat_file(slice_bytes: bytes) -> bytes:
    offset = 1 << ALIGN
    # One cpusubtype per entry (3, 4, 5, ...): llvm-objdump refuses two entries for the same (cputype, cpusubtype),
    # and the slices share their bytes, so the file stays small while every entry is a slice to read.
    table = b"".join(
        struct.pack(">iiIII", CPU_X86_64, CPU_SUBTYPE_ALL + i, offset, len(slice_bytes), ALIGN) for i in range(SLICES)
    )
    head = struct.pack(">II", FAT_MAGIC, SLICES) + table
    return head + b"\0" * (offset - len(head)) + slice_bytes


def load_command_counts(thin: Path) -> Dict[str, int]:
    proc = subprocess.run(
        ["llvm-objdump", "--macho", "--private-headers", str(thin)], capture_output=True, text=True, check=True
    )
    return dict(sorted(collections.Counter(re.findall(r"^\s+cmd (LC_\w+)$", proc.stdout, re.M)).items()))


def build(directory: Path) -> Path:
    """Write fat-many-dylibs into `directory` (tests build it in a temporary directory: 1.7 MiB is not committed)."""
    path = directory / NAME
    path.write_bytes(fat_file(thin_slice()))
    return path


def main() -> int:
    """Record the truth of the file this script builds (the file itself is rebuilt by the tests, not committed)."""
    thin = thin_slice()
    data = fat_file(thin)
    with tempfile.TemporaryDirectory() as work:
        thin_path = Path(work) / "slice"
        thin_path.write_bytes(thin)
        counts = load_command_counts(thin_path)
        fat_path = build(Path(work))
        universal = subprocess.run(
            ["llvm-objdump", "--macho", "--universal-headers", str(fat_path)], capture_output=True, text=True
        )
        file_b = subprocess.run(["file", "-b", str(fat_path)], capture_output=True, text=True).stdout.strip()
    version = subprocess.run(["llvm-objdump", "--version"], capture_output=True, text=True).stdout
    generated = {
        "name": NAME,
        "built_by": "make_hostile.build()",
        "size": len(data),
        "sha256_built": hashlib.sha256(data).hexdigest(),
        "parameters": {"slices": SLICES, "dylibs_per_slice": DYLIBS, "rpaths_per_slice": RPATHS},
        "truth": {
            "thin_slice_load_commands": counts,  # llvm-objdump --macho --private-headers of the one slice
            "universal_headers": {  # llvm-objdump refuses the fat file: its slices overlap (they share bytes)
                "exit_code": universal.returncode,
                "stderr": universal.stderr.strip().replace(str(fat_path), NAME),
            },
            "file": file_b,
        },
        "expected_linkguard": "LG101 (dynamic: Homebrew dylibs), with a bounded report: a few MiB of JSON at most",
    }
    manifest = {
        "generated_by": "tests/data/macho/malformed/hostile/make_hostile.py",
        "tools": {"llvm-objdump": next((v.strip() for v in version.splitlines() if "version" in v), "")},
        "generated": [generated],
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
