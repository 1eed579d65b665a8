"""The one seekable, read-only stream shape that inspection and archive inputs both build on."""

from __future__ import annotations

import io


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
