"""inputs/inflate.py: zlib-ng and the standard library give the same bytes, errors and reports.

Every archive of the test corpus is scanned once per backend and the reports must be equal; the decompressor
semantics inputs/ relies on (max_length, unconsumed_tail, eof, unused_data) are compared call by call on real zip
members; a gzip stream with a wrong CRC reads as the same LG901 from both.
"""

from __future__ import annotations

import gzip
import io
import os
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


@pytest.mark.usefixtures("backend")
def test_the_corpus_reads_the_same_with_either_backend() -> None:
    paths = corpus()
    assert len(paths) > 40  # the whole corpus, hostile archives included
    fast = scanned(paths, inflate.ZLIB_NG)
    slow = scanned(paths, inflate.STDLIB)
    assert fast == slow  # truncated, corrupt and bomb tarballs included: the same members, the same messages
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


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("name", [inflate.STDLIB, inflate.ZLIB_NG])
def test_a_zip_member_read_through_zipfile_inflates_with_the_backend_in_use(name: str) -> None:
    """zipfile inflates with the standard library's zlib; a member the walker reads through it (an executable in a
    wheel or a jmod, read whole) gets the backend's decompressor instead, and the same bytes, CRC check included."""
    from linkguard.inputs.zip import _opened

    inflate.use(name)
    expected = type(inflate.decompressobj(-15))
    with zipfile.ZipFile(ARCHIVES / "spex-1.0-py3-none-manylinux_2_17_x86_64.whl") as archive:
        deflated = [i for i in archive.infolist() if i.compress_type == zipfile.ZIP_DEFLATED]
        assert deflated
        for info in deflated:
            with _opened(archive, info) as live:
                assert type(live._decompressor) is expected  # type: ignore[attr-defined]
                assert live.read() == archive.read(info)


def bad_crc(tmp_path: Path) -> Tuple[Path, str]:
    """spex-linux-amd64.gz (one compressed program, read to its end) with its CRC-32 trailer zeroed, and the
    standard library's message for it."""
    original = (ARCHIVES / "spex-linux-amd64.gz").read_bytes()
    path = tmp_path / "bad-crc.gz"
    path.write_bytes(original[:-8] + b"\0\0\0\0" + original[-4:])
    return path, f"CRC check failed 0x0 != {hex(zlib.crc32(gzip.decompress(original)))}"


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("name", [inflate.STDLIB, inflate.ZLIB_NG])
def test_a_crc_mismatch_reads_the_same(tmp_path: Path, name: str) -> None:
    path, text = bad_crc(tmp_path)
    report = scanned([path], name)
    reasons = [a.problem.reason for a in report.artifacts if a.path == str(path) and a.problem is not None]
    assert reasons == [f"corrupt gzip stream: {text}"]


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown inflate backend"):
        inflate.use("isal")


def damaged_streams() -> List[Tuple[str, bytes]]:
    """gzip streams, good and damaged in each way gzip.GzipFile tells apart."""
    good = gzip.compress(os.urandom(30000) + bytes(100000))
    body = zlib.compressobj(6, zlib.DEFLATED, -15)
    flags = 4 | 8 | 16 | 2  # FEXTRA, FNAME, FCOMMENT, FHCRC
    named = b"\x1f\x8b\x08" + bytes([flags]) + bytes(4) + b"\x00\xff" + b"\x02\x00ab" + b"name\0comment\0" + bytes(2)
    named += body.compress(b"x" * 5000) + body.flush() + struct.pack("<II", zlib.crc32(b"x" * 5000), 5000)
    return [
        ("good", good),
        ("flags", named),
        ("truncated", good[: len(good) // 2]),
        ("truncated trailer", good[:-3]),
        ("bad crc", good[:-8] + b"\0\0\0\0" + good[-4:]),
        ("bad length", good[:-4] + b"\1\0\0\0"),
        ("bad magic", b"\x1f\x8c" + good[2:]),
        ("bad method", good[:2] + b"\x07" + good[3:]),
        ("corrupt", good[:10] + b"\xff\xff\xff" + good[13:]),
        ("two members", good + good),
        ("zero padding", good + bytes(100)),
        ("garbage after", good + b"garbage"),
        ("second cut short", good + good[:20]),
        ("empty", b""),
        ("header only", good[:5]),
    ]


def reading(stream: io.BufferedIOBase) -> Tuple[int, str]:
    """The bytes read (10 KiB at a time, as tarfile reads) before the end or an error, and the error."""
    count = 0
    try:
        while True:
            data = stream.read(10240)
            if not data:
                return count, "end"
            count += len(data)
    except Exception as exc:  # each error type and message is compared
        return count, f"{type(exc).__name__}: {exc}"


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("name", [inflate.STDLIB, inflate.ZLIB_NG])
def test_gzip_file_reads_and_fails_as_gzip_does(name: str) -> None:
    inflate.use(name)
    for case, data in damaged_streams():
        expected = reading(gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb"))
        assert reading(inflate.gzip_file(io.BytesIO(data))) == expected, case  # type: ignore[arg-type]


@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("name", [inflate.STDLIB, inflate.ZLIB_NG])
def test_a_slice_read_again_resumes_from_a_checkpoint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    """A forward-only slice opened again starts at the gzip stream's last checkpoint before it, with the same bytes."""
    from linkguard.inputs.streams import DecodedSource, FileSource, SliceSource
    from linkguard.limits import ArchiveLimits

    inflate.use(name)
    monkeypatch.setattr(inflate, "CHECKPOINT_EVERY", 64 << 10)
    plain = b"".join(os.urandom(512) + bytes(3000) for _ in range(400))  # 1.4 MB, compressible as a tarball is
    path = tmp_path / "data.gz"
    path.write_bytes(gzip.compress(plain) + gzip.compress(plain[:70000]))  # two gzip members
    whole = plain + plain[:70000]
    decoded = DecodedSource(FileSource(str(path), path.stat().st_size), "gzip", ArchiveLimits(), str(path))
    with decoded.open() as first:  # the first pass records the checkpoints
        assert first.read(len(whole) + 1) == whole
    positions = [c.position for c in decoded.checkpoints]
    assert len(positions) >= 10 and positions == sorted(positions)  # at most one per read of 8 KiB compressed
    for offset, size in [(0, 100), (70000, 5000), (700000, 300000), (len(plain) - 10, 20), (len(whole) - 7, 7)]:
        stream, start = decoded.open_at(offset)
        stream.close()
        assert start <= offset and (offset < positions[0] or start in positions)
        with SliceSource(decoded, offset, size).open() as part:
            assert part.read(size + 1) == whole[offset : offset + size], offset


@pytest.mark.usefixtures("backend")
def test_checkpoints_stay_few_however_long_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    inflate.use(inflate.ZLIB_NG)
    monkeypatch.setattr(inflate, "CHECKPOINT_EVERY", 4 << 10)
    monkeypatch.setattr(inflate, "MAX_CHECKPOINTS", 8)
    plain = b"".join(os.urandom(64) + bytes(200) for _ in range(20000))  # 5 MB
    compressed = gzip.compress(plain)
    checkpoints: List[inflate.Checkpoint] = []
    stream = inflate.gzip_file(io.BytesIO(compressed), checkpoints)
    assert b"".join(iter(lambda: stream.read(1 << 16), b"")) == plain
    assert 4 <= len(checkpoints) <= 8
    for checkpoint in checkpoints:  # each still resumes where it says
        resumed = inflate.resume_gzip(io.BytesIO(compressed[checkpoint.raw_position :]), checkpoint)
        assert resumed.read(1000) == plain[checkpoint.position : checkpoint.position + 1000]
