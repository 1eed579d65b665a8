"""UPX's on-disk formats: the PackHeader at EOF, l_info/p_info, b_info block records, and the limits on them.

Layouts follow upstream UPX (src/packhead.cpp, src/p_unix.cpp, src/p_lx_elf.cpp) as verified in the project's
format notes; every length read from the file is bounded here before anything uses it.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from elftools.elf.enums import ENUM_D_TAG, ENUM_E_TYPE

from linkguard.limits import MiB
from linkguard.model import Packing
from linkguard.readers.corrupt import Corrupt
from linkguard.readers.elf import (
    DT_GNU_HASH,
    DT_HASH,
    DT_SYMTAB,
    DT_VERNEED,
    DT_VERSYM,
    PHENTSIZE,
    ElfHeader,
    parse_header,
)
from linkguard.readers.image import PT_LOAD, Segment
from linkguard.readers.unpack import METHODS
from linkguard.seekable import Window

KiB = 1 << 10


TAIL_SEARCH = 8 * KiB  # PackHeader search window at EOF (upx -d reads the last 8265 bytes)


HEADER_SCAN = 64 * KiB  # where to look for the first b_info when no candidate offset works


MAX_HEADER_BLOCK = 64 * KiB  # original Ehdr + Phdrs


MAX_BLOCK = 256 * MiB  # one b_info's sz_unc; decoding is further bounded by Budget.inflate_bytes


MAX_BLOCKS = 1 << 16


MAX_IMAGE = 1024 * MiB  # largest original we rebuild as a sparse image...


MAX_RATIO = 32  # ...and no more than this many times the packed size (a tiny hostile file must not cost GiBs)


MIN_IMAGE_CAP = 64 * MiB


EAGER_DECODE_LIMIT = 1 * MiB  # decode every PT_LOAD block when they total at most this much


OPTIONAL_LIMIT = 256 * KiB  # most bytes inflated for nice-to-have evidence (PT_NOTE)


TABLE_WINDOW = 64 * KiB  # bytes ensured after a dynamic table whose size the dynamic section does not give


IDENT_WINDOW = 16 * KiB  # loader bytes searched for the ident strings


WEAK_SCAN_LIMIT = 16 * MiB  # bytes searched for ident strings when nothing decodes


MAGIC = b"UPX!"


INFO_STRING = b"$Info: This file is packed with the UPX executable packer"


ID_RE = re.compile(rb"\$Id: UPX (\d+\.\d+)")


PROT_STRING = b"PROT_EXEC|PROT_WRITE failed."


ET_DYN = ENUM_E_TYPE["ET_DYN"]


DT_INIT, DT_VERDEF = ENUM_D_TAG["DT_INIT"], ENUM_D_TAG["DT_VERDEF"]


_TABLE_TAGS = (DT_HASH, DT_SYMTAB, DT_GNU_HASH, DT_VERSYM, DT_VERDEF, DT_VERNEED)


# PackHeader / l_info format byte -> the name `upx -l` prints; >= 128 is big-endian. The numbers are UPX's
# src/conf.h UPX_F_* (upx/upx, devel branch): 36 UPX_F_W64PE_AMD64, 39 UPX_F_LINUX_ELF64_PPC64LE,
# 40 UPX_F_VMLINUX_PPC64LE, 42 UPX_F_LINUX_ELF64_ARM64, 43 UPX_F_W64PE_ARM64 and 44 UPX_F_W64PE_ARM64EC (both
# "NOT YET IMPLEMENTED" in UPX 4.x, listed so a UPX that packs ARM64 PE is still recognised).
FORMATS: Dict[int, str] = {
    9: "win32/pe",
    10: "linux/i386",
    12: "linux/i386",
    14: "linux/sh386",
    22: "linux/amd64",
    23: "linux/arm",
    24: "bsd/i386",
    25: "bsd/elf386",
    29: "macho/i386",
    30: "linux/mipsel",
    32: "macho/arm",
    33: "dylib/i386",
    34: "macho/amd64",
    35: "dylib/amd64",
    36: "win64/pe",
    37: "macho/arm64",
    39: "linux/ppc64le",
    40: "vmlinux/ppc64le",
    42: "linux/arm64",
    43: "win64/arm64",
    44: "win64/arm64ec",
    129: "atari/tos",
    131: "macho/ppc32",
    132: "linux/ppc32",
    133: "linux/armeb",
    134: "macho/fat",
    137: "linux/mips",
    140: "linux/ppc64",
    142: "dylib/ppc64",
}


def _image_cap(packed_size: int) -> int:
    return min(MAX_IMAGE, max(MIN_IMAGE_CAP, MAX_RATIO * packed_size))


def _parse_ehdr(data: bytes) -> Optional[ElfHeader]:
    """The ELF header of a packed file or of a decoded header block; None when it is not one."""
    try:
        return parse_header(data)
    except Corrupt:
        return None


@dataclass(frozen=True)
class _PackHeader:
    offset: int
    magic_ok: bool
    version: int
    format: int
    method: int
    level: int
    u_file_size: int
    filter: int
    filter_cto: int
    overlay_offset: Optional[int]  # the target-endian word that follows the 32-byte header


def checksum_ok(block: bytes) -> bool:
    """The PackHeader checksum: byte 31 is the sum of bytes 4..30 modulo 251 (UPX src/packhead.cpp). The one
    copy, for the ELF, PE and Mach-O readers alike."""
    return len(block) >= 32 and sum(block[4:31]) % 251 == block[31]


def short_pack_header(block: bytes, formats: Dict[int, str]) -> Optional[Tuple[int, int, int, int, bool]]:
    """(version, format, method, level, magic_ok) of a 32-byte PackHeader with a valid checksum, a format in
    `formats`, a PackHeader version UPX 3.x/4.x writes (13, 14) and a level 1..10; else None. PE and Mach-O
    PackHeaders are found this way (ELF's, at the end of the file, by `_find_packheader`)."""
    if not checksum_ok(block):
        return None
    version, fmt, method, level = block[4], block[5], block[6], block[7]
    if fmt not in formats or version not in (13, 14) or not 1 <= level <= 10:
        return None
    return version, fmt, method, level, block[:4] == MAGIC


def _parse_packheader(tail: bytes, tail_start: int, pos: int, magic_ok: bool) -> _PackHeader:
    block = tail[pos : pos + 32]
    fmt = block[5]
    end = ">" if fmt >= 128 else "<"
    (u_file_size,) = struct.unpack_from(end + "I", block, 24)
    word = tail[pos + 32 : pos + 36]
    overlay = struct.unpack(end + "I", word)[0] if len(word) == 4 else None
    return _PackHeader(
        tail_start + pos, magic_ok, block[4], fmt, block[6], block[7], u_file_size, block[28], block[29], overlay
    )


def _find_packheader(tail: bytes, tail_start: int) -> Tuple[Optional[_PackHeader], Optional[int], List[str]]:
    """Search backwards for "UPX!" with a valid checksum byte; else a checksum-valid header whose magic was wiped.

    Returns the header, the offset of a "UPX!" whose checksum was invalid (if no valid one), and notes.
    """
    notes: List[str] = []
    bad_checksum: Optional[int] = None
    pos = tail.rfind(MAGIC)
    while pos >= 0:
        if pos + 32 <= len(tail):
            if checksum_ok(tail[pos : pos + 32]) and tail[pos + 4] >= 9:
                return _parse_packheader(tail, tail_start, pos, True), None, notes
            if bad_checksum is None:
                bad_checksum = tail_start + pos
        pos = tail.rfind(MAGIC, 0, pos)
    # magic wiped: the usual place is EOF-36, once trailing zero bytes are skipped
    stripped = len(tail.rstrip(b"\0"))
    for end in sorted({len(tail), stripped, (stripped + 3) & ~3}, reverse=True):
        pos = end - 36
        if (
            pos >= 0
            and checksum_ok(tail[pos : pos + 32])
            and tail[pos + 4] in (12, 13, 14)
            and tail[pos + 5] in FORMATS
        ):
            notes.append(f'pack header at offset {tail_start + pos} has a valid checksum but no "UPX!" magic')
            return _parse_packheader(tail, tail_start, pos, False), None, notes
    if bad_checksum is not None:
        notes.append(f'"UPX!" at offset {bad_checksum} near EOF has an invalid pack-header checksum')
    return None, bad_checksum, notes


@dataclass(frozen=True)
class _Block:
    file_pos: int  # offset of the compressed bytes in the packed file
    start: int  # offset in the original file
    sz_unc: int
    sz_cpr: int
    method: int
    filter: int
    cto8: int
    literal: bool = False  # bytes UPX left uncompressed in the packed file (shared libraries), not a b_info block


def _read_binfo(f: Window, pos: int, end: str) -> Optional[Tuple[int, int, int, int, int, int]]:
    raw = f.read(pos, 12)
    if len(raw) < 12:
        return None
    sz_unc, sz_cpr, method, ftid, cto8, extra = struct.unpack(end + "IIBBBB", raw)
    return sz_unc, sz_cpr, method, ftid, cto8, extra


def _plausible_header_binfo(info: Optional[Tuple[int, int, int, int, int, int]], ehdr: ElfHeader) -> bool:
    """A b_info that could describe the original Ehdr + Phdrs of a file like `ehdr` (same class)."""
    if info is None:
        return False
    sz_unc, sz_cpr, method, ftid, _, _ = info
    ehsize = 64 if ehdr.bits == 64 else 52
    return (
        method in METHODS
        and ftid == 0
        and 0 < sz_cpr <= sz_unc <= MAX_HEADER_BLOCK
        and sz_unc > ehsize
        and (sz_unc - ehsize) % PHENTSIZE[ehdr.bits] == 0
    )


def _header_prefix_ok(src: bytes, method: int, sz_unc: int) -> bool:
    """Cheap test before decoding a candidate header block.

    An NRV stream that starts with 4 literals keeps them right after its first bit-buffer word, so "\x7fELF" sits
    at src[word:word+4]; a UPX LZMA block starts with its two property bytes.
    """
    if len(src) == sz_unc:
        return src[:4] == b"\x7fELF"
    family, word = METHODS[method]
    if family == "LZMA":
        b0, b1 = (src[0], src[1]) if len(src) >= 2 else (0xFF, 0xFF)
        return (b0 >> 3) == (b1 & 15) + (b1 >> 4) and b1 & 15 <= 8 and b1 >> 4 <= 4 and b0 & 7 <= 4
    return src[word : word + 4] == b"\x7fELF"


def _entry_offset(ehdr: ElfHeader, phdrs: Sequence[Segment]) -> Optional[int]:
    for ph in phdrs:
        if ph.type == PT_LOAD and ph.vaddr <= ehdr.entry < ph.vaddr + ph.filesz:
            return ph.offset + ehdr.entry - ph.vaddr
    return None


@dataclass(frozen=True)
class UpxResult:
    """What `examine` found: the packing facts and, when seen through, a sparse image of the original file."""

    packing: Packing  # `original` is None; readers/elf.py fills it after parsing original_image
    original_image: Optional[bytes]  # decoded blocks at their original offsets, zeros elsewhere; no section headers
    decoded: Tuple[Tuple[int, int], ...] = ()  # (original offset, size) of every block decoded
    bytes_decompressed: int = 0


def id_version(text: str) -> str:
    """UPX 4+ writes a four-character version in $Id ("4.23" for 4.2.3); 3.x versions are "3.94"-style already."""
    major, _, minor = text.partition(".")
    if major.isdigit() and int(major) >= 4 and len(minor) == 2:
        return f"{major}.{minor[0]}.{minor[1]}"
    return text
