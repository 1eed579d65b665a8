"""ELF facts from program headers and the dynamic segment: the one place that builds a pyelftools ELFFile.

Everything is read through the dynamic segment and the tables it points to (DT_STRTAB, DT_SYMTAB, DT_VERNEED,
DT_VERSYM, DT_HASH/DT_GNU_HASH), so files without section headers (sstrip output, originals rebuilt from packed
files) give the same answers. Only the bytes an answer needs are read, each read charged to the artifact's Budget.
"""

from __future__ import annotations

import io
import struct
from dataclasses import replace
from typing import IO, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple, cast

from elftools.common.exceptions import ELFError, ELFParseError
from elftools.elf import elffile as _elffile
from elftools.elf.elffile import ELFFile
from elftools.elf.structs import ELFStructs

from linkguard.model import (
    DYNAMIC,
    OBJECT,
    SHARED_LIBRARY,
    STATIC,
    STATIC_PIE,
    ElfFacts,
    Packing,
    Toolchain,
    VersionNeed,
)
from linkguard.readers import symvers
from linkguard.readers.budget import Budget, BudgetedStream, BudgetExceeded
from linkguard.readers.image import PT_DYNAMIC, PT_INTERP, PT_LOAD, Section, Segment

# Exceptions pyelftools and struct raise on hostile input besides its own (pyelftools issues #612, #467).
PARSE_ERRORS = (
    ELFError,
    ELFParseError,
    struct.error,
    AssertionError,
    OverflowError,
    UnicodeDecodeError,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    AttributeError,
    RecursionError,
)

MACHINES = {
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

DT_NULL, DT_NEEDED, DT_HASH, DT_STRTAB, DT_SYMTAB = 0, 1, 4, 5, 6
DT_STRSZ, DT_SYMENT, DT_SONAME, DT_RPATH = 10, 11, 14, 15
DT_RUNPATH, DT_FLAGS_1 = 29, 0x6FFFFFFB
DT_GNU_HASH, DT_VERSYM, DT_VERNEED, DT_VERNEEDNUM = 0x6FFFFEF5, 0x6FFFFFF0, 0x6FFFFFFE, 0x6FFFFFFF
DF_1_PIE = 0x08000000
VER_FLG_WEAK = 0x2
SHN_UNDEF = 0

MAX_DYNAMIC_ENTRIES = 1 << 16
MAX_STRING = 4096
MAX_SYMBOLS = 1 << 20
MAX_VERNEED = 4096
VERNEED_WINDOW = 4096


class _CachedStructs(ELFStructs):
    """ELFStructs whose construct parsers are built once per (byte order, class, type, machine, OS ABI).

    Building them was most of the cost of opening a small ELF file; the parsers are stateless, so files with the
    same key share them. ELFFile looks `ELFStructs` up in its module, which is where this class is installed.
    """

    _made: Dict[Tuple[object, ...], Dict[str, object]] = {}

    def create_basic_structs(self) -> None:
        self._cached(("basic", self.little_endian, self.elfclass), super().create_basic_structs)

    def create_advanced_structs(
        self, e_type: Optional[str] = None, e_machine: Optional[str] = None, e_ident_osabi: Optional[str] = None
    ) -> None:
        key = ("advanced", self.little_endian, self.elfclass, e_type, e_machine, e_ident_osabi)
        self._cached(key, lambda: super(_CachedStructs, self).create_advanced_structs(e_type, e_machine, e_ident_osabi))

    def _cached(self, key: Tuple[object, ...], build: Callable[[], None]) -> None:
        made = self._made.get(key)
        if made is None:
            build()
            if len(self._made) < 256:
                self._made[key] = dict(self.__dict__)
        else:
            self.__dict__.update(made)


_elffile.ELFStructs = _CachedStructs  # type: ignore[misc]


class NotElf(Exception):
    """The stream does not start with the ELF magic."""


class Corrupt(Exception):
    """A precise reason why the facts cannot be established; becomes an `unreadable` result."""


class ElfImage:
    """An ELF image opened with pyelftools, with budgeted reads; implements inspect.image.ImageView."""

    def __init__(self, stream: IO[bytes], size: int, budget: Budget) -> None:
        self.size = size
        self.budget = budget
        self._stream = BudgetedStream(stream, size, budget)
        self._io = cast(IO[bytes], self._stream)  # the file-like type pyelftools is annotated with
        self.warnings: List[str] = []
        try:
            self.elf = ELFFile(self._io)
        except PARSE_ERRORS as exc:
            raise Corrupt(f"ELF header unreadable: {describe(exc)}") from exc
        hdr = self.elf.header
        self.bits = self.elf.elfclass
        self.endian = "little" if self.elf.little_endian else "big"
        self.machine = MACHINES.get(str(hdr["e_machine"]), str(hdr["e_machine"]).replace("EM_", "").lower())
        self.type = str(hdr["e_type"]).replace("ET_", "")
        self._sfmt = "<" if self.elf.little_endian else ">"
        self.segments: Sequence[Segment] = self._read_segments()
        self._sections: Optional[List[Section]] = None
        self._section_links: List[int] = []

    # ------------------------------------------------------------------ headers

    def _read_segments(self) -> List[Segment]:
        hdr = self.elf.header
        phnum = hdr["e_phnum"]
        phoff = hdr["e_phoff"]
        entsize = hdr["e_phentsize"]
        if phnum == 0:
            return []
        if phnum == 0xFFFF:
            raise Corrupt("e_phnum is PN_XNUM (65535): extended program header counts are not supported")
        need = self.elf.structs.Elf_Phdr.sizeof()
        if entsize < need:
            raise Corrupt(f"e_phentsize {entsize} is smaller than a program header ({need} bytes)")
        end = phoff + phnum * entsize
        if end > self.size:
            raise Corrupt(
                f"truncated: {phnum} program headers at offset {phoff:#x} end at {end:#x}, past the end of the "
                f"file ({self.size} bytes)"
            )
        # One read and struct unpacking: pyelftools' per-header parse dominated the cost of small files.
        table = self.read(phoff, phnum * entsize)
        if len(table) < phnum * entsize:
            raise Corrupt(f"truncated: program headers at offset {phoff:#x} end past the end of the file")
        layout = _PHDR64 if self.bits == 64 else _PHDR32
        unpack = struct.Struct(self._sfmt + layout).unpack_from
        segments = []
        for i in range(phnum):
            fields = unpack(table, i * entsize)
            if self.bits == 64:
                ptype, flags, offset, vaddr, _paddr, filesz, memsz, _align = fields
            else:
                ptype, offset, vaddr, _paddr, filesz, memsz, flags, _align = fields
            segments.append(Segment(type=ptype, flags=flags, offset=offset, vaddr=vaddr, filesz=filesz, memsz=memsz))
        return segments

    @property
    def has_section_headers(self) -> bool:
        return bool(self.elf.header["e_shoff"]) and bool(self.elf.header["e_shnum"])

    @property
    def sections(self) -> Sequence[Section]:
        if self._sections is None:
            self._sections = self._read_sections()
        return self._sections

    def _read_sections(self) -> List[Section]:
        if not self.has_section_headers:
            return []
        hdr = self.elf.header
        if hdr["e_shoff"] + hdr["e_shnum"] * hdr["e_shentsize"] > self.size:
            self.warnings.append("section headers lie past the end of the file; ignored")
            return []
        # Read the whole table and the section-name table once, with struct; no pyelftools Section objects.
        shoff, shnum, entsize = hdr["e_shoff"], hdr["e_shnum"], hdr["e_shentsize"]
        layout = _SHDR64 if self.bits == 64 else _SHDR32
        record = struct.Struct(self._sfmt + layout)
        if entsize < record.size:
            self.warnings.append(f"e_shentsize {entsize} is smaller than a section header; section headers ignored")
            return []
        table = self.read(shoff, shnum * entsize)
        rows = [record.unpack_from(table, i * entsize) for i in range(len(table) // entsize)]
        shstrndx = hdr["e_shstrndx"]
        if shstrndx == 0xFFFF and rows:  # SHN_XINDEX: the real index is in section 0's sh_link
            shstrndx = rows[0][6]
        names = b""
        if 0 < shstrndx < len(rows):
            names = self.read(rows[shstrndx][4], min(rows[shstrndx][5], 1 << 20))
        found = []
        self._section_links = []
        for name_at, sh_type, _flags, addr, offset, size, link, *_rest in rows:
            end = names.find(b"\0", name_at)
            name = (
                names[name_at : end if end >= 0 else len(names)].decode("utf-8", "replace")
                if name_at < len(names)
                else ""
            )
            found.append(Section(name=name, type=sh_type, offset=offset, addr=addr, size=size))
            self._section_links.append(link)
        self.budget.check_time()
        return found

    def section(self, name: str) -> Optional[Section]:
        for sec in self.sections:
            if sec.name == name:
                return sec
        return None

    # ------------------------------------------------------------------ reads

    def read(self, offset: int, size: int) -> bytes:
        if offset < 0 or size <= 0 or offset >= self.size:
            return b""
        self._stream.seek(offset)
        return self._stream.read(size)

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

    def defined_symbols(self) -> Iterator[Tuple[str, str]]:
        """Defined symbols of .symtab and .dynsym (sections), else of DT_SYMTAB; bounded by MAX_SYMBOLS."""
        tables = [s for s in self.sections if s.type in (2, 11)]  # SHT_SYMTAB, SHT_DYNSYM
        entsize = self.elf.structs.Elf_Sym.sizeof()
        for table in tables:
            strtab = self._linked_strtab(table)
            if strtab is None:
                continue
            count = min(table.size // entsize, MAX_SYMBOLS)
            for name, shndx in self._iter_symbols(table.offset, count, strtab):
                if shndx != SHN_UNDEF and name:
                    yield name, table.name
        if not tables:
            dyn = self.dynamic_info()
            if dyn is not None and dyn.symtab_offset is not None and dyn.strtab is not None:
                for name, shndx in self._iter_symbols(dyn.symtab_offset, dyn.symbol_count, dyn.strtab):
                    if shndx != SHN_UNDEF and name:
                        yield name, "DT_SYMTAB"

    def _linked_strtab(self, table: Section) -> Optional[Tuple[int, int]]:
        sections = self.sections
        link = self._section_links[sections.index(table)]
        if not 0 < link < len(sections):
            return None
        return sections[link].offset, sections[link].size

    def _iter_symbols(self, offset: int, count: int, strtab: Tuple[int, int]) -> Iterator[Tuple[str, int]]:
        """(name, st_shndx) for `count` symbols at `offset`, read in bulk."""
        names = _StringReader(self, strtab[0], strtab[1])
        for name_at, shndx in self._iter_symbol_fields(offset, count):
            yield names.get(name_at), shndx

    def _iter_symbol_fields(self, offset: int, count: int) -> Iterator[Tuple[int, int]]:
        """(st_name, st_shndx) for `count` symbols at `offset`, read in bulk; names are resolved by the caller."""
        entsize = self.elf.structs.Elf_Sym.sizeof()
        if self.bits == 64:
            fmt, name_at, shndx_at = self._sfmt + "IBBHQQ", 0, 3
        else:
            fmt, name_at, shndx_at = self._sfmt + "IIIBBH", 0, 5
        chunk = 4096
        for start in range(0, count, chunk):
            n = min(chunk, count - start)
            data = self.read(offset + start * entsize, n * entsize)
            usable = len(data) // entsize
            for fields in struct.iter_unpack(fmt, data[: usable * entsize]):
                yield fields[name_at], fields[shndx_at]
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

    _dynamic: Optional[DynamicInfo] = None
    _dynamic_done = False

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
        fmt = self._sfmt + ("qQ" if self.bits == 64 else "iI")
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
        offset, size = info.strtab
        if index >= size:
            raise Corrupt(f"{what} string offset {index:#x} lies outside the dynamic string table ({size} bytes)")
        if info.strings is None:
            info.strings = _StringReader(self, offset, size)
        return info.strings.get(index)

    def _symbol_count(self, info: DynamicInfo) -> int:
        """Number of dynamic symbols, from the hash tables (sections may be absent)."""
        entsize = self.elf.structs.Elf_Sym.sizeof()
        assert info.symtab_offset is not None
        limit = min(MAX_SYMBOLS, max(0, (self.size - info.symtab_offset) // entsize))
        gnu_hash = info.first(DT_GNU_HASH)
        if gnu_hash is not None:
            count = self._gnu_hash_count(gnu_hash)
            if count is not None:
                return min(count, limit)
        sysv_hash = info.first(DT_HASH)
        if sysv_hash is not None:
            head = self.read_vaddr(sysv_hash, 8)
            if head is not None and len(head) == 8:
                nchain: int = struct.unpack(self._sfmt + "II", head)[1]
                return min(nchain, limit)
        # No usable hash table: the dynamic string table conventionally follows the symbol table.
        if info.strtab is not None and info.strtab[0] > info.symtab_offset:
            return min((info.strtab[0] - info.symtab_offset) // entsize, limit)
        self.warnings.append("dynamic symbol count unknown (no DT_HASH/DT_GNU_HASH); symbol names not read")
        return 0

    def _gnu_hash_count(self, vaddr: int) -> Optional[int]:
        head = self.read_vaddr(vaddr, 16)
        if head is None or len(head) < 16:
            return None
        nbuckets, symoffset, bloom_size, _shift = struct.unpack(self._sfmt + "IIII", head)
        if nbuckets == 0 or nbuckets > MAX_SYMBOLS or bloom_size > MAX_SYMBOLS:
            return None
        word = self.bits // 8
        buckets_at = vaddr + 16 + bloom_size * word
        raw = self.read_vaddr(buckets_at, nbuckets * 4)
        if raw is None or len(raw) < nbuckets * 4:
            return None
        top: int = max(struct.unpack(f"{self._sfmt}{nbuckets}I", raw))
        if top < symoffset:
            return int(symoffset)
        chains_at = buckets_at + nbuckets * 4
        index = top
        while index - symoffset < MAX_SYMBOLS:
            entry = self.read_vaddr(chains_at + (index - symoffset) * 4, 4)
            if entry is None or len(entry) < 4:
                return None
            if struct.unpack(self._sfmt + "I", entry)[0] & 1:
                return index + 1
            index += 1
            if index % 4096 == 0:
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
        vn_fmt, aux_fmt = struct.Struct(self._sfmt + "HHIII"), struct.Struct(self._sfmt + "IHHII")
        window = _Window(self, offset, VERNEED_WINDOW)
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

    def _version_users(
        self, info: DynamicInfo, by_index: Dict[int, Tuple[str, str, bool]]
    ) -> Dict[Tuple[str, str], Set[str]]:
        users: Dict[Tuple[str, str], Set[str]] = {}
        versym = info.first(DT_VERSYM)
        if versym is None or info.symtab_offset is None or info.strtab is None or not by_index:
            return users
        versym_at = self.vaddr_to_offset(versym)
        count = info.symbol_count
        if versym_at is None or count == 0:
            return users
        raw = self.read(versym_at, count * 2)
        indices = struct.unpack(f"{self._sfmt}{len(raw) // 2}H", raw[: (len(raw) // 2) * 2])
        wanted = {i for i, ndx in enumerate(indices) if (ndx & 0x7FFF) in by_index}
        if not wanted:
            return users
        names = info.strings or _StringReader(self, info.strtab[0], info.strtab[1])
        entsize = self.elf.structs.Elf_Sym.sizeof()
        # st_name is the first word in both classes; st_shndx follows name/info/other at 6 in Elf64_Sym, and
        # name/value/size/info/other at 14 in Elf32_Sym.
        shndx_at = 6 if self.bits == 64 else 14
        name_fmt, shndx_fmt = struct.Struct(self._sfmt + "I"), struct.Struct(self._sfmt + "H")
        table = self.read(info.symtab_offset, (max(wanted) + 1) * entsize)
        for i in sorted(wanted):
            at = i * entsize
            if at + entsize > len(table):
                break
            if shndx_fmt.unpack_from(table, at + shndx_at)[0] != SHN_UNDEF:
                continue
            name = names.get(name_fmt.unpack_from(table, at)[0])
            if name:
                lib, ver, _weak = by_index[indices[i] & 0x7FFF]
                users.setdefault((lib, ver), set()).add(name)
        return users


class _Window:
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
        self.strtab: Optional[Tuple[int, int]] = None  # (offset, size)
        self.symtab_offset: Optional[int] = None
        self.symbol_count = 0
        self.strings: Optional[_StringReader] = None  # the DT_STRTAB reader, shared by every lookup

    def first(self, tag: int) -> Optional[int]:
        for t, v in self.tags:
            if t == tag:
                return v
        return None

    def all(self, tag: int) -> List[int]:
        return [v for t, v in self.tags if t == tag]


class _StringReader:
    """NUL-terminated strings from a string table, read in blocks and cached."""

    def __init__(self, image: ElfImage, offset: int, size: int) -> None:
        self._image = image
        self._offset = offset
        self._size = size
        self._blocks: Dict[int, bytes] = {}
        self._whole: Optional[bytes] = None

    def get(self, index: int) -> str:
        if index >= self._size:
            return ""
        if self._size <= _WHOLE_STRTAB:
            # Small tables (nearly all) are read once and sliced: a per-name block walk cost more than the parse.
            if self._whole is None:
                self._whole = self._image.read(self._offset, self._size)
            end = self._whole.find(b"\0", index, index + MAX_STRING)
            return self._whole[index : end if end >= 0 else index + MAX_STRING].decode("utf-8", "replace")
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


_WHOLE_STRTAB = 4 << 20
# struct layouts (after the byte-order prefix) of Elf64_Phdr / Elf32_Phdr and Elf64_Shdr / Elf32_Shdr.
_PHDR64, _PHDR32 = "IIQQQQQQ", "IIIIIIII"
_SHDR64, _SHDR32 = "IIQQQQIIQQ", "IIIIIIIIII"

_PT_BY_NAME = {
    "PT_NULL": 0,
    "PT_LOAD": 1,
    "PT_DYNAMIC": 2,
    "PT_INTERP": 3,
    "PT_NOTE": 4,
    "PT_SHLIB": 5,
    "PT_PHDR": 6,
    "PT_TLS": 7,
    "PT_GNU_EH_FRAME": 0x6474E550,
    "PT_GNU_STACK": 0x6474E551,
    "PT_GNU_RELRO": 0x6474E552,
    "PT_GNU_PROPERTY": 0x6474E553,
}

_SHT_BY_NAME = {"SHT_SYMTAB": 2, "SHT_STRTAB": 3, "SHT_DYNAMIC": 6, "SHT_NOTE": 7, "SHT_DYNSYM": 11}


def _sh_type(value: object) -> int:
    if isinstance(value, int):
        return value
    return _SHT_BY_NAME.get(str(value), -1)


def describe(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text if len(text) < 200 else text[:197] + "..."


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


def read_facts(image: ElfImage) -> ElfFacts:
    """Facts about one image (no packing, no toolchain)."""
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
        except (Corrupt, *PARSE_ERRORS) as exc:
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
        max_versions=symvers.max_versions(n.version for n in version_needs),
        has_section_headers=image.has_section_headers,
    )


def inspect_stream(stream: IO[bytes], size: int, budget: Budget, *, see_through: bool = True) -> ElfFacts:
    """All facts about one ELF stream: headers, dynamic linking, packing (and the original behind it), toolchain.

    Raises Corrupt (or one of PARSE_ERRORS, BudgetExceeded) when the linkage cannot be established.
    """
    image = ElfImage(stream, size, budget)
    try:
        facts = read_facts(image)
    except PARSE_ERRORS as exc:
        raise Corrupt(f"dynamic segment unreadable: {describe(exc)}") from exc
    packing = _packing(stream, size, budget) if see_through else None
    if packing is not None:
        # The wrapper's own toolchain evidence is the packer's stub; the original carries the real evidence.
        return replace(facts, packing=packing, warnings=tuple(image.warnings))
    toolchain = _toolchain(image, facts)
    return replace(facts, toolchain=toolchain, warnings=tuple(image.warnings))


def _packing(stream: IO[bytes], size: int, budget: Budget) -> Optional[Packing]:
    from linkguard.readers import upx

    result = upx.examine(stream, size, budget)
    if result is None:
        return None
    packing: Packing = result.packing
    if result.original_image is None:
        return packing
    try:
        original = inspect_stream(
            io.BytesIO(result.original_image), len(result.original_image), budget, see_through=False
        )
    except BudgetExceeded:
        raise
    except (Corrupt, *PARSE_ERRORS) as exc:
        return replace(packing, see_through_error=f"original program unreadable: {describe(exc)}")
    return replace(packing, original=original)


def _toolchain(image: ElfImage, facts: ElfFacts) -> Optional[Toolchain]:
    from linkguard.readers import toolchain

    try:
        return toolchain.examine_toolchain(image, facts.linkage, facts.interpreter)
    except BudgetExceeded:
        raise
    except PARSE_ERRORS as exc:
        image.warnings.append(f"toolchain evidence unreadable: {describe(exc)}")
        return None
