"""glibc's /etc/ld.so.cache, read as ld.so reads it (sysdeps/generic/dl-cache.h, elf/dl-cache.c).

Two layouts exist. The old one (`ld.so-1.7.0`, 12-byte entries, strings after the entry array) was written
alone or followed by the new one ("compat") until glibc 2.32; the new one (`glibc-ld.so.cache1.1`, 24-byte
entries with a hwcap word, strings addressed from the new header) is all ldconfig writes since. ld.so prefers
the new layout wherever it is present. Each entry maps a soname to a path and carries flags: the low byte is
the object kind (3 = ELF for glibc 2), the next byte the ABI/architecture; ld.so takes only entries whose flags
are its own.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

OLD_MAGIC = b"ld.so-1.7.0"
NEW_MAGIC = b"glibc-ld.so.cache1.1"
FLAG_ELF_LIBC6 = 0x0003
FLAG_TYPE_MASK = 0x00FF
FLAG_ARCH_MASK = 0xFF00
# The architecture byte ld.so accepts, by machine and class (dl-cache.h's FLAG_* and each port's
# _DL_CACHE_DEFAULT_ID): 0 where the port adds none (i386, 32-bit Arm soft-float, ...).
ARCH_FLAGS: Dict[Tuple[str, int], int] = {
    ("x86_64", 64): 0x0300,  # FLAG_X8664_LIB64
    ("x86_64", 32): 0x0800,  # FLAG_X8664_LIBX32
    ("i386", 32): 0x0000,
    ("aarch64", 64): 0x0A00,  # FLAG_AARCH64_LIB64
    ("arm", 32): 0x0900,  # FLAG_ARM_LIBHF (Debian's armhf; armel has 0)
    ("ppc64", 64): 0x0500,  # FLAG_POWERPC_LIB64
    ("s390", 64): 0x0400,  # FLAG_S390_LIB64
    ("riscv", 64): 0x1000,  # FLAG_RISCV_FLOAT_ABI_DOUBLE | 64-bit
}
_OLD_ENTRY = struct.Struct("<iII")
_NEW_HEADER = struct.Struct("<20sIIB3sI12s")
_NEW_ENTRY = struct.Struct("<iIIIQ")


class CacheError(ValueError):
    """The file is not an ld.so.cache ld.so could use (it then searches the default directories only)."""


@dataclass(frozen=True)
class CacheEntry:
    soname: str
    path: str
    flags: int
    hwcap: int = 0


def parse(data: bytes) -> List[CacheEntry]:
    """Every entry of a cache file, from the layout ld.so would use, in file order (ld.so searches in order)."""
    if data.startswith(NEW_MAGIC):
        return _parse_new(data, 0)
    if data.startswith(OLD_MAGIC):
        (count,) = struct.unpack_from("<I", data, 12)
        entries_at = 16
        strings_at = entries_at + count * _OLD_ENTRY.size
        if strings_at > len(data):
            raise CacheError("old-format ld.so.cache: the entry table runs past the end of the file")
        # A compat file has the new layout after the old one, 8-byte aligned: ld.so reads that one.
        new_at = data.find(NEW_MAGIC, strings_at)
        if new_at >= 0:
            return _parse_new(data, new_at)
        out = []
        for index in range(count):
            flags, key, value = _OLD_ENTRY.unpack_from(data, entries_at + index * _OLD_ENTRY.size)
            out.append(CacheEntry(_string(data, strings_at + key), _string(data, strings_at + value), flags))
        return out
    raise CacheError("not an ld.so.cache (neither the old nor the new magic)")


def _parse_new(data: bytes, start: int) -> List[CacheEntry]:
    if start + _NEW_HEADER.size > len(data):
        raise CacheError("new-format ld.so.cache: the header is truncated")
    _magic, count, _strings, _flags, _pad, _extension, _unused = _NEW_HEADER.unpack_from(data, start)
    entries_at = start + _NEW_HEADER.size
    if entries_at + count * _NEW_ENTRY.size > len(data):
        raise CacheError("new-format ld.so.cache: the entry table runs past the end of the file")
    out = []
    for index in range(count):
        flags, key, value, _osversion, hwcap = _NEW_ENTRY.unpack_from(data, entries_at + index * _NEW_ENTRY.size)
        out.append(CacheEntry(_string(data, start + key), _string(data, start + value), flags, hwcap))
    return out


def _string(data: bytes, offset: int) -> str:
    if not 0 <= offset < len(data):
        raise CacheError(f"ld.so.cache string offset {offset:#x} lies outside the file")
    end = data.find(b"\0", offset)
    return data[offset : end if end >= 0 else len(data)].decode("utf-8", "surrogateescape")


class LdCache:
    """Lookups in one parsed cache: the first entry for a soname whose flags are the loader's own."""

    def __init__(self, entries: List[CacheEntry]) -> None:
        self._by_name: Dict[str, List[CacheEntry]] = {}
        for entry in entries:
            self._by_name.setdefault(entry.soname, []).append(entry)

    def lookup(self, soname: str, machine: str, bits: int) -> Optional[str]:
        wanted = FLAG_ELF_LIBC6 | ARCH_FLAGS.get((machine, bits), 0)
        known = (machine, bits) in ARCH_FLAGS
        for entry in self._by_name.get(soname, ()):
            if entry.hwcap:  # glibc-hwcaps subdirectories: the same library, built for a newer CPU level
                continue
            if (entry.flags & FLAG_TYPE_MASK) != FLAG_ELF_LIBC6:
                continue
            if known and (entry.flags & (FLAG_TYPE_MASK | FLAG_ARCH_MASK)) != wanted:
                continue
            return entry.path
        return None
