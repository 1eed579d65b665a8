"""PE (EXE, DLL, .pyd) facts: machine, subsystem and OS versions, imports, delay imports, signature, toolchain.

Why a reader of our own rather than pefile: the hot path needs the headers, the section table and the import
directories only, a few KiB of a file that may be 100+ MB. pefile's full parse of a 119 MB exe took 64 s and
1.95 GB here; its fast_load path still maps the whole file, and on malformed input it records warnings and
silently returns partial lists, which we would have to audit call by call to fail closed. This module reads
each structure by offset through `native.StructReader` (bounded, budget-charged) and raises `Corrupt` with the
exact structure and offset whenever something the facts depend on cannot be read: an import list is either
complete or the artifact is unreadable (LG901), never silently empty.

Layout facts from the Microsoft PE/COFF specification ("PE Format", Microsoft Learn): DOS header e_lfanew at
0x3C, COFF header, optional header (magic 0x10B PE32 / 0x20B PE32+), data directories (1 import, 4 security
as a file offset, 11 bound import, 13 delay import), IMAGE_IMPORT_DESCRIPTOR (20 bytes), ImgDelayDescr (32).
"""

from __future__ import annotations

import bisect
import re
import struct
from dataclasses import dataclass, replace
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from linkguard.model import DYNAMIC, OS_ONLY, ClrFacts, GoBuildInfo, OsFloor, Packing, PeFacts, PeImport, Toolchain
from linkguard.readers import platforms
from linkguard.readers.budget import Budget
from linkguard.readers.corrupt import Corrupt
from linkguard.readers.native import StructReader, find_all, unpack

MAX_SECTIONS = 96  # the loader's own limit on NumberOfSections
MAX_DESCRIPTORS = 4096  # import/delay descriptors: real programs have tens
_THUNK_RUN = 512  # thunk entries read at once
MAX_FUNCTIONS = 65536  # functions imported from one DLL
MAX_TOTAL_FUNCTIONS = 200_000
MAX_LFANEW = 0x10000000
EVIDENCE_SCAN = 4 << 20  # bytes of read-only data searched for toolchain strings
GO_SCAN = 1 << 20  # bytes at the start of the data section searched for Go build info
DLLTOOL_SCAN = 32 << 20  # bytes of section data searched for delay descriptors outside the directory

_HIDDEN_DELAY = (
    "the delay-import directory points into the packed data: the DLLs the original delay-loads are hidden by "
    "the packing"
)

MACHINES: Dict[int, str] = {
    0x14C: "i386",
    0x8664: "x86_64",
    0xAA64: "aarch64",
    0x1C0: "arm",
    0x1C4: "arm",
    0xA641: "arm64ec",
    0x200: "ia64",
    0x5064: "riscv64",
    0x6264: "loongarch64",
    0xEBC: "efi-bytecode",
}
SUBSYSTEMS: Dict[int, str] = {
    1: "native",
    2: "windows",
    3: "console",
    5: "os2-console",
    7: "posix-console",
    9: "windows-ce",
    10: "efi-application",
    11: "efi-boot-driver",
    12: "efi-runtime-driver",
    13: "efi-rom",
    14: "xbox",
    16: "windows-boot-application",
}
DIR_EXPORT, DIR_IMPORT, DIR_SECURITY, DIR_BOUND_IMPORT, DIR_DELAY_IMPORT = 0, 1, 4, 11, 13
IMAGE_FILE_DLL = 0x2000
SCN_CNT_CODE, SCN_CNT_INITIALIZED, SCN_CNT_UNINITIALIZED = 0x20, 0x40, 0x80
SCN_MEM_EXECUTE, SCN_MEM_READ, SCN_MEM_WRITE = 0x20000000, 0x40000000, 0x80000000

_RUST_RE = re.compile(rb"/rustc/([0-9a-f]{40})/")
_GCC_RE = re.compile(rb"GCC: \([^)\0\n]{1,80}\) [0-9][^\0\n]{0,60}")


@dataclass(frozen=True)
class Section:
    name: str
    virtual_size: int
    rva: int
    raw_size: int
    raw_offset: int
    characteristics: int

    def contains(self, rva: int) -> bool:
        return self.rva <= rva < self.rva + max(self.virtual_size, self.raw_size)


@dataclass(frozen=True)
class Header:
    machine: int
    characteristics: int
    magic: int
    entry: int
    image_base: int
    linker_version: Tuple[int, int]
    os_version: Tuple[int, int]
    subsystem_version: Tuple[int, int]
    subsystem: int
    size_of_headers: int
    directories: Tuple[Tuple[int, int], ...]
    lfanew: int


class PeImage:
    """The headers and section table of one PE file, with RVA-to-offset mapping."""

    def __init__(self, window: StructReader) -> None:
        self.window = window
        self.header = self._read_header()
        self.sections = self._read_sections()
        self.warnings: List[str] = []

    # -- headers

    def _read_header(self) -> Header:
        w = self.window
        dos = w.exact(0, 0x40, "DOS header")
        if dos[:2] != b"MZ":
            raise Corrupt("corrupt PE: no MZ signature")
        (lfanew,) = unpack("<I", dos, 0x3C)
        if lfanew > MAX_LFANEW:
            raise Corrupt(f"corrupt PE: e_lfanew {lfanew:#x} is implausibly large")
        if lfanew + 4 > w.size:
            raise Corrupt(
                f"truncated: e_lfanew {lfanew:#x} points past the end of the file ({w.size} bytes): a cut-off PE "
                "(or an MS-DOS program, which no release should ship)",
                "truncated",
            )
        coff = w.exact(lfanew, 24, "PE signature and COFF header")
        if coff[:4] != b"PE\0\0":
            raise Corrupt(
                f"corrupt PE: no PE signature at e_lfanew {lfanew:#x} (found {coff[:4]!r}; an MS-DOS program has none)"
            )
        machine, nsections, _, _, _, opt_size, characteristics = unpack("<HHIIIHH", coff, 4)
        if opt_size < 96:
            raise Corrupt(f"corrupt PE: SizeOfOptionalHeader {opt_size} is too small for an image")
        opt = w.exact(lfanew + 24, opt_size, "optional header")
        (magic,) = unpack("<H", opt, 0)
        if magic == 0x10B:
            image_base = unpack("<I", opt, 28)[0]
            count_at, dirs_at = 92, 96
        elif magic == 0x20B:
            image_base = unpack("<Q", opt, 24)[0]
            count_at, dirs_at = 108, 112
        else:
            raise Corrupt(f"corrupt PE: optional header magic {magic:#x} is neither PE32 (0x10b) nor PE32+ (0x20b)")
        if opt_size < count_at + 4:
            raise Corrupt(f"corrupt PE: SizeOfOptionalHeader {opt_size} cuts off NumberOfRvaAndSizes")
        (entry,) = unpack("<I", opt, 16)
        os_major, os_minor, _, _, sub_major, sub_minor = unpack("<HHHHHH", opt, 40)
        (size_of_headers,) = unpack("<I", opt, 60)
        (subsystem,) = unpack("<H", opt, 68)
        (count,) = unpack("<I", opt, count_at)
        count = min(count, 16, (opt_size - dirs_at) // 8)  # the loader ignores entries past 16
        directories = tuple(unpack("<II", opt, dirs_at + 8 * i) for i in range(max(0, count)))
        if nsections == 0 or nsections > MAX_SECTIONS:
            raise Corrupt(f"corrupt PE: NumberOfSections is {nsections} (1..{MAX_SECTIONS} expected)")
        self._nsections = nsections
        self._section_table = lfanew + 24 + opt_size
        return Header(
            machine=machine,
            characteristics=characteristics,
            magic=magic,
            entry=entry,
            image_base=image_base,
            linker_version=(opt[2], opt[3]),
            os_version=(os_major, os_minor),
            subsystem_version=(sub_major, sub_minor),
            subsystem=subsystem,
            size_of_headers=size_of_headers,
            directories=directories,
            lfanew=lfanew,
        )

    def _read_sections(self) -> Tuple[Section, ...]:
        table = self.window.exact(self._section_table, 40 * self._nsections, "section table")
        sections: List[Section] = []
        for i in range(self._nsections):
            raw_name, vsize, rva, raw_size, raw_offset = unpack("<8sIIII", table, 40 * i)
            (characteristics,) = unpack("<I", table, 40 * i + 36)
            name = raw_name.rstrip(b"\0").decode("latin-1")
            sections.append(Section(name, vsize, rva, raw_size, raw_offset, characteristics))
        return tuple(sections)

    def directory(self, index: int) -> Tuple[int, int]:
        if index < len(self.header.directories):
            return self.header.directories[index]
        return (0, 0)

    # -- addressing

    def rva_to_offset(self, rva: int) -> Optional[int]:
        """File offset of `rva`, or None when it lies in no section's file data (zero-fill or outside)."""
        if rva < self.header.size_of_headers and (not self.sections or rva < min(s.rva for s in self.sections)):
            return rva if rva < self.window.size else None
        for section in self.sections:
            if section.contains(rva):
                delta = rva - section.rva
                if delta >= section.raw_size:
                    return None
                offset = section.raw_offset + delta
                return offset if offset < self.window.size else None
        return None

    def linear_at_rva(self, rva: int, limit: int) -> Optional[Tuple[int, int]]:
        """(file offset of `rva`, n): the next n <= `limit` bytes from `rva` all map as `rva_to_offset` maps them,
        each to the byte after the previous one; None when `rva` maps to nothing."""
        offset = self.rva_to_offset(rva)
        if offset is None:
            return None
        end = offset + limit
        if rva < self.header.size_of_headers and (not self.sections or rva < min(s.rva for s in self.sections)):
            end = min(end, offset + self.header.size_of_headers - rva, self.window.size)
            if self.sections:
                end = min(end, offset + min(s.rva for s in self.sections) - rva)
            return offset, max(0, end - offset)
        for k, section in enumerate(self.sections):
            if section.contains(rva):
                # Inside this section's file data, before the end of the file, and before any section listed
                # earlier (rva_to_offset takes the first that contains an address) begins.
                stop = section.rva + section.raw_size
                for earlier in self.sections[:k]:
                    if earlier.rva > rva:
                        stop = min(stop, earlier.rva)
                end = min(end, offset + stop - rva, self.window.size)
                return offset, max(0, end - offset)
        return None

    def at_rva(self, rva: int, length: int, what: str) -> bytes:
        offset = self.rva_to_offset(rva)
        if offset is None:
            raise Corrupt(f"corrupt PE: {what} at RVA {rva:#x} is not in the file's data")
        return self.window.exact(offset, length, f"{what} (RVA {rva:#x})")

    def string_at_rva(self, rva: int, what: str) -> str:
        offset = self.rva_to_offset(rva)
        if offset is None:
            raise Corrupt(f"corrupt PE: {what} at RVA {rva:#x} is not in the file's data")
        return self.window.cstring(offset, what)

    def section_of(self, rva: int) -> Optional[Section]:
        return next((s for s in self.sections if s.contains(rva)), None)

    @property
    def pe32_plus(self) -> bool:
        return self.header.magic == 0x20B


# ------------------------------------------------------------------------------------------- imports


class _Counter:
    def __init__(self) -> None:
        self.functions = 0

    def add(self, n: int) -> None:
        self.functions += n
        if self.functions > MAX_TOTAL_FUNCTIONS:
            raise Corrupt(f"corrupt PE: more than {MAX_TOTAL_FUNCTIONS} imported functions")


def _thunk_names(image: PeImage, rva: int, what: str, counter: _Counter, delay_va_base: int = 0) -> Tuple[str, ...]:
    """Function names (or "#ordinal") of a zero-terminated thunk array at `rva`.

    The array is read in runs of up to `_THUNK_RUN` entries that map to one stretch of the file
    (`PeImage.linear_at_rva`), instead of one read per entry; an entry the run does not cover is read alone
    through `at_rva`, which raises what it always raised.
    """
    width = 8 if image.pe32_plus else 4
    ordinal_flag = 1 << (width * 8 - 1)
    layout = "<" + ("Q" if width == 8 else "I")
    check_time = image.window.budget.check_time
    names: List[str] = []
    index = 0
    while True:
        entry_rva = rva + width * index
        run = image.linear_at_rva(entry_rva, width * min(_THUNK_RUN, MAX_FUNCTIONS + 1 - index))
        if run is not None and run[1] >= width:
            raw = image.window.read(run[0], run[1] // width * width)
            raw = raw[: len(raw) // width * width]
        else:
            raw = b""
        if len(raw) < width:
            if index == MAX_FUNCTIONS:
                raise Corrupt(f"corrupt PE: {what} lists more than {MAX_FUNCTIONS} functions")
            raw = image.at_rva(entry_rva, width, f"{what} thunk {index}")
        for (value,) in struct.iter_unpack(layout, raw):
            if index == MAX_FUNCTIONS:
                raise Corrupt(f"corrupt PE: {what} lists more than {MAX_FUNCTIONS} functions")
            if value == 0:
                counter.add(len(names))
                return tuple(names)
            if value & ordinal_flag:
                names.append(f"#{value & 0xFFFF}")
            else:
                name_rva = (value - delay_va_base) & 0x7FFFFFFF
                names.append(image.string_at_rva(name_rva + 2, f"{what} function name {index}"))
            check_time()
            index += 1


def _import(dll: str, functions: Tuple[str, ...], kind: str) -> PeImport:
    platform = platforms.windows_platform_dll(dll)
    runtime = None if platform else platforms.windows_runtime(dll)
    return PeImport(dll, functions, kind, platform, runtime.runtime if runtime else None)


def read_imports(image: PeImage, counter: _Counter) -> List[PeImport]:
    rva, size = image.directory(DIR_IMPORT)
    if rva == 0 and size == 0:
        return []
    if rva == 0:
        raise Corrupt("corrupt PE: import directory has a size but no address")
    imports: List[PeImport] = []
    for index in range(MAX_DESCRIPTORS + 1):
        if index == MAX_DESCRIPTORS:
            raise Corrupt(f"corrupt PE: more than {MAX_DESCRIPTORS} import descriptors")
        record = image.at_rva(rva + 20 * index, 20, f"import descriptor {index}")
        original_first_thunk, _, _, name_rva, first_thunk = unpack("<IIIII", record)
        if name_rva == 0 and first_thunk == 0 and original_first_thunk == 0:
            break
        if name_rva == 0:
            raise Corrupt(f"corrupt PE: import descriptor {index} has no DLL name")
        dll = image.string_at_rva(name_rva, f"import descriptor {index} DLL name")
        thunks = original_first_thunk or first_thunk
        functions = _thunk_names(image, thunks, f"imports from {dll}", counter) if thunks else ()
        imports.append(_import(dll, functions, "import"))
    return imports


def read_delay_imports(image: PeImage, counter: _Counter) -> List[PeImport]:
    rva, _size = image.directory(DIR_DELAY_IMPORT)
    if rva == 0:
        return []
    imports: List[PeImport] = []
    for index in range(MAX_DESCRIPTORS + 1):
        if index == MAX_DESCRIPTORS:
            raise Corrupt(f"corrupt PE: more than {MAX_DESCRIPTORS} delay-import descriptors")
        record = image.at_rva(rva + 32 * index, 32, f"delay-import descriptor {index}")
        attributes, name, _, _, int_rva, _, _, _ = unpack("<8I", record)
        if name == 0:
            break
        # grAttrs bit 0 clear: the old (VC 6) layout with virtual addresses instead of RVAs.
        base = 0 if attributes & 1 else image.header.image_base
        dll = image.string_at_rva((name - base) & 0xFFFFFFFF, f"delay-import descriptor {index} DLL name")
        functions: Tuple[str, ...] = ()
        if int_rva:
            functions = _thunk_names(image, (int_rva - base) & 0xFFFFFFFF, f"delay imports from {dll}", counter, base)
        imports.append(_import(dll, functions, "delay"))
    return imports


def find_unlisted_delay_imports(image: PeImage, known: Sequence[str]) -> List[PeImport]:
    """Delay-load descriptors that GNU `dlltool -y` leaves outside the (empty) delay-import directory.

    binutils emits an ImgDelayDescr (grAttrs 1, then RVAs of the DLL name, module handle, IAT and INT) into the
    image without pointing directory 13 at it; the DLL name survives only as a string. Found by locating
    "*.dll" strings and then a descriptor whose name RVA points at one and whose other RVAs are in the image.

    Linear in the bytes read: each byte of the sections' file data is read and searched once, however many
    sections map it, and every candidate descriptor costs one dictionary lookup (never one search per name).
    """
    ranges = _file_ranges(image)
    blobs = [(offset, image.window.read(offset, length)) for offset, length in ranges]
    strings: Dict[int, str] = {}  # file offset -> "*.dll" string
    for offset, data in blobs:
        for at, name in _dll_strings(data, image.window.budget):
            strings[offset + at] = name
    if not strings:
        return []
    names: Dict[int, str] = {}  # RVA -> the string, through every section that maps it
    ordered = sorted(strings)
    for section in image.sections:
        first = bisect.bisect_left(ordered, section.raw_offset)
        last = bisect.bisect_left(ordered, section.raw_offset + section.raw_size)
        for at in ordered[first:last]:
            names.setdefault(section.rva + at - section.raw_offset, strings[at])
        image.window.budget.check_time()
    image_end = max(s.rva + max(s.virtual_size, s.raw_size) for s in image.sections)
    lowered = {k.lower() for k in known}
    hits: Dict[int, List[bytes]] = {}  # name RVA -> up to 8 candidate descriptors naming it
    for _offset, data in blobs:
        for at in _descriptor_starts(data, names, image.window.budget):
            spot = hits.setdefault(int.from_bytes(data[at + 4 : at + 8], "little"), [])
            if len(spot) < 8:
                spot.append(data[at : at + 32])
    found: List[PeImport] = []
    for name_rva, dll in names.items():
        for record in hits.get(name_rva, ()):
            if len(record) < 32:
                continue
            _, _, hmod, iat, int_rva, _, _, _ = unpack("<8I", record)
            if not all(0 < value < image_end for value in (hmod, iat, int_rva)):
                continue
            if dll.lower() not in lowered:
                lowered.add(dll.lower())
                try:
                    functions = _thunk_names(image, int_rva, f"delay imports from {dll}", _Counter())
                except Corrupt:
                    functions = ()
                found.append(_import(dll, functions, "delay-unlisted"))
    return found


def _file_ranges(image: PeImage) -> List[Tuple[int, int]]:
    """(offset, length) of the file data of the sections searched, merged: overlapping sections read once."""
    spans = sorted(
        (s.raw_offset, min(s.raw_offset + s.raw_size, image.window.size))
        for s in image.sections
        if s.raw_size and not _discardable(s) and s.raw_offset < image.window.size
    )
    merged: List[List[int]] = []
    for begin, end in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    ranges: List[Tuple[int, int]] = []
    left = DLLTOOL_SCAN
    for begin, end in merged:
        if left <= 0:
            break
        ranges.append((begin, min(end - begin, left)))
        left -= end - begin
    return ranges


SCN_MEM_DISCARDABLE = 0x02000000  # IMAGE_SCN_MEM_DISCARDABLE: not mapped at run time (debug data, .reloc)


def _discardable(section: Section) -> bool:
    """Debug and relocation data, never where a loader-visible descriptor lives. GNU ld names long debug sections
    `/<offset>` into the COFF string table (`/19` is `.debug_info`), so the name alone does not tell: the flag does."""
    return section.name.startswith(".debug") or bool(section.characteristics & SCN_MEM_DISCARDABLE)


FEW_NAMES = 32  # DLL-name strings up to which _descriptor_starts searches with one regular expression
GRATTRS_RVA = b"\x01\0\0\0"  # ImgDelayDescr.grAttrs with dlattrRva, the first word of every binutils descriptor


def _descriptor_starts(data: bytes, names: Dict[int, str], budget: Budget) -> Iterator[int]:
    """Offsets in `data` of "01 00 00 00" followed by the RVA of a known DLL-name string, in increasing order.

    A DLL's data holds tens of thousands of "01 00 00 00" words. With few names (a real DLL's handful), one
    regular-expression pass in C finds them: the four bytes, then any of the RVAs as a look-ahead (so the next
    search starts four bytes on, as below: the needle cannot overlap itself). With many (hostile: an alternation
    tried at every word would be quadratic), one pass with a dictionary lookup per word. Both are linear.
    """
    rvas = [rva.to_bytes(4, "little") for rva in names if 0 <= rva <= 0xFFFFFFFF]
    if len(rvas) <= FEW_NAMES:
        if not rvas:
            return
        pattern = re.compile(re.escape(GRATTRS_RVA) + b"(?=" + b"|".join(re.escape(rva) for rva in rvas) + b")")
        for seen, match in enumerate(pattern.finditer(data), 1):
            yield match.start()
            if seen % 4096 == 0:
                budget.check_time()
        return
    find = data.find
    pos = find(GRATTRS_RVA)
    seen = 0
    while pos >= 0:
        if int.from_bytes(data[pos + 4 : pos + 8], "little") in names:
            yield pos
        seen += 1
        if seen % 4096 == 0:
            budget.check_time()
        pos = find(GRATTRS_RVA, pos + 4)  # the needle cannot overlap itself: the next one starts 4 bytes on


_NAME_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-"
MAX_DLL_NAME = 200  # characters before ".dll" in a name string
_DLL_SUFFIX = re.compile(rb"\.[dD][lL][lL]\x00")  # ".dll" in any case, then the NUL ending the string


def _dll_strings(data: bytes, budget: Budget) -> List[Tuple[int, str]]:
    """(offset, name) of NUL-delimited strings ending in ".dll" (any case) in `data`, in one pass."""
    found: List[Tuple[int, str]] = []
    for seen, match in enumerate(_DLL_SUFFIX.finditer(data), 1):  # no lowered copy of the data
        if len(found) >= MAX_DESCRIPTORS:
            break
        pos = match.start()
        nul = data.rfind(b"\0", max(0, pos - MAX_DLL_NAME - 1), pos)
        start = nul + 1 if nul >= 0 else 0
        if nul < 0 and pos > MAX_DLL_NAME:
            start = pos  # no NUL close enough before it: not a whole string
        if start < pos and not data[start:pos].translate(None, _NAME_CHARS):
            found.append((start, data[start : pos + 4].decode("ascii")))
        if seen % 4096 == 0:
            budget.check_time()
    return found


def read_bound_imports(image: PeImage) -> Tuple[str, ...]:
    offset, size = image.directory(DIR_BOUND_IMPORT)
    if offset == 0 or size == 0:
        return ()
    # The bound import directory sits in the headers; its "RVA" equals its file offset there.
    data = image.window.exact(offset, min(size, 1 << 16), "bound import directory")
    names: List[str] = []
    pos = 0
    while pos + 8 <= len(data) and len(names) < MAX_DESCRIPTORS:
        stamp, name_offset, forwarders = unpack("<IHH", data, pos)
        if stamp == 0 and name_offset == 0:
            break
        if name_offset >= len(data):
            raise Corrupt(f"corrupt PE: bound import name offset {name_offset:#x} is outside the directory")
        end = data.find(b"\0", name_offset)
        if end < 0:
            raise Corrupt("corrupt PE: bound import name is not terminated")
        names.append(data[name_offset:end].decode("latin-1"))
        pos += 8 + 8 * forwarders
    return tuple(names)


def _export_name(image: PeImage) -> Optional[str]:
    rva, size = image.directory(DIR_EXPORT)
    if rva == 0 or size < 40:
        return None
    try:
        record = image.at_rva(rva, 40, "export directory")
        (name_rva,) = unpack("<I", record, 12)
        return image.string_at_rva(name_rva, "export directory DLL name") if name_rva else None
    except Corrupt as exc:
        image.warnings.append(f"export directory unreadable: {exc}")
        return None


def _host_entries(image: PeImage) -> Tuple[str, ...]:
    """Export names that name the host (PyInit_*, napi_register_module_v1; readers/exports.py)."""
    from linkguard.readers.exports import pe_host_entries

    rva, size = image.directory(DIR_EXPORT)
    try:
        return pe_host_entries(lambda at, length: image.at_rva(at, length, "export names"), rva, size)
    except (Corrupt, struct.error) as exc:
        image.warnings.append(f"export names unreadable: {exc}")
        return ()


def _signed(image: PeImage) -> bool:
    offset, size = image.directory(DIR_SECURITY)
    if offset == 0 or size == 0:
        return False
    if offset + size > image.window.size:
        image.warnings.append(
            f"security directory ({offset:#x}+{size:#x}) extends past the end of the file: signature truncated"
        )
    return True


# ----------------------------------------------------------------------------------------- toolchain


def _toolchain(image: PeImage, packed: bool) -> Optional[Toolchain]:
    evidence: List[str] = []
    compilers: List[str] = []
    rust: Optional[str] = None
    go = _go_buildinfo(image) if not packed else None
    lfanew = image.header.lfanew
    stub = image.window.read(0x40, min(lfanew, 0x1000) - 0x40) if lfanew > 0x40 else b""
    if b"Rich" in stub:
        evidence.append("Rich header in the DOS stub: linked by Microsoft's link.exe (MSVC)")
        compilers.append("MSVC (Rich header)")
    major, minor = image.header.linker_version
    evidence.append(f"linker version {major}.{minor}")
    if go is not None:
        evidence.append(f"Go build info: {go.go_version}" + (f", {go.path}" if go.path else ""))
    if not packed and go is None:  # Go's own build info says more than strings would (CGO_ENABLED, -ldflags)
        blob = _readonly_data(image)
        for match in _GCC_RE.finditer(blob):
            text = match.group(0).decode("latin-1")
            if text not in compilers:
                compilers.append(text)
        if any(c.startswith("GCC:") for c in compilers):
            evidence.append("GCC version strings in read-only data: MinGW-w64 toolchain")
        elif b"Mingw-w64 runtime failure" in blob:
            evidence.append('"Mingw-w64 runtime failure" string: MinGW-w64 CRT startup code')
            compilers.append("MinGW-w64")
        rust_match = _RUST_RE.search(blob)
        if rust_match:
            rust = f"rustc (commit {rust_match.group(1).decode('ascii')[:12]})"
            evidence.append(f"Rust standard library paths ({rust})")
    return Toolchain(compilers=tuple(compilers), go=go, rust=rust, evidence=tuple(evidence))


# ------------------------------------------------------------------------------------------------ .NET

DIR_CLR = 14  # the CLR runtime (CLI) header: non-zero in every .NET assembly
CLI_HEADER_SIZE = 72  # ECMA-335 II.25.3.3
METADATA_SIGNATURE = 0x424A5342  # "BSJB", ECMA-335 II.24.2.1
CLR_FLAGS = (  # COMIMAGE_FLAGS_*, ECMA-335 II.25.3.3.1 and CorHdr.h
    (0x1, "ILONLY"),
    (0x2, "32BITREQUIRED"),
    (0x4, "IL_LIBRARY"),
    (0x8, "STRONGNAMESIGNED"),
    (0x10, "NATIVE_ENTRYPOINT"),
    (0x10000, "TRACKDEBUGDATA"),
    (0x20000, "32BITPREFERRED"),
)


def read_clr(image: PeImage) -> Optional[ClrFacts]:
    """The CLI header of a .NET assembly (data directory 14), or None for native code."""
    rva, size = image.directory(DIR_CLR)
    if rva == 0 and size == 0:
        return None
    if rva == 0 or size < CLI_HEADER_SIZE:
        raise Corrupt(f"corrupt PE: CLR runtime header directory (RVA {rva:#x}, size {size}) is too small")
    header = image.at_rva(rva, CLI_HEADER_SIZE, "CLR runtime header")
    _, major, minor, metadata_rva, metadata_size, flags = unpack("<IHHIII", header)
    names = tuple(name for bit, name in CLR_FLAGS if flags & bit)
    return ClrFacts(f"{major}.{minor}", _metadata_version(image, metadata_rva, metadata_size), names)


def _metadata_version(image: PeImage, rva: int, size: int) -> Optional[str]:
    """The metadata root's version string ("v4.0.30319"); None when no root is where the CLI header says."""
    if rva == 0 or size < 16 or image.rva_to_offset(rva) is None:
        return None
    root = image.at_rva(rva, 16, "CLR metadata root")
    signature, _, _, _, length = unpack("<IHHII", root)
    if signature != METADATA_SIGNATURE or not 0 < length <= 255 or length > size - 16:
        return None
    raw = image.at_rva(rva + 16, length, "CLR metadata version string").split(b"\0", 1)[0]
    text = raw.decode("utf-8", "replace")
    return text if text.isprintable() else None


def _readonly_data(image: PeImage) -> bytes:
    parts: List[bytes] = []
    left = EVIDENCE_SCAN
    for section in image.sections:
        if section.name in (".rdata", ".data", ".comment") and section.raw_size and left > 0:
            data = image.window.read(section.raw_offset, min(section.raw_size, left))
            left -= len(data)
            parts.append(data)
    return b"\0".join(parts)


def _go_buildinfo(image: PeImage) -> Optional[GoBuildInfo]:
    from linkguard.readers.gobuild import MAGIC, parse_buildinfo

    # Go's debug/buildinfo looks in the first initialized, readable, writable section (".data").
    wanted = SCN_CNT_INITIALIZED | SCN_MEM_READ | SCN_MEM_WRITE
    for section in image.sections:
        if section.characteristics & (wanted | SCN_MEM_EXECUTE | SCN_CNT_CODE) != wanted or not section.raw_size:
            continue
        # Go's linker puts the build info at the start of .data: look at 64 KiB first, then up to GO_SCAN.
        data = image.window.read(section.raw_offset, min(section.raw_size, 64 << 10))
        if MAGIC not in data and section.raw_size > len(data):
            data = image.window.read(section.raw_offset, min(section.raw_size, GO_SCAN))
        for hit in find_all(data, MAGIC, 16):
            if (section.rva + hit) % 16:
                continue
            info = parse_buildinfo(data[hit:])
            if info is None or (info.main is None and hit + 64 * 1024 > len(data)):
                # the modinfo may run past what was read: read up to 4 MiB from the magic and parse again
                info = parse_buildinfo(image.window.read(section.raw_offset + hit, 4 << 20)) or info
            if info is not None:
                return info
        return None
    return None


# --------------------------------------------------------------------------------------------- facts


def read_facts(image: PeImage, packing: Optional[Packing]) -> PeFacts:
    """Facts of the PE `image`; raises Corrupt when a structure they depend on is unreadable.

    `packing` is what readers/upx/pe.py found in the same headers, looked for first: a UPX-packed PE keeps
    UPX's own import table (one function per original DLL) while its delay-import directory, which UPX leaves
    as the original had it, points into the packed data. That is what the packing hides, not a corrupt file.
    """
    header = image.header
    counter = _Counter()
    imports = read_imports(image, counter)
    delay: List[PeImport] = []
    if packing is None:
        delay = read_delay_imports(image, counter)
    else:
        try:
            delay = read_delay_imports(image, counter)
        except Corrupt as exc:
            packing = replace(packing, evidence=(*packing.evidence, f"{_HIDDEN_DELAY} ({exc})"))
    known = [i.dll for i in imports + delay]
    unlisted: List[PeImport] = []
    if packing is None and not delay and header.linker_version[0] == 2 and _may_use_dlltool_delay(imports):
        # binutils' ld (linker version 2.x) is the only linker that leaves dlltool -y descriptors unlisted
        unlisted = find_unlisted_delay_imports(image, known)
    all_imports = tuple(imports + delay + unlisted)
    toolchain = _toolchain(image, packing is not None)
    machine = MACHINES.get(header.machine, f"machine-{header.machine:#x}")
    clr = read_clr(image)
    # a .NET assembly needs the .NET runtime: managed code is never "only the OS's own DLLs"
    linkage = DYNAMIC if clr is not None or any(not i.platform for i in all_imports) else OS_ONLY
    return PeFacts(
        machine=machine,
        bits=64 if image.pe32_plus else 32,
        type="DLL" if header.characteristics & IMAGE_FILE_DLL else "EXE",
        linkage=linkage,
        pe_format="PE32+" if image.pe32_plus else "PE32",
        subsystem=SUBSYSTEMS.get(header.subsystem, f"subsystem-{header.subsystem}"),
        subsystem_version=f"{header.subsystem_version[0]}.{header.subsystem_version[1]}",
        os_version=f"{header.os_version[0]}.{header.os_version[1]}",
        imports=all_imports,
        bound_imports=read_bound_imports(image),
        signed=_signed(image),
        soname=_export_name(image),
        host_entries=_host_entries(image),
        floors=windows_floors(header, all_imports, toolchain),
        toolchain=toolchain,
        packing=packing,
        clr=clr,
        warnings=tuple(image.warnings),
    )


def windows_floors(header: Header, imports: Sequence[PeImport], toolchain: Optional[Toolchain]) -> Tuple[OsFloor, ...]:
    """What sets the oldest Windows the image runs on, highest version first.

    The loader refuses an image whose subsystem version is newer than the running Windows; imports that exist
    only on newer Windows (data/windows.json), the machine (Windows on ARM64 starts with Windows 10) and the Go
    toolchain's supported floor can raise it further. Each floor has a `kind`: the fix depends on which is highest.
    """
    major, minor = header.subsystem_version
    floors = [OsFloor(f"{major}.{minor}", f"subsystem version {major}.{minor}", "PE optional header", "subsystem")]
    implied = platforms.windows_floors([(i.dll, i.functions) for i in imports])
    machine = platforms.machine_windows_floor(MACHINES.get(header.machine, ""))
    if machine is not None:
        implied.append(machine)
    if toolchain is not None and toolchain.go is not None:
        go = platforms.go_windows_floor(toolchain.go.go_version)
        if go is not None:
            implied.append(go)
    floors.extend(OsFloor(f.since, f.reason, f.source, f.kind) for f in implied)
    floors.sort(key=lambda f: platforms.version_tuple(f.version), reverse=True)
    return tuple(floors)


def _may_use_dlltool_delay(imports: Sequence[PeImport]) -> bool:
    """The delay-load helper binutils links needs LoadLibrary and GetProcAddress from kernel32."""
    for item in imports:
        if item.dll.lower() == "kernel32.dll":
            names = set(item.functions)
            return "GetProcAddress" in names and any(n.startswith("LoadLibrary") for n in names)
    return False
