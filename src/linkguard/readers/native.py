"""Structure reads shared by the PE and Mach-O readers, failing closed as `Corrupt`.

Reads go through a `seekable.Window` (clipped to the file or slice, charged to the artifact's Budget), so a
hostile offset or count costs at most what the file holds and ends as `Corrupt` (LG901) instead of an
exception or a hang. `StructReader` adds what a format reader needs on top: exact-length records and
NUL-terminated names, each failure naming the structure and its offset.
"""

from __future__ import annotations

import struct
from typing import IO, Any, List, Tuple

from linkguard.readers.budget import Budget
from linkguard.readers.corrupt import Corrupt
from linkguard.seekable import StreamSource, Window

MAX_STRING = 4096  # longest DLL, function or install name accepted


class StructReader(Window):
    """The Window of one PE file or Mach-O slice ([base, base + size) of `stream`), with structure reads."""

    def __init__(self, stream: IO[bytes], base: int, size: int, budget: Budget) -> None:
        super().__init__(StreamSource(stream, base + size), base, size, budget.charge_read)
        self.budget = budget

    def exact(self, offset: int, length: int, what: str) -> bytes:
        """Exactly `length` bytes at `offset`, or Corrupt naming `what` and the shortfall."""
        if offset < 0 or offset + length > self.size:
            raise Corrupt(
                f"truncated: {what} at offset {offset:#x} (+{length}) extends past the end of the file "
                f"({self.size} bytes)",
                "truncated",
            )
        data = self.read(offset, length)
        if len(data) != length:
            raise Corrupt(f"truncated: short read of {what} at offset {offset:#x}", "truncated")
        return data

    def cstring(self, offset: int, what: str, limit: int = MAX_STRING) -> str:
        """A NUL-terminated printable ASCII/UTF-8 string at `offset`, or Corrupt."""
        raw = self.read(offset, min(256, limit + 1))  # names are short: read more only when needed
        end = raw.find(b"\0")
        if end < 0 and len(raw) == min(256, limit + 1) < limit + 1:
            raw = self.read(offset, limit + 1)
            end = raw.find(b"\0")
        if end < 0:
            if len(raw) <= limit:
                raise Corrupt(f"truncated: {what} at offset {offset:#x} runs past the end of the file", "truncated")
            raise Corrupt(f"corrupt: {what} at offset {offset:#x} is not terminated within {limit} bytes")
        return printable_name(raw[:end], what, offset)


def printable_name(raw: bytes, what: str, offset: int) -> str:
    """Decode a library or symbol name; control bytes or invalid UTF-8 mean the pointer to it is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Corrupt(f"corrupt: {what} at offset {offset:#x} is not valid text") from None
    if not text or not text.isprintable():
        raise Corrupt(f"corrupt: {what} at offset {offset:#x} is empty or holds control characters")
    return text


def unpack(fmt: str, data: bytes, offset: int = 0) -> Tuple[Any, ...]:
    """struct.unpack_from that the callers have already bounded (raises Corrupt instead of struct.error)."""
    try:
        return struct.unpack_from(fmt, data, offset)
    except struct.error:
        raise Corrupt(f"truncated: record of {struct.calcsize(fmt)} bytes at {offset:#x}", "truncated") from None


def find_all(data: bytes, needle: bytes, limit: int = 64) -> Tuple[int, ...]:
    """Offsets of up to `limit` occurrences of `needle` in `data`."""
    hits: List[int] = []
    pos = data.find(needle)
    while pos >= 0 and len(hits) < limit:
        hits.append(pos)
        pos = data.find(needle, pos + 1)
    return tuple(hits)
