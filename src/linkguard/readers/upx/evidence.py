"""Evidence that a file is UPX-packed when the block chain does not decode: shapes, stubs and ident strings.

None of these proves packing alone; together they decide the confidence of a packed verdict whose original could
not be seen, and name what a tamperer removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from linkguard.limits import MiB
from linkguard.model import Packing
from linkguard.readers.budget import Budget
from linkguard.readers.elf import (
    ElfHeader,
)
from linkguard.readers.image import PT_DYNAMIC, PT_INTERP, PT_LOAD, Segment
from linkguard.readers.unpack import METHODS, method_family
from linkguard.readers.upx.layout import (
    ET_DYN,
    FORMATS,
    ID_RE,
    IDENT_WINDOW,
    INFO_STRING,
    MAGIC,
    MAX_BLOCK,
    PROT_STRING,
    WEAK_SCAN_LIMIT,
    KiB,
    UpxResult,
    _entry_offset,
    _PackHeader,
    _read_binfo,
    id_version,
)
from linkguard.seekable import Window

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


def _packed_shape(ehdr: ElfHeader, phdrs: Sequence[Segment]) -> bool:
    """The phdr shape of a packed main program: 1-3 PT_LOADs, no PT_INTERP/PT_DYNAMIC, (almost) no sections."""
    loads = [p for p in phdrs if p.type == PT_LOAD]
    return (
        0 < len(loads) <= 3
        and len(phdrs) <= 4
        and not any(p.type in (PT_INTERP, PT_DYNAMIC) for p in phdrs)
        and ehdr.shnum <= 3
    )


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
                self.id_version = id_version(match.group(1).decode("ascii"))

    @property
    def ident(self) -> bool:
        return self.info_string or self.id_version is not None


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


def _read_ident(f: Window, packed: ElfHeader, phdrs: Sequence[Segment], hints: _Hints, start: Optional[int]) -> None:
    """Look at the entry stub and the loader bytes (ident strings) of the packed file."""
    entry_off = _entry_offset(packed, phdrs)
    if entry_off is not None:
        code = f.read(entry_off, 16)
        hints.stub = _stub_match(code)
    for where in dict.fromkeys(w for w in (start, entry_off) if w is not None):
        hints.scan_strings(f.read(max(0, where - 1 * KiB), IDENT_WINDOW))


def _weak(
    f: Window,
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
    f: Window, packed: ElfHeader, phdrs: Sequence[Segment], packheader: Optional[_PackHeader]
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
