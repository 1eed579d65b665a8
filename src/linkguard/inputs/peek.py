"""A member's first bytes, inflated only as far as they decide whether it is an executable or an archive.

A jar or wheel holds thousands of members that are neither; each must still be recognised from its own bytes (never
its name). magic.py decides from the first HEAD (512) bytes, but almost every member is settled sooner: its first
FIRST (8) bytes start no magic but tar's (none of PREFIXES, no fat Mach-O header), and tar's two forms need more only
in two cases: the ustar magic sits at bytes 257-261 (so a member of 262 bytes or more is inflated that far), and a
pre-POSIX (v7) header, without magic, is only possible when its first byte is a printable name byte and its checksum
field (bytes 148-155) is octal digits (only then are all 512 bytes inflated, for magic.is_tar's checksum). A member
that could be something is inflated to HEAD and magic.py decides, as it always did. tests/unit/test_peek.py checks
that this never settles as "nothing" a head that magic.py recognises.

Only the bytes read are checked: damage to a member's deflate data past what is inflated here goes unnoticed for a
member that is recognised as nothing, as it would for one that is read no further than its head by the walker.
"""

from __future__ import annotations

import re
from typing import Optional

from linkguard.inputs import inflate as _inflate
from linkguard.inputs.members import HEAD

FIRST = 8  # the bytes that decide every magic but tar's (or send the member on to a full HEAD)
USTAR_END = 262  # the ustar magic is bytes 257..261 of a tar header
TAR_BLOCK = 512  # a v7 tar header, checked by its checksum

# Every start that magic.sniff or magic.sniff_archive can name, cut to FIRST bytes: a head that starts with none of
# them (and is no fat Mach-O) is neither an executable nor an archive, unless it is a tar header.
_ZSTD_SKIPPABLE = tuple((0x184D2A50 + n).to_bytes(4, "little") for n in range(16))
PREFIXES = (
    b"\x7fELF",
    b"MZ",
    b"\xfe\xed\xfa\xce",  # Mach-O thin, 32 and 64 bits, both byte orders
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\x1f\x8b\x08",  # gzip
    b"\xfd7zXZ\x00",  # xz
    b"\x28\xb5\x2f\xfd",  # zstd
    *_ZSTD_SKIPPABLE,
    b"BZh",
    b"LZIP\x01",
    b"\x89LZO\x00\r\n\x1a",
    b"\x1f\x9d",  # compress
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"!<arch>\n",
)
_FAT = (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")
# The first bytes of PREFIXES: a set lookup rules out most heads before startswith() tries all 32 prefixes.
_PREFIX_FIRSTS = frozenset(prefix[0] for prefix in PREFIXES)


# A v7 tar header's checksum field (bytes 148-155) as magic.is_tar tests it before the checksum: `field =
# head[148:156].split(b"\0", 1)[0].strip()` being non-empty octal digits, in one match. bytes.strip()'s whitespace,
# then octal digits, then whitespace up to a NUL or the field's end.
_V7_CHECKSUM = re.compile(rb"[ \t\n\r\x0b\x0c]*[0-7]+[ \t\n\r\x0b\x0c]*(?:\0|\Z)")


def head(data: bytes, size: int, deflated: bool) -> Optional[bytes]:
    """The first bytes of a member of `size` bytes, stored or raw-deflated (its first compressed bytes: `data`), that
    decide what it is; None when they cannot be had (damaged or short data: the slow path reports it).

    Either the member's first min(HEAD, size) bytes, for magic.py to decide, or fewer bytes that no head starting
    with them is anything to magic.py (`settled`). One inflate call for most members: FIRST bytes of a member too
    short for a tar header's ustar magic, USTAR_END of any other; a second, to HEAD, only when those may announce
    something.
    """
    if size < 4:
        return b""  # too short to hold any magic we look for
    want = USTAR_END if size >= USTAR_END else min(FIRST, size)
    if deflated:
        decompressor = _inflate._zlib.decompressobj(-15)  # as _inflate.decompressobj(), one call less per member
        try:
            out: bytes = decompressor.decompress(data, want)
        except _inflate.errors():
            return None
    else:
        out = data[:want]
    if len(out) < want:
        return None
    # Whether the first FIRST bytes (or all of a shorter member) may announce an executable or a non-tar archive to
    # magic.py, which needs the whole HEAD to tell: a start in PREFIXES, or a fat Mach-O header. magic._sniff_native
    # takes a fat header whose count (bytes 4-7) is 20 or more and version (bytes 6-7) 45 to 100 for a Java class
    # file's (`file` agrees); the count is at least the version, so the version alone says it. Inline: every class
    # file of a jar comes here.
    if (out[0] not in _PREFIX_FIRSTS or not out.startswith(PREFIXES)) and (
        out[:4] not in _FAT or (len(out) >= FIRST and 45 <= (out[6] << 8 | out[7]) <= 100)
    ):
        if want < USTAR_END:
            return out
        # No ustar magic, and no v7 header possible: too short for one, a first byte no name starts with, or a
        # checksum field that is not octal (most jar members are class files that come here: inline, no call).
        if out[257:262] != b"ustar" and (
            size < TAR_BLOCK or out[0] < 0x20 or _V7_CHECKSUM.match(out, 148, 156) is None
        ):
            return out
    full = min(HEAD, size)
    if full <= want:
        return out[:full]
    if deflated:
        try:
            out += decompressor.decompress(decompressor.unconsumed_tail, full - want)
        except _inflate.errors():
            return None
    else:
        out = data[:full]
    return out if len(out) >= full else None


def settled(head: bytes, size: int) -> bool:
    """Whether `head` (from `head()`) already says the member is nothing to magic.py: it stopped short of HEAD."""
    return len(head) < min(HEAD, size)
