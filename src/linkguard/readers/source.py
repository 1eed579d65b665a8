"""Where an image's bytes come from: positioned reads on a file, a stream, or bytes already in memory.

Readers ask for `read(offset, size)`; the ELF reader charges every read to the artifact's Budget before it asks.
"""

from __future__ import annotations

from typing import IO, Protocol


class Source(Protocol):
    size: int

    def read(self, offset: int, size: int) -> bytes:
        """Up to `size` bytes at `offset` (short at the end); the caller has clipped both to `size`."""
        ...


class StreamSource:
    """A seekable binary stream (a file, an archive member window, a replay stream)."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self._stream = stream
        self.size = size

    def read(self, offset: int, size: int) -> bytes:
        self._stream.seek(offset)
        return self._stream.read(size)


class BytesSource:
    """Bytes in memory: an original program rebuilt from a packed file."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.size = len(data)

    def read(self, offset: int, size: int) -> bytes:
        return self._data[offset : offset + size]
