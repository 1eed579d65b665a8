"""UPX packing of a PE (EXE, DLL): found in the headers readers/pe.py read, before any import table is.

A packed PE's delay-import (and other) directories still point where the original had them, inside what is
now packed data: the packing has to be known before those tables are read, so that what the packing hides is
reported as such (LG201) and not as a corrupt file. `readers.read_pe` runs this between the PE headers and the
import tables, as `readers.read_elf` runs upx/ between the ELF reader's passes.

Two kinds of evidence, either enough: a PackHeader with a valid checksum (layout.short_pack_header: the same
check as for ELF and Mach-O) where UPX writes it, before the packed data; or UPX's section shape with one of
its loader stubs at the entry point.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from linkguard.model import Packing
from linkguard.readers.pe import SCN_CNT_UNINITIALIZED, SCN_MEM_EXECUTE, SCN_MEM_WRITE, PeImage
from linkguard.readers.unpack import method_family
from linkguard.readers.upx.layout import FORMATS, id_version, short_pack_header

# The PE formats of layout.FORMATS (UPX src/conf.h): win32/pe (9), win64/pe (36), win64/arm64 (43) and
# win64/arm64ec (44).
UPX_PE_FORMATS = {code: name for code, name in FORMATS.items() if name.startswith(("win32/", "win64/"))}
# Entry-point prefixes of UPX's PE loaders (None = any byte), read from packed files of UPX 3.94 and 4.2.4.
UPX_PE_STUBS: Tuple[Tuple[str, Tuple[Optional[int], ...]], ...] = (
    ("amd64 exe", (0x53, 0x56, 0x57, 0x55, 0x48, 0x8D, 0x35)),
    ("amd64 dll", (0x48, 0x89, 0x4C, 0x24, 0x08, 0x48, 0x89, 0x54, 0x24, 0x10, 0x4C, 0x89, 0x44, 0x24, 0x18, 0x80)),
    ("i386 exe", (0x60, 0xBE)),
    ("i386 dll", (0x80, 0x7C, 0x24, 0x08, 0x01)),
)
UPX_VERSION_RE = re.compile(rb"(\d\.\d\d)\0UPX!")


def _stub_match(code: bytes) -> Optional[str]:
    for name, pattern in UPX_PE_STUBS:
        if len(code) >= len(pattern) and all(b is None or code[i] == b for i, b in enumerate(pattern)):
            return name
    return None


def read_pe_packing(image: PeImage) -> Optional[Packing]:
    """UPX packing of a PE: a checksum-valid PackHeader before the packed data, or UPX's section shape + stub.

    The shape survives renamed sections and a zeroed "UPX!": an empty first section (no file data, virtual
    size only, uninitialized + executable), the entry point in a later writable executable section, and
    UPX's loader prologue at the entry point. A PE merely containing "UPX!" or naming a section UPX0 has
    neither a valid PackHeader where UPX writes it nor that shape.
    """
    sections = image.sections
    evidence: List[str] = []
    first_data = min((s.raw_offset for s in sections if s.raw_size), default=image.header.size_of_headers)
    area = image.window.read(0, min(first_data + 0x400, image.window.size, 1 << 16))
    header: Optional[Tuple[int, int, int, int, bool]] = None
    version_text: Optional[str] = None
    for pos in range(max(0, first_data - 0x40), max(0, min(len(area) - 32, first_data + 0x200))):
        candidate = short_pack_header(area[pos : pos + 32], UPX_PE_FORMATS)
        if candidate is not None:
            header = candidate
            match = UPX_VERSION_RE.search(area, max(0, pos - 8), pos + 4)
            version_text = id_version(match.group(1).decode("ascii")) if match else None
            break
    shape = (
        len(sections) >= 2
        and sections[0].raw_size == 0
        and sections[0].virtual_size > 0
        and sections[0].characteristics & SCN_CNT_UNINITIALIZED
        and sections[0].characteristics & SCN_MEM_EXECUTE
    )
    stub: Optional[str] = None
    entry_section = image.section_of(image.header.entry) if image.header.entry else None
    if shape and entry_section is not None and entry_section is not sections[0]:
        writable_code = entry_section.characteristics & (SCN_MEM_EXECUTE | SCN_MEM_WRITE)
        offset = image.rva_to_offset(image.header.entry)
        if writable_code == SCN_MEM_EXECUTE | SCN_MEM_WRITE and offset is not None:
            stub = _stub_match(image.window.read(offset, 32))
    if header is None and stub is None:
        return None
    names_upx = [s.name for s in sections[:2]] == ["UPX0", "UPX1"]
    tampered = False
    if header is not None:
        magic_ok = header[4]
        evidence.append("UPX PackHeader with a valid checksum before the packed data")
        if not magic_ok:
            evidence.append('the "UPX!" magic of the PackHeader was overwritten')
            tampered = True
    if stub is not None:
        evidence.append(f"UPX {stub} loader at the entry point, in a writable executable section after an empty one")
    if not names_upx:
        evidence.append(f"sections renamed ({', '.join(s.name or '(empty)' for s in sections[:3])})")
        tampered = True
    evidence.append(
        "the import directory keeps one function per original DLL: the DLL list is the original's, "
        "the function lists are not"
    )
    return Packing(
        packer="upx",
        version=version_text,
        format=UPX_PE_FORMATS.get(header[1]) if header else ("win64/pe" if image.pe32_plus else "win32/pe"),
        method=method_family(header[2]) if header else None,
        level=header[3] if header else None,
        checksum_ok=True if header else None,
        tampered=tampered,
        confidence="certain" if header is not None else "high",
        evidence=tuple(evidence),
        see_through_error=None,
    )
