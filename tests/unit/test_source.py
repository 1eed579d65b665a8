from __future__ import annotations

import os
from pathlib import Path

import pytest

from linkguard.readers import source
from linkguard.readers.source import FileSource, StreamSource, source_for
from linkguard.seekable import Window


def test_a_regular_file_is_read_with_positioned_reads(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(bytes(range(256)) * 40)
    with open(path, "rb") as handle:
        reader = source_for(handle, 10240)
        if source._PREAD:
            assert isinstance(reader, FileSource)
        assert reader.read(0, 4) == b"\x00\x01\x02\x03"
        assert reader.read(10238, 8) == b"\xfe\xff"  # short at the end, as every Source is
        assert reader.read(10240, 8) == b""
        assert Window(reader).read(300, 3) == bytes((44, 45, 46))


def test_a_pipe_is_read_as_a_stream() -> None:
    """Not a regular file: no positioned reads on it (pread fails on a pipe), the stream serves it."""
    read_end, write_end = os.pipe()
    os.write(write_end, b"\x7fELF")
    os.close(write_end)
    with os.fdopen(read_end, "rb") as handle:
        assert isinstance(source_for(handle, 4), StreamSource)


@pytest.mark.skipif(not source._PREAD, reason="no pread here: files are mapped")
def test_a_short_read_before_the_end_is_read_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"abcdefghij")
    real = os.pread

    def at_most_three(fd: int, length: int, offset: int) -> bytes:
        return real(fd, min(length, 3), offset)

    monkeypatch.setattr(source.os, "pread", at_most_three)
    with open(path, "rb") as handle:
        assert FileSource(handle.fileno(), 10).read(1, 20) == b"bcdefghij"
