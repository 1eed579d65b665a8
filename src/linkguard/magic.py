"""Recognising executables and archives by their first bytes (never by name), and a zip by its end.

Tiny and import-free: every file and archive member is sniffed. inputs/ decides here which files and members
are executables or archives, and readers/ dispatches on the same answer, so the two never disagree and neither
imports the other.
"""

from __future__ import annotations

from typing import IO, Callable, Optional, Tuple

ELF_MAGIC = b"\x7fELF"
AR_MAGIC = b"!<arch>\n"
PE_SIGNATURE = b"PE\0\0"
_BZIP2_BLOCK = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")  # block start / end-of-stream magic


def sniff(head: bytes, read_at: Optional[Callable[[int, int], bytes]] = None) -> Optional[str]:
    """The inspected format a file's first bytes announce ("elf", "pe", "macho"), or None for anything skipped.

    An "MZ" file is PE only when its e_lfanew points at a "PE\\0\\0" signature inside the file, as `file`
    decides: a text file that starts with "MZ", an MS-DOS program, a Win16/OS2 (NE/LE/LX) program or a DOS stub
    cut off before its PE header is not a Windows artifact. The signature is usually inside `head`; when it is
    not, `read_at(offset, length)` (a positioned read of the file) fetches those 4 bytes, and without one the
    answer is "pe" for a reader with a seekable stream to settle (readers/ asks again with `read_at`).
    """
    if head[:4] == ELF_MAGIC:
        return "elf"
    if head[:2] == b"MZ":
        return _sniff_mz(head, read_at)
    return _sniff_native(head)


def _sniff_mz(head: bytes, read_at: Optional[Callable[[int, int], bytes]]) -> Optional[str]:
    if len(head) < 0x40:
        return None  # no room for the DOS header's e_lfanew
    lfanew = int.from_bytes(head[0x3C:0x40], "little")
    if lfanew + 4 <= len(head):
        signature = head[lfanew : lfanew + 4]
    elif read_at is not None:
        signature = read_at(lfanew, 4)
    else:
        return "pe"  # undecided from the head alone: the reader reads the 4 bytes at e_lfanew
    return "pe" if signature == PE_SIGNATURE else None


# PE and Mach-O: the tests `file` applies (a fat header with a Java class file's version is a class file).
_MACHO_THIN = (0xFEEDFACE, 0xFEEDFACF)
_FAT = (0xCAFEBABE, 0xCAFEBABF)
_FAT_CPUS = (7, 0x01000007, 12, 0x0100000C, 0x0200000C, 18, 0x01000012)


def _sniff_native(head: bytes) -> Optional[str]:
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


# The first byte of everything sniff() or sniff_archive() can name, tar aside (a v7 tar header starts with its
# member's name): ELF, MZ, Mach-O thin (either byte order) and fat; gzip and compress, xz, zstd (frames and skippable
# frames 0x184D2A5?), bzip2, lzip, lzop, zip, ar.
_FIRST_BYTES = frozenset(b"\x7fM\xfe\xce\xcf\xca" + b"\x1f\xfd\x28BL\x89!" + bytes(range(0x50, 0x60)))


def classify(head: bytes) -> Tuple[Optional[str], Optional[str]]:
    """(sniff(head), sniff_archive(head) when sniff names nothing): the two answers a file on disk needs, with
    one test of the first byte ruling out both for most files (text, data), which then only get the tar test."""
    if not head or head[0] not in _FIRST_BYTES:
        return None, ("tar" if is_tar(head) else None)
    executable = sniff(head)
    return executable, (None if executable is not None else sniff_archive(head))


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
    if not field or field.translate(None, b"01234567"):  # empty, or a byte that is not an octal digit
        return False
    return int(field, 8) == sum(head[:148]) + 256 + sum(head[156:512])


# A zip is found from its end, not its start: unzip and zipfile look for the end-of-central-directory record in the
# last 64 KiB + 22 bytes of the file (the record, and a comment of at most 65535 bytes), and correct the offsets it
# gives when the archive was appended to something else (a shell script, a self-extracting program, junk).
ZIP_END = b"PK\x05\x06"
ZIP_TAIL = 65535 + 22
_ZIP64_LOCATOR = b"PK\x06\x07"


def trailing_zip(tail: bytes, size: int, read_at: Callable[[int, int], bytes]) -> bool:
    """Whether a file of `size` bytes whose last bytes are `tail` (up to ZIP_TAIL of them) ends with a zip that
    unzip and zipfile open: an end record (the last one, as both take it) with its central directory where the
    record says it ends, or a zip64 locator before it. `read_at(offset, length)` reads the file elsewhere."""
    at = tail.rfind(ZIP_END)
    if at < 0 or at + 22 > len(tail):
        return False
    if at >= 20 and tail[at - 20 : at - 16] == _ZIP64_LOCATOR:
        return True  # its sizes live in the zip64 record: the zip reader checks the directory
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    directory = int.from_bytes(tail[at + 12 : at + 16], "little")
    start = size - len(tail) + at - directory
    if directory == 0 or count == 0 or start < 0:
        return False  # an empty archive has nothing in it to check
    first = tail[start - (size - len(tail)) :][:4] if start >= size - len(tail) else read_at(start, 4)
    return first == b"PK\x01\x02"


def ends_with_zip(stream: IO[bytes], size: int, head: bytes = b"") -> bool:
    """trailing_zip() on a seekable stream of `size` bytes whose first bytes (`head`) were read already: one read of
    its last ZIP_TAIL bytes (none when `head` is the whole file), and one more of 4 bytes where the directory says."""

    def read_at(offset: int, length: int) -> bytes:
        stream.seek(offset)
        return stream.read(length)

    return zip_at_end(read_at, size, head)


def zip_at_end(read_at: Callable[[int, int], bytes], size: int, head: bytes = b"") -> bool:
    """ends_with_zip() through `read_at(offset, length)` (an `os.pread` on a descriptor: no seek, no buffer copy)."""
    if size < 22:
        return False
    if size <= len(head):
        start, tail = 0, head[:size]
    else:
        start = max(0, size - ZIP_TAIL)
        tail = read_at(start, size - start)
    return trailing_zip(tail, start + len(tail), read_at)
