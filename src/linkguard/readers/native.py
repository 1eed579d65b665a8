"""Bounded byte access shared by the PE and Mach-O readers, and the one error they raise on bad input.

Every read is clipped to the file (or slice) size and charged to the artifact's Budget, so a hostile offset or
count costs at most what the file holds and ends as `Malformed` (LG901) instead of an exception or a hang.
"""

from __future__ import annotations

import struct
from typing import IO, Any, List, Tuple

from linkguard.readers.budget import Budget

MAX_STRING = 4096  # longest DLL, function or install name accepted


class Malformed(Exception):
    """The file announces PE or Mach-O but its headers cannot be trusted; the message says exactly where."""

    def __init__(self, reason: str, kind: str = "corrupt") -> None:
        super().__init__(reason)
        self.kind = kind  # "corrupt" | "truncated"


class Window:
    """Reads inside [base, base + size) of a stream, charged to a budget; offsets are relative to `base`."""

    def __init__(self, stream: IO[bytes], base: int, size: int, budget: Budget) -> None:
        self.stream = stream
        self.base = base
        self.size = size
        self.budget = budget

    def read(self, offset: int, length: int) -> bytes:
        """Up to `length` bytes at `offset`; short (or empty) past the end, never beyond it."""
        if offset < 0 or length <= 0 or offset >= self.size:
            return b""
        length = min(length, self.size - offset)
        self.budget.charge_read(length)
        self.stream.seek(self.base + offset)
        return self.stream.read(length)

    def exact(self, offset: int, length: int, what: str) -> bytes:
        """Exactly `length` bytes at `offset`, or Malformed naming `what` and the shortfall."""
        if offset < 0 or offset + length > self.size:
            raise Malformed(
                f"truncated: {what} at offset {offset:#x} (+{length}) extends past the end of the file "
                f"({self.size} bytes)",
                "truncated",
            )
        data = self.read(offset, length)
        if len(data) != length:
            raise Malformed(f"truncated: short read of {what} at offset {offset:#x}", "truncated")
        return data

    def cstring(self, offset: int, what: str, limit: int = MAX_STRING) -> str:
        """A NUL-terminated printable ASCII/UTF-8 string at `offset`, or Malformed."""
        raw = self.read(offset, min(256, limit + 1))  # names are short: read more only when needed
        end = raw.find(b"\0")
        if end < 0 and len(raw) == min(256, limit + 1) < limit + 1:
            raw = self.read(offset, limit + 1)
            end = raw.find(b"\0")
        if end < 0:
            if len(raw) <= limit:
                raise Malformed(f"truncated: {what} at offset {offset:#x} runs past the end of the file", "truncated")
            raise Malformed(f"corrupt: {what} at offset {offset:#x} is not terminated within {limit} bytes")
        return printable_name(raw[:end], what, offset)


def printable_name(raw: bytes, what: str, offset: int) -> str:
    """Decode a library or symbol name; control bytes or invalid UTF-8 mean the pointer to it is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed(f"corrupt: {what} at offset {offset:#x} is not valid text") from None
    if not text or not text.isprintable():
        raise Malformed(f"corrupt: {what} at offset {offset:#x} is empty or holds control characters")
    return text


def unpack(fmt: str, data: bytes, offset: int = 0) -> Tuple[Any, ...]:
    """struct.unpack_from that the callers have already bounded (raises Malformed instead of struct.error)."""
    try:
        return struct.unpack_from(fmt, data, offset)
    except struct.error:
        raise Malformed(f"truncated: record of {struct.calcsize(fmt)} bytes at {offset:#x}", "truncated") from None


def find_all(data: bytes, needle: bytes, limit: int = 64) -> Tuple[int, ...]:
    """Offsets of up to `limit` occurrences of `needle` in `data`."""
    hits: List[int] = []
    pos = data.find(needle)
    while pos >= 0 and len(hits) < limit:
        hits.append(pos)
        pos = data.find(needle, pos + 1)
    return tuple(hits)
