"""Zip archives (wheels, jars, release zips), read through their central directory.

Every member is independent: a member that cannot be read (corrupt deflate or LZMA data, an unsupported
compression method or zip version, encryption) is one LG901 and the walk goes on to the next. Only a central
directory that cannot be read ends the archive. Encryption (flag bit 0, classic; bit 6, strong) is checked
before any byte of a member is read, symbolic links included.

Members are read as the tools that extract them in real life do. An archive behind a prefix (a shell script, a
self-extracting program) has its offsets corrected as unzip and zipfile correct them, the fast path included. Where
a member's local header names another compression method than the central directory, unzip follows the local header
and zipfile (so pip) the directory: both readings are checked. A member with the symbolic-link mode is a regular file
to zipfile (so pip installs a wheel's as one, and it is checked as one); elsewhere unzip makes a link of its data up
to the first NUL, so it is skipped as a link unless its data is an executable or an archive, which zipfile would
write as such.

zipfile refuses a whole archive when one directory entry needs a zip version above 6.3; such an archive is read
again with those entries' version bytes lowered in a patched view of the directory, and those members are
reported as unsupported without reading them.
"""

from __future__ import annotations

import copy
import io
import mmap
import re
import stat
import struct
import zipfile
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Dict, Iterator, List, Optional, Set, Tuple, Union

from linkguard.inputs import inflate, peek
from linkguard.inputs.images import normalize
from linkguard.inputs.members import (
    HEAD,
    NOT_INSPECTED,
    Entry,
    Settled,
    link_escape,
    link_reason,
    member_path,
    safe_name,
    unsafe_reason,
)
from linkguard.inputs.streams import (
    IN_MEMORY,
    RATIO_FLOOR,
    ArchiveError,
    OpenerSource,
    SliceSource,
    Source,
    Watched,
    as_io,
    read_exact,
)
from linkguard.magic import sniff, sniff_archive
from linkguard.model import Skipped
from linkguard.seekable import SeekableReader

if TYPE_CHECKING:  # typed against the walker's protocol: the walker imports the containers, never the reverse
    from linkguard.inputs.protocol import Walker

MAX_EXTRACT_VERSION = 63  # zipfile reads zip versions up to 6.3
ENCRYPTED = 0x1  # general-purpose flag bit 0: traditional PKWARE (or AES, with method 99) encryption
STRONG_ENCRYPTION = 0x40  # bit 6
MAX_LINK = 4096  # a symbolic link's target longer than this is not read
MAX_DIRECTORY = 256 << 20  # a central directory larger than this is not scanned for version bytes
_WHEEL = re.compile(r"[^/]+\.dist-info/WHEEL")  # a wheel's metadata: pip installs this archive


@dataclass(frozen=True)
class _Directory:
    """Where the central directory is (per the end records) and how many entries it declares."""

    start: int
    size: int
    count: int
    concat: int = 0  # where the archive really starts: what unzip and zipfile add to every offset it records


def walk(walker: Walker, source: Source, display: str, depth: int, live: Optional[IO[bytes]]) -> Iterator[Entry]:
    """The members of the zip archive at `source` (or, behind a decompressor, continuing from `live`)."""
    problem = walker.check_depth(display, "zip archive", depth)
    if problem is not None:
        yield problem
        return
    if source.seekable:
        raw: IO[bytes] = source.open()
    else:
        assert source.size is not None
        raw = walker.materialize(source, display, source.size, b"", live or source.open()).open()
    with raw:
        raw.seek(0, io.SEEK_END)
        size = raw.tell()
        raw.seek(0)
        stream = as_io(Watched(raw, display, walker.deadline, size))
        directory = _directory(stream)
        plain = _plain_members(walker, raw, stream, display, directory, size)
        if plain is not None and not plain.deferred:  # most jars and wheels: no member an executable or an archive
            yield from plain.items  # type: ignore[misc]  # no index among them: one Settled, or none
            return
        if directory is not None and directory.count > walker.limits.max_members:
            raise ArchiveError(
                display,
                f"archive-members limit {walker.limits.max_members} exceeded: the zip "
                f"directory lists {directory.count} members (raise limits.archive-members)",
            )
        too_new: Dict[int, int] = {}
        try:
            archive = zipfile.ZipFile(stream)
        except NotImplementedError:  # "zip file version": one entry spoils the whole directory for zipfile
            if directory is None:
                raise
            too_new, patched = _lowered_versions(stream, directory, size)
            if not too_new:
                raise
            archive = zipfile.ZipFile(as_io(patched))
        infos = archive.infolist()
        if len(infos) > walker.limits.max_members:
            raise ArchiveError(
                display,
                f"archive-members limit {walker.limits.max_members} exceeded: "
                f"{len(infos)} members (raise limits.archive-members)",
            )
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        if total > walker.limits.max_total_bytes:
            raise ArchiveError(
                display,
                f"archive-bytes limit {walker.limits.max_total_bytes} exceeded: members "
                f"declare {total} bytes uncompressed (raise limits.archive-bytes)",
            )
        if total > RATIO_FLOOR and total > walker.limits.max_ratio * max(packed, 1):
            raise ArchiveError(
                display,
                f"archive-ratio limit {walker.limits.max_ratio} exceeded: members declare "
                f"{total} bytes from {packed} compressed (a decompression bomb, or raise "
                f"limits.archive-ratio)",
            )
        seen: Dict[str, int] = {}
        wheel = any(_WHEEL.fullmatch(info.filename) for info in infos)
        if plain is not None and len(infos) == plain.count:
            # A few members (a jmod's native libraries, a jar's nested jars) need reading: only they go through
            # zipfile, the others keep their results from the directory (still counted as not checked once the
            # walk's time is up, as guarded() would count any member).
            for item in plain.items:
                if isinstance(item, int):
                    info = infos[item]
                    walker.deadline.restart()
                    path = member_path(display, normalize(info.filename) or info.filename)
                    entries = _member(walker, archive, info, None, source, stream, display, depth, seen, wheel)
                    yield from walker.guarded(path, "zip member", entries)
                elif walker.deadline.spent():
                    walker.unchecked += len(item.names)
                else:
                    yield item
            return
        for index, info in enumerate(infos):
            walker.deadline.restart()
            path = member_path(display, normalize(info.filename) or info.filename)
            entries = _member(walker, archive, info, too_new.get(index), source, stream, display, depth, seen, wheel)
            yield from walker.guarded(path, "zip member", entries)


def _member(
    walker: Walker,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    version: Optional[int],
    source: Source,
    stream: IO[bytes],
    display: str,
    depth: int,
    seen: Dict[str, int],
    wheel: bool,
) -> Iterator[Entry]:
    name = normalize(info.filename)
    path = member_path(display, name or info.filename)
    reason = unsafe_reason(info.filename)
    if reason is not None:
        yield walker.problem(
            path,
            f"unsafe member name {safe_name(info.filename)!r} ({reason}): extracting this "
            f"archive may write outside the target directory",
        )
    if info.filename.endswith("/"):  # a directory (ZipInfo.is_dir() fails on an empty name)
        return
    seen[name] = seen.get(name, 0) + 1
    if seen[name] == 2:
        yield walker.problem(
            path, f"duplicate member name {safe_name(name)!r}: extraction keeps one copy; every copy is checked"
        )
    if info.flag_bits & (ENCRYPTED | STRONG_ENCRYPTION):
        how = "strong encryption, flag bit 6" if info.flag_bits & STRONG_ENCRYPTION else "flag bit 0"
        yield walker.problem(path, f"encrypted zip member ({how}): its content cannot be checked", "encrypted")
        return
    if version is not None:
        yield walker.problem(
            path,
            f"zip member needs zip version {version // 10}.{version % 10} to extract, above the "
            f"{MAX_EXTRACT_VERSION // 10}.{MAX_EXTRACT_VERSION % 10} that can be read: its content cannot be checked",
            "unsupported",
        )
        return
    if stat.S_ISLNK(info.external_attr >> 16) and not wheel:
        # pip installs a wheel's link member as a regular file (zipfile writes its bytes); elsewhere see _link.
        link = _link(archive, info, path)
        if link is not None:
            yield link
            return
    if info.file_size > RATIO_FLOOR and info.file_size > walker.limits.max_ratio * max(info.compress_size, 1):
        yield walker.problem(
            path,
            f"archive-ratio limit {walker.limits.max_ratio} exceeded: {info.file_size} bytes "
            f"from {info.compress_size} compressed (a decompression bomb, or raise "
            f"limits.archive-ratio)",
        )
        return
    if walker.excluded(path):
        yield Skipped(path, "excluded by configuration")
        return
    local = _local_method_at(stream, info.header_offset)
    if local is None or local == info.compress_type:
        yield from _content(walker, archive, info, source, stream, path, depth)
        return
    # unzip follows the local header's method, zipfile (and so pip) the central directory's: both readings are
    # checked, so that whatever either tool would extract is.
    as_unzip = copy.copy(info)
    as_unzip.compress_type = local
    yield from walker.guarded(path, "zip member", _content(walker, archive, info, source, stream, path, depth))
    what = f"zip member (as unzip reads it: method {local} from its local header)"
    yield from walker.guarded(path, what, _content(walker, archive, as_unzip, source, stream, path, depth))


def _content(
    walker: Walker,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    source: Source,
    stream: IO[bytes],
    path: str,
    depth: int,
) -> Iterator[Entry]:
    """One member's bytes, as `info` says to read them: skipped, inspected or followed."""
    head = _peek(stream, info)
    if head is not None and sniff(head) is None and sniff_archive(head) is None:
        # Most members of a jar or wheel: recognised from a few raw bytes, without zipfile's per-member setup.
        yield Skipped(path, NOT_INSPECTED)
        return
    member_source: Source
    if source.seekable and info.compress_type == zipfile.ZIP_STORED:
        offset = _data_offset(stream, info.header_offset)
        if offset is None:
            yield walker.problem(path, "corrupt zip member: bad local header", "corrupt")
            return
        member_source = SliceSource(source, offset, info.file_size)
    else:
        member_source = OpenerSource(lambda: _opened(archive, info), info.file_size)
    with _opened(archive, info) as live:
        yield from walker.member(member_source, path, info.file_size, live, depth)


def _opened(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """`archive.open(info)`, a deflated member inflated by the backend in use (inputs/inflate.py: zlib-ng when it is
    installed). zipfile itself always inflates with the standard library's zlib, which costs twice as much on the
    large libraries a wheel or a jmod holds; zlib-ng's decompressor is a drop-in for the one ZipExtFile makes (the
    same calls, results and messages), swapped in before any byte is read. zipfile still checks the CRC-32."""
    live = archive.open(info)
    if info.compress_type == zipfile.ZIP_DEFLATED and inflate.backend != inflate.STDLIB:
        live._decompressor = inflate.decompressobj(-15)  # type: ignore[attr-defined]
    return live


def _local_method_at(stream: IO[bytes], header_offset: int) -> Optional[int]:
    """The compression method the member's local header names; None when there is no local header there."""
    stream.seek(header_offset)
    local = stream.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        return None
    return _local_method(local)


def _local_method(local: bytes) -> int:
    return int(struct.unpack_from("<H", local, 8)[0])


# A central directory header (46 bytes, zipfile's "<4s4B4HL2L5H2L") as the loop below reads it: signature, version
# needed (its low byte), flags, method, compressed and uncompressed sizes, name, extra and comment lengths, external
# attributes and the local header's offset; the fields nothing here reads are skipped as padding.
_CENTRAL = struct.Struct("<4s2xBxHH8xLLHHH4xLL")
_UTF8_NAME = 0x800  # general-purpose flag bit 11: the name is UTF-8 (else code page 437)
# Module constants for the per-member loop below (one global lookup each, no attribute lookups).
_ENCRYPTION = ENCRYPTED | STRONG_ENCRYPTION
_S_IFLNK = stat.S_IFLNK
_DEFLATED = zipfile.ZIP_DEFLATED
_STORED = zipfile.ZIP_STORED


@dataclass
class _Plain:
    """An archive's members in directory order: runs of members the directory and their heads settle as neither
    executables nor archives, and the directory index of each member that must be read through zipfile (`deferred`
    of them)."""

    items: List[Union[Settled, int]]
    deferred: int
    count: int  # the directory's entries (directories included, which have no item)


def _plain_members(
    walker: Walker, raw: IO[bytes], stream: IO[bytes], display: str, directory: Optional[_Directory], size: int
) -> Optional[_Plain]:
    """The members of an archive, settled straight from the central directory where their heads say they are not
    executables or archives; None to read the whole archive the slow way.

    Without zipfile's per-member objects (half the cost of a large jar), and each member inflated only as far as
    peek.head needs. Whatever the slow path would treat differently sends the whole archive there, before anything
    is yielded: a directory that does not parse cleanly or disagrees with its end record, zip64 sizes, encryption, a
    zip version above 6.3, a link, an unsafe, duplicate or excluded name, a ratio or archive limit. A member whose
    head is an executable or an archive, or cannot be had here (a method other than stored or deflated, a local
    header that is missing or names another method, damaged data), is deferred: the slow path reads it, alone. So
    the answer is exactly the slow path's, or None.

    This loop runs once per member of every jar (a quarter of a million on /usr): the per-member checks are inlined
    and the settled members are kept as names only (a `Settled` per run), not as one entry each.
    """
    if directory is None or not 0 < directory.size <= MAX_DIRECTORY or directory.count > walker.limits.max_members:
        return None
    if directory.start + directory.size > size or directory.concat < 0:
        return None
    stream.seek(directory.start)
    table = stream.read(directory.size)
    stream.seek(0)
    mapped = _mapped(raw, size)
    data: Union[mmap.mmap, bytes, _Slicer]
    if mapped is not None:
        data = mapped
    elif size <= IN_MEMORY:  # a nested archive (a jmod's lib/ct.sym): one read, not two per member
        data = read_exact(stream, size)
        stream.seek(0)
    else:
        data = _Slicer(stream)
    items: List[Union[Settled, int]] = []
    run: List[str] = []  # names of the settled members since the last deferred one
    deferred = 0
    seen: Set[str] = set()
    total = packed = count = at = 0
    limits = walker.limits
    max_ratio = limits.max_ratio
    excluded = walker.excluded if walker.excludes else None
    concat = directory.concat
    table_size = len(table)
    central = _CENTRAL.unpack_from
    local_header = _LOCAL.unpack
    head_of = peek.head
    try:
        while at + 46 <= table_size:
            signature, version, flags, method, csize, usize, nlen, elen, clen, eattr, offset = central(table, at)
            if signature != b"PK\x01\x02":
                return None
            name_raw = table[at + 46 : at + 46 + nlen]
            at += 46 + nlen + elen + clen
            count += 1
            # `0 in`, not `b"\0" in`: bytes' `in` tries its operand as an int first, and a TypeError raised and
            # cleared costs more than the rest of these checks together.
            if at > table_size or 0xFFFFFFFF in (csize, usize, offset) or 0 in name_raw:
                return None
            if flags & _ENCRYPTION or version > MAX_EXTRACT_VERSION:
                return None
            # An ASCII name reads the same in UTF-8 and code page 437; the UTF-8 codec is the faster one.
            name = name_raw.decode("utf-8" if flags & _UTF8_NAME or name_raw.isascii() else "cp437")
            # unsafe_reason() only for the names it could find unsafe (empty, absolute, with "..", a drive letter).
            if (name[:1] in "/\\" or ".." in name or name[1:2] == ":") and unsafe_reason(name) is not None:
                return None
            if (eattr >> 16) & 0o170000 == _S_IFLNK:
                return None
            if name.endswith("/"):
                continue
            # normalize() changes only a name starting with "./" here: no leading or trailing "/" is left.
            normal = normalize(name) if name[0] == "." else name
            if normal in seen:
                return None
            seen.add(normal)
            if usize > RATIO_FLOOR and usize > max_ratio * max(csize, 1):
                return None
            shown = normal or name
            if excluded is not None and excluded(member_path(display, shown)):
                return None
            total += usize
            packed += csize
            at_local = offset + concat
            head: Optional[bytes] = b""
            if usize >= 4:  # else too short to hold any magic we look for
                head = None  # a method other than stored or deflated, or a bad local header: read by zipfile
                if method in (_DEFLATED, _STORED):
                    local = data[at_local : at_local + 30]
                    if len(local) == 30:
                        local_signature, local_method, local_name, local_extra = local_header(local)
                        # The slow path reads both methods where the local header disagrees with the directory.
                        if local_signature == b"PK\x03\x04" and local_method == method:
                            begin = at_local + 30 + local_name + local_extra
                            raw_head = data[begin : begin + (csize if csize < 2048 else 2048)]
                            head = head_of(raw_head, usize, method == _DEFLATED)
            if head is None or (
                not peek.settled(head, usize) and (sniff(head) is not None or sniff_archive(head) is not None)
            ):
                if run:
                    items.append(Settled(display, tuple(run)))
                    run = []
                items.append(count - 1)  # its index in the directory
                deferred += 1
                continue
            if count % 1024 == 0:
                if walker.deadline.spent():
                    return None  # the slow path counts the members left as not checked
                walker.deadline.restart()
                if mapped is not None and hasattr(mmap, "MADV_DONTNEED"):
                    # The pages peeked at so far stay in the page cache but leave this process's resident set,
                    # which would otherwise grow with the archive (one page touched per member).
                    mapped.madvise(mmap.MADV_DONTNEED)
            run.append(shown)
    finally:
        if mapped is not None:
            mapped.close()
    if at != table_size or count != directory.count or count > limits.max_members:
        return None
    if total > limits.max_total_bytes or (total > RATIO_FLOOR and total > max_ratio * max(packed, 1)):
        return None
    if run:
        items.append(Settled(display, tuple(run)))
    return _Plain(items, deferred, count)


_LOCAL = struct.Struct("<4s4xH16xHH")  # a local header's signature, method (at 8), name and extra lengths (at 26)


class _Slicer:
    """An archive that cannot be mapped (not a regular file), sliced as a mapping would be: bytes at [start:stop]."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def __getitem__(self, where: slice) -> bytes:
        self._stream.seek(where.start)
        data = self._stream.read(where.stop - where.start)
        return data


def _mapped(raw: IO[bytes], size: int) -> Optional[mmap.mmap]:
    """The archive file mapped read-only, when it is a regular file of the expected size."""
    try:
        mapping = mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ)
    except (AttributeError, OSError, ValueError, OverflowError, io.UnsupportedOperation):
        return None
    if len(mapping) != size:
        mapping.close()
        return None
    return mapping


def _link(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> Optional[Entry]:
    """A symbolic link member (its target is its data, read only after the encryption check): skipped, unless its
    data is an executable or an archive (None: check it as a regular member).

    unzip makes a link whose target is the data up to its first NUL; zipfile (Python's extraction, and so
    `shutil.unpack_archive`) writes the data as a regular file. A link whose data is a path is harmless either way
    and is skipped as a link; data that is a program would be a program on disk for one of them, so it is checked.
    """
    with archive.open(info) as live:
        data = live.read(max(MAX_LINK, HEAD) if info.file_size <= MAX_LINK else HEAD)
    if sniff(data[:HEAD]) is not None or sniff_archive(data[:HEAD]) is not None:
        return None
    if info.file_size > MAX_LINK:
        return Skipped(
            path, f"symbolic link with a {info.file_size}-byte target; links inside archives are not followed"
        )
    target = data.decode("utf-8", "surrogateescape")
    return Skipped(path, link_reason(target, link_escape(info.filename, target)))


def _directory(stream: IO[bytes]) -> Optional[_Directory]:
    """The central directory the end records declare, read before zipfile loads the whole directory."""
    stream.seek(0, io.SEEK_END)
    end = stream.tell()
    tail_size = min(end, 65536 + 22)
    stream.seek(end - tail_size)
    tail = stream.read(tail_size)
    stream.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    count, size, offset = struct.unpack("<HII", tail[at + 10 : at + 20])
    record_at = end - tail_size + at
    # A zip64 locator right before the end record (as zipfile looks for it, whatever the 32-bit fields say) points
    # to the zip64 end record, 56 bytes long, just before it: the counts and sizes there are the real ones.
    if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        zip64_at = record_at - 20 - 56
        if zip64_at >= 0:
            stream.seek(zip64_at)
            record = stream.read(56)
            stream.seek(0)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                count, size, offset = struct.unpack("<QQQ", record[32:56])
                record_at = zip64_at
    # An archive appended to something else (a script, a self-extracting program) records offsets from its own
    # start, or from the file's once `zip -A` adjusted them: unzip and zipfile both take the directory to end at the
    # end record and shift every offset by the difference ("extra bytes at beginning").
    start = record_at - int(size)
    return _Directory(start=max(0, start), size=int(size), count=int(count), concat=start - int(offset))


def _lowered_versions(stream: IO[bytes], directory: _Directory, size: int) -> Tuple[Dict[int, int], _Patched]:
    """{entry index: version} of the entries needing a zip version zipfile refuses, and a view that lowers them."""
    too_new: Dict[int, int] = {}
    patches: Dict[int, int] = {}
    if directory.size > MAX_DIRECTORY:
        return too_new, _Patched(stream, size, patches)
    stream.seek(directory.start)
    data = stream.read(directory.size)
    stream.seek(0)
    at = index = 0
    while at + 46 <= len(data) and data[at : at + 4] == b"PK\x01\x02":
        version = data[at + 6]
        if version > MAX_EXTRACT_VERSION:
            too_new[index] = version
            patches[directory.start + at + 6] = 20
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[at + 28 : at + 34])
        at += 46 + name_len + extra_len + comment_len
        index += 1
    return too_new, _Patched(stream, size, patches)


class _Patched(SeekableReader):
    """A seekable view of `raw` with single bytes replaced at given offsets."""

    def __init__(self, raw: IO[bytes], size: int, patches: Dict[int, int]) -> None:
        super().__init__(size)
        self._raw = raw
        self._patches = patches

    def read(self, size: Optional[int] = -1) -> bytes:
        left = max(0, self._size - self._pos)
        n = left if size is None or size < 0 else min(size, left)
        self._raw.seek(self._pos)
        data = self._raw.read(n)
        start, self._pos = self._pos, self._pos + len(data)
        hits = [at for at in self._patches if start <= at < self._pos]
        if not hits:
            return data
        patched = bytearray(data)
        for at in hits:
            patched[at - start] = self._patches[at]
        return bytes(patched)


def _peek(stream: IO[bytes], info: zipfile.ZipInfo) -> Optional[bytes]:
    """The first bytes of a stored or deflated member that decide what it is (peek.head), straight from the archive;
    None to take the slow path."""
    if info.file_size < 4:
        return b""  # too short to hold any magic we look for
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    stream.seek(info.header_offset)
    local = stream.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    stream.seek(info.header_offset + 30 + name_len + extra_len)
    raw = stream.read(min(info.compress_size, 2048))
    return peek.head(raw, info.file_size, info.compress_type == zipfile.ZIP_DEFLATED)


def _data_offset(stream: IO[bytes], header_offset: int) -> Optional[int]:
    stream.seek(header_offset)
    local = stream.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    return header_offset + 30 + int(name_len) + int(extra_len)
