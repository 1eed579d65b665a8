"""Detect UPX-packed ELF files and rebuild the original program's headers and dynamic data.

Reads only what it needs: the packed headers, the last few KiB (PackHeader), the small `b_info` records of the
block chain, and then decompresses only the blocks that hold the original ELF header and program headers,
PT_INTERP, PT_DYNAMIC, the dynamic tables it points at, PT_NOTE and the writable PT_LOAD (Go build info). Layout
facts come from upstream UPX (src/p_lx_elf.cpp, src/p_unix.cpp, src/packhead.cpp) as verified in
shared/reference/upx-and-go-formats.md; every length read from the file is bounded before it is used.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from typing import IO, Dict, List, Optional, Protocol, Sequence, Set, Tuple

from elftools.elf.enums import ENUM_D_TAG, ENUM_E_TYPE

from linkguard.limits import MiB
from linkguard.model import Packing
from linkguard.readers.budget import Budget
from linkguard.readers.elf import (
    DT_GNU_HASH,
    DT_HASH,
    DT_NULL,
    DT_STRSZ,
    DT_STRTAB,
    DT_SYMTAB,
    DT_VERNEED,
    DT_VERSYM,
    PHENTSIZE,
    Corrupt,
    ElfHeader,
    ElfImage,
    parse_header,
    parse_segments,
)
from linkguard.readers.image import PF_W, PT_DYNAMIC, PT_INTERP, PT_LOAD, PT_NOTE, Segment
from linkguard.readers.unpack import METHODS, UnpackError, decode_block, method_family

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

# PackHeader / l_info format byte -> the name `upx -l` prints (UPX src/conf.h UPX_F_*); >= 128 is big-endian.
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
    42: "linux/arm64",
    129: "atari/tos",
    131: "macho/ppc32",
    132: "linux/ppc32",
    133: "linux/armeb",
    134: "macho/fat",
    137: "linux/mips",
    140: "linux/ppc64",
    142: "dylib/ppc64",
}

# Entry-point stub prefixes of UPX loaders (None = any byte). Hints only: they prove nothing alone.
_STUBS: Tuple[Tuple[str, Tuple[Optional[int], ...]], ...] = (
    ("amd64 3.9x", (0xE8, None, None, None, None, 0x55, 0x53, 0x51, 0x52, 0x48, 0x01, 0xFE, 0x56)),
    ("amd64 4.x", (0x50, 0x52, 0xE8, None, None, None, None, 0x55, 0x53, 0x51, 0x52, 0x48, 0x01, 0xFE, 0x56)),
    ("i386 3.9x", (0xE8, None, None, None, None, 0xEB, 0x0E, 0x5A, 0x58, 0x59, 0x97, 0x60, 0x8A, 0x54, 0x24, 0x20)),
    ("arm64 3.9x", (0x4C, 0xFF, 0xFF, 0x10, 0x9D, 0x29, 0x40, 0x29)),
    ("arm64 4.x", (0xE0, 0x07, 0xBF, 0xA9, 0xD3, 0xFF, 0xFF, 0x18)),
    ("arm 3.9x", (0x1C, 0xC0, 0x4F, 0xE2, 0x06, 0x4C, 0x9C, 0xE8)),
    ("arm 4.x", (0x03, 0x00, 0x2D, 0xE9, 0x18, 0xD0, 0x4D, 0xE2)),
    ("mips 3.9x", (0x04, 0x11, None, None, 0x27, 0xF7, 0x00, 0x00, 0x27, 0xBD, 0xFF, 0xFC)),
)


@dataclass(frozen=True)
class UpxResult:
    """What `examine` found: the packing facts and, when seen through, a sparse image of the original file."""

    packing: Packing  # `original` is None; readers/elf.py fills it after parsing original_image
    original_image: Optional[bytes]  # decoded blocks at their original offsets, zeros elsewhere; no section headers
    decoded: Tuple[Tuple[int, int], ...] = ()  # (original offset, size) of every block decoded
    bytes_decompressed: int = 0


def _image_cap(packed_size: int) -> int:
    return min(MAX_IMAGE, max(MIN_IMAGE_CAP, MAX_RATIO * packed_size))


class _Malformed(Exception):
    """A structure that does not decode; becomes see_through_error or a rejected candidate."""


# ------------------------------------------------------------------------------------------------ reading


class _Reader(Protocol):
    """Bounded reads of the packed file: an ElfImage (budgeted) or a _File."""

    size: int

    def read(self, offset: int, length: int) -> bytes: ...


class _File:
    """Bounded seek+read access to the packed stream (for unpack_all, which runs outside inspection)."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self.stream = stream
        self.size = size

    def read(self, offset: int, length: int) -> bytes:
        if offset < 0 or length <= 0 or offset >= self.size:
            return b""
        length = min(length, self.size - offset)
        self.stream.seek(offset)
        return self.stream.read(length)


def _parse_ehdr(data: bytes) -> Optional[ElfHeader]:
    """The ELF header of a packed file or of a decoded header block; None when it is not one."""
    try:
        return parse_header(data)
    except Corrupt:
        return None


# --------------------------------------------------------------------------------------------- PackHeader


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


def _checksum_ok(block: bytes) -> bool:
    return len(block) >= 32 and sum(block[4:31]) % 251 == block[31]


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
            if _checksum_ok(tail[pos : pos + 32]) and tail[pos + 4] >= 9:
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
            and _checksum_ok(tail[pos : pos + 32])
            and tail[pos + 4] in (12, 13, 14)
            and tail[pos + 5] in FORMATS
        ):
            notes.append(f'pack header at offset {tail_start + pos} has a valid checksum but no "UPX!" magic')
            return _parse_packheader(tail, tail_start, pos, False), None, notes
    if bad_checksum is not None:
        notes.append(f'"UPX!" at offset {bad_checksum} near EOF has an invalid pack-header checksum')
    return None, bad_checksum, notes


# -------------------------------------------------------------------------------------------- block chain


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


def _read_binfo(f: _Reader, pos: int, end: str) -> Optional[Tuple[int, int, int, int, int, int]]:
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


@dataclass
class _Header:
    overlay_offset: int
    block: _Block
    data: bytes
    ehdr: ElfHeader
    phdrs: List[Segment]


def _try_header(f: _Reader, packed: ElfHeader, overlay: int, budget: Budget) -> _Header:
    """Decode the header block at overlay+12 and check it is the packed file's own original ELF header."""
    pos = overlay + 12
    info = _read_binfo(f, pos, packed.order)
    if not _plausible_header_binfo(info, packed):
        raise _Malformed(f"no header block at {pos}")
    assert info is not None
    sz_unc, sz_cpr, method, ftid, cto8, _ = info
    src = f.read(pos + 12, sz_cpr)
    if len(src) != sz_cpr:
        raise _Malformed("header block runs past EOF")
    if not _header_prefix_ok(src, method, sz_unc):
        raise _Malformed(f"block at {pos} does not start like an ELF header")
    budget.charge_inflate(sz_unc)
    try:
        data = decode_block(src, sz_unc, method, ftid, cto8, budget.check_time)
    except UnpackError as exc:
        raise _Malformed(f"header block: {exc}") from None
    ehdr = _parse_ehdr(data)
    if ehdr is None:
        raise _Malformed("header block is not an ELF header")
    if (ehdr.ident_class, ehdr.ident_data, ehdr.machine) != (packed.ident_class, packed.ident_data, packed.machine):
        raise _Malformed("header block's class/byte order/machine differ from the packed file")
    if (
        ehdr.phentsize != PHENTSIZE[ehdr.bits]
        or not 0 < ehdr.phnum <= 256
        or ehdr.phoff + ehdr.phnum * ehdr.phentsize != sz_unc
    ):
        raise _Malformed("header block's program header table does not fill it")
    phdrs = parse_segments(ehdr, data[ehdr.phoff :])
    block = _Block(pos + 12, 0, sz_unc, sz_cpr, method, ftid, cto8)
    return _Header(overlay, block, data, ehdr, phdrs)


def _scan_for_header(f: _Reader, packed: ElfHeader, budget: Budget, tried: Set[int]) -> Optional[_Header]:
    """Last resort: every 4-aligned offset in the first 64 KiB whose b_info looks like a header block."""
    window = f.read(0, HEADER_SCAN)
    end = packed.order
    attempts = 0
    for pos in range(0, len(window) - 24, 4):
        overlay = pos - 12
        if overlay in tried or overlay < 0:
            continue
        info = struct.unpack_from(end + "IIBBBB", window, pos)
        if not _plausible_header_binfo(info, packed):
            continue
        attempts += 1
        if attempts > 64:
            break
        budget.check_time()
        try:
            return _try_header(f, packed, overlay, budget)
        except _Malformed:
            continue
    return None


@dataclass
class _Chain:
    blocks: List[_Block]  # header block first, then PT_LOAD blocks in file order
    after_loads: int  # packed-file offset just past the last PT_LOAD block
    complete: bool
    error: Optional[str] = None
    gaps: Optional[List[_Block]] = None  # gap blocks, when their chain reached the end marker


def _shlib_xct_off(packed: ElfHeader, packed_phdrs: Sequence[Segment], overlay: int) -> Optional[int]:
    """xct_off of a UPX 4.x packed shared library, None for a packed main program.

    A packed shared library (guide 1.10) keeps e_type DYN, its own program headers and PT_DYNAMIC, and stores
    the original file's bytes [0, xct_off) uncompressed; l_info sits at xct_off, so the block chain does not start
    right after the packed program headers.
    """
    if packed.type != ET_DYN or not any(p.type == PT_DYNAMIC for p in packed_phdrs):
        return None
    xct_off = overlay - 12
    return xct_off if xct_off > packed.phoff + packed.phnum * packed.phentsize else None


def _shlib_literals(
    f: _Reader, header: _Header, xct_off: int, packed_phdrs: Sequence[Segment]
) -> Tuple[List[_Block], Optional[str]]:
    """The uncompressed parts of a packed shared library as stored "blocks" at their original offsets.

    Observed with UPX 4.2.4 (amd64, NRV and LZMA, separate-code and noseparate-code layouts): the bytes between
    the original program headers and xct_off are left in place, and every writable PT_LOAD (.dynamic, .got,
    .data) is copied as-is to the packed PT_LOAD with the same p_vaddr and p_filesz.
    """
    hlen = len(header.data)
    out: List[_Block] = []
    if xct_off > hlen:
        if xct_off > f.size:
            return out, f"xct_off {xct_off} is past EOF"
        out.append(_Block(hlen, hlen, xct_off - hlen, xct_off - hlen, 0, 0, 0, True))
    for ph in header.phdrs:
        if ph.type != PT_LOAD or ph.filesz == 0 or not ph.flags & PF_W:
            continue
        twin = next(
            (p for p in packed_phdrs if p.type == PT_LOAD and p.vaddr == ph.vaddr and p.filesz == ph.filesz), None
        )
        if twin is None or twin.offset + twin.filesz > f.size:
            return out, f"writable PT_LOAD at offset {ph.offset} not found in the packed file"
        out.append(_Block(twin.offset, ph.offset, ph.filesz, ph.filesz, 0, 0, 0, True))
    return out, None


def _walk(
    f: _Reader,
    header: _Header,
    end: str,
    budget: Budget,
    xct_off: Optional[int] = None,
    packed_phdrs: Sequence[Segment] = (),
) -> _Chain:
    """Follow b_info records for each original PT_LOAD (UPX packs one extent per PT_LOAD, in table order).

    For a packed shared library (`xct_off` given) only the bytes of read-only PT_LOADs from xct_off on are
    compressed; the rest is stored as it was (see _shlib_literals).
    """
    blocks = [header.block]
    pos = header.block.file_pos + header.block.sz_cpr
    first = True
    hlen = len(header.data)
    if xct_off is not None:
        literals, problem = _shlib_literals(f, header, xct_off, packed_phdrs)
        blocks += literals
        if problem is not None:
            return _Chain(blocks, pos, False, problem)
    for ph in header.phdrs:
        if ph.type != PT_LOAD or ph.filesz == 0:
            continue
        start, rest = ph.offset, ph.filesz
        if xct_off is not None:
            if ph.flags & PF_W:
                continue
            start = max(start, xct_off)
            rest = ph.offset + ph.filesz - start
            if rest <= 0:
                continue
        elif first:  # the first PT_LOAD covers the Ehdr+Phdrs, which went into the header block
            start, rest = start + hlen, rest - hlen
            first = False
        while rest > 0:
            if len(blocks) > MAX_BLOCKS:
                return _Chain(blocks, pos, False, "too many blocks")
            info = _read_binfo(f, pos, end)
            if info is None:
                return _Chain(blocks, pos, False, f"block chain runs past EOF at {pos}")
            sz_unc, sz_cpr, method, ftid, cto8, _ = info
            if not (0 < sz_unc <= min(rest, MAX_BLOCK) and 0 < sz_cpr <= sz_unc and pos + 12 + sz_cpr <= f.size):
                return _Chain(blocks, pos, False, f"implausible b_info at {pos} (sz_unc={sz_unc}, sz_cpr={sz_cpr})")
            if sz_cpr < sz_unc and method not in METHODS:
                return _Chain(blocks, pos, False, f"unknown compression method {method} at {pos}")
            blocks.append(_Block(pos + 12, start, sz_unc, sz_cpr, method, ftid, cto8))
            pos += 12 + sz_cpr
            start += sz_unc
            rest -= sz_unc
        budget.check_time()
    return _Chain(blocks, pos, True)


def _gap_chain_at(f: _Reader, pos: int, end: str) -> Optional[List[_Block]]:
    """The b_info chain starting at `pos` up to the end marker (sz_unc 0); None if it breaks first."""
    gaps: List[_Block] = []
    for _ in range(4096):
        info = _read_binfo(f, pos, end)
        if info is None:
            return None
        sz_unc, sz_cpr, method, ftid, cto8, _ = info
        if sz_unc == 0:
            return gaps
        if not (0 < sz_cpr <= sz_unc <= MAX_BLOCK) or pos + 12 + sz_cpr > f.size:
            return None
        if sz_cpr < sz_unc and method not in METHODS:
            return None
        gaps.append(_Block(pos + 12, -1, sz_unc, sz_cpr, method, ftid, cto8))
        pos += 12 + sz_cpr
    return None


def _place_gaps(loads: Sequence[_Block], gaps: Sequence[_Block]) -> Optional[List[_Block]]:
    """Give each gap block its original offset: gaps fill, in order, the holes between and after the PT_LOAD
    extents (and the header block). None when they do not fill those holes exactly."""
    total = sum(b.sz_unc for b in loads) + sum(b.sz_unc for b in gaps)
    holes: List[Tuple[int, int]] = []
    cursor = 0
    for lo, hi in sorted((b.start, b.start + b.sz_unc) for b in loads):
        if lo > cursor:
            holes.append((cursor, lo))
        cursor = max(cursor, hi)
    if cursor < total:
        holes.append((cursor, total))
    placed: List[_Block] = []
    index = 0
    for gap in gaps:
        while index < len(holes) and holes[index][0] >= holes[index][1]:
            index += 1
        if index == len(holes):
            return None
        lo, hi = holes[index]
        if lo + gap.sz_unc > hi:
            return None
        placed.append(_Block(gap.file_pos, lo, gap.sz_unc, gap.sz_cpr, gap.method, gap.filter, gap.cto8))
        holes[index] = (lo + gap.sz_unc, hi)
    if any(lo < hi for lo, hi in holes[index:]):
        return None
    return placed


def _find_gaps(f: _Reader, chain: _Chain, lsize: int, end: str, budget: Budget) -> Optional[List[_Block]]:
    """The gap blocks (file bytes outside every PT_LOAD: section headers, symbols, debug info), placed.

    They follow the loader: at up4(end of the PT_LOAD blocks) + l_lsize. When l_info is damaged, try every
    4-aligned start in the next 64 KiB and keep the first chain that exactly fills the holes.
    """
    base = (chain.after_loads + 3) & ~3
    starts: List[int] = [base + lsize] if 0 < lsize <= 1 * MiB else []
    starts += [pos for pos in range(base, min(f.size, base + HEADER_SCAN), 4) if pos not in starts]
    for tries, pos in enumerate(starts):
        if tries % 1024 == 0:
            budget.check_time()
        gaps = _gap_chain_at(f, pos, end)
        if gaps is not None:
            placed = _place_gaps(chain.blocks, gaps)
            if placed is not None:
                return placed
    return None


# ------------------------------------------------------------------------------------------ the original


class _Original:
    """The sparse original image, filled block by block on demand."""

    def __init__(self, f: _Reader, header: _Header, chain: _Chain, budget: Budget) -> None:
        self.f = f
        self.header = header
        self.blocks = chain.blocks
        self.budget = budget
        self.size = max(b.start + b.sz_unc for b in self.blocks)
        if self.size > _image_cap(f.size):
            raise _Malformed(f"original of {self.size} bytes is too large to rebuild from {f.size} packed bytes")
        self.image = bytearray(self.size)
        self.image[: len(header.data)] = header.data
        self.done: Set[int] = {0}
        self.bytes_decompressed = header.block.sz_unc if header.block.sz_cpr < header.block.sz_unc else 0
        self.errors: List[str] = []

    def ensure(self, offset: int, length: int, optional_limit: Optional[int] = None) -> bool:
        """Decode every block overlapping [offset, offset+length); False if one of them failed.

        With `optional_limit`, the range is nice to have: skip it when its blocks would inflate more than that.
        """
        stop = offset + max(length, 1)
        wanted = [
            k
            for k, block in enumerate(self.blocks)
            if k not in self.done and block.start < stop and block.start + block.sz_unc > offset
        ]
        if optional_limit is not None and sum(self.blocks[k].sz_unc for k in wanted) > optional_limit:
            return True
        ok = True
        for k in wanted:
            ok = self._decode(k) and ok
        return ok

    def _decode(self, k: int) -> bool:
        block = self.blocks[k]
        self.done.add(k)
        src = self.f.read(block.file_pos, block.sz_cpr)
        if len(src) != block.sz_cpr:
            self.errors.append(f"block at original offset {block.start} runs past EOF")
            return False
        if block.sz_cpr < block.sz_unc:
            self.budget.charge_inflate(block.sz_unc)
            self.bytes_decompressed += block.sz_unc
        try:
            data = decode_block(src, block.sz_unc, block.method, block.filter, block.cto8, self.budget.check_time)
        except UnpackError as exc:
            self.errors.append(f"block at original offset {block.start}: {exc}")
            return False
        self.image[block.start : block.start + block.sz_unc] = data
        return True

    def decoded(self) -> Tuple[Tuple[int, int], ...]:
        return tuple((self.blocks[k].start, self.blocks[k].sz_unc) for k in sorted(self.done))

    def vaddr_to_offset(self, vaddr: int) -> Optional[Tuple[int, int]]:
        """(file offset, bytes left in that segment's file image) for a virtual address, via the PT_LOADs."""
        for ph in self.header.phdrs:
            if ph.type == PT_LOAD and ph.vaddr <= vaddr < ph.vaddr + ph.filesz:
                return ph.offset + (vaddr - ph.vaddr), ph.vaddr + ph.filesz - vaddr
        return None

    def dynamic_entries(self, ph: Segment) -> List[Tuple[int, int]]:
        ehdr = self.header.ehdr
        fmt = ehdr.order + ("qQ" if ehdr.bits == 64 else "iI")
        step = struct.calcsize(fmt)
        raw = bytes(self.image[ph.offset : ph.offset + min(ph.filesz, 1 * MiB)])
        entries = []
        for pos in range(0, len(raw) - step + 1, step):
            tag, value = struct.unpack_from(fmt, raw, pos)
            if tag == DT_NULL:
                break
            entries.append((tag, value))
        return entries

    def finish(self) -> bytes:
        ehdr = self.header.ehdr
        # no section headers in the image: they were not decoded (gap blocks), so a parser must not look for them
        if ehdr.bits == 64:
            struct.pack_into(ehdr.order + "Q", self.image, 40, 0)
            struct.pack_into(ehdr.order + "H", self.image, 60, 0)
            struct.pack_into(ehdr.order + "H", self.image, 62, 0)
        else:
            struct.pack_into(ehdr.order + "I", self.image, 32, 0)
            struct.pack_into(ehdr.order + "H", self.image, 48, 0)
            struct.pack_into(ehdr.order + "H", self.image, 50, 0)
        return bytes(self.image)


def _see_through(original: _Original, eager_limit: int) -> bool:
    """Decode the blocks the ELF inspector needs; all PT_LOAD blocks when the original is small."""
    ok = True
    phdrs = original.header.phdrs
    if sum(b.sz_unc for b in original.blocks) <= eager_limit:
        for ph in phdrs:
            if ph.type == PT_LOAD:
                ok = original.ensure(ph.offset, ph.filesz) and ok
    for ph in phdrs:
        if ph.type == PT_INTERP:
            ok = original.ensure(ph.offset, min(ph.filesz, 4 * KiB)) and ok
        elif ph.type == PT_NOTE:  # toolchain evidence (ABI tag, Go build id); not worth a big code block
            ok = original.ensure(ph.offset, min(ph.filesz, TABLE_WINDOW), OPTIONAL_LIMIT) and ok
        elif ph.type == PT_LOAD and ph.flags & PF_W:
            ok = original.ensure(ph.offset, ph.filesz) and ok
    for ph in phdrs:
        if ph.type != PT_DYNAMIC:
            continue
        if not original.ensure(ph.offset, min(ph.filesz, 1 * MiB)):
            ok = False
            continue
        entries = original.dynamic_entries(ph)
        strsz = next((value for tag, value in entries if tag == DT_STRSZ), 0)
        for tag, value in entries:
            if tag == DT_STRTAB:
                where = original.vaddr_to_offset(value)
                if where is not None:
                    ok = original.ensure(where[0], min(strsz or TABLE_WINDOW, where[1], 16 * MiB)) and ok
            elif tag in _TABLE_TAGS:
                where = original.vaddr_to_offset(value)
                if where is not None:
                    ok = original.ensure(where[0], min(TABLE_WINDOW, where[1])) and ok
    return ok


# ------------------------------------------------------------------------------------------- evidence


def _packed_shape(ehdr: ElfHeader, phdrs: Sequence[Segment]) -> bool:
    """The phdr shape of a packed main program: 1-3 PT_LOADs, no PT_INTERP/PT_DYNAMIC, (almost) no sections."""
    loads = [p for p in phdrs if p.type == PT_LOAD]
    return (
        0 < len(loads) <= 3
        and len(phdrs) <= 4
        and not any(p.type in (PT_INTERP, PT_DYNAMIC) for p in phdrs)
        and ehdr.shnum <= 3
    )


def _entry_offset(ehdr: ElfHeader, phdrs: Sequence[Segment]) -> Optional[int]:
    for ph in phdrs:
        if ph.type == PT_LOAD and ph.vaddr <= ehdr.entry < ph.vaddr + ph.filesz:
            return ph.offset + ehdr.entry - ph.vaddr
    return None


def _stub_match(code: bytes) -> Optional[str]:
    for name, pattern in _STUBS:
        if len(code) >= len(pattern) and all(b is None or code[i] == b for i, b in enumerate(pattern)):
            return name
    return None


@dataclass
class _Hints:
    notes: List[str] = field(default_factory=list)
    stub: Optional[str] = None
    info_string: bool = False
    id_version: Optional[str] = None
    prot_string: bool = False
    bad_checksum: bool = False  # a "UPX!" near EOF whose pack-header checksum is wrong

    def scan_strings(self, data: bytes) -> None:
        self.info_string = self.info_string or INFO_STRING in data
        self.prot_string = self.prot_string or PROT_STRING in data
        if self.id_version is None:
            match = ID_RE.search(data)
            if match:
                self.id_version = _id_version(match.group(1).decode("ascii"))

    @property
    def ident(self) -> bool:
        return self.info_string or self.id_version is not None


def _id_version(text: str) -> str:
    """UPX 4+ writes a four-character version in $Id ("4.23" for 4.2.3); 3.x versions are "3.94"-style already."""
    major, _, minor = text.partition(".")
    if major.isdigit() and int(major) >= 4 and len(minor) == 2:
        return f"{major}.{minor[0]}.{minor[1]}"
    return text


# (e_machine, big-endian) -> UPX format name, for when both the PackHeader and l_info were wiped (Linux assumed)
_MACHINE_FORMATS: Dict[Tuple[int, bool], str] = {
    (62, False): "linux/amd64",
    (3, False): "linux/i386",
    (40, False): "linux/arm",
    (40, True): "linux/armeb",
    (183, False): "linux/arm64",
    (8, False): "linux/mipsel",
    (8, True): "linux/mips",
    (20, True): "linux/ppc32",
    (21, False): "linux/ppc64le",
    (21, True): "linux/ppc64",
}


def _format_from_machine(ehdr: ElfHeader) -> Optional[str]:
    return _MACHINE_FORMATS.get((ehdr.machine, ehdr.order == ">"))


def _version_name(version: int) -> Optional[str]:
    return {13: "3.9x", 14: "4.x"}.get(version)


# ------------------------------------------------------------------------------------------------ examine


def read_packing(image: ElfImage, budget: Budget, *, eager_limit: int = EAGER_DECODE_LIMIT) -> Optional[UpxResult]:
    """UPX packing facts of an ELF image (and its original, rebuilt); None when it is not UPX-packed.

    Never raises on hostile input except BudgetExceeded (the caller turns it into an unreadable finding); any
    other problem becomes packing.see_through_error or a lower confidence.
    """
    return _examine(image, budget, eager_limit)


def examine_stream(
    stream: IO[bytes], size: int, budget: Budget, *, eager_limit: int = EAGER_DECODE_LIMIT
) -> Optional[UpxResult]:
    """`read_packing` for a raw stream (tests and tooling)."""
    return _examine(_File(stream, size), budget, eager_limit)


def _examine(f: _Reader, budget: Budget, eager_limit: int) -> Optional[UpxResult]:
    packed = f.header if isinstance(f, ElfImage) else _parse_ehdr(f.read(0, 64))
    if packed is None:
        return None
    phdrs: List[Segment] = []
    if packed.phentsize == PHENTSIZE[packed.bits] and 0 < packed.phnum <= 256:
        if isinstance(f, ElfImage):
            phdrs = list(f.segments)
        else:
            phdrs = parse_segments(packed, f.read(packed.phoff, packed.phnum * packed.phentsize))
    tail_start = max(0, f.size - TAIL_SEARCH)
    tail = f.read(tail_start, f.size - tail_start)
    packheader, bad_checksum, ph_notes = _find_packheader(tail, tail_start)
    shape = _packed_shape(packed, phdrs)
    sz_hdrs = packed.phoff + packed.phnum * packed.phentsize
    l_info = f.read(sz_hdrs, 24) if sz_hdrs < f.size else b""
    linfo_magic_at_phdrs = l_info[4:8] == MAGIC

    shlib_overlay = _shlib_overlay_from_entry(f, packed, phdrs) if packheader is None else None
    if packheader is None and not shape and not linfo_magic_at_phdrs and shlib_overlay is None:
        return None  # an ordinary ELF: no pack header, normal headers, nothing where l_info would be

    hints = _Hints(notes=list(ph_notes), bad_checksum=bad_checksum is not None)
    rejections: List[str] = []
    header = _locate_header(f, packed, packheader, budget, rejections, shlib_overlay)
    if header is None:
        return _weak(f, packed, phdrs, packheader, shape, linfo_magic_at_phdrs, hints, rejections, budget)
    return _decoded(f, packed, phdrs, packheader, header, hints, budget, eager_limit)


def _shlib_overlay_from_entry(f: _Reader, packed: ElfHeader, phdrs: Sequence[Segment]) -> Optional[int]:
    """Overlay offset of a UPX 4.x packed shared library whose PackHeader is gone, from the words before its stub.

    The packed library's e_entry is the loader, and the five words right before it are (header block size + 24,
    distance, original DT_INIT, hatch offset, xct_off) (observed with UPX 4.2.4); l_info sits at xct_off. One
    20-byte read, only for an ET_DYN with PT_DYNAMIC and a non-zero entry (ordinary libraries have e_entry 0).
    """
    if packed.type != ET_DYN or packed.entry == 0 or not any(p.type == PT_DYNAMIC for p in phdrs):
        return None
    entry_off = _entry_offset(packed, phdrs)
    if entry_off is None or entry_off < 20:
        return None
    raw = f.read(entry_off - 20, 20)
    if len(raw) != 20:
        return None
    first, _, _, _, xct_off = struct.unpack(packed.order + "5I", raw)
    sz_hdrs = packed.phoff + packed.phnum * packed.phentsize
    if first != sz_hdrs + 24 or not sz_hdrs < xct_off < entry_off:
        return None
    return int(xct_off) + 12


def _locate_header(
    f: _Reader,
    packed: ElfHeader,
    packheader: Optional[_PackHeader],
    budget: Budget,
    rejections: List[str],
    shlib_overlay: Optional[int] = None,
) -> Optional[_Header]:
    """Find and decode the header block. Candidate overlay offsets (guide 2.1): the PackHeader's, a packed shared
    library's xct_off + 12, the one right after the packed program headers, then a scan of the first 64 KiB."""
    candidates: List[int] = []
    if packheader is not None and packheader.overlay_offset is not None:
        candidates.append(packheader.overlay_offset)
    if shlib_overlay is not None:
        candidates.append(shlib_overlay)
    candidates.append(packed.phoff + packed.phnum * packed.phentsize + 12)
    for overlay in dict.fromkeys(candidates):
        if not 0 < overlay < f.size:
            continue
        try:
            return _try_header(f, packed, overlay, budget)
        except _Malformed as exc:
            rejections.append(str(exc))
    return _scan_for_header(f, packed, budget, set(candidates))


def unpack_all(stream: IO[bytes], size: int, budget: Budget) -> bytes:
    """Rebuild the whole original file of a packed main program or shared library, as `upx -d` writes it.

    Decodes every block (header, PT_LOADs and the gap blocks between and after them): for tests and tooling,
    not for inspection, which stays lazy. Raises UnpackError when that is not possible.
    """
    f = _File(stream, size)
    packed = _parse_ehdr(f.read(0, 64))
    if packed is None:
        raise UnpackError("not an ELF file")
    tail_start = max(0, f.size - TAIL_SEARCH)
    packheader = _find_packheader(f.read(tail_start, f.size - tail_start), tail_start)[0]
    phdrs: List[Segment] = []
    if packed.phentsize == PHENTSIZE[packed.bits] and 0 < packed.phnum <= 256:
        phdrs = parse_segments(packed, f.read(packed.phoff, packed.phnum * packed.phentsize))
    rejections: List[str] = []
    shlib_overlay = _shlib_overlay_from_entry(f, packed, phdrs) if packheader is None else None
    header = _locate_header(f, packed, packheader, budget, rejections, shlib_overlay)
    if header is None:
        raise UnpackError("no decodable UPX header block" + (f" ({rejections[0]})" if rejections else ""))
    xct_off = _shlib_xct_off(packed, phdrs, header.overlay_offset)
    chain = _walk(f, header, packed.order, budget, xct_off, phdrs)
    if not chain.complete:
        raise UnpackError(f"block chain: {chain.error}")
    l_info = f.read(header.overlay_offset - 12, 12)
    lsize = struct.unpack(packed.order + "H", l_info[8:10])[0] if len(l_info) == 12 else 0
    placed = _find_gaps(f, chain, lsize, packed.order, budget)
    if placed is None:
        raise UnpackError("gap blocks (file bytes outside the PT_LOADs) not found")
    total = sum(b.sz_unc for b in chain.blocks + placed)
    if total > _image_cap(f.size):
        raise UnpackError(f"original of {total} bytes is too large to rebuild from {f.size} packed bytes")
    image = bytearray(total)
    for block in chain.blocks + placed:
        src = f.read(block.file_pos, block.sz_cpr)
        if len(src) != block.sz_cpr:
            raise UnpackError(f"block at original offset {block.start} runs past EOF")
        if block.sz_cpr < block.sz_unc:
            budget.charge_inflate(block.sz_unc)
        image[block.start : block.start + block.sz_unc] = decode_block(
            src, block.sz_unc, block.method, block.filter, block.cto8, budget.check_time
        )
    if xct_off is not None:
        _restore_shlib_init(f, chain, header, xct_off, image)
    return bytes(image)


def _restore_shlib_init(f: _Reader, chain: _Chain, header: _Header, xct_off: int, image: bytearray) -> None:
    """Put back the original DT_INIT of a packed shared library, as `upx -d` does.

    UPX 4.x points DT_INIT at its stub and keeps the old value in the words after the compressed blocks:
    (header block size + 24, distance, original DT_INIT, hatch offset, xct_off), observed with UPX 4.2.4.
    A library without DT_INIT has its DT_INIT_ARRAY[0] hooked instead; that is left as packed.
    """
    end = header.ehdr.order
    hlen = len(header.data)
    raw = f.read((chain.after_loads + 3) & ~3, 40)
    init: Optional[int] = None
    for k in range(0, len(raw) - 19, 4):
        words = struct.unpack_from(end + "5I", raw, k)
        if words[0] == hlen + 24 and words[4] == xct_off:
            init = words[2]
            break
    dyn = next((p for p in header.phdrs if p.type == PT_DYNAMIC), None)
    if init is None or dyn is None:
        return
    fmt = end + ("qQ" if header.ehdr.bits == 64 else "iI")
    step = struct.calcsize(fmt)
    for pos in range(dyn.offset, min(dyn.offset + dyn.filesz, len(image)) - step + 1, step):
        tag, _ = struct.unpack_from(fmt, image, pos)
        if tag == DT_NULL:
            return
        if tag == DT_INIT:
            struct.pack_into(fmt, image, pos, tag, init)
            return


def _read_ident(f: _Reader, packed: ElfHeader, phdrs: Sequence[Segment], hints: _Hints, start: Optional[int]) -> None:
    """Look at the entry stub and the loader bytes (ident strings) of the packed file."""
    entry_off = _entry_offset(packed, phdrs)
    if entry_off is not None:
        code = f.read(entry_off, 16)
        hints.stub = _stub_match(code)
    for where in dict.fromkeys(w for w in (start, entry_off) if w is not None):
        hints.scan_strings(f.read(max(0, where - 1 * KiB), IDENT_WINDOW))


def _weak(
    f: _Reader,
    packed: ElfHeader,
    phdrs: Sequence[Segment],
    packheader: Optional[_PackHeader],
    shape: bool,
    linfo_magic: bool,
    hints: _Hints,
    rejections: List[str],
    budget: Budget,
) -> Optional[UpxResult]:
    """Nothing decodes: say "likely" only on a packed-looking file with independent UPX signals, else None."""
    if not shape:
        shlib = _shared_library_hint(f, packed, phdrs, packheader)
        if shlib is None:
            return None
        return UpxResult(shlib, None)
    _read_ident(f, packed, phdrs, hints, None)
    if not (hints.ident or hints.stub):
        # search further for the ident strings, bounded
        offset = 0
        while offset < min(f.size, WEAK_SCAN_LIMIT) and not hints.ident:
            hints.scan_strings(f.read(offset, 1 * MiB + 128))
            offset += 1 * MiB
            budget.check_time()
    signals = []
    if packheader is not None:
        signals.append("pack header with a valid checksum" if packheader.magic_ok else "checksum-valid pack header")
    if linfo_magic:
        signals.append('"UPX!" l_info magic after the program headers')
    if hints.info_string:
        signals.append("UPX $Info ident string")
    if hints.id_version:
        signals.append(f"UPX $Id ident string (UPX {hints.id_version})")
    if hints.stub:
        signals.append(f"UPX {hints.stub} entry stub")
    if hints.prot_string and signals:  # a UPX stub message; too generic to count alone
        signals.append('UPX loader message "PROT_EXEC|PROT_WRITE failed."')
    if not signals:
        return None
    evidence = ["packed program-header shape (no PT_INTERP/PT_DYNAMIC, no section headers)", *signals]
    evidence += [f"not decodable: {r}" for r in rejections[:3]]
    version = hints.id_version or (_version_name(packheader.version) if packheader else None)
    packing = Packing(
        packer="upx",
        version=version,
        format=FORMATS.get(packheader.format) if packheader else None,
        method=method_family(packheader.method) if packheader else None,
        level=(packheader.level & 15) if packheader else None,
        filter=packheader.filter if packheader else None,
        original_size=packheader.u_file_size if packheader and packheader.u_file_size else None,
        packed_size=f.size,
        checksum_ok=True if packheader is not None else None,
        tampered=False,
        confidence="high" if packheader is not None and packheader.magic_ok and linfo_magic else "likely",
        evidence=tuple(evidence + hints.notes),
        see_through_error="no UPX block structure could be decoded",
    )
    return UpxResult(packing, None)


def _shared_library_hint(
    f: _Reader, packed: ElfHeader, phdrs: Sequence[Segment], packheader: Optional[_PackHeader]
) -> Optional[Packing]:
    """UPX 4.x packed shared library (guide 1.10): original phdrs and PT_DYNAMIC kept, l_info at xct_off.

    Unverified (UPX 3.94 cannot produce one): requires a magic-and-checksum-valid PackHeader whose overlay
    offset points at "UPX!" l_info followed by a plausible b_info, so a stray "UPX!" string is not enough.
    """
    if packheader is None or not packheader.magic_ok or packheader.overlay_offset is None:
        return None
    if packed.type != ET_DYN or not any(p.type == PT_DYNAMIC for p in phdrs):
        return None
    overlay = packheader.overlay_offset
    l_info = f.read(overlay - 12, 12) if overlay >= 12 else b""
    if l_info[4:8] != MAGIC:
        return None
    info = _read_binfo(f, overlay + 12, packed.order)
    if info is None or info[2] not in METHODS or not 0 < info[1] <= info[0] <= MAX_BLOCK:
        return None
    return Packing(
        packer="upx",
        version=_version_name(packheader.version),
        format=FORMATS.get(packheader.format),
        method=method_family(packheader.method),
        level=packheader.level & 15,
        filter=packheader.filter,
        original_size=packheader.u_file_size or None,
        packed_size=f.size,
        checksum_ok=True,
        confidence="high",
        evidence=(
            "pack header with a valid checksum",
            f'"UPX!" l_info at offset {overlay - 12} and a plausible first block',
            "packed shared library: UPX keeps the original PT_DYNAMIC, so the packed file's own dynamic facts apply",
        ),
        see_through_error="packed shared library layout (UPX 4.x) is not unpacked",
    )


def _decoded(
    f: _Reader,
    packed: ElfHeader,
    phdrs: Sequence[Segment],
    packheader: Optional[_PackHeader],
    header: _Header,
    hints: _Hints,
    budget: Budget,
    eager_limit: int,
) -> UpxResult:
    """The header block decoded: walk the chain, rebuild what the inspector needs, and judge tampering."""
    end = packed.order
    evidence: List[str] = []
    tampered: List[str] = []
    overlay = header.overlay_offset
    evidence.append(f"original ELF header decoded from the block at offset {header.block.file_pos - 12}")
    if overlay != packed.phoff + packed.phnum * packed.phentsize + 12 and (
        packheader is None or packheader.overlay_offset != overlay
    ):
        evidence.append("block chain found by scanning: it does not start where the program headers end")

    l_info = f.read(overlay - 12, 12) if overlay >= 12 else b""
    l_magic_ok = l_info[4:8] == MAGIC
    lsize = struct.unpack(end + "H", l_info[8:10])[0] if len(l_info) == 12 else 0
    l_version = l_info[10] if len(l_info) == 12 else 0
    l_format = l_info[11] if len(l_info) == 12 else 0
    if not l_magic_ok:
        tampered.append(f"l_info magic missing at offset {overlay - 8}")
    p_info = f.read(overlay, 12)
    p_filesize = p_blocksize = None
    if len(p_info) == 12:
        _, p_filesize, p_blocksize = struct.unpack(end + "III", p_info)

    xct_off = _shlib_xct_off(packed, phdrs, overlay)
    if xct_off is not None:
        evidence.append(
            f"packed shared library: original bytes [0, {xct_off}) and writable PT_LOADs stored uncompressed, "
            "PT_DYNAMIC kept"
        )
    chain = _walk(f, header, end, budget, xct_off, phdrs)
    if chain.complete:
        chain.gaps = _find_gaps(f, chain, lsize, end, budget)

    # PackHeader checks
    if packheader is None:
        tampered.append("pack header at EOF missing or damaged")
    else:
        if not packheader.magic_ok:
            tampered.append("pack header magic wiped")
        trailing = f.size - (packheader.offset + 36)
        if trailing > 0:
            tampered.append(f"{trailing} bytes appended after the pack header")
        if packheader.overlay_offset is not None and packheader.overlay_offset != overlay:
            tampered.append("pack header's overlay offset does not point at the block chain")
    evidence.extend(hints.notes)

    # sizes: what the decoded structure says beats what the headers claim
    load_end = max(b.start + b.sz_unc for b in chain.blocks)
    decoded_size: Optional[int] = None
    if chain.complete and chain.gaps is not None:
        decoded_size = sum(b.sz_unc for b in chain.blocks + chain.gaps)
    max_block = max((b.sz_unc for b in chain.blocks if not b.literal), default=0)
    if p_filesize is not None:
        if (decoded_size is not None and p_filesize != decoded_size) or p_filesize < load_end:
            tampered.append(f"p_info original size {p_filesize} disagrees with the decoded blocks")
        elif p_blocksize is not None and p_blocksize < max_block:
            tampered.append(f"p_info block size {p_blocksize} is smaller than a block ({max_block})")
    if packheader is not None and decoded_size is not None and packheader.u_file_size not in (0, decoded_size):
        tampered.append(f"pack header original size {packheader.u_file_size} disagrees with the decoded blocks")

    _read_ident(f, packed, phdrs, hints, chain.after_loads if chain.complete else None)
    if not hints.info_string and not hints.id_version:
        tampered.append("UPX ident strings ($Info/$Id) missing from the loader")
    elif not hints.id_version:
        evidence.append("UPX $Info ident string present, $Id missing")
    if hints.stub:
        evidence.append(f"UPX {hints.stub} entry stub")

    # the original
    image: Optional[bytes] = None
    error: Optional[str] = None if chain.complete else f"block chain: {chain.error}"
    decoded: Tuple[Tuple[int, int], ...] = ((0, len(header.data)),)
    decompressed = header.block.sz_unc
    try:
        original = _Original(f, header, chain, budget)
    except _Malformed as exc:
        error = str(exc)
    else:
        ok = _see_through(original, eager_limit)
        decoded = original.decoded()
        decompressed = original.bytes_decompressed
        if ok and chain.complete:
            image = original.finish()
        elif original.errors:
            error = "; ".join(original.errors[:3])
        elif error is None:
            error = "some blocks could not be decoded"
    evidence.append(
        f"decoded {len(decoded)} of {len(chain.blocks)} blocks, {sum(s for _, s in decoded)} bytes "
        f"(offsets {', '.join(f'{o}+{s}' for o, s in decoded)})"
    )

    method_byte = packheader.method if packheader is not None and packheader.magic_ok else header.block.method
    filters = [b.filter for b in chain.blocks if b.filter]
    version_byte = packheader.version if packheader is not None else l_version
    format_byte = packheader.format if packheader is not None else l_format
    version = hints.id_version or _version_name(version_byte) or _version_name(l_version)
    if version is None:
        evidence.append(f"unknown UPX header version {version_byte}: probably UPX, layout unconfirmed")
    original_size = decoded_size
    if original_size is None:
        original_size = (packheader.u_file_size if packheader is not None else None) or p_filesize or None
    packing = Packing(
        packer="upx",
        version=version,
        format=FORMATS.get(format_byte) or FORMATS.get(l_format) or _format_from_machine(packed),
        method=method_family(method_byte) or method_family(header.block.method),
        level=(packheader.level & 15) if packheader is not None else None,
        filter=packheader.filter if packheader is not None else (filters[0] if filters else 0),
        original_size=original_size,
        packed_size=f.size,
        checksum_ok=True if packheader is not None else (False if hints.bad_checksum else None),
        tampered=bool(tampered),
        confidence="certain" if packheader is not None and packheader.magic_ok else "high",
        evidence=tuple(evidence + tampered),
        see_through_error=error,
    )
    return UpxResult(packing, image, decoded, decompressed)
