"""Recognising executables and archives by their first bytes (never by name).

Tiny and import-free: every file is sniffed. inputs/ decides here which members to hand to inspection, so that it
need not import the readers (the layers point one way: inputs -> readers).
"""

from __future__ import annotations

from typing import Optional

ELF_MAGIC = b"\x7fELF"
AR_MAGIC = b"!<arch>\n"
_BZIP2_BLOCK = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")  # block start / end-of-stream magic


def sniff(head: bytes) -> Optional[str]:
    """The inspected format a file's first bytes announce ("elf"), or None for anything inspection skips."""
    if head[:4] == ELF_MAGIC:
        return "elf"
    return None


def sniff_archive(head: bytes) -> Optional[str]:
    """The container format a file's first bytes announce: tar, zip, ar, or a codec name; None otherwise."""
    if head[:3] == b"\x1f\x8b\x08":
        return "gzip"
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[3:4] != b"0" and head[4:10] in _BZIP2_BLOCK:
        return "bzip2"
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
