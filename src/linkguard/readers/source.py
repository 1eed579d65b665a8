"""Where an image's bytes come from: positioned reads on a file, a stream, or bytes already in memory.

Each is a `seekable.Source` (positioned reads); readers read them through a `seekable.Window`, which clips and
charges every read to the artifact's Budget before it asks.
"""

from __future__ import annotations

import mmap
import os
import stat
from typing import IO, Optional

from linkguard.seekable import Source, StreamSource


class BytesSource:
    """Bytes in memory: an original program rebuilt from a packed file."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.size = len(data)

    def read(self, offset: int, size: int) -> bytes:
        return self._data[offset : offset + size]


class FileSource:
    """A regular file read with positioned reads (pread): one system call per read, nothing to set up or tear down.

    Cheaper per file than a mapping (MappedSource) for what the readers do: a dozen or two small reads per ELF file,
    where mmap + munmap and a page fault per page touched cost more than the reads (bench/executable_cost.py: the
    read of an ELF file of the benchmark tree took ~20% less CPU than through a mapping)."""

    def __init__(self, fd: int, size: int) -> None:
        self._fd = fd
        self.size = size

    def read(self, offset: int, size: int) -> bytes:
        data = os.pread(self._fd, size, offset)
        if len(data) == size or not data:
            return data
        parts = [data]  # a short read before the end (rare for a regular file): read on until the end
        while size > len(data):
            offset += len(data)
            size -= len(data)
            data = os.pread(self._fd, size, offset)
            if not data:
                break
            parts.append(data)
        return b"".join(parts)


class MappedSource:
    """A regular file mapped read-only, where there is no pread (Windows): a read is a slice, with no system call
    (seek+read per read would cost more than the copy)."""

    def __init__(self, mapping: mmap.mmap, size: int) -> None:
        self._map = mapping
        self.size = size

    def read(self, offset: int, size: int) -> bytes:
        return self._map[offset : offset + size]

    def close(self) -> None:
        self._map.close()


def source_for(stream: IO[bytes], size: int) -> Source:
    """The cheapest Source for `stream`: positioned reads on its descriptor when it is a regular file (a mapping
    where there is no pread), else the stream."""
    try:
        fileno = stream.fileno()
    except (AttributeError, OSError, ValueError):  # an archive member window, a replay stream, bytes
        return StreamSource(stream, size)
    if _PREAD:
        try:
            regular = stat.S_ISREG(os.fstat(fileno).st_mode)
        except OSError:
            regular = False
        return FileSource(fileno, size) if regular else StreamSource(stream, size)
    mapped = _map(fileno, size)
    return MappedSource(mapped, size) if mapped is not None else StreamSource(stream, size)


_PREAD = hasattr(os, "pread")


def _map(fileno: int, size: int) -> Optional[mmap.mmap]:
    try:
        mapping = mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError, OverflowError):  # an empty or special file, or no address space left
        return None
    if len(mapping) < size:  # the file shrank since it was measured: read what is there through the stream
        mapping.close()
        return None
    return mapping
