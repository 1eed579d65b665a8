"""Derive malformed ELF files from a built fixture and record what readelf says about each.

Every file is a small, targeted corruption of bin/gcc-glibc-dynamic-libm (a glibc x86-64 PIE with
DT_NEEDED, DT_STRTAB and a version-need chain) or bytes made from a seeded RNG. The truth recorded
in manifest.json is readelf's exit code and first warning/error lines; the expected linkguard
outcome for all of them is "unreadable or partial, no crash, no hang" (asserted by other tests).

Usage: python make_malformed.py   (run by ../build.sh after the fixtures are built)
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "bin" / "gcc-glibc-dynamic-libm"
# Same program without section headers: readers must go through PT_DYNAMIC, so dynamic-array
# corruptions cannot be papered over by an intact .dynamic/.dynstr section.
SOURCE_NOSECTIONS = HERE.parent / "bin" / "gcc-glibc-dynamic-libm-nosections"

PT_DYNAMIC = 2
PT_LOAD = 1
DT_NULL, DT_NEEDED, DT_STRTAB, DT_DEBUG = 0, 1, 5, 21
DT_VERNEED, DT_VERNEEDNUM = 0x6FFFFFFE, 0x6FFFFFFF
SHT_GNU_VERNEED = 0x6FFFFFFE


@dataclass(frozen=True)
class Phdr:
    """The program header fields this script needs, plus where the header itself sits."""

    at: int
    p_type: int
    p_offset: int
    p_vaddr: int
    p_filesz: int


@dataclass(frozen=True)
class Elf:
    """Minimal ELF view: class/endianness and header field offsets for patching."""

    data: bytes

    @property
    def is64(self) -> bool:
        return self.data[4] == 2

    @property
    def end(self) -> str:
        return "<" if self.data[5] == 1 else ">"

    @property
    def word(self) -> str:
        """struct code for an address/offset-sized field."""
        return "Q" if self.is64 else "I"

    @property
    def phoff_at(self) -> int:
        return 32 if self.is64 else 28

    @property
    def phnum_at(self) -> int:
        return 56 if self.is64 else 44

    def u(self, fmt: str, at: int) -> int:
        return int(struct.unpack_from(self.end + fmt, self.data, at)[0])

    def phdrs(self) -> list[Phdr]:
        phoff = self.u(self.word, self.phoff_at)
        entsize = self.u("H", self.phnum_at - 2)
        out = []
        for i in range(self.u("H", self.phnum_at)):
            at = phoff + i * entsize
            if self.is64:
                p_type, _fl, off, va, _pa, fsz = struct.unpack_from(self.end + "IIQQQQ", self.data, at)
            else:
                p_type, off, va, _pa, fsz = struct.unpack_from(self.end + "IIIII", self.data, at)
            out.append(Phdr(at, p_type, off, va, fsz))
        return out

    def segment(self, p_type: int) -> Phdr:
        return next(p for p in self.phdrs() if p.p_type == p_type)

    def dyn_entries(self) -> list[tuple[int, int, int]]:
        """(file offset of entry, d_tag, d_val) for every slot inside PT_DYNAMIC's file size."""
        dyn = self.segment(PT_DYNAMIC)
        size = 16 if self.is64 else 8
        fmt = self.end + (self.word * 2)
        return [
            (at, *struct.unpack_from(fmt, self.data, at))
            for at in range(dyn.p_offset, dyn.p_offset + dyn.p_filesz, size)
        ]

    def dyn_value(self, tag: int) -> int:
        return next(v for _at, t, v in self.dyn_entries() if t == tag)

    def vaddr_to_offset(self, vaddr: int) -> int:
        for p in self.phdrs():
            if p.p_type == PT_LOAD and p.p_vaddr <= vaddr < p.p_vaddr + p.p_filesz:
                return vaddr - p.p_vaddr + p.p_offset
        raise ValueError(f"vaddr {vaddr:#x} not in any PT_LOAD")


def patch(data: bytes, end: str, fmt: str, at: int, value: int) -> bytes:
    """Copy of data with one packed field replaced."""
    buf = bytearray(data)
    struct.pack_into(end + fmt, buf, at, value)
    return bytes(buf)


def set_dyn(elf: Elf, tag: int, value: int, *, new_tag: int | None = None, every: bool = False) -> bytes:
    """Rewrite the first (or every) dynamic entry with d_tag == tag."""
    buf = bytearray(elf.data)
    fmt = elf.end + elf.word * 2
    for at, t, _v in elf.dyn_entries():
        if t == tag:
            struct.pack_into(fmt, buf, at, tag if new_tag is None else new_tag, value)
            if not every:
                break
    return bytes(buf)


# --- the corruptions ------------------------------------------------------------------------------


def trunc_ehdr(elf: Elf) -> bytes:
    return elf.data[:20]


def trunc_phdrs(elf: Elf) -> bytes:
    phoff = elf.u(elf.word, elf.phoff_at)
    return elf.data[: phoff + 2 * elf.u("H", elf.phnum_at - 2) + 10]


def phoff_past_eof(elf: Elf) -> bytes:
    return patch(elf.data, elf.end, elf.word, elf.phoff_at, 0x7FFF_FFFF_0000 if elf.is64 else 0x7FFF_0000)


def phnum_huge(elf: Elf) -> bytes:
    # 0xFFFF is PN_XNUM (real count in section 0's sh_info); 0xFFFE is simply huge.
    return patch(elf.data, elf.end, "H", elf.phnum_at, 0xFFFE)


def dynamic_outside_file(elf: Elf) -> bytes:
    dyn = elf.segment(PT_DYNAMIC)
    off_at = dyn.at + (8 if elf.is64 else 4)
    fsz_at = dyn.at + (32 if elf.is64 else 16)
    data = patch(elf.data, elf.end, elf.word, off_at, len(elf.data) + 0x10000)
    return patch(data, elf.end, elf.word, fsz_at, 0x100000)


def strtab_garbage(elf: Elf) -> bytes:
    # Point DT_STRTAB at the entry point: name offsets then land in machine code.
    entry = elf.u(elf.word, 24)
    return set_dyn(elf, DT_STRTAB, entry)


def empty(_elf: Elf) -> bytes:
    return b""


def magic_random(_elf: Elf) -> bytes:
    rng = random.Random(20240601)
    return b"\x7fELF" + bytes(rng.getrandbits(8) for _ in range(4092))


def needed_offset_out_of_range(elf: Elf) -> bytes:
    return set_dyn(elf, DT_NEEDED, 0x7FFF_FFF0)


def dynamic_no_null(elf: Elf) -> bytes:
    # Every DT_NULL (terminator and padding) becomes DT_DEBUG 0: the array never ends inside PT_DYNAMIC.
    return set_dyn(elf, DT_NULL, 0, new_tag=DT_DEBUG, every=True)


def verneed_loop(elf: Elf) -> bytes:
    # Elf_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32 (byte offset to the
    # next entry, 0 = last). Make the last entry's vn_next point back at the first entry, and raise
    # DT_VERNEEDNUM so a reader that trusts the count walks the cycle.
    start = elf.vaddr_to_offset(elf.dyn_value(DT_VERNEED))
    at = start
    while True:
        nxt = elf.u("I", at + 12)
        if nxt == 0:
            break
        at += nxt
    data = patch(elf.data, elf.end, "I", at + 12, (start - at) % (1 << 32))
    data = set_dyn(Elf(data), DT_VERNEEDNUM, 0xFFFF)
    # The .gnu.version_r section header's sh_info carries the same count: raise it too.
    e = Elf(data)
    shoff = e.u(e.word, 40 if e.is64 else 32)
    shentsize = e.u("H", 58 if e.is64 else 46)
    for i in range(e.u("H", 60 if e.is64 else 48)):
        sh = shoff + i * shentsize
        if e.u("I", sh + 4) == SHT_GNU_VERNEED:
            data = patch(data, e.end, "I", sh + (44 if e.is64 else 28), 0xFFFF)
    return data


@dataclass(frozen=True)
class Case:
    """One malformed file: its name, how it is made and a one-line description."""

    name: str
    make: Callable[[Elf], bytes]
    description: str
    source: Path | None = SOURCE


CASES = (
    Case("trunc-ehdr", trunc_ehdr, "first 20 bytes only: cut inside the ELF header"),
    Case("trunc-phdrs", trunc_phdrs, "cut inside the program header table (2 entries + 10 bytes kept)"),
    Case("phoff-past-eof", phoff_past_eof, "e_phoff points far past end of file"),
    Case("phnum-huge", phnum_huge, "e_phnum = 0xFFFE: the table would run far past end of file"),
    Case(
        "dynamic-outside-file", dynamic_outside_file, "PT_DYNAMIC p_offset past EOF, p_filesz 1 MiB", SOURCE_NOSECTIONS
    ),
    Case("strtab-garbage", strtab_garbage, "DT_STRTAB points at the entry point (machine code)", SOURCE_NOSECTIONS),
    Case("empty", empty, "zero-length file", None),
    Case("magic-random", magic_random, "ELF magic followed by 4092 seeded-random bytes", None),
    Case(
        "needed-offset-out-of-range",
        needed_offset_out_of_range,
        "first DT_NEEDED d_val far past DT_STRSZ",
        SOURCE_NOSECTIONS,
    ),
    Case(
        "dynamic-no-null",
        dynamic_no_null,
        "every DT_NULL in PT_DYNAMIC replaced by DT_DEBUG: no terminator",
        SOURCE_NOSECTIONS,
    ),
    Case(
        "verneed-loop", verneed_loop, "last Verneed vn_next points back to the first; DT_VERNEEDNUM and sh_info 0xFFFF"
    ),
)


def readelf_report(path: Path, sectionless: bool) -> dict[str, object]:
    """readelf's exit code and first distinct stderr lines (trimmed), or a timeout marker."""
    # -D makes readelf use PT_DYNAMIC (and show dynamic symbols) where there is no section table.
    args = ["readelf", "-D", "-hldsW", path.name] if sectionless else ["readelf", "-hldVW", path.name]
    env = {**os.environ, "LC_ALL": "C"}
    try:
        proc = subprocess.run(args, capture_output=True, text=True, errors="replace", cwd=HERE, env=env, timeout=60)
    except subprocess.TimeoutExpired:
        return {"args": " ".join(args), "timeout": True}
    lines: list[str] = []
    for line in proc.stderr.splitlines():
        line = line.strip()[:160]
        if line and line not in lines:
            lines.append(line)
    needed = [m.group(1) for m in re.finditer(r"\(NEEDED\)\s+(.*)", proc.stdout)]
    return {
        "args": " ".join(args),
        "exit_code": proc.returncode,
        "stderr_lines": len(proc.stderr.splitlines()),
        "stderr_first": lines[:4],
        "needed_as_printed": needed,
    }


def main() -> int:
    """Write every case next to this script and manifest.json describing them."""
    sources = {SOURCE: Elf(SOURCE.read_bytes()), SOURCE_NOSECTIONS: Elf(SOURCE_NOSECTIONS.read_bytes())}
    readelf = shutil.which("readelf")
    entries = []
    for case in CASES:
        out = HERE / case.name
        blob = case.make(sources[case.source or SOURCE])
        out.write_bytes(blob)
        entry: dict[str, object] = {
            "file": case.name,
            "derived_from": f"../bin/{case.source.name}" if case.source else None,
            "description": case.description,
            "size": len(blob),
            "sha256": hashlib.sha256(blob).hexdigest(),
        }
        if readelf:
            entry["readelf"] = readelf_report(out, case.source == SOURCE_NOSECTIONS)
        entry["expected_linkguard"] = "unreadable or partial, no crash"
        entries.append(entry)
    version = None
    if readelf:
        version = subprocess.run(["readelf", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    manifest = {
        "generated_by": "tests/data/elf/malformed/make_malformed.py (run by tests/data/elf/build.sh)",
        "tools": {"readelf": version},
        "files": entries,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
