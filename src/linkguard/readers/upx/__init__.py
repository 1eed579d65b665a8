"""Detect UPX-packed ELF files and rebuild the original program's headers and dynamic data.

Reads only what it needs: the packed headers, the last few KiB (PackHeader), the small `b_info` records of the
block chain, and then decompresses only the blocks that hold the original ELF header and program headers,
PT_INTERP, PT_DYNAMIC, the dynamic tables it points at, PT_NOTE and the writable PT_LOAD (Go build info). Layout
facts come from upstream UPX (src/p_lx_elf.cpp, src/p_unix.cpp, src/packhead.cpp) as verified in
shared/reference/upx-and-go-formats.md; every length read from the file is bounded before it is used.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import IO, List, Optional, Sequence, Tuple

from linkguard.model import Packing
from linkguard.readers.budget import Budget
from linkguard.readers.corrupt import Corrupt
from linkguard.readers.elf import PHENTSIZE, ElfHeader, ElfImage, parse_segments
from linkguard.readers.image import Segment
from linkguard.readers.unpack import method_family
from linkguard.readers.upx.chain import (
    _Chain,
    _find_gaps,
    _Header,
    _locate_header,
    _shlib_overlay_from_entry,
    _shlib_xct_off,
    _walk,
)
from linkguard.readers.upx.evidence import (
    _format_from_machine,
    _Hints,
    _packed_shape,
    _read_ident,
    _version_name,
    _weak,
)
from linkguard.readers.upx.layout import (
    EAGER_DECODE_LIMIT,
    FORMATS,
    MAGIC,
    TAIL_SEARCH,
    UpxResult,
    _find_packheader,
    _PackHeader,
    _parse_ehdr,
)
from linkguard.readers.upx.rebuild import _Original, _see_through, unpack_all
from linkguard.seekable import StreamSource, Window


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
    return _examine(Window(StreamSource(stream, size)), budget, eager_limit)


def _examine(f: Window, budget: Budget, eager_limit: int) -> Optional[UpxResult]:
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


@dataclass(frozen=True)
class _Overlay:
    """l_info (12 bytes before the overlay) and p_info (at it), as far as they could be read."""

    magic_ok: bool
    lsize: int
    version: int
    format: int
    filesize: Optional[int]
    blocksize: Optional[int]

    @classmethod
    def read(cls, f: Window, overlay: int, order: str) -> _Overlay:
        l_info = f.read(overlay - 12, 12) if overlay >= 12 else b""
        whole = len(l_info) == 12
        p_info = f.read(overlay, 12)
        filesize = blocksize = None
        if len(p_info) == 12:
            _, filesize, blocksize = struct.unpack(order + "III", p_info)
        return cls(
            magic_ok=l_info[4:8] == MAGIC,
            lsize=struct.unpack(order + "H", l_info[8:10])[0] if whole else 0,
            version=l_info[10] if whole else 0,
            format=l_info[11] if whole else 0,
            filesize=filesize,
            blocksize=blocksize,
        )


def _decoded(
    f: Window,
    packed: ElfHeader,
    phdrs: Sequence[Segment],
    packheader: Optional[_PackHeader],
    header: _Header,
    hints: _Hints,
    budget: Budget,
    eager_limit: int,
) -> UpxResult:
    """The header block decoded: walk the chain, rebuild what the reader needs, and judge tampering."""
    overlay = header.overlay_offset
    evidence = [f"original ELF header decoded from the block at offset {header.block.file_pos - 12}"]
    if overlay != packed.phoff + packed.phnum * packed.phentsize + 12 and (
        packheader is None or packheader.overlay_offset != overlay
    ):
        evidence.append("block chain found by scanning: it does not start where the program headers end")
    info = _Overlay.read(f, overlay, packed.order)
    xct_off = _shlib_xct_off(packed, phdrs, overlay)
    if xct_off is not None:
        evidence.append(
            f"packed shared library: original bytes [0, {xct_off}) and writable PT_LOADs stored uncompressed, "
            "PT_DYNAMIC kept"
        )
    chain = _walk(f, header, packed.order, budget, xct_off, phdrs)
    if chain.complete:
        chain.gaps = _find_gaps(f, chain, info.lsize, packed.order, budget)
    evidence.extend(hints.notes)
    decoded_size = None
    if chain.complete and chain.gaps is not None:
        decoded_size = sum(b.sz_unc for b in chain.blocks + chain.gaps)
    tampered = _tampering(f, overlay, info, packheader, chain, decoded_size)
    _read_ident(f, packed, phdrs, hints, chain.after_loads if chain.complete else None)
    if not hints.info_string and not hints.id_version:
        tampered.append("UPX ident strings ($Info/$Id) missing from the loader")
    elif not hints.id_version:
        evidence.append("UPX $Info ident string present, $Id missing")
    if hints.stub:
        evidence.append(f"UPX {hints.stub} entry stub")
    image, error, decoded, decompressed = _rebuild(f, header, chain, budget, eager_limit)
    evidence.append(
        f"decoded {len(decoded)} of {len(chain.blocks)} blocks, {sum(s for _, s in decoded)} bytes "
        f"(offsets {', '.join(f'{o}+{s}' for o, s in decoded)})"
    )
    packing = _packing(f, packed, packheader, header, chain, info, hints, decoded_size, evidence, tampered, error)
    return UpxResult(packing, image, decoded, decompressed)


def _tampering(
    f: Window,
    overlay: int,
    info: _Overlay,
    packheader: Optional[_PackHeader],
    chain: _Chain,
    decoded_size: Optional[int],
) -> List[str]:
    """What was damaged or altered since UPX wrote the file: magics, the pack header, sizes, appended bytes."""
    tampered: List[str] = []
    if not info.magic_ok:
        tampered.append(f"l_info magic missing at offset {overlay - 8}")
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
    # sizes: what the decoded structure says beats what the headers claim
    load_end = max(b.start + b.sz_unc for b in chain.blocks)
    max_block = max((b.sz_unc for b in chain.blocks if not b.literal), default=0)
    if info.filesize is not None:
        if (decoded_size is not None and info.filesize != decoded_size) or info.filesize < load_end:
            tampered.append(f"p_info original size {info.filesize} disagrees with the decoded blocks")
        elif info.blocksize is not None and info.blocksize < max_block:
            tampered.append(f"p_info block size {info.blocksize} is smaller than a block ({max_block})")
    if packheader is not None and decoded_size is not None and packheader.u_file_size not in (0, decoded_size):
        tampered.append(f"pack header original size {packheader.u_file_size} disagrees with the decoded blocks")
    return tampered


def _rebuild(
    f: Window, header: _Header, chain: _Chain, budget: Budget, eager_limit: int
) -> Tuple[Optional[bytes], Optional[str], Tuple[Tuple[int, int], ...], int]:
    """(original image or None, why not, (offset, size) of the blocks decoded, bytes decompressed)."""
    image: Optional[bytes] = None
    error: Optional[str] = None if chain.complete else f"block chain: {chain.error}"
    decoded: Tuple[Tuple[int, int], ...] = ((0, len(header.data)),)
    decompressed = header.block.sz_unc
    try:
        original = _Original(f, header, chain, budget)
    except Corrupt as exc:
        return None, str(exc), decoded, decompressed
    ok = _see_through(original, eager_limit)
    decoded = original.decoded()
    decompressed = original.bytes_decompressed
    if ok and chain.complete:
        image = original.finish()
    elif original.errors:
        error = "; ".join(original.errors[:3])
    elif error is None:
        error = "some blocks could not be decoded"
    return image, error, decoded, decompressed


def _packing(
    f: Window,
    packed: ElfHeader,
    packheader: Optional[_PackHeader],
    header: _Header,
    chain: _Chain,
    info: _Overlay,
    hints: _Hints,
    decoded_size: Optional[int],
    evidence: List[str],
    tampered: List[str],
    error: Optional[str],
) -> Packing:
    """The Packing facts, each field from the most trustworthy source that survived."""
    method_byte = packheader.method if packheader is not None and packheader.magic_ok else header.block.method
    filters = [b.filter for b in chain.blocks if b.filter]
    version_byte = packheader.version if packheader is not None else info.version
    format_byte = packheader.format if packheader is not None else info.format
    version = hints.id_version or _version_name(version_byte) or _version_name(info.version)
    if version is None:
        evidence.append(f"unknown UPX header version {version_byte}: probably UPX, layout unconfirmed")
    original_size = decoded_size
    if original_size is None:
        original_size = (packheader.u_file_size if packheader is not None else None) or info.filesize or None
    return Packing(
        packer="upx",
        version=version,
        format=FORMATS.get(format_byte) or FORMATS.get(info.format) or _format_from_machine(packed),
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


__all__ = ["FORMATS", "UpxResult", "examine_stream", "read_packing", "unpack_all"]
