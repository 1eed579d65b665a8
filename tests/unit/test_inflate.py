"""inputs/inflate.py: zlib-ng and the standard library give the same bytes, errors and reports.

Every archive of the test corpus is scanned once per backend and the reports must be equal; the decompressor
semantics inputs/ relies on (max_length, unconsumed_tail, eof, unused_data) are compared call by call on real zip
members; a gzip stream with a wrong CRC reads as the same LG901 from both (zlib-ng words that error differently).
"""

from __future__ import annotations

import gzip
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from linkguard.config import Policy
from linkguard.inputs import inflate
from linkguard.model import Report
from linkguard.scan import scan
from tests.truth import require_module

ARCHIVES = Path(__file__).resolve().parents[1] / "data" / "archives"
NOT_ARCHIVES = (".py", ".json", ".c", ".go", ".sh", ".md", ".txt", ".toml")

require_module("zlib_ng", "the zlib-ng inflate backend is a core dependency; both backends must be tested")


@pytest.fixture
def backend() -> Iterator[None]:
    """Restore whichever backend was in use before the test."""
    before = inflate.backend
    yield
    inflate.use(before)


def corpus() -> List[Path]:
    """Every archive (and compressed file) under tests/data/archives: real, hostile and edge cases."""
    found = (p for p in ARCHIVES.rglob("*") if p.is_file() and p.suffix not in NOT_ARCHIVES)
    return sorted(p for p in found if "src" not in p.relative_to(ARCHIVES).parts)


def scanned(paths: List[Path], name: str) -> Report:
    inflate.use(name)
    return scan([str(p) for p in paths], Policy(jobs=1, allow_empty=True))


# Where a decompression bomb is stopped depends on how far ahead the reader has read the compressed stream: 8 KiB at
# a time for Python 3.11's gzip, 128 KiB from 3.12 on, 512 KiB for zlib-ng. The limit and its verdict are the same;
# the byte counts in its message are not (they differ between Python versions already), so they are masked.
_COUNTS = re.compile(r"\d+ bytes inflated from \d+ compressed bytes \(ratio [\d.]+:1")


def masked(report: Report) -> Tuple[str, int]:
    """The report as text with those counts masked, and how many were."""
    return _COUNTS.subn("N bytes inflated from M compressed bytes (ratio R:1", repr((report.artifacts, report.skipped)))


def test_both_backends_are_available() -> None:
    assert inflate.available() == (inflate.STDLIB, inflate.ZLIB_NG)


@pytest.mark.usefixtures("backend")
def test_the_corpus_reads_the_same_with_either_backend() -> None:
    paths = corpus()
    assert len(paths) > 40  # the whole corpus, hostile archives included
    fast = scanned(paths, inflate.ZLIB_NG)
    slow = scanned(paths, inflate.STDLIB)
    (fast_text, fast_bombs), (slow_text, slow_bombs) = masked(fast), masked(slow)
    assert fast_text == slow_text
    assert fast_bombs == slow_bombs > 0  # hostile-bomb.tar.gz was stopped by the ratio limit both times
    assert any("!" in a.path and a.facts is not None for a in fast.artifacts)  # members were really inspected


@pytest.mark.usefixtures("backend")
def test_the_default_backend_is_zlib_ng_when_installed() -> None:
    import importlib

    importlib.reload(inflate)
    assert inflate.backend == inflate.ZLIB_NG


def deflated_members() -> List[Tuple[str, bytes, int]]:
    """(name, raw deflate data, uncompressed size) of every deflated member of the corpus's zips and wheels."""
    out = []
    for path in [ARCHIVES / "release.zip", ARCHIVES / "spex-1.0-py3-none-manylinux_2_17_x86_64.whl"]:
        data = path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.compress_type != zipfile.ZIP_DEFLATED:
                    continue
                name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
                start = info.header_offset + 30 + name_len + extra_len
                out.append((info.filename, data[start : start + info.compress_size], info.file_size))
    assert out
    return out


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("steps", [(8, 262, 512), (4, 1 << 20), (512,)])
def test_decompressobj_semantics_match_the_stdlib(steps: Tuple[int, ...]) -> None:
    """max_length, unconsumed_tail, eof and unused_data (trailing bytes after the deflate stream) as zlib's."""

    def trace(name: str, raw: bytes) -> List[object]:
        inflate.use(name)
        decompressor = inflate.decompressobj(-15)
        rest, seen = raw + b"TRAILER", []
        for step in steps:
            out = decompressor.decompress(rest, step)
            rest = decompressor.unconsumed_tail
            seen.append((out, rest, decompressor.eof, decompressor.unused_data))
        return seen

    for name, raw, size in deflated_members():
        stdlib = trace(inflate.STDLIB, raw)
        assert trace(inflate.ZLIB_NG, raw) == stdlib, name
        assert len(stdlib[0][0]) == min(steps[0], size)  # type: ignore[index]


def bad_crc(tmp_path: Path) -> Tuple[Path, str]:
    """release.tar.gz with its CRC-32 trailer zeroed, and the standard library's message for it."""
    data = bytearray((ARCHIVES / "release.tar.gz").read_bytes())
    data[-8:-4] = b"\0\0\0\0"
    path = tmp_path / "bad-crc.tar.gz"
    path.write_bytes(bytes(data))
    crc = zlib.crc32(gzip.decompress((ARCHIVES / "release.tar.gz").read_bytes()))
    return path, f"CRC check failed 0x0 != {hex(crc)}"


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("name", [inflate.STDLIB, inflate.ZLIB_NG])
def test_a_crc_mismatch_reads_the_same(tmp_path: Path, name: str) -> None:
    path, text = bad_crc(tmp_path)
    report = scanned([path], name)
    reasons = [a.problem.reason for a in report.artifacts if a.path == str(path) and a.problem is not None]
    assert reasons == [f"corrupt gzip stream: {text}"]


def test_message_rewords_only_zlib_ngs_crc_error() -> None:
    assert inflate.message(OSError("CRC check failed 0 != 1354577178")) == "CRC check failed 0x0 != 0x50bd351a"
    assert inflate.message(OSError("CRC check failed 0x0 != 0x50bd351a")) is None
    assert inflate.message(OSError("Incorrect length of data produced")) is None


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown inflate backend"):
        inflate.use("isal")
