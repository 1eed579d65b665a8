"""Where an image's bytes come from: positioned reads on a file, a stream, or bytes already in memory.

Each is a `seekable.Source` (positioned reads); readers read them through a `seekable.Window`, which clips and
charges every read to the artifact's Budget before it asks.
"""

from __future__ import annotations

import mmap
from typing import IO, Optional

from linkguard.seekable import Source, StreamSource


class BytesSource:
    """Bytes in memory: an original program rebuilt from a packed file."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.size = len(data)

    def read(self, offset: int, size: int) -> bytes:
        return self._data[offset : offset + size]


class MappedSource:
    """A regular file mapped read-only: a read is a slice, with no system call (most reads of an ELF file are a few
    dozen bytes at scattered offsets, where seek+read cost more than the copy)."""

    def __init__(self, mapping: mmap.mmap, size: int) -> None:
        self._map = mapping
        self.size = size

    def read(self, offset: int, size: int) -> bytes:
        return self._map[offset : offset + size]

    def close(self) -> None:
        self._map.close()


def source_for(stream: IO[bytes], size: int) -> Source:
    """The cheapest Source for `stream`: a mapping when it is a regular file that can be mapped, else the stream."""
    mapped = _map(stream, size)
    return MappedSource(mapped, size) if mapped is not None else StreamSource(stream, size)


def _map(stream: IO[bytes], size: int) -> Optional[mmap.mmap]:
    try:
        fileno = stream.fileno()
    except (AttributeError, OSError, ValueError):  # an archive member window, a replay stream, bytes
        return None
    try:
        mapping = mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError, OverflowError):  # an empty or special file, or no address space left
        return None
    if len(mapping) < size:  # the file shrank since it was measured: read what is there through the stream
        mapping.close()
        return None
    return mapping
