"""Recognising executables and archives by their first bytes (never by name).

Tiny and import-free: every file and archive member is sniffed. inputs/ decides here which files and members
are executables or archives, and readers/ dispatches on the same answer, so the two never disagree and neither
imports the other.
"""

from __future__ import annotations

from typing import Optional

ELF_MAGIC = b"\x7fELF"
AR_MAGIC = b"!<arch>\n"
_BZIP2_BLOCK = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")  # block start / end-of-stream magic


def sniff(head: bytes) -> Optional[str]:
    """The inspected format a file's first bytes announce ("elf", "pe", "macho"), or None for anything skipped."""
    if head[:4] == ELF_MAGIC:
        return "elf"
    return _sniff_native(head)


# PE and Mach-O: the tests `file` applies (a fat header with a Java class file's version is a class file).
_MACHO_THIN = (0xFEEDFACE, 0xFEEDFACF)
_FAT = (0xCAFEBABE, 0xCAFEBABF)
_FAT_CPUS = (7, 0x01000007, 12, 0x0100000C, 0x0200000C, 18, 0x01000012)


def _sniff_native(head: bytes) -> Optional[str]:
    if head[:2] == b"MZ" and len(head) >= 0x40:
        lfanew = int.from_bytes(head[0x3C:0x40], "little")
        return None if head[lfanew : lfanew + 2] in (b"NE", b"LE", b"LX") else "pe"
    if len(head) < 8:
        return None
    if int.from_bytes(head[:4], "little") in _MACHO_THIN or int.from_bytes(head[:4], "big") in _MACHO_THIN:
        return "macho"
    if int.from_bytes(head[:4], "big") not in _FAT:
        return None
    count = int.from_bytes(head[4:8], "big")
    if count >= 20:  # `file`: a Java class file (minor, major); a real one has major 45..100
        return None if 45 <= int.from_bytes(head[6:8], "big") <= 100 else "macho"
    if count == 0:
        return None
    return "macho" if len(head) < 12 or int.from_bytes(head[8:12], "big") in _FAT_CPUS else None


def sniff_archive(head: bytes) -> Optional[str]:
    """The container format a file's first bytes announce: tar, zip, ar, or a codec name; None otherwise."""
    if head[:3] == b"\x1f\x8b\x08":
        return "gzip"
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if head[:4] == b"\x28\xb5\x2f\xfd" or (
        len(head) >= 4 and 0x184D2A50 <= int.from_bytes(head[:4], "little") <= 0x184D2A5F
    ):
        return "zstd"  # a zstd frame, or a skippable frame (RFC 8878 3.1.2), which `zstd -d` passes over
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[3:4] != b"0" and head[4:10] in _BZIP2_BLOCK:
        return "bzip2"
    if head[:5] == b"LZIP\x01":
        return "lzip"
    if head[:9] == b"\x89LZO\x00\r\n\x1a\n":
        return "lzop"
    if head[:2] == b"\x1f\x9d" and len(head) > 2 and not head[2] & 0x60 and 9 <= head[2] & 0x1F <= 16:
        return "compress"  # Unix compress (.Z): flags byte with the reserved bits clear and 9..16-bit codes
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if head[:8] == AR_MAGIC:
        return "ar"
    if is_tar(head):
        return "tar"
    return None


def is_tar(head: bytes) -> bool:
    """Whether `head` starts a tar archive: the ustar magic (even in a header cut short), or a valid v7 header."""
    if head[257:262] == b"ustar":
        return True  # a file that ends inside this header is a truncated tar archive, not "not an ELF file"
    if len(head) < 512:
        return False
    # A pre-POSIX (v7) header has no magic: accept it only when its checksum matches and it names something.
    if not head[0] or head[0] < 0x20:
        return False
    field = head[148:156].split(b"\0", 1)[0].strip()
    if not field or not all(0x30 <= c <= 0x37 for c in field):
        return False
    return int(field, 8) == sum(head[:148]) + 256 + sum(head[156:512])
