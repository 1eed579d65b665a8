"""The original program rebuilt as a sparse image, decoding only the blocks that a question needs.

`_Original` decodes blocks on demand and places them at their original offsets; `unpack_all` decodes every block
to reproduce `upx -d` byte for byte (for tests and tooling, not for inspection).
"""

from __future__ import annotations

import struct
from typing import IO, List, Optional, Set, Tuple

from linkguard.limits import MiB
from linkguard.readers.budget import Budget
from linkguard.readers.corrupt import Corrupt
from linkguard.readers.elf import (
    DT_NULL,
    DT_STRSZ,
    DT_STRTAB,
    PHENTSIZE,
    parse_segments,
)
from linkguard.readers.image import PF_W, PT_DYNAMIC, PT_INTERP, PT_LOAD, PT_NOTE, Segment
from linkguard.readers.unpack import UnpackError, decode_block
from linkguard.readers.upx.chain import (
    _Chain,
    _find_gaps,
    _Header,
    _locate_header,
    _shlib_overlay_from_entry,
    _shlib_xct_off,
    _walk,
)
from linkguard.readers.upx.layout import (
    _TABLE_TAGS,
    DT_INIT,
    OPTIONAL_LIMIT,
    TABLE_WINDOW,
    TAIL_SEARCH,
    KiB,
    _find_packheader,
    _image_cap,
    _parse_ehdr,
)
from linkguard.seekable import StreamSource, Window


class _Original:
    """The sparse original image, filled block by block on demand."""

    def __init__(self, f: Window, header: _Header, chain: _Chain, budget: Budget) -> None:
        self.f = f
        self.header = header
        self.blocks = chain.blocks
        self.budget = budget
        self.size = max(b.start + b.sz_unc for b in self.blocks)
        if self.size > _image_cap(f.size):
            raise Corrupt(f"original of {self.size} bytes is too large to rebuild from {f.size} packed bytes")
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


def unpack_all(stream: IO[bytes], size: int, budget: Budget) -> bytes:
    """Rebuild the whole original file of a packed main program or shared library, as `upx -d` writes it.

    Decodes every block (header, PT_LOADs and the gap blocks between and after them): for tests and tooling,
    not for inspection, which stays lazy. Raises UnpackError when that is not possible.
    """
    f = Window(StreamSource(stream, size))
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


def _restore_shlib_init(f: Window, chain: _Chain, header: _Header, xct_off: int, image: bytearray) -> None:
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
