"""The block chain: find the header block (the original ELF and program headers) and walk the b_info records.

Candidate overlay offsets are tried in order (the PackHeader's, a packed shared library's xct_off, the end of the
packed program headers), then a bounded scan. Packed shared libraries keep some original bytes uncompressed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import List, Optional, Sequence, Set, Tuple

from linkguard.limits import MiB
from linkguard.readers.budget import Budget
from linkguard.readers.corrupt import Corrupt
from linkguard.readers.elf import (
    PHENTSIZE,
    ElfHeader,
    parse_segments,
)
from linkguard.readers.image import PF_W, PT_DYNAMIC, PT_LOAD, Segment
from linkguard.readers.unpack import METHODS, UnpackError, decode_block
from linkguard.readers.upx.layout import (
    ET_DYN,
    HEADER_SCAN,
    MAX_BLOCK,
    MAX_BLOCKS,
    _Block,
    _entry_offset,
    _header_prefix_ok,
    _PackHeader,
    _parse_ehdr,
    _plausible_header_binfo,
    _read_binfo,
)
from linkguard.seekable import Window


@dataclass
class _Header:
    overlay_offset: int
    block: _Block
    data: bytes
    ehdr: ElfHeader
    phdrs: List[Segment]


def _try_header(f: Window, packed: ElfHeader, overlay: int, budget: Budget) -> _Header:
    """Decode the header block at overlay+12 and check it is the packed file's own original ELF header."""
    pos = overlay + 12
    info = _read_binfo(f, pos, packed.order)
    if not _plausible_header_binfo(info, packed):
        raise Corrupt(f"no header block at {pos}")
    assert info is not None
    sz_unc, sz_cpr, method, ftid, cto8, _ = info
    src = f.read(pos + 12, sz_cpr)
    if len(src) != sz_cpr:
        raise Corrupt("header block runs past EOF")
    if not _header_prefix_ok(src, method, sz_unc):
        raise Corrupt(f"block at {pos} does not start like an ELF header")
    budget.charge_inflate(sz_unc)
    try:
        data = decode_block(src, sz_unc, method, ftid, cto8, budget.check_time)
    except UnpackError as exc:
        raise Corrupt(f"header block: {exc}") from None
    ehdr = _parse_ehdr(data)
    if ehdr is None:
        raise Corrupt("header block is not an ELF header")
    if (ehdr.ident_class, ehdr.ident_data, ehdr.machine) != (packed.ident_class, packed.ident_data, packed.machine):
        raise Corrupt("header block's class/byte order/machine differ from the packed file")
    if (
        ehdr.phentsize != PHENTSIZE[ehdr.bits]
        or not 0 < ehdr.phnum <= 256
        or ehdr.phoff + ehdr.phnum * ehdr.phentsize != sz_unc
    ):
        raise Corrupt("header block's program header table does not fill it")
    phdrs = parse_segments(ehdr, data[ehdr.phoff :])
    block = _Block(pos + 12, 0, sz_unc, sz_cpr, method, ftid, cto8)
    return _Header(overlay, block, data, ehdr, phdrs)


def _scan_for_header(f: Window, packed: ElfHeader, budget: Budget, tried: Set[int]) -> Optional[_Header]:
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
        except Corrupt:
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
    f: Window, header: _Header, xct_off: int, packed_phdrs: Sequence[Segment]
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
    f: Window,
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


def _gap_chain_at(f: Window, pos: int, end: str) -> Optional[List[_Block]]:
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


def _find_gaps(f: Window, chain: _Chain, lsize: int, end: str, budget: Budget) -> Optional[List[_Block]]:
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


def _shlib_overlay_from_entry(f: Window, packed: ElfHeader, phdrs: Sequence[Segment]) -> Optional[int]:
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
    f: Window,
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
        except Corrupt as exc:
            rejections.append(str(exc))
    return _scan_for_header(f, packed, budget, set(candidates))
