"""Deflate and gzip decoding: zlib-ng (the `zlib-ng` package) when it is installed, else the standard library.

Inflating is most of the time spent on a `.tar.gz` and much of it on a jar's members. zlib-ng's Python bindings are a
drop-in for `zlib` (same wbits, `decompressobj` with `max_length`, `unconsumed_tail`, `unused_data` and `eof`, the
same exception types and messages, `crc32`) and inflate about twice as fast. gzip streams are read by one reader for
both backends, the standard library's reading logic ported here, so a report never depends on which backend ran
(tests/unit/test_inflate.py runs both on the whole archive corpus).

The backend is chosen once at import; `use()` switches it (the tests run every path with each).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from typing import IO, Any, List, Optional, Tuple, Type, cast

STDLIB = "stdlib"
ZLIB_NG = "zlib-ng"
_zlib: Any = zlib  # the module that provides decompressobj(): `zlib` or `zlib_ng.zlib_ng`
backend = STDLIB


def use(name: str) -> str:
    """Decode with backend `name` (STDLIB or ZLIB_NG) from now on; the backend in use before. ImportError when
    zlib-ng is asked for and not installed."""
    global _zlib, backend
    before = backend
    if name == ZLIB_NG:
        from zlib_ng import zlib_ng

        _zlib = zlib_ng
    elif name == STDLIB:
        _zlib = zlib
    else:
        raise ValueError(f"unknown inflate backend {name!r}")
    backend = name
    return before


def decompressobj(wbits: int) -> Any:
    """A decompressor as `zlib.decompressobj(wbits)` makes one (-15: raw deflate, as in a zip member)."""
    return _zlib.decompressobj(wbits)


def errors() -> Tuple[Type[BaseException], ...]:
    """The exception types a decompressor of the current backend raises on bad data."""
    return (zlib.error, _zlib.error)


CHECKPOINT_EVERY = 32 << 20  # decompressed bytes between two checkpoints of a gzip stream (about 50 KiB each)
MAX_CHECKPOINTS = 128  # past this every other one is dropped and the spacing doubled: memory stays flat


@dataclass(frozen=True)
class Checkpoint:
    """A gzip reader's state at `position` decompressed bytes: enough to resume there from the compressed file,
    `raw_position` bytes in, instead of inflating everything before it again."""

    position: int
    raw_position: int
    decompressor: Any  # a copy() of the decompressor
    pending: bytes  # compressed bytes read from the file but not yet given to the decompressor
    crc: int
    stream_size: int


def gzip_file(raw: IO[bytes], checkpoints: Optional[List[Checkpoint]] = None) -> IO[bytes]:
    """The decompressed bytes of the gzip stream (members one after another, zero padding allowed) read from `raw`.

    What `gzip.GzipFile(fileobj=raw)` of Python 3.9 to 3.11 reads and raises, with the current backend's inflate and
    CRC: the standard library's reading logic, ported (`_GzipReader`), behind the same 8 KiB buffer. zlib-ng's own
    gzip readers would be faster still, but a stream cut short loses up to a buffer of the bytes before the error
    with them (gzip_ng's GzipNGFile buffers 512 KiB, its C reader drops the output of the call that meets the end),
    and a truncated tarball would show fewer members than with the standard library.
    """
    return cast(IO[bytes], io.BufferedReader(_GzipReader(raw, checkpoints)))


def resume_gzip(raw: IO[bytes], checkpoint: Checkpoint) -> IO[bytes]:
    """The decompressed bytes from `checkpoint.position` on, `raw` being the compressed file at its raw_position."""
    return cast(IO[bytes], io.BufferedReader(_GzipReader(raw, None, checkpoint)))


_EOF = "Compressed file ended before the end-of-stream marker was reached"
_FEXTRA, _FNAME, _FCOMMENT, _FHCRC = 4, 8, 16, 2


class _Padded:
    """A forward stream that can take back bytes it gave (gzip._PaddedFile): what was read past a member's end."""

    def __init__(self, raw: IO[bytes], buffer: bytes = b"", raw_position: int = 0) -> None:
        self._raw = raw
        self._buffer = buffer
        self.raw_position = raw_position  # bytes read from `raw` (from the start of the file)

    def read(self, size: int) -> bytes:
        if not self._buffer:
            data = self._raw.read(size)
            self.raw_position += len(data)
            return data
        if size <= len(self._buffer):
            out, self._buffer = self._buffer[:size], self._buffer[size:]
            return out
        out, self._buffer = self._buffer, b""
        more = self._raw.read(size - len(out))
        self.raw_position += len(more)
        return out + more

    @property
    def pending(self) -> bytes:
        return self._buffer

    def prepend(self, data: bytes) -> None:
        self._buffer = data + self._buffer

    def exact(self, size: int) -> bytes:
        data = self.read(size)
        while len(data) < size:
            more = self.read(size - len(data))
            if not more:
                raise EOFError(_EOF)
            data += more
        return data


class _GzipReader(io.RawIOBase):
    """gzip._GzipReader (Python 3.11) over the backend's decompressobj and crc32: the same bytes, the same errors."""

    def __init__(
        self, raw: IO[bytes], checkpoints: Optional[List[Checkpoint]] = None, start: Optional[Checkpoint] = None
    ) -> None:
        super().__init__()
        self._zlib = _zlib
        self._checkpoints = checkpoints  # where to record checkpoints as the stream is read (the main pass)
        if start is None:
            self._fp = _Padded(raw)
            self._decompressor: Any = self._zlib.decompressobj(-zlib.MAX_WBITS)
            self._new_member = True
            self._crc = self._stream_size = self._position = 0
        else:  # taken inside a member's deflate data, never at a member boundary
            self._fp = _Padded(raw, start.pending, start.raw_position)
            self._decompressor = start.decompressor.copy()
            self._new_member = False
            self._crc, self._stream_size, self._position = start.crc, start.stream_size, start.position
        self._every = CHECKPOINT_EVERY
        self._next_checkpoint = self._position + self._every

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with memoryview(buffer) as view, view.cast("B") as bytes_view:
            data = self.read(len(bytes_view))
            bytes_view[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            raise ValueError("read() of a gzip stream needs a size")  # BufferedReader always gives one
        if not size:
            return b""
        while True:  # one decompress() call may give nothing: retry until data or the end
            if self._decompressor.eof:
                self._read_eof()
                self._new_member = True
                self._decompressor = self._zlib.decompressobj(-zlib.MAX_WBITS)
            if self._new_member:
                self._crc, self._stream_size = 0, 0
                if not self._read_header():
                    return b""
                self._new_member = False
            chunk = self._fp.read(io.DEFAULT_BUFFER_SIZE)
            data: bytes = self._decompressor.decompress(chunk, size)
            if self._decompressor.unconsumed_tail:
                self._fp.prepend(self._decompressor.unconsumed_tail)
            elif self._decompressor.unused_data:
                self._fp.prepend(self._decompressor.unused_data)  # the member's trailer, and what follows it
            if data:
                break
            if not chunk:
                raise EOFError(_EOF)
        self._crc = self._zlib.crc32(data, self._crc)
        self._stream_size += len(data)
        self._position += len(data)
        if self._checkpoints is not None and self._position >= self._next_checkpoint:
            self._checkpoint()
        return data

    def _checkpoint(self) -> None:
        assert self._checkpoints is not None
        if len(self._checkpoints) >= MAX_CHECKPOINTS:
            del self._checkpoints[1::2]
            self._every *= 2
        self._next_checkpoint = self._position + self._every
        if self._decompressor.eof or self._decompressor.unused_data:
            return  # at a member's end: the next read starts a new member (taken at the next one)
        self._checkpoints.append(
            Checkpoint(
                self._position,
                self._fp.raw_position,
                self._decompressor.copy(),
                self._fp.pending,
                self._crc,
                self._stream_size,
            )
        )

    def _read_header(self) -> bool:
        """Read a member's gzip header; False at the end of the stream."""
        from gzip import BadGzipFile

        magic = self._fp.read(2)
        if magic == b"":
            return False
        if magic != b"\037\213":
            raise BadGzipFile(f"Not a gzipped file ({magic!r})")
        method, flags = struct.unpack("<BBIxx", self._fp.exact(8))[:2]
        if method != 8:
            raise BadGzipFile("Unknown compression method")
        if flags & _FEXTRA:
            (extra,) = struct.unpack("<H", self._fp.exact(2))
            self._fp.exact(extra)
        for flag in (_FNAME, _FCOMMENT):  # zero-terminated strings
            if flags & flag:
                while True:
                    byte = self._fp.read(1)
                    if not byte or byte == b"\0":
                        break
        if flags & _FHCRC:
            self._fp.exact(2)
        return True

    def _read_eof(self) -> None:
        from gzip import BadGzipFile

        crc, size = struct.unpack("<II", self._fp.exact(8))
        if crc != self._crc:
            raise BadGzipFile(f"CRC check failed {hex(crc)} != {hex(self._crc)}")
        if size != self._stream_size & 0xFFFFFFFF:
            raise BadGzipFile("Incorrect length of data produced")
        byte = b"\0"  # zero padding between members is skipped, as gzip does
        while byte == b"\0":
            byte = self._fp.read(1)
        if byte:
            self._fp.prepend(byte)


def _initial() -> None:
    try:
        use(ZLIB_NG)
    except ImportError:
        use(STDLIB)


_initial()
