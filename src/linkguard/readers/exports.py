"""Host entry points: the exported symbols that name the program which loads a plugin.

A CPython extension module exports `PyInit_<name>` (PEP 489; the import system calls it), a Node.js addon exports
`napi_register_module_v1` (Node-API, `NAPI_MODULE_INIT`) or `node_register_module_v<ABI>` (a context-aware addon,
`NODE_MODULE_INIT`). These names are read from what the loader itself sees as exported:

- ELF: defined global/weak symbols of the dynamic symbol table (DT_SYMTAB/DT_STRTAB, counted through DT_HASH or
  DT_GNU_HASH: sections may be stripped), the symbols `nm -D --defined-only` lists;
- PE: the export name table of the export directory (`llvm-readobj --coff-exports`);
- Mach-O: the export trie (LC_DYLD_EXPORTS_TRIE, LC_DYLD_INFO(_ONLY)), else the external defined symbols of
  LC_SYMTAB (`llvm-objdump --macho --exports-trie`, `llvm-nm -g --defined-only`). Mach-O names keep the C
  underscore the format adds (`_PyInit_x`), as the tools print them.

Cheap by design: one `bytes.find` per prefix over the string table rules out nearly every file before a single
symbol is decoded (only extension modules and addons carry these strings at all). The reader never judges what
the names mean: packages/hosts.py does.
"""

from __future__ import annotations

import struct
from typing import Callable, List, Optional, Sequence, Set, Tuple

from linkguard.model import HOST_ENTRIES, HOST_IMPORTS

# The exported names that identify a host (model.HOST_ENTRIES), without the Mach-O underscore, as bytes.
HOST_ENTRY_PREFIXES = tuple(prefix.encode() for _host, prefix in HOST_ENTRIES)
HOST_IMPORT_PREFIXES = tuple(prefix.encode() for _host, prefix in HOST_IMPORTS)
MAX_HOST_ENTRIES = 16  # a module exports one; a few modules in one file is rare; more is kept out of the report
MAX_STRING_TABLE = 64 << 20  # a larger string table is not searched (no extension module comes near it)
MAX_EXPORT_NAMES = 1 << 16
MAX_TRIE_NODES = 1 << 14

ReadAt = Callable[[int, int], bytes]


def _mentions_entry(strings: bytes) -> bool:
    return any(strings.find(p) >= 0 for p in HOST_ENTRY_PREFIXES)


def _name_starts(strings: bytes, prefixes: Tuple[bytes, ...] = HOST_ENTRY_PREFIXES) -> Set[int]:
    """Offsets in a NUL-separated string table where a host-entry name (or its `_` form) begins."""
    starts: Set[int] = set()
    for prefix in prefixes:
        at = strings.find(prefix)
        while at >= 0:
            if at == 0 or strings[at - 1] == 0:
                starts.add(at)
            elif strings[at - 1] == 0x5F and (at == 1 or strings[at - 2] == 0):  # "_PyInit_x" (Mach-O)
                starts.add(at - 1)
            at = strings.find(prefix, at + 1)
    return starts


def _cstr(strings: bytes, start: int) -> str:
    end = strings.find(b"\0", start)
    return strings[start : end if end >= 0 else len(strings)].decode("utf-8", "replace")


def _bounded(names: Sequence[str]) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(names))[:MAX_HOST_ENTRIES]


# ------------------------------------------------------------------------------------------------- ELF


def elf_host_entries(
    read_at: ReadAt,
    order: str,
    bits: int,
    strtab: Optional[Tuple[int, int]],
    symtab_offset: Optional[int],
    symbol_count: int,
) -> Tuple[str, ...]:
    """Defined global or weak symbols of the dynamic symbol table whose names are host entries.

    `strtab` is (offset, size) of DT_STRTAB and `symtab_offset`/`symbol_count` locate DT_SYMTAB, as
    readers/elf.py's DynamicInfo has them; nothing else of the file is read unless the string table names one.
    """
    return _elf_symbols(read_at, order, bits, strtab, symtab_offset, symbol_count, HOST_ENTRY_PREFIXES, True)


def elf_host_imports(
    read_at: ReadAt,
    order: str,
    bits: int,
    strtab: Optional[Tuple[int, int]],
    symtab_offset: Optional[int],
    symbol_count: int,
) -> Tuple[str, ...]:
    """Undefined global or weak symbols of the dynamic symbol table that only a host defines (`napi_*`, Node's
    `node_module_register`): what an addon that registers itself from a constructor (`napi_module_register`,
    node-addon-api's NODE_API_MODULE before Node-API 1's NAPI_MODULE_INIT) imports instead of exporting an entry
    (`nm -D --undefined-only`). Same cost as the exports: one `bytes.find` per prefix over the string table."""
    return _elf_symbols(read_at, order, bits, strtab, symtab_offset, symbol_count, HOST_IMPORT_PREFIXES, False)


def _elf_symbols(
    read_at: ReadAt,
    order: str,
    bits: int,
    strtab: Optional[Tuple[int, int]],
    symtab_offset: Optional[int],
    symbol_count: int,
    prefixes: Tuple[bytes, ...],
    defined: bool,
) -> Tuple[str, ...]:
    if strtab is None or symtab_offset is None or not symbol_count or strtab[1] > MAX_STRING_TABLE:
        return ()
    strings = read_at(strtab[0], strtab[1])
    if not any(strings.find(p) >= 0 for p in prefixes):
        return ()
    starts = _name_starts(strings, prefixes)
    if not starts:
        return ()
    entsize = 24 if bits == 64 else 16
    # Elf64_Sym {u32 name, u8 info, u8 other, u16 shndx, u64 value, u64 size}; Elf32_Sym {u32 name, u32 value,
    # u32 size, u8 info, u8 other, u16 shndx}.
    fmt = order + ("IBBHQQ" if bits == 64 else "IIIBBH")
    info_at, shndx_at = (1, 3) if bits == 64 else (3, 5)
    table = read_at(symtab_offset, symbol_count * entsize)
    found: List[str] = []
    for fields in struct.iter_unpack(fmt, table[: len(table) // entsize * entsize]):
        if fields[0] not in starts or (fields[shndx_at] != 0) != defined:  # SHN_UNDEF: imported, not exported
            continue
        if fields[info_at] >> 4 not in (1, 2):  # STB_GLOBAL, STB_WEAK
            continue
        found.append(_cstr(strings, fields[0]))
    return _bounded(found)


# -------------------------------------------------------------------------------------------------- PE


def pe_host_entries(at_rva: Callable[[int, int], bytes], export_rva: int, export_size: int) -> Tuple[str, ...]:
    """Names of the export name table (IMAGE_EXPORT_DIRECTORY.AddressOfNames) that are host entries.

    The names live inside the export directory's range with every linker we know (MSVC link, lld, ld), so that
    range is read once and searched; a name pointing outside it is read on its own.
    """
    if export_rva == 0 or export_size < 40 or export_size > MAX_STRING_TABLE:
        return ()
    blob = at_rva(export_rva, export_size)
    # IMAGE_EXPORT_DIRECTORY: NumberOfNames at 24, AddressOfNames at 32
    (count,), (names_rva,) = struct.unpack_from("<I", blob, 24), struct.unpack_from("<I", blob, 32)
    count = min(count, MAX_EXPORT_NAMES)
    if count == 0 or names_rva == 0:
        return ()
    if export_rva <= names_rva and names_rva + 4 * count <= export_rva + len(blob):
        pointers = struct.unpack_from(f"<{count}I", blob, names_rva - export_rva)
    else:
        pointers = struct.unpack(f"<{count}I", at_rva(names_rva, 4 * count))
    within = all(export_rva <= p < export_rva + len(blob) for p in pointers)
    if within and not _mentions_entry(blob):
        return ()  # every name is in the range read, and it names no host entry
    found: List[str] = []
    for pointer in pointers:
        if export_rva <= pointer < export_rva + len(blob):
            raw, start = blob, pointer - export_rva
        else:
            raw, start = at_rva(pointer, 256), 0
        if any(raw.startswith(p, start) for p in HOST_ENTRY_PREFIXES):
            found.append(_cstr(raw, start))
            if len(found) >= MAX_HOST_ENTRIES:
                break
    return _bounded(found)


# ---------------------------------------------------------------------------------------------- Mach-O

N_STAB, N_TYPE, N_EXT, N_UNDF, N_SECT = 0xE0, 0x0E, 0x01, 0x00, 0x0E


def macho_trie_entries(trie: bytes) -> Tuple[str, ...]:
    """Host entries of a Mach-O export trie, walking only the edges that can still lead to one."""
    wanted = tuple(b"_" + p for p in HOST_ENTRY_PREFIXES)
    found: List[str] = []
    seen: Set[int] = set()
    stack: List[Tuple[int, bytes]] = [(0, b"")]
    while stack and len(seen) < MAX_TRIE_NODES:
        offset, prefix = stack.pop()
        if offset in seen or offset >= len(trie):
            continue
        seen.add(offset)
        terminal, pos = _uleb(trie, offset)
        if terminal and any(prefix.startswith(w) for w in wanted):
            found.append(prefix.decode("utf-8", "replace"))
        pos += terminal
        if pos >= len(trie):
            continue
        children = trie[pos]
        pos += 1
        for _ in range(children):
            end = trie.find(b"\0", pos)
            if end < 0:
                break
            edge = prefix + trie[pos:end]
            child, pos = _uleb(trie, end + 1)
            if any(w.startswith(edge) or edge.startswith(w) for w in wanted):
                stack.append((child, edge))
    return _bounded(sorted(found))


def _uleb(data: bytes, pos: int) -> Tuple[int, int]:
    value = shift = 0
    while pos < len(data):
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80 or shift > 63:
            break
    return value, pos


def macho_symtab_entries(read_at: ReadAt, order: str, bits: int, symtab: Tuple[int, int, int, int]) -> Tuple[str, ...]:
    """Host entries among the external defined symbols of LC_SYMTAB (symoff, nsyms, stroff, strsize)."""
    return _macho_symbols(read_at, order, bits, symtab, HOST_ENTRY_PREFIXES, N_SECT)


def macho_symtab_imports(read_at: ReadAt, order: str, bits: int, symtab: Tuple[int, int, int, int]) -> Tuple[str, ...]:
    """External undefined symbols of LC_SYMTAB that only a host defines (`_napi_*`, `_node_module_register`):
    what a macOS addon that registers itself from a constructor imports instead of exporting an entry. node-gyp
    links addons with `-undefined dynamic_lookup`, so dyld looks them up in the process (library ordinal
    DYNAMIC_LOOKUP_ORDINAL, `flat-namespace` in `llvm-objdump --macho --lazy-bind`); `llvm-nm -u` lists them.
    The symbol table stays in a stripped file: its indirect symbol table and the binds point into it."""
    return _macho_symbols(read_at, order, bits, symtab, HOST_IMPORT_PREFIXES, N_UNDF)


def _macho_symbols(
    read_at: ReadAt,
    order: str,
    bits: int,
    symtab: Tuple[int, int, int, int],
    prefixes: Tuple[bytes, ...],
    kind: int,
) -> Tuple[str, ...]:
    symoff, nsyms, stroff, strsize = symtab
    if not nsyms or not strsize or strsize > MAX_STRING_TABLE:
        return ()
    strings = read_at(stroff, strsize)
    starts = _name_starts(strings, prefixes) if any(strings.find(p) >= 0 for p in prefixes) else set()
    if not starts:
        return ()
    # nlist_64 {u32 strx, u8 type, u8 sect, u16 desc, u64 value}; nlist {u32, u8, u8, i16, u32}
    fmt = order + ("IBBHQ" if bits == 64 else "IBBHI")
    size = struct.calcsize(fmt)
    table = read_at(symoff, min(nsyms, 1 << 22) * size)
    found = [
        _cstr(strings, strx)
        for strx, ntype, _sect, _desc, _value in struct.iter_unpack(fmt, table[: len(table) // size * size])
        if strx in starts and not ntype & N_STAB and ntype & N_EXT and ntype & N_TYPE == kind
    ]
    # A Mach-O name carries the C underscore; an import must have it (`_name_starts` also accepts a bare one).
    return _bounded([name for name in found if kind == N_SECT or name.startswith("_")])
