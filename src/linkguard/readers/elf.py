"""ELF: the one reader of ELF headers, program headers, section headers and the dynamic segment.

It serves files on disk, archive members and the originals rebuilt behind UPX alike (upx.py parses the packed
wrapper's headers with `parse_header`/`parse_segments` from here). Everything about linking is read through the
dynamic segment and the tables it points to (DT_STRTAB, DT_SYMTAB, DT_VERNEED, DT_VERSYM, DT_HASH/DT_GNU_HASH), so
files without section headers (sstrip output, rebuilt originals) give the same answers.

Why `struct` and not pyelftools' `ELFFile` here: on a tree of thousands of small files, building pyelftools'
construct parsers and parsing one header field at a time was the largest single cost per file (~0.3 ms, more than
all the reads). These are fixed-layout records from the ELF specification, unpacked with one `struct` call per
table. pyelftools remains the project's ELF vocabulary: every constant and machine number below comes from
`elftools.elf.enums`/`constants`, and nothing here patches pyelftools.
"""

from __future__ import annotations

import struct
import sys
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, compress
from operator import add, itemgetter
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union, overload

from elftools.elf.constants import VER_FLAGS
from elftools.elf.enums import ENUM_D_TAG, ENUM_DT_FLAGS_1, ENUM_E_MACHINE, ENUM_E_TYPE

from linkguard import versions
from linkguard.errors import describe
from linkguard.model import DYNAMIC, OBJECT, SHARED_LIBRARY, STATIC, STATIC_PIE, ElfFacts, LibraryFacts, VersionNeed
from linkguard.readers.budget import Budget
from linkguard.readers.corrupt import Corrupt
from linkguard.readers.image import PF_X, PT_DYNAMIC, PT_INTERP, PT_LOAD, SHT_DYNSYM, SHT_SYMTAB, Section, Segment
from linkguard.seekable import Source, Window

DT_NULL = ENUM_D_TAG["DT_NULL"]
DT_NEEDED = ENUM_D_TAG["DT_NEEDED"]
DT_HASH = ENUM_D_TAG["DT_HASH"]
DT_STRTAB = ENUM_D_TAG["DT_STRTAB"]
DT_SYMTAB = ENUM_D_TAG["DT_SYMTAB"]
DT_STRSZ = ENUM_D_TAG["DT_STRSZ"]
DT_SONAME = ENUM_D_TAG["DT_SONAME"]
DT_RPATH = ENUM_D_TAG["DT_RPATH"]
DT_RUNPATH = ENUM_D_TAG["DT_RUNPATH"]
DT_FLAGS_1 = ENUM_D_TAG["DT_FLAGS_1"]
DT_GNU_HASH = ENUM_D_TAG["DT_GNU_HASH"]
DT_VERSYM = ENUM_D_TAG["DT_VERSYM"]
DT_VERNEED = ENUM_D_TAG["DT_VERNEED"]
DT_VERNEEDNUM = ENUM_D_TAG["DT_VERNEEDNUM"]
DT_VERDEF = ENUM_D_TAG["DT_VERDEF"]
DT_VERDEFNUM = ENUM_D_TAG["DT_VERDEFNUM"]
DF_1_NODEFLIB = ENUM_DT_FLAGS_1["DF_1_NODEFLIB"]
DF_1_PIE = ENUM_DT_FLAGS_1["DF_1_PIE"]
VER_FLG_WEAK = VER_FLAGS.VER_FLG_WEAK
SHN_UNDEF = 0
ELF_MAGIC = b"\x7fELF"

MAX_DYNAMIC_ENTRIES = 1 << 16
MAX_STRING = 4096
MAX_SYMBOLS = 1 << 20
MAX_VERNEED = 4096
VERNEED_WINDOW = 4096
HEAD = 4096  # read once per file: the ELF header and (nearly always) the program headers sit inside it
_WHOLE_STRTAB = 4 << 20
_SMALL_VERSYM = 200  # DT_VERSYM entries per needed version up to which one comprehension reads them all

# Short machine names used in reports (and by UPX's format names); any other machine is shown as pyelftools
# names it, without the EM_ prefix.
SHORT_MACHINES = {
    "EM_X86_64": "x86_64",
    "EM_386": "i386",
    "EM_AARCH64": "aarch64",
    "EM_ARM": "arm",
    "EM_RISCV": "riscv",
    "EM_PPC64": "ppc64",
    "EM_PPC": "ppc",
    "EM_S390": "s390",
    "EM_MIPS": "mips",
    "EM_MIPS_RS3_LE": "mips",
    "EM_SPARC": "sparc",
    "EM_SPARCV9": "sparcv9",
    "EM_LOONGARCH": "loongarch",
    "EM_IA_64": "ia64",
    "EM_68K": "m68k",
    "EM_SH": "sh",
    "EM_ALPHA": "alpha",
    "EM_PARISC": "parisc",
    "EM_ARC_COMPACT2": "arc",
    "EM_XTENSA": "xtensa",
    "EM_BPF": "bpf",
}
_EM_NAMES: Dict[int, str] = {}
for _name, _value in ENUM_E_MACHINE.items():
    if isinstance(_value, int):
        _EM_NAMES.setdefault(_value, _name)
_ET_NAMES = {value: name[3:] for name, value in ENUM_E_TYPE.items() if isinstance(value, int)}


def machine_name(e_machine: int) -> str:
    """`x86_64` for EM_X86_64; pyelftools' name without `EM_` for the rest; the number when it has none."""
    name = _EM_NAMES.get(e_machine)
    if name is None:
        return str(e_machine)
    return SHORT_MACHINES.get(name, name[3:].lower())


# --------------------------------------------------------------------------------------------- headers


@dataclass(frozen=True)
class ElfHeader:
    """The fields of Elf32_Ehdr/Elf64_Ehdr that linkguard reads."""

    bits: int
    order: str  # struct byte-order prefix: "<" or ">"
    ident_class: int
    ident_data: int
    type: int
    machine: int
    entry: int
    phoff: int
    shoff: int
    ehsize: int
    phentsize: int
    phnum: int
    shentsize: int
    shnum: int
    shstrndx: int

    @property
    def endian(self) -> str:
        return "little" if self.order == "<" else "big"

    @property
    def type_name(self) -> str:
        """`EXEC`, `DYN`, `REL`, `CORE`, ... (pyelftools' ET_ names)."""
        return _ET_NAMES.get(self.type, str(self.type))


_EHDR64 = ("HHIQQQIHHHHHH", 64)
_EHDR32 = ("HHIIIIIHHHHHH", 52)
_PHDR = {64: "IIQQQQQQ", 32: "IIIIIIII"}  # Elf64_Phdr / Elf32_Phdr after the byte-order prefix
_SHDR = {64: "IIQQQQIIQQ", 32: "IIIIIIIIII"}
PHENTSIZE = {64: 56, 32: 32}


@cache  # a handful of layouts in both byte orders
def _record(layout: str) -> struct.Struct:
    """The compiled `struct` for a layout such as "<HHIII": compiled once per process, not once per file."""
    return struct.Struct(layout)


def parse_header(data: bytes) -> ElfHeader:
    """The ELF header at the start of `data`; raises Corrupt naming what is wrong."""
    if data[:4] != ELF_MAGIC:
        raise Corrupt("not an ELF file (no \\x7fELF magic)")
    if len(data) < 52:
        raise Corrupt(f"truncated: {len(data)} bytes, shorter than any ELF header")
    ident_class, ident_data = data[4], data[5]
    if ident_class not in (1, 2):
        raise Corrupt(f"ELF header unreadable: EI_CLASS {ident_class} is neither ELFCLASS32 nor ELFCLASS64")
    if ident_data not in (1, 2):
        raise Corrupt(f"ELF header unreadable: EI_DATA {ident_data} is neither little- nor big-endian")
    order = "<" if ident_data == 1 else ">"
    layout, need = _EHDR64 if ident_class == 2 else _EHDR32
    if len(data) < need:
        raise Corrupt(f"truncated: {len(data)} bytes, shorter than a {64 if ident_class == 2 else 32}-bit ELF header")
    fields = struct.unpack_from(order + layout, data, 16)
    e_type, machine, _version, entry, phoff, shoff, _flags, ehsize, phentsize, phnum, shentsize, shnum, shstrndx = (
        fields
    )
    return ElfHeader(
        bits=64 if ident_class == 2 else 32,
        order=order,
        ident_class=ident_class,
        ident_data=ident_data,
        type=e_type,
        machine=machine,
        entry=entry,
        phoff=phoff,
        shoff=shoff,
        ehsize=ehsize,
        phentsize=phentsize,
        phnum=phnum,
        shentsize=shentsize,
        shnum=shnum,
        shstrndx=shstrndx,
    )


def parse_segments(header: ElfHeader, table: bytes) -> List[Segment]:
    """Program headers from the bytes of the table (as many whole entries as `table` holds)."""
    size = header.phentsize
    if size < PHENTSIZE[header.bits]:
        return []
    record = _record(header.order + _PHDR[header.bits])
    if size == record.size:
        rows = record.iter_unpack(table[: len(table) // size * size])
        if header.bits == 64:
            return [Segment(t, f, o, v, fs, ms) for t, f, o, v, _p, fs, ms, _a in rows]
        return [Segment(t, f, o, v, fs, ms) for t, o, v, _p, fs, ms, f, _a in rows]
    unpack = record.unpack_from
    segments = []
    for i in range(len(table) // size):
        fields = unpack(table, i * size)
        if header.bits == 64:
            ptype, flags, offset, vaddr, _paddr, filesz, memsz, _align = fields
        else:
            ptype, offset, vaddr, _paddr, filesz, memsz, flags, _align = fields
        segments.append(Segment(type=ptype, flags=flags, offset=offset, vaddr=vaddr, filesz=filesz, memsz=memsz))
    return segments


# ----------------------------------------------------------------------------------------------- image


class ElfImage(Window):
    """One ELF image with budgeted reads (a `seekable.Window` over the whole file); implements ImageView."""

    def __init__(self, source: Source, budget: Budget) -> None:
        super().__init__(source, 0, source.size, budget.charge_read)
        self.budget = budget
        self.warnings: List[str] = []
        self.header = parse_header(self.keep_head(HEAD))  # the first 4 KiB are read once
        self.bits = self.header.bits
        self.endian = self.header.endian
        self.machine = machine_name(self.header.machine)
        self.type = self.header.type_name
        self._order = self.header.order
        self._symsize = 24 if self.bits == 64 else 16
        self.segments: Sequence[Segment] = self._read_segments()
        self._sections: Optional[List[Section]] = None
        self._table: Optional[Tuple[List[Tuple[int, ...]], bytes]] = None
        self._section_list = _SectionList(self)
        self._section_links: List[int] = []
        self._dynamic: Optional[DynamicInfo] = None
        self._dynamic_done = False

    def vaddr_to_offset(self, vaddr: int) -> Optional[int]:
        """File offset of a virtual address through the PT_LOAD segments; None when not backed by the file."""
        for seg in self.segments:
            if seg.type == PT_LOAD and seg.vaddr <= vaddr < seg.vaddr + seg.filesz:
                return seg.offset + (vaddr - seg.vaddr)
        return None

    def read_vaddr(self, vaddr: int, size: int) -> Optional[bytes]:
        offset = self.vaddr_to_offset(vaddr)
        if offset is None:
            return None
        return self.read(offset, size)

    def check_time(self) -> None:
        self.budget.check_time()

    # ------------------------------------------------------------------ program and section headers

    def _read_segments(self) -> List[Segment]:
        hdr = self.header
        if hdr.phnum == 0:
            return []
        if hdr.phnum == 0xFFFF:
            raise Corrupt("e_phnum is PN_XNUM (65535): extended program header counts are not supported")
        need = PHENTSIZE[hdr.bits]
        if hdr.phentsize < need:
            raise Corrupt(f"e_phentsize {hdr.phentsize} is smaller than a program header ({need} bytes)")
        length = hdr.phnum * hdr.phentsize
        end = hdr.phoff + length
        if end > self.size:
            raise Corrupt(
                f"truncated: {hdr.phnum} program headers at offset {hdr.phoff:#x} end at {end:#x}, past the end of "
                f"the file ({self.size} bytes)"
            )
        table = self.read(hdr.phoff, length)
        if len(table) < length:
            raise Corrupt(f"truncated: program headers at offset {hdr.phoff:#x} end past the end of the file")
        return parse_segments(hdr, table)

    @property
    def has_section_headers(self) -> bool:
        return bool(self.header.shoff) and bool(self.header.shnum)

    @property
    def sections(self) -> Sequence[Section]:
        """Every section header with its name. A lazy sequence: its length (`if view.sections`) reads only the
        header table; the Section records are built when one is asked for (most files only look a name up)."""
        return self._section_list

    def _all_sections(self) -> List[Section]:
        if self._sections is None:
            rows, names = self._section_table()
            found = []
            self._section_links = []
            for name_at, sh_type, _flags, addr, offset, size, link, *_rest in rows:
                name = _cstring(names, name_at) if name_at < len(names) else ""
                found.append(Section(name=name, type=sh_type, offset=offset, addr=addr, size=size))
                self._section_links.append(link)
            self._sections = found
        return self._sections

    def _section_table(self) -> Tuple[List[Tuple[int, ...]], bytes]:
        """The section header rows and the section-name string table, read once (warnings say why not)."""
        if self._table is None:
            self._table = self._read_section_table()
        return self._table

    def _read_section_table(self) -> Tuple[List[Tuple[int, ...]], bytes]:
        if not self.has_section_headers:
            return [], b""
        hdr = self.header
        if hdr.shoff + hdr.shnum * hdr.shentsize > self.size:
            self.warnings.append("section headers lie past the end of the file; ignored")
            return [], b""
        record = _record(self._order + _SHDR[self.bits])
        if hdr.shentsize < record.size:
            self.warnings.append(
                f"e_shentsize {hdr.shentsize} is smaller than a section header; section headers ignored"
            )
            return [], b""
        table = self.read(hdr.shoff, hdr.shnum * hdr.shentsize)
        if hdr.shentsize == record.size:
            rows = list(record.iter_unpack(table[: len(table) // record.size * record.size]))
        else:
            rows = [record.unpack_from(table, i * hdr.shentsize) for i in range(len(table) // hdr.shentsize)]
        shstrndx = hdr.shstrndx
        if shstrndx == 0xFFFF and rows:  # SHN_XINDEX: the real index is in section 0's sh_link
            shstrndx = rows[0][6]
        names = b""
        if 0 < shstrndx < len(rows):
            names = self.read(rows[shstrndx][4], min(rows[shstrndx][5], 1 << 20))
        self.budget.check_time()
        return rows, names

    def section(self, name: str) -> Optional[Section]:
        """The first section called `name`. Found by its name's bytes in the name table, then the first header
        whose sh_name points at one of them: the same answer as a search of `sections`, without decoding
        every name."""
        if self._sections is not None:
            for sec in self._sections:
                if sec.name == name:
                    return sec
            return None
        rows, names = self._section_table()
        if not rows:
            return None
        key = name.encode("utf-8", "replace")
        if not key or len(key) >= MAX_STRING or "\0" in name or "\ufffd" in name:
            return next((sec for sec in self._all_sections() if sec.name == name), None)
        starts = []
        at = names.find(key + b"\0")
        while at >= 0:
            starts.append(at)
            at = names.find(key + b"\0", at + 1)
        if names.endswith(key):  # the table's last string, cut off without its NUL
            starts.append(len(names) - len(key))
        if not starts:
            return None
        name_ats = [row[0] for row in rows]
        index = min((name_ats.index(at) for at in starts if at in name_ats), default=None)
        if index is None:
            return None
        _name_at, sh_type, _flags, addr, offset, size, *_rest = rows[index]
        return Section(name=name, type=sh_type, offset=offset, addr=addr, size=size)

    # ------------------------------------------------------------------ symbols

    def defined_symbols(self) -> Iterator[Tuple[str, str]]:
        """Defined symbols of .symtab and .dynsym (sections), else of DT_SYMTAB; bounded by MAX_SYMBOLS."""
        tables = [s for s in self._all_sections() if s.type in (SHT_SYMTAB, SHT_DYNSYM)]
        for table in tables:
            strtab = self._linked_strtab(table)
            if strtab is None:
                continue
            count = min(table.size // self._symsize, MAX_SYMBOLS)
            names = _StringReader(self, strtab[0], strtab[1])
            for name_at, shndx in self._symbol_fields(table.offset, count):
                if shndx != SHN_UNDEF and name_at:
                    name = names.get(name_at)
                    if name:
                        yield name, table.name
        if not tables:
            dyn = self.dynamic_info()
            if dyn is not None and dyn.symtab_offset is not None and dyn.strtab is not None:
                names = dyn.string_reader(self)
                for name_at, shndx in self._symbol_fields(dyn.symtab_offset, dyn.symbol_count):
                    if shndx != SHN_UNDEF and name_at:
                        name = names.get(name_at)
                        if name:
                            yield name, "DT_SYMTAB"

    def _linked_strtab(self, table: Section) -> Optional[Tuple[int, int]]:
        sections = self._all_sections()
        link = self._section_links[sections.index(table)]
        if not 0 < link < len(sections):
            return None
        return sections[link].offset, sections[link].size

    def _symbol_fields(self, offset: int, count: int) -> Iterator[Tuple[int, int]]:
        """(st_name, st_shndx) for `count` symbols at `offset`, read in bulk."""
        entsize = self._symsize
        fmt = self._order + ("IBBHQQ" if self.bits == 64 else "IIIBBH")
        shndx_at = 3 if self.bits == 64 else 5
        chunk = 4096
        for start in range(0, count, chunk):
            n = min(chunk, count - start)
            data = self.read(offset + start * entsize, n * entsize)
            usable = len(data) // entsize
            for fields in struct.iter_unpack(fmt, data[: usable * entsize]):
                yield fields[0], fields[shndx_at]
            self.budget.check_time()
            if usable < n:
                return

    # ------------------------------------------------------------------ dynamic segment

    def interpreter(self) -> Optional[str]:
        for seg in self.segments:
            if seg.type == PT_INTERP:
                if seg.offset + min(seg.filesz, 1) > self.size:
                    raise Corrupt(f"PT_INTERP at offset {seg.offset:#x} lies past the end of the file")
                raw = self.read(seg.offset, min(seg.filesz, MAX_STRING))
                return raw.split(b"\0", 1)[0].decode("utf-8", "replace")
        return None

    def dynamic_info(self) -> Optional[DynamicInfo]:
        if not self._dynamic_done:
            self._dynamic = self._read_dynamic()
            self._dynamic_done = True
        return self._dynamic

    def _read_dynamic(self) -> Optional[DynamicInfo]:
        seg = next((s for s in self.segments if s.type == PT_DYNAMIC), None)
        if seg is None:
            return None
        if seg.filesz == 0:
            return DynamicInfo(tags=[])
        if seg.offset >= self.size or seg.offset + seg.filesz > self.size:
            raise Corrupt(
                f"PT_DYNAMIC at offset {seg.offset:#x} ({seg.filesz} bytes) lies outside the file ({self.size} bytes)"
            )
        entsize = 16 if self.bits == 64 else 8
        count = min(seg.filesz // entsize, MAX_DYNAMIC_ENTRIES)
        data = self.read(seg.offset, count * entsize)
        fmt = self._order + ("qQ" if self.bits == 64 else "iI")
        tags: List[Tuple[int, int]] = []
        for tag, value in struct.iter_unpack(fmt, data[: (len(data) // entsize) * entsize]):
            if tag == DT_NULL:
                break
            tags.append((tag & 0xFFFFFFFF if self.bits == 32 else tag, value))
        else:
            self.warnings.append("dynamic segment has no DT_NULL terminator")
        info = DynamicInfo(tags=tags)
        strtab = info.first(DT_STRTAB)
        if strtab is not None:
            offset = self.vaddr_to_offset(strtab)
            if offset is None and (info.first(DT_NEEDED) is not None or info.first(DT_SONAME) is not None):
                raise Corrupt(f"DT_STRTAB address {strtab:#x} is not inside any loadable segment in the file")
            if offset is not None:
                size = info.first(DT_STRSZ) or 0
                size = min(size, self.size - offset) if size else self.size - offset
                info.strtab = (offset, size)
        symtab = info.first(DT_SYMTAB)
        if symtab is not None:
            info.symtab_offset = self.vaddr_to_offset(symtab)
            if info.symtab_offset is not None:
                info.symbol_count = self._symbol_count(info)
        return info

    def dynamic_string(self, info: DynamicInfo, index: int, what: str) -> str:
        if info.strtab is None:
            raise Corrupt(f"{what} present but the dynamic string table (DT_STRTAB) is missing")
        if index >= info.strtab[1]:
            raise Corrupt(
                f"{what} string offset {index:#x} lies outside the dynamic string table ({info.strtab[1]} bytes)"
            )
        return info.string_reader(self).get(index)

    def _symbol_count(self, info: DynamicInfo) -> int:
        """Number of dynamic symbols, from the hash tables (sections may be absent)."""
        assert info.symtab_offset is not None
        limit = min(MAX_SYMBOLS, max(0, (self.size - info.symtab_offset) // self._symsize))
        gnu_hash = info.first(DT_GNU_HASH)
        if gnu_hash is not None:
            count = self._gnu_hash_count(gnu_hash)
            if count is not None:
                return min(count, limit)
        sysv_hash = info.first(DT_HASH)
        if sysv_hash is not None:
            head = self.read_vaddr(sysv_hash, 8)
            if head is not None and len(head) == 8:
                nchain: int = struct.unpack(self._order + "II", head)[1]
                return min(nchain, limit)
        # No usable hash table: the dynamic string table conventionally follows the symbol table.
        if info.strtab is not None and info.strtab[0] > info.symtab_offset:
            return min((info.strtab[0] - info.symtab_offset) // self._symsize, limit)
        self.warnings.append("dynamic symbol count unknown (no DT_HASH/DT_GNU_HASH); symbol names not read")
        return 0

    def _gnu_hash_count(self, vaddr: int) -> Optional[int]:
        head = self.read_vaddr(vaddr, 16)
        if head is None or len(head) < 16:
            return None
        nbuckets, symoffset, bloom_size, _shift = struct.unpack(self._order + "IIII", head)
        if nbuckets == 0 or nbuckets > MAX_SYMBOLS or bloom_size > MAX_SYMBOLS:
            return None
        buckets_at = vaddr + 16 + bloom_size * (self.bits // 8)
        raw = self.read_vaddr(buckets_at, nbuckets * 4)
        if raw is None or len(raw) < nbuckets * 4:
            return None
        top: int = max(_u32_array(raw, self._order))
        if top < symoffset:
            return int(symoffset)
        # The chain of the last bucket ends with the last symbol: its hash word has the low bit set.
        chains_at = buckets_at + nbuckets * 4
        index = top
        while index - symoffset < MAX_SYMBOLS:
            block = self.read_vaddr(chains_at + (index - symoffset) * 4, 4096)
            if not block or len(block) < 4:
                return None
            words = _u32_array(block[: len(block) // 4 * 4], self._order)
            for k, word in enumerate(words):
                if word & 1:
                    return index + k + 1
            index += len(words)
            self.budget.check_time()
        return None

    def version_needs(self, info: DynamicInfo) -> List[VersionNeed]:
        """Symbol-version needs per library from DT_VERNEED, with the symbols that use each (via DT_VERSYM)."""
        verneed = info.first(DT_VERNEED)
        if verneed is None:
            return []
        offset = self.vaddr_to_offset(verneed)
        if offset is None:
            self.warnings.append(f"DT_VERNEED address {verneed:#x} is not in the file; version needs not read")
            return []
        declared = info.first(DT_VERNEEDNUM)
        limit = min(declared if declared is not None else MAX_VERNEED, MAX_VERNEED)
        by_index: Dict[int, Tuple[str, str, bool]] = {}
        order: List[Tuple[str, str, bool]] = []
        seen: Set[int] = set()
        # Verneed {u16 version, u16 cnt, u32 file, u32 aux, u32 next} and Vernaux {u32 hash, u16 flags,
        # u16 other, u32 name, u32 next}: 16 bytes each in both classes, in the file's byte order.
        vn_fmt, aux_fmt = _record(self._order + "HHIII"), _record(self._order + "IHHII")
        window = _TableCache(self, offset, VERNEED_WINDOW)
        for _ in range(limit):
            if offset in seen:
                self.warnings.append("version-need chain loops back on itself; stopped reading it")
                break
            raw = window.get(offset, vn_fmt.size)
            if raw is None:
                self.warnings.append(
                    f"version-need entry at {offset:#x} lies outside the file (a corrupt or looping chain); "
                    "stopped reading it"
                )
                break
            seen.add(offset)
            _version, count, file_at, aux_rel, next_rel = vn_fmt.unpack(raw)
            library = self.dynamic_string(info, file_at, "DT_VERNEED library name")
            aux_at = offset + aux_rel
            aux_seen: Set[int] = set()
            for _ in range(min(count, MAX_VERNEED)):
                aux_raw = None if aux_at in aux_seen else window.get(aux_at, aux_fmt.size)
                if aux_raw is None:
                    self.warnings.append(f"version-need entries of {library} are malformed; stopped reading them")
                    break
                aux_seen.add(aux_at)
                _hash, flags, other, name_at, aux_next = aux_fmt.unpack(aux_raw)
                name = self.dynamic_string(info, name_at, "DT_VERNEED version name")
                entry = (library, name, bool(flags & VER_FLG_WEAK))
                by_index[other & 0x7FFF] = entry
                order.append(entry)
                if not aux_next:
                    break
                aux_at += aux_next
            if not next_rel:
                break
            offset += next_rel
        users = self._version_users(info, by_index)
        return [
            VersionNeed(library=lib, version=ver, symbols=tuple(sorted(users.get((lib, ver), ()))), weak=weak)
            for lib, ver, weak in order
        ]

    def version_definitions(self, info: DynamicInfo) -> List[str]:
        """The version names a library defines (DT_VERDEF), its base entry (the soname) included, in file order."""
        verdef = info.first(DT_VERDEF)
        if verdef is None:
            return []
        offset = self.vaddr_to_offset(verdef)
        if offset is None:
            self.warnings.append(f"DT_VERDEF address {verdef:#x} is not in the file; version definitions not read")
            return []
        declared = info.first(DT_VERDEFNUM)
        limit = min(declared if declared is not None else MAX_VERNEED, MAX_VERNEED)
        # Verdef {u16 version, u16 flags, u16 ndx, u16 cnt, u32 hash, u32 aux, u32 next} (20 bytes) and Verdaux
        # {u32 name, u32 next} (8 bytes), the same in both classes. The first Verdaux names the version.
        vd_fmt, aux_fmt = _record(self._order + "HHHHIII"), _record(self._order + "II")
        window = _TableCache(self, offset, VERNEED_WINDOW)
        names: List[str] = []
        seen: Set[int] = set()
        for _ in range(limit):
            raw = None if offset in seen else window.get(offset, vd_fmt.size)
            if raw is None:
                self.warnings.append("version-definition chain is malformed; stopped reading it")
                break
            seen.add(offset)
            _version, _flags, _ndx, count, _hash, aux_rel, next_rel = vd_fmt.unpack(raw)
            aux_raw = window.get(offset + aux_rel, aux_fmt.size) if count else None
            if aux_raw is not None:
                names.append(self.dynamic_string(info, aux_fmt.unpack(aux_raw)[0], "DT_VERDEF version name"))
            if not next_rel:
                break
            offset += next_rel
        return names

    def _version_users(
        self, info: DynamicInfo, by_index: Dict[int, Tuple[str, str, bool]]
    ) -> Dict[Tuple[str, str], Set[str]]:
        """The undefined symbols bound to each needed version, found through DT_VERSYM in one pass.

        Which symbols use a needed index: a small table (a program's) is filtered in C (`compress`); a large one
        (mostly a library's own definitions) is searched per needed index on its low-byte plane with
        `bytes.split`, so C finds the few users. Their st_name and st_shndx are gathered with `itemgetter` from
        strided views of the symbol table, and their names sliced from the string table decoded once.
        """
        users: Dict[Tuple[str, str], Set[str]] = {}
        versym = info.first(DT_VERSYM)
        if versym is None or info.symtab_offset is None or info.strtab is None or not by_index:
            return users
        versym_at = self.vaddr_to_offset(versym)
        count = info.symbol_count
        if versym_at is None or count == 0:
            return users
        raw = self.read(versym_at, count * 2)
        count = len(raw) // 2
        # (version index, the symbols using it, ascending); the top bit of a DT_VERSYM entry is VERSYM_HIDDEN
        claims: List[Tuple[int, List[int]]] = []
        if count <= _SMALL_VERSYM * len(by_index):
            indices: Sequence[int] = _u16_array(raw[: count * 2], self._order)
            if indices and max(indices) > 0x7FFF:
                indices = [v & 0x7FFF for v in indices]
            hits = list(compress(range(count), map(by_index.__contains__, indices)))
            if hits:
                claims.append((-1, hits))
        else:
            low, high = (raw[0::2], raw[1::2]) if self._order == "<" else (raw[1::2], raw[0::2])
            high_zero = not high.strip(b"\0")  # nearly always: fewer than 256 versions and nothing hidden
            for ndx in by_index:
                hi = ndx >> 8
                if high_zero and hi:
                    continue
                at = _positions(low, ndx & 0xFF)
                if not high_zero:
                    at = [i for i in at if high[i] & 0x7F == hi]
                if at:
                    claims.append((ndx, at))
        if not claims:
            return users
        entsize = self._symsize
        # st_name is the first word in both classes; st_shndx follows name/info/other at 6 in Elf64_Sym, and
        # name/value/size/info/other at 14 in Elf32_Sym.
        shndx_at = 6 if self.bits == 64 else 14
        last = max(at[-1] for _ndx, at in claims)
        table = self.read(info.symtab_offset, (last + 1) * entsize)
        usable = min(len(table) // entsize, last + 1)  # symbols wholly inside what could be read
        body = table[: usable * entsize]
        name_col = _u32_array(body, self._order)[0 :: entsize // 4]  # st_name of symbol i: name_col[i]
        shndx_col = _u16_array(body, self._order)[shndx_at // 2 :: entsize // 2]  # st_shndx of symbol i
        strings = info.string_reader(self)
        for ndx, at in claims:
            if at[-1] >= usable:
                at = [i for i in at if i < usable]
            shndx = _gather(shndx_col, at)
            if shndx.count(SHN_UNDEF) != len(shndx):
                at = [i for i, sh in zip(at, shndx) if sh == SHN_UNDEF]
            if not at:
                continue
            names = strings.names(_gather(name_col, at))
            if ndx >= 0:
                lib, ver, _weak = by_index[ndx]
                users.setdefault((lib, ver), set()).update(names)
                continue
            per_index: Dict[int, List[str]] = {}
            for v, name in zip(_gather(indices, at), names):
                per_index.setdefault(v, []).append(name)
            for v, found in per_index.items():
                lib, ver, _weak = by_index[v]
                users.setdefault((lib, ver), set()).update(found)
        for bucket in users.values():
            bucket.discard("")  # a symbol without a name is nobody's
        return users


def _positions(plane: bytes, byte: int) -> List[int]:
    """Every index of `byte` in `plane`, ascending: the k-th hit is at the length of the k parts before it plus k
    (split, accumulate and add all run in C)."""
    parts = plane.split(bytes((byte,)))
    if len(parts) == 1:
        return []
    del parts[-1]
    return list(map(add, accumulate(map(len, parts)), range(len(parts))))


def _gather(column: Sequence[int], at: List[int]) -> Tuple[int, ...]:
    """column[i] for each i in `at`, in one C call."""
    if len(at) < 2:
        return (column[at[0]],) if at else ()
    return tuple(itemgetter(*at)(column))


class _SectionList(Sequence[Section]):
    """ElfImage.sections: the length from the header table alone, the records built on first access."""

    def __init__(self, image: ElfImage) -> None:
        self._image = image

    def __len__(self) -> int:
        return len(self._image._section_table()[0])

    @overload
    def __getitem__(self, index: int) -> Section: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Section]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[Section, Sequence[Section]]:
        return self._image._all_sections()[index]

    def __iter__(self) -> Iterator[Section]:
        return iter(self._image._all_sections())

    def __repr__(self) -> str:
        return repr(self._image._all_sections())


def _u32_array(raw: bytes, order: str) -> Sequence[int]:
    """Unsigned 32-bit words of `raw` in the file's byte order (a memoryview cast where that is native)."""
    native = "<" if sys.byteorder == "little" else ">"
    if order == native:
        return memoryview(raw).cast("I")
    return struct.unpack(f"{order}{len(raw) // 4}I", raw)


def _u16_array(raw: bytes, order: str) -> Sequence[int]:
    """Unsigned 16-bit halves of `raw` in the file's byte order (a memoryview cast where that is native)."""
    raw = raw[: len(raw) // 2 * 2]
    if order == ("<" if sys.byteorder == "little" else ">"):
        return memoryview(raw).cast("H")
    return struct.unpack(f"{order}{len(raw) // 2}H", raw)


def _cstring(data: bytes, start: int) -> str:
    end = data.find(b"\0", start, start + MAX_STRING)
    return data[start : end if end >= 0 else start + MAX_STRING].decode("utf-8", "replace")


class _TableCache:
    """One bulk read around a table, serving the small fixed-size entries inside it without further I/O."""

    def __init__(self, image: ElfImage, offset: int, size: int) -> None:
        self._image = image
        self._offset = offset
        self._data = image.read(offset, size)

    def get(self, offset: int, size: int) -> Optional[bytes]:
        start = offset - self._offset
        if start >= 0 and start + size <= len(self._data):
            return self._data[start : start + size]
        if offset < 0 or offset + size > self._image.size:
            return None
        raw = self._image.read(offset, size)
        return raw if len(raw) == size else None


class DynamicInfo:
    """The dynamic segment's tags and where its tables are in the file."""

    def __init__(self, tags: List[Tuple[int, int]]) -> None:
        self.tags = tags
        self._first = dict(reversed(tags))  # each tag's first value (the earlier entry overwrites)
        self.strtab: Optional[Tuple[int, int]] = None  # (offset, size)
        self.symtab_offset: Optional[int] = None
        self.symbol_count = 0
        self._strings: Optional[_StringReader] = None  # the DT_STRTAB reader, shared by every lookup

    def first(self, tag: int) -> Optional[int]:
        return self._first.get(tag)

    def all(self, tag: int) -> List[int]:
        return [v for t, v in self.tags if t == tag]

    def string_reader(self, image: ElfImage) -> _StringReader:
        assert self.strtab is not None
        if self._strings is None:
            self._strings = _StringReader(image, self.strtab[0], self.strtab[1])
        return self._strings


class _StringReader:
    """NUL-terminated strings from a string table: small tables are read once, large ones in cached blocks."""

    def __init__(self, image: ElfImage, offset: int, size: int) -> None:
        self._image = image
        self._offset = offset
        self._size = size
        self._blocks: Dict[int, bytes] = {}
        self._whole: Optional[bytes] = None
        self._text: Optional[str] = None  # the whole table decoded, when it is ASCII

    def whole(self) -> Optional[bytes]:
        """The table's bytes when it is small enough to keep whole (read once, shared with `get`), else None."""
        if self._whole is None and self._size <= _WHOLE_STRTAB:
            self._whole = self._image.read(self._offset, self._size)
        return self._whole

    def many(self, indices: Sequence[int]) -> List[str]:
        """get() of each index, with the per-string work inlined for a table read whole (most of them)."""
        if self._whole is None and self._size <= _WHOLE_STRTAB:
            self._whole = self._image.read(self._offset, self._size)
        whole = self._whole
        if whole is None:
            return [self.get(index) for index in indices]
        size, find, out = self._size, whole.find, []
        for index in indices:
            if index >= size:
                out.append("")
                continue
            end = find(b"\0", index, index + MAX_STRING)
            out.append(whole[index : end if end >= 0 else index + MAX_STRING].decode("utf-8", "replace"))
        return out

    def names(self, indices: Sequence[int]) -> List[str]:
        """many(): for an ASCII table (nearly all), sliced from its text decoded once."""
        text = self._text
        if text is None:
            if len(indices) * 32 < self._size:  # a few names of a large table: decode just those
                return self.many(indices)
            whole = self.whole()
            if whole is None or not whole.isascii():
                return self.many(indices)
            text = self._text = whole.decode("ascii")
        find = text.find
        ends = [find("\0", i, i + MAX_STRING) for i in indices]
        return [text[i:e] if e >= 0 else text[i : i + MAX_STRING] for i, e in zip(indices, ends)]

    def get(self, index: int) -> str:
        if index >= self._size:
            return ""
        whole = self._whole
        if whole is None and self._size <= _WHOLE_STRTAB:
            whole = self._whole = self._image.read(self._offset, self._size)
        if whole is not None:
            end = whole.find(b"\0", index, index + MAX_STRING)
            return whole[index : end if end >= 0 else index + MAX_STRING].decode("utf-8", "replace")
        out = b""
        pos = index
        while len(out) < MAX_STRING and pos < self._size:
            block_no = pos // 4096
            block = self._blocks.get(block_no)
            if block is None:
                block = self._image.read(self._offset + block_no * 4096, min(4096, self._size - block_no * 4096))
                self._blocks[block_no] = block
            if not block:  # past the end of the file; a cached empty block ends the walk too (else: quadratic)
                break
            piece = block[pos - block_no * 4096 :]
            end = piece.find(b"\0")
            if end >= 0:
                out += piece[:end]
                break
            out += piece
            pos = (block_no + 1) * 4096
        return out.decode("utf-8", "replace")


# ----------------------------------------------------------------------------------------------- facts


def classify(
    e_type: str,
    interpreter: Optional[str],
    needed: Sequence[str],
    pie: bool,
    soname: Optional[str],
    has_dynamic: bool = True,
) -> str:
    """Linkage from the header type, PT_INTERP, DT_NEEDED, DF_1_PIE and DT_SONAME (DESIGN.md vocabulary)."""
    dynamic = interpreter is not None or bool(needed)
    if e_type == "EXEC":
        return DYNAMIC if dynamic else STATIC
    if e_type == "DYN":
        if not has_dynamic:
            # No PT_DYNAMIC: nothing a loader could link against, so not a library; a self-relocating
            # position-independent executable (a UPX wrapper is one).
            return DYNAMIC if dynamic else STATIC_PIE
        if pie:
            return DYNAMIC if dynamic else STATIC_PIE
        # Without DF_1_PIE: a SONAME, or no interpreter, means a library (glibc's libc.so.6 has both an
        # interpreter and a SONAME; ld.so has neither). An interpreter without a SONAME is an older-style PIE.
        if soname is not None or interpreter is None:
            return SHARED_LIBRARY
        return DYNAMIC
    return OBJECT


# Why a program or library whose code segments hold no bytes is not judged (ElfFacts.warnings says it).
NO_CODE = (
    "no machine code in the file: its executable segments hold no bytes, as in a detached debug-info file "
    "(`objcopy --only-keep-debug`, `eu-strip -f`). It cannot be run or loaded (the kernel refuses an empty "
    "PT_INTERP, a static one crashes on its empty code, glibc's dlopen finds no dynamic section), so it is not "
    "judged: the program or library it was split from is"
)


def holds_no_code(segments: Sequence[Segment]) -> bool:
    """Whether the executable PT_LOAD segments (there is at least one) all have p_filesz 0: the section contents
    were dropped and the headers kept, so nothing of the program is in the file. A data-only library has no
    executable segment and is not one of these."""
    code = [seg.filesz for seg in segments if seg.type == PT_LOAD and seg.flags & PF_X]
    return bool(code) and not any(code)


def linkage_facts(image: ElfImage) -> ElfFacts:
    """What one image's headers and dynamic segment say (no packing, no toolchain evidence)."""
    if image.type in ("EXEC", "DYN") and holds_no_code(image.segments):
        # Its PT_INTERP and PT_DYNAMIC hold no bytes either: nothing to link, nothing to judge.
        image.warnings.append(NO_CODE)
        return ElfFacts(
            machine=image.machine,
            bits=image.bits,
            endian=image.endian,
            type=image.type,
            linkage=OBJECT,
            has_section_headers=image.has_section_headers,
        )
    interpreter = image.interpreter()
    info = image.dynamic_info()
    needed: List[str] = []
    soname = None
    rpath: Tuple[str, ...] = ()
    runpath: Tuple[str, ...] = ()
    pie = False
    version_needs: List[VersionNeed] = []
    if info is not None:
        needed = [image.dynamic_string(info, v, "DT_NEEDED") for v in info.all(DT_NEEDED)]
        soname_at = info.first(DT_SONAME)
        soname = image.dynamic_string(info, soname_at, "DT_SONAME") if soname_at is not None else None
        rpath = tuple(image.dynamic_string(info, v, "DT_RPATH") for v in info.all(DT_RPATH))
        runpath = tuple(image.dynamic_string(info, v, "DT_RUNPATH") for v in info.all(DT_RUNPATH))
        pie = bool((info.first(DT_FLAGS_1) or 0) & DF_1_PIE)
        try:
            version_needs = image.version_needs(info)
        except (Corrupt, struct.error, IndexError, ValueError, OverflowError) as exc:
            image.warnings.append(f"symbol-version tables unreadable: {describe(exc)}")
    return ElfFacts(
        machine=image.machine,
        bits=image.bits,
        endian=image.endian,
        type=image.type,
        linkage=classify(image.type, interpreter, needed, pie, soname, has_dynamic=info is not None),
        interpreter=interpreter,
        needed=tuple(needed),
        soname=soname,
        rpath=rpath,
        runpath=runpath,
        pie=pie,
        version_needs=tuple(version_needs),
        max_versions=versions.max_versions(n.version for n in version_needs),
        has_section_headers=image.has_section_headers,
    )


def library_facts(image: ElfImage) -> LibraryFacts:
    """What a loader reads of an object it maps (a target's library, a bundled one): names, needs, versions."""
    info = image.dynamic_info()
    if info is None:
        return LibraryFacts(machine=image.machine, bits=image.bits)
    text = image.dynamic_string
    return LibraryFacts(
        machine=image.machine,
        bits=image.bits,
        soname=text(info, info.first(DT_SONAME) or 0, "DT_SONAME") if info.first(DT_SONAME) is not None else None,
        needed=tuple(text(info, v, "DT_NEEDED") for v in info.all(DT_NEEDED)),
        rpath=tuple(text(info, v, "DT_RPATH") for v in info.all(DT_RPATH)),
        runpath=tuple(text(info, v, "DT_RUNPATH") for v in info.all(DT_RUNPATH)),
        nodeflib=bool((info.first(DT_FLAGS_1) or 0) & DF_1_NODEFLIB),
        version_needs=tuple(image.version_needs(info)),
        version_defs=tuple(image.version_definitions(info)),
    )
