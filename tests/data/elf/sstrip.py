"""Remove an ELF file's section header table, like `sstrip`, so only program headers remain.

Why: a section-less image is a real-world shape (sstrip'ed embedded binaries, packers) and the
inspector must classify it from PT_INTERP/PT_DYNAMIC alone. This zeroes e_shoff, e_shnum and
e_shstrndx and cuts the file after the last byte any program header maps.

Usage: python sstrip.py INPUT OUTPUT
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path


def strip_sections(data: bytes) -> bytes:
    """Return a copy of an ELF image without section headers and without unmapped trailing bytes."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        # e_phoff @32 (8), e_shoff @40 (8), e_phentsize @54, e_phnum @56, e_shentsize @58,
        # e_shnum @60, e_shstrndx @62
        (phoff,) = struct.unpack_from(end + "Q", data, 32)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 54)
        shoff_at, shoff_fmt, tail_at = 40, "Q", 58
    else:
        # e_phoff @28 (4), e_shoff @32 (4), e_phentsize @42, e_phnum @44, e_shentsize @46, ...
        (phoff,) = struct.unpack_from(end + "I", data, 28)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 42)
        shoff_at, shoff_fmt, tail_at = 32, "I", 46

    keep = phoff + phentsize * phnum
    for i in range(phnum):
        at = phoff + i * phentsize
        if is64:
            _type, _flags, p_offset, _va, _pa, p_filesz = struct.unpack_from(end + "IIQQQQ", data, at)
        else:
            _type, p_offset, _va, _pa, p_filesz = struct.unpack_from(end + "IIIII", data, at)
        keep = max(keep, p_offset + p_filesz)

    out = bytearray(data[:keep])
    struct.pack_into(end + shoff_fmt, out, shoff_at, 0)
    # e_shentsize is left alone (UPX 3.x leaves it set too); e_shnum and e_shstrndx become 0.
    struct.pack_into(end + "HH", out, tail_at + 2, 0, 0)
    return bytes(out)


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = Path(argv[0]), Path(argv[1])
    dst.write_bytes(strip_sections(src.read_bytes()))
    dst.chmod(src.stat().st_mode & 0o777)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
