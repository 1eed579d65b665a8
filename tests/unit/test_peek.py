"""inputs/peek.py: a member is settled as nothing from fewer than HEAD bytes only when magic.py, given all of HEAD,
would say it is nothing; otherwise peek returns exactly HEAD, inflated or stored alike.

magic.py is the oracle here (peek's promise is to agree with it, inflating less); the heads are real files of the
test corpus (every executable and archive fixture, which magic.py must recognise, the truth of that being their
manifests'), tar headers written by tarfile in each of its formats, Java class files, and random bytes behind every
magic prefix.
"""

from __future__ import annotations

import io
import tarfile
import zlib
from pathlib import Path
from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkguard.inputs import peek
from linkguard.inputs.members import HEAD
from linkguard.magic import sniff, sniff_archive

DATA = Path(__file__).resolve().parents[1] / "data"


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def check(content: bytes) -> bytes:
    """peek.head on `content`, stored and deflated: the same bytes, and settled only where magic.py sees nothing."""
    size = len(content)
    stored = peek.head(content[:2048], size, False)
    inflated = peek.head(deflate(content)[:2048], size, True)
    assert stored is not None and stored == inflated
    full = content[:HEAD]
    if size >= 4 and peek.settled(stored, size):
        assert sniff(full) is None and sniff_archive(full) is None, content[:16]
    elif size >= 4:
        assert stored == full
    return stored


def fixtures() -> List[Path]:
    """Executables and archives of the test corpus (magic.py recognises each: their manifests say what they are)."""
    found = []
    for folder in ("elf", "pe", "macho", "archives", "upx", "dotnet"):
        found += [p for p in sorted((DATA / folder).rglob("*")) if p.is_file() and p.stat().st_size >= 4]
    return found


def test_every_recognised_fixture_is_read_to_head() -> None:
    recognised = 0
    for path in fixtures():
        content = path.read_bytes()[:4096]
        head = check(content)
        if sniff(content[:HEAD]) or sniff_archive(content[:HEAD]):
            recognised += 1
            assert not peek.settled(head, len(path.read_bytes())), path
    assert recognised > 100


@pytest.mark.parametrize("format", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_tar_headers_are_read_to_head(format: int) -> None:
    for name in ("a", "bin/spex", "x" * 90):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=format) as archive:
            info = tarfile.TarInfo(name)
            info.size = 3
            archive.addfile(info, io.BytesIO(b"abc"))
        content = buffer.getvalue()
        assert sniff_archive(content[:HEAD]) == "tar"
        assert check(content) == content[:HEAD]


def v7_header(name: bytes) -> bytes:
    """A pre-POSIX tar header: no magic, a valid checksum."""
    header = bytearray(512)
    header[: len(name)] = name
    header[100:108] = b"0000644\0"
    header[124:136] = b"00000000003\0"
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    return bytes(header) + b"abc".ljust(512, b"\0")


def test_a_v7_header_is_read_to_head() -> None:
    content = v7_header(b"spex")
    assert sniff_archive(content[:HEAD]) == "tar"
    assert check(content) == content[:HEAD]


def test_a_class_file_is_settled_early() -> None:
    content = b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + bytes(range(256)) * 4  # Java 21's class version
    head = check(content)
    assert len(head) == peek.USTAR_END
    assert check(content[:100]) == content[: peek.FIRST]


def test_short_and_damaged_members() -> None:
    assert peek.head(b"", 3, True) == b""
    assert peek.head(b"\x7fEL", 3, False) == b""
    assert peek.head(b"\xff" * 40, 300, True) is None  # not deflate data
    assert peek.head(deflate(b"x" * 300)[:5], 300, True) is None  # cut short
    assert peek.head(b"plain text", 600, False) is None  # the stored bytes end before what is needed


PREFIXES = [*peek.PREFIXES, b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf", b"", b"\x7fEL", b"M"]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PREFIXES), st.binary(max_size=700), st.booleans(), st.binary(min_size=8, max_size=8))
def test_random_heads_behind_every_prefix(prefix: bytes, tail: bytes, ustar: bool, octal: bytes) -> None:
    content = bytearray(prefix + tail)
    if ustar and len(content) >= 262:
        content[257:262] = b"ustar"
    elif len(content) >= 156:
        content[148:156] = bytes(0x30 + (b & 7) for b in octal)  # an octal checksum field: v7 stays possible
    check(bytes(content))


@pytest.mark.parametrize("minor", [0, 1, 0xFFFF])
@pytest.mark.parametrize("major", [0, 1, 19, 20, 44, 45, 46, 99, 100, 101, 0xFFFF])
def test_a_fat_header_or_class_file_is_settled_by_its_version_as_magic_reads_it(minor: int, major: int) -> None:
    """A class file and a fat Mach-O share their magic; peek tells them apart inline, by the version bytes alone:
    only a class file's version (which magic.py reads as a count of 20 or more) is settled early."""
    content = b"\xca\xfe\xba\xbe" + minor.to_bytes(2, "big") + major.to_bytes(2, "big") + bytes(600)
    head = check(content)  # settled only where magic.py sees nothing
    assert peek.settled(head, len(content)) == (45 <= major <= 100)
