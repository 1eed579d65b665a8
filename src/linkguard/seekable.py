"""Bounded reads of bytes that inspection and archive inputs both build on.

- `Source`: positioned reads (`read(offset, size)`) of something `size` bytes long; `StreamSource` adapts a
  seekable stream.
- `Window`: the one bounded reader. It reads inside [base, base + size) of a Source, clips every read to the
  window (a hostile offset or length costs at most what the window holds) and charges each read before it
  happens (readers pass their Budget's `charge_read`). The ELF image, the PE and Mach-O readers, UPX's reads
  of a packed file and archive member streams all read through it.
- `WindowStream`: a Window as a seekable read-only file object (archive members read by tarfile, zipfile,
  the readers), on the `SeekableReader` base.
"""

from __future__ import annotations

import io
from typing import IO, Callable, Optional, Protocol


class Source(Protocol):
    """Positioned reads of `size` bytes: a file mapping, a stream, bytes in memory."""

    size: int

    def read(self, offset: int, size: int) -> bytes:
        """Up to `size` bytes at `offset` (short at the end); the caller has clipped both to `size`."""
        ...


class StreamSource:
    """A seekable binary stream (a file, an archive member, a replay stream) as a Source."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self._stream = stream
        self.size = size

    def read(self, offset: int, size: int) -> bytes:
        self._stream.seek(offset)
        return self._stream.read(size)


class Window:
    """Reads inside [base, base + size) of `source`; offsets are relative to `base`; each read is charged.

    `charge(n)` is called with the length of every read before it happens (a Budget's `charge_read`, which
    raises when the artifact's bytes or time are used up); None for reads that run outside inspection.
    """

    def __init__(
        self, source: Source, base: int = 0, size: Optional[int] = None, charge: Optional[Callable[[int], None]] = None
    ) -> None:
        self.source = source
        self.base = base
        self.size = source.size - base if size is None else size
        self.charge = charge
        self._head = b""  # the first bytes, once keep_head() read them: most header reads then cost no I/O

    def read(self, offset: int, length: int) -> bytes:
        """Up to `length` bytes at `offset`; short (or empty) past the end, never beyond it."""
        if offset < 0 or length <= 0 or offset >= self.size:
            return b""
        if length > self.size - offset:
            length = self.size - offset
        if self.charge is not None:
            self.charge(length)
        end = offset + length
        if end <= len(self._head):
            return self._head[offset:end]
        return self.source.read(self.base + offset, length)

    def keep_head(self, length: int) -> bytes:
        """Read the first `length` bytes once and serve later reads inside them from memory; returns them."""
        self._head = b""
        self._head = self.read(0, length)
        return self._head


class SeekableReader(io.RawIOBase):
    """A read-only stream of `_size` bytes with a position `_pos`; subclasses implement `read`."""

    _size: int
    _pos: int

    def __init__(self, size: int) -> None:
        super().__init__()
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = 0 if whence == io.SEEK_SET else self._pos if whence == io.SEEK_CUR else self._size
        if base + offset < 0:
            raise OSError(f"seek to negative offset {base + offset}")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class WindowStream(SeekableReader):
    """A Window read as a file object: `size` bytes at `offset` of the seekable stream `raw` (which it owns)."""

    def __init__(self, raw: IO[bytes], offset: int, size: int) -> None:
        super().__init__(size)
        self._raw = raw
        self._window = Window(StreamSource(raw, offset + size), offset, size)

    def read(self, size: Optional[int] = -1) -> bytes:
        left = max(0, self._size - self._pos)
        n = left if size is None or size < 0 else min(size, left)
        data = self._window.read(self._pos, n)
        self._pos += len(data)
        return data

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()
