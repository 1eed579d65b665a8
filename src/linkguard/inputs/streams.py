"""Byte sources for archive members: reopenable from the file on disk, never written anywhere.

A `Source` is a recipe for a member's bytes (a window of a file, a slice of a decompressed stream, ...) that can
be opened again from the archive on disk. Seekable sources (a plain tar or a stored zip member on disk) give
zero-copy windows. Forward-only sources (anything behind a decompressor) are either read into memory when small
or wrapped in a `ReplayStream`, which keeps a bounded cache and decompresses again from the start when a reader
seeks behind it. Memory therefore stays bounded whatever a member's size.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from typing import IO, Callable, Dict, List, Optional, Tuple, cast

from linkguard.errors import describe
from linkguard.inputs import inflate
from linkguard.inputs.deadline import NO_DEADLINE, Deadline, DeadlineExceeded
from linkguard.limits import ArchiveLimits, MiB
from linkguard.seekable import SeekableReader, WindowStream

IN_MEMORY = 16 * MiB  # members up to this size behind a decompressor are read into memory
RATIO_FLOOR = 1 * MiB  # the ratio limit applies once this much has been inflated (tar padding alone is ~100:1)
# Compressions GNU tar opens (through lzip, lzop, compress) that no module here decodes: their archives are LG901.
UNREADABLE_CODECS = ("lzip", "lzop", "compress")
CODECS = ("gzip", "bzip2", "xz", "zstd", "lzma", *UNREADABLE_CODECS)  # lzma: LZMA "alone", as in .deb data.tar.lzma


STALL_READS = 64  # empty reads in a row past the end of a stream before its reader is taken to be stuck


class ArchiveError(Exception):
    """Something about one archive makes it unreadable or hostile; `owner` is that archive's display path.

    `kind` is the `Unreadable` kind it becomes ("archive" for limits and structure, "truncated", "budget", ...).
    """

    def __init__(self, owner: str, message: str, kind: str = "archive") -> None:
        super().__init__(message)
        self.owner = owner
        self.message = message
        self.kind = kind


class Source:
    """A member's (or archive's) bytes, reachable again from the file on disk."""

    size: Optional[int] = None
    seekable: bool = False

    def open(self) -> IO[bytes]:
        """A fresh stream at offset 0 (seekable when `seekable`); the caller closes it."""
        raise NotImplementedError


class FileSource(Source):
    def __init__(self, location: str, size: int) -> None:
        self.location = location
        self.size = size
        self.seekable = True

    def open(self) -> IO[bytes]:
        return open(self.location, "rb")


class SliceSource(Source):
    """`size` bytes at `offset` of a parent source."""

    def __init__(self, parent: Source, offset: int, size: int) -> None:
        self.parent = parent
        self.offset = offset
        self.size = size
        self.seekable = parent.seekable

    def open(self) -> IO[bytes]:
        if self.seekable:
            return as_io(WindowStream(self.parent.open(), self.offset, self.size or 0))
        # A forward-only parent is read through to the slice: from its last checkpoint before it, if it keeps any.
        at = 0
        if isinstance(self.parent, DecodedSource):
            raw, at = self.parent.open_at(self.offset)
        else:
            raw = self.parent.open()
        assert self.size is not None
        try:
            skip(raw, self.offset - at)
        except BaseException:
            raw.close()
            raise
        return as_io(Limited(raw, self.size))


class OpenerSource(Source):
    """A forward-only member stream made by a callable (a zip member through zipfile)."""

    def __init__(self, opener: Callable[[], IO[bytes]], size: int) -> None:
        self._opener = opener
        self.size = size

    def open(self) -> IO[bytes]:
        return self._opener()


class DecodedSource(Source):
    """The decompressed bytes of a parent source, metered against the archive limits of `owner`."""

    def __init__(
        self, parent: Source, codec: str, limits: ArchiveLimits, owner: str, deadline: Deadline = NO_DEADLINE
    ) -> None:
        self.parent = parent
        self.codec = codec
        self.limits = limits
        self.owner = owner
        self.deadline = deadline
        # A gzip stream read from a file keeps checkpoints (inflate.Checkpoint) on its first pass, so that a member
        # read again (a large program, behind a ReplayStream) resumes near it instead of at the archive's start.
        self.checkpoints: List[inflate.Checkpoint] = []
        self._recorded = False

    def open(self) -> IO[bytes]:
        return self.decode(self.parent.open(), owned=True)

    def decode(self, raw: IO[bytes], owned: bool) -> IO[bytes]:
        """Decompress `raw` (positioned at the start of the compressed data); close it on close when `owned`."""
        counted = _Counting(raw, owned)
        counted_io = as_io(counted)
        try:
            if self.codec == "gzip" and self.parent.seekable and owned and not self._recorded:
                self._recorded = True
                decoded = inflate.gzip_file(counted_io, self.checkpoints)
            else:
                decoded = _decoder(self.codec, counted_io, self.owner)
        except BaseException:
            counted.close()
            raise
        return as_io(Metered(decoded, counted, self.codec, self.limits, self.owner, self.deadline, self.parent.size))

    def open_at(self, offset: int) -> Tuple[IO[bytes], int]:
        """A decoded stream and where in the decoded bytes it starts: the last checkpoint at or before `offset`, or
        the start. Its limits are counted as from the start (the bytes before it were counted on the first pass)."""
        usable = [c for c in self.checkpoints if c.position <= offset]
        if not usable or not self.parent.seekable:
            return self.open(), 0
        checkpoint = usable[-1]
        raw = self.parent.open()
        try:
            raw.seek(checkpoint.raw_position)
            counted = _Counting(raw, owned=True)
            counted.count = checkpoint.raw_position
            decoded = inflate.resume_gzip(as_io(counted), checkpoint)
        except BaseException:
            raw.close()
            raise
        metered = Metered(decoded, counted, self.codec, self.limits, self.owner, self.deadline, self.parent.size)
        metered.produced = checkpoint.position
        return as_io(metered), checkpoint.position


# ------------------------------------------------------------------------------------------- streams


class _Reader(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


class Limited(_Reader):
    """At most `size` bytes of a forward stream (closed with it when `owned`)."""

    def __init__(self, raw: IO[bytes], size: int, owned: bool = True) -> None:
        super().__init__()
        self._raw = raw
        self._left = size
        self._owned = owned

    def read(self, size: Optional[int] = -1) -> bytes:
        n = self._left if size is None or size < 0 else min(size, self._left)
        if n <= 0:
            return b""
        data = self._raw.read(n)
        self._left -= len(data)
        return data

    def close(self) -> None:
        if not self.closed and self._owned:
            self._raw.close()
        super().close()


class Prefixed(_Reader):
    """`head` followed by the rest of `rest`: a stream whose first bytes were already read to sniff it.

    It does not own `rest` (a tar member stream belongs to its tarfile).
    """

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        super().__init__()
        self._head = head
        self._rest = rest

    def read(self, size: Optional[int] = -1) -> bytes:
        if size is None or size < 0:
            out, self._head = self._head, b""
            return out + self._rest.read()
        if self._head:
            out, self._head = self._head[:size], self._head[size:]
            if len(out) < size:
                out += self._rest.read(size - len(out))
            return out
        return self._rest.read(size)


class _Counting(_Reader):
    """Counts the compressed bytes a decompressor consumes."""

    def __init__(self, raw: IO[bytes], owned: bool = True) -> None:
        super().__init__()
        self.raw = raw
        self.owned = owned
        self.count = 0

    def read(self, size: Optional[int] = -1) -> bytes:
        data = self.raw.read(-1 if size is None else size)
        self.count += len(data)
        return data

    def close(self) -> None:
        if not self.closed and self.owned:
            self.raw.close()
        super().close()


class Metered(_Reader):
    """A decompressed stream that enforces archive-bytes and archive-ratio, and names codec errors."""

    def __init__(
        self,
        decoded: IO[bytes],
        counted: _Counting,
        codec: str,
        limits: ArchiveLimits,
        owner: str,
        deadline: Deadline = NO_DEADLINE,
        compressed_size: Optional[int] = None,
    ) -> None:
        super().__init__()
        self._decoded = decoded
        self._counted = counted
        # The ratio is the whole stream's when its compressed size is known (a file, a tar member): xz and zstd
        # reach thousands to one on a run of repeated data inside an archive that is 178:1 overall (Debian 12's
        # libjs-moment-timezone data.tar.xz: 223 MB from 1.25 MB, near-identical 12 MB JSON files), and the bytes
        # consumed so far would call that a bomb. A bomb still exceeds it early: its whole input is small.
        self._compressed_size = compressed_size or 0
        self._codec = codec
        self._limits = limits
        self._owner = owner
        self._deadline = deadline
        self.produced = 0

    def read(self, size: Optional[int] = -1) -> bytes:
        if size is None or size < 0:
            size = 1 * MiB  # never inflate an unbounded amount in one call
        _check(self._deadline, self._owner)
        try:
            data = self._decoded.read(size)
        except ArchiveError:
            raise
        except EOFError as exc:
            raise ArchiveError(self._owner, f"truncated {self._codec} stream: {exc}", "truncated") from exc
        except MemoryError as exc:
            raise ArchiveError(self._owner, f"{self._codec} stream needs too much memory to decode", "budget") from exc
        except Exception as exc:  # each codec raises its own types (zlib.error, LZMAError, OSError, ZstdError)
            raise ArchiveError(self._owner, f"corrupt {self._codec} stream: {describe(exc)}", "corrupt") from exc
        self.produced += len(data)
        limits = self._limits
        if self.produced > limits.max_total_bytes:
            raise ArchiveError(
                self._owner,
                f"archive-bytes limit {limits.max_total_bytes} exceeded: more than that inflated from "
                f"{self._counted.count} compressed bytes (a decompression bomb, or raise limits.archive-bytes)",
            )
        packed = max(self._counted.count, self._compressed_size, 1)
        if self.produced > RATIO_FLOOR and self.produced > limits.max_ratio * packed:
            whole = " (the whole stream)" if packed == self._compressed_size else ""
            raise ArchiveError(
                self._owner,
                f"archive-ratio limit {limits.max_ratio} exceeded: {self.produced} bytes inflated from "
                f"{packed} compressed bytes{whole} (ratio {self.produced / packed:.1f}:1; "
                f"a decompression bomb, or raise limits.archive-ratio)",
            )
        return data

    def close(self) -> None:
        if not self.closed:
            try:
                self._decoded.close()
            finally:
                self._counted.close()
        super().close()


class ReplayStream(SeekableReader):
    """A seekable view of a forward-only source with bounded memory.

    It keeps the first HEAD bytes (ELF headers, program headers and usually the dynamic tables) and the most
    recent WINDOW bytes read or skipped (section headers and `.comment` sit near the end). A read behind both
    reopens the source and decompresses again from the start: slower, never bigger.
    """

    CHUNK = 256 * 1024
    HEAD = 1 * MiB
    WINDOW = 16 * MiB
    MAX_RESTARTS = 32

    def __init__(self, source: Source, size: int, first: Optional[IO[bytes]] = None) -> None:
        super().__init__(size)
        self._source = source
        self._fwd: Optional[IO[bytes]] = first
        self._fwd_owned = first is None
        self._fwd_pos = 0
        self._pinned: Dict[int, bytes] = {}
        self._recent: OrderedDict[int, bytes] = OrderedDict()
        self.restarts = 0

    def read(self, size: Optional[int] = -1) -> bytes:
        left = max(0, self._size - self._pos)
        n = left if size is None or size < 0 else min(size, left)
        parts = []
        while n > 0:
            index, within = divmod(self._pos, self.CHUNK)
            chunk = self._chunk(index)
            piece = chunk[within : within + n]
            if not piece:
                break
            parts.append(piece)
            self._pos += len(piece)
            n -= len(piece)
        return b"".join(parts)

    def _chunk(self, index: int) -> bytes:
        found = self._pinned.get(index)
        if found is None:
            found = self._recent.get(index)
        if found is not None:
            return found
        start = index * self.CHUNK
        if self._fwd is None or start < self._fwd_pos:
            self._restart()
        assert self._fwd is not None
        data = b""
        while self._fwd_pos <= start:
            data = read_exact(self._fwd, self.CHUNK)
            at = self._fwd_pos // self.CHUNK
            self._fwd_pos += len(data)
            if at * self.CHUNK < self.HEAD:
                self._pinned[at] = data
            else:
                self._recent[at] = data
                while len(self._recent) > self.WINDOW // self.CHUNK:
                    self._recent.popitem(last=False)
            if len(data) < self.CHUNK:
                break
        return data if self._fwd_pos > start else b""

    def _restart(self) -> None:
        if self._fwd is not None:
            self.restarts += 1
            if self.restarts > self.MAX_RESTARTS:
                raise OSError(f"member read out of order more than {self.MAX_RESTARTS} times; giving up")
            if self._fwd_owned:
                self._fwd.close()
        self._fwd = self._source.open()
        self._fwd_owned = True
        self._fwd_pos = 0

    def close(self) -> None:
        if not self.closed and self._fwd is not None and self._fwd_owned:
            self._fwd.close()
        self._pinned.clear()
        self._recent.clear()
        super().close()


class Watched(io.RawIOBase):
    """The stream a container parser (tarfile, zipfile) reads: it checks the deadline on every read and stops a
    reader that keeps asking for data past the end.

    tarfile's stream mode skips the data a header claims with one read per 10 KiB block, each returning nothing
    once the stream has ended: a 100-byte file claiming 2**80 bytes would loop for ever. `size`, when known, also
    clips reads and seeks to the end of the data, so a hostile length never becomes an allocation or a seek error.
    """

    def __init__(self, raw: IO[bytes], owner: str, deadline: Deadline, size: Optional[int] = None) -> None:
        super().__init__()
        self._raw = raw
        self._owner = owner
        self._deadline = deadline
        self._size = size
        self._empty = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return bool(self._raw.seekable())

    def tell(self) -> int:
        return self._raw.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if self._size is not None:
            base = 0 if whence == io.SEEK_SET else self._raw.tell() if whence == io.SEEK_CUR else self._size
            return self._raw.seek(max(0, min(base + offset, self._size)))
        return self._raw.seek(offset, whence)

    def read(self, size: Optional[int] = -1) -> bytes:
        _check(self._deadline, self._owner)
        wanted = -1 if size is None else size
        if self._size is not None:
            left = max(0, self._size - self._raw.tell())
            size = left if wanted < 0 else min(wanted, left)
        data = self._raw.read(-1 if size is None else size)
        if data or wanted == 0:
            self._empty = 0
            return data
        self._empty += 1
        if self._empty > STALL_READS:
            raise ArchiveError(
                self._owner,
                "truncated archive: a member header claims more data than the archive holds",
                "truncated",
            )
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# ------------------------------------------------------------------------------------------- helpers


def _check(deadline: Deadline, owner: str) -> None:
    try:
        deadline.check()
    except DeadlineExceeded as exc:
        raise ArchiveError(owner, str(exc), "budget") from None


def as_io(stream: io.IOBase) -> IO[bytes]:
    """Our reader classes as the `IO[bytes]` the rest of the code (and tarfile/zipfile) takes."""
    return cast(IO[bytes], stream)


def read_exact(stream: IO[bytes], n: int) -> bytes:
    """Up to `n` bytes, fewer only at the end of the stream."""
    data = stream.read(n)
    if len(data) >= n or not data:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        more = stream.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def skip(stream: IO[bytes], n: int) -> None:
    """Advance a forward stream by `n` bytes (reading and discarding)."""
    while n > 0:
        data = stream.read(min(n, 1 * MiB))
        if not data:
            return
        n -= len(data)


def _decoder(codec: str, raw: IO[bytes], owner: str) -> IO[bytes]:
    if codec == "gzip":
        return inflate.gzip_file(raw)  # zlib-ng when installed, else the standard library
    if codec == "bzip2":
        import bz2

        return bz2.BZ2File(raw)
    if codec == "xz":
        import lzma

        return lzma.LZMAFile(raw)
    if codec == "lzma":
        import lzma

        return lzma.LZMAFile(raw, format=lzma.FORMAT_ALONE)
    if codec in UNREADABLE_CODECS:
        what = "compressed by Unix compress (.Z)" if codec == "compress" else f"{codec}-compressed"
        raise ArchiveError(
            owner,
            f"{what}: GNU tar opens it (through `{codec} -d`), but linkguard cannot decompress it, so what it "
            f"holds cannot be checked (ship gzip, xz, bzip2 or zstd instead, or exclude the file)",
            "unsupported",
        )
    if codec == "zstd":
        try:
            import zstandard
        except ImportError as exc:
            raise ArchiveError(
                owner,
                "zstd-compressed, but the optional zstandard module is not installed, so its contents cannot be "
                "checked (pip install 'linkguard[zstd]')",
                "unsupported",
            ) from exc
        reader: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        return reader
    raise ValueError(f"unknown codec {codec!r}")
