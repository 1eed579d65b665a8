"""Go build info: parsed from real Go fixtures (truth: `go version -m`) and from hand-built blobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkguard.model import GoBuildInfo, GoModule
from linkguard.readers.gobuild import MAGIC, find_buildinfo, go_unquote, parse_buildinfo, parse_modinfo
from linkguard.readers.image import Section, Segment
from tests.unit._fixtures import go_truth, manifest_fixtures, view_of

# Sentinels cmd/go wraps modinfo in (runtime/debug's modinfo start/end markers).
START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
END = bytes.fromhex("f932433186182072008242104116d8f2")


def uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def inline_blob(version: bytes, modinfo: bytes, framed: bool = True) -> bytes:
    body = START + modinfo + END if framed else modinfo
    return MAGIC + bytes([8, 2]) + bytes(16) + uvarint(len(version)) + version + uvarint(len(body)) + body


MODINFO = (
    b"path\texample.com/app\n"
    b"mod\texample.com/app\t(devel)\t\n"
    b"dep\tgithub.com/confluentinc/confluent-kafka-go/v2\tv2.3.0\th1:abc=\n"
    b"dep\texample.com/dep\tv1.2.3\t\n"
    b"=>\t../dep\t(devel)\t\n"
    b"build\t-buildmode=exe\n"
    b'build\t-ldflags="-s -w -X \\"main.v=1 2\\""\n'
    b"build\tCGO_ENABLED=1\n"
    b'build\t"we=ird"=x\n'
)


# ------------------------------------------------------------------------------------------ real fixtures


def go_fixtures() -> List[Any]:
    params = []
    for path, record in manifest_fixtures():
        truth = go_truth(record.get("truth", {}))
        if truth is not None:
            params.append(pytest.param(path, truth, id=str(path.relative_to(path.parents[2]))))
    return params


GO_FIXTURES = go_fixtures()


def assert_matches_truth(info: GoBuildInfo, truth: Dict[str, Any]) -> None:
    assert info.go_version == truth["go_version"]
    assert info.path == truth["path"]
    if "main" in truth:
        assert (info.main.path if info.main else None) == truth["main"]
    assert dict(info.settings) == truth["settings"]
    if "deps" in truth:
        assert [dep.path for dep in info.deps] == [dep[0] if isinstance(dep, tuple) else dep for dep in truth["deps"]]


def strip_section_headers(data: bytes) -> bytes:
    """Zero e_shoff/e_shnum/e_shstrndx, as sstrip and packers leave a file: only program headers remain."""
    image = bytearray(data)
    if image[4] == 2:  # ELFCLASS64
        image[0x28:0x30] = bytes(8)
        image[0x3C:0x40] = bytes(4)
    else:
        image[0x20:0x24] = bytes(4)
        image[0x30:0x34] = bytes(4)
    return bytes(image)


def test_real_go_fixtures_exist() -> None:
    """The manifests and Go fixtures are committed: their absence is a broken checkout, never a skip."""
    assert list(Path(__file__).resolve().parents[1].joinpath("data").glob("*/manifest.json")), "no fixture manifests"
    assert GO_FIXTURES, "fixture manifests exist but none records `go version -m` truth"


@pytest.mark.parametrize("path, truth", GO_FIXTURES)
def test_buildinfo_matches_go_version_m(path: Path, truth: Dict[str, Any]) -> None:
    info = find_buildinfo(view_of(path.read_bytes()))
    assert info is not None
    assert_matches_truth(info, truth)


@pytest.mark.parametrize("path, truth", GO_FIXTURES)
def test_buildinfo_found_without_section_headers(path: Path, truth: Dict[str, Any]) -> None:
    view = view_of(strip_section_headers(path.read_bytes()))
    assert not view.sections
    info = find_buildinfo(view)
    assert info is not None
    assert_matches_truth(info, truth)


def test_non_go_fixtures_have_no_buildinfo() -> None:
    checked = 0
    for path, record in manifest_fixtures():
        truth = record.get("truth", {})
        if go_truth(truth) is not None or "go" in path.name or "upx" in path.name:
            continue
        data = path.read_bytes()
        if not data.startswith(b"\x7fELF"):  # PE and Mach-O fixtures: this ELF view does not read them
            continue
        assert find_buildinfo(view_of(data)) is None, path
        checked += 1
    assert checked > 100, f"only {checked} non-Go ELF fixtures found: the committed sets are incomplete"


# --------------------------------------------------------------------------------------- hand-built blobs


def test_inline_blob_parses_every_line_kind() -> None:
    info = parse_buildinfo(inline_blob(b"go1.22.1", MODINFO))
    assert info is not None
    assert info.go_version == "go1.22.1"
    assert info.path == "example.com/app"
    assert info.main == GoModule("example.com/app", "(devel)", "")
    assert info.deps == (
        GoModule("github.com/confluentinc/confluent-kafka-go/v2", "v2.3.0", "h1:abc="),
        GoModule("example.com/dep", "v1.2.3", "", GoModule("../dep", "(devel)", "")),
    )
    assert info.setting("-ldflags") == '-s -w -X "main.v=1 2"'
    assert info.setting("CGO_ENABLED") == "1"
    assert info.setting("we=ird") == "x"
    assert info.setting("missing") is None


def test_unframed_modinfo_is_not_trimmed() -> None:
    info = parse_buildinfo(inline_blob(b"go1.20", b"path\tx\n", framed=False))
    assert info is not None and info.path == "x"


def test_truncated_modinfo_gives_partial_info() -> None:
    blob = inline_blob(b"go1.21.0", MODINFO)
    info = parse_buildinfo(blob[:-40])
    assert info == GoBuildInfo(go_version="go1.21.0")


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        MAGIC,
        MAGIC + bytes(18),  # inline flag clear, no view for pointers
        MAGIC + bytes([8, 2]) + bytes(16),  # no version length
        MAGIC + bytes([8, 2]) + bytes(16) + b"\xff" * 12,  # over-long varint
        MAGIC + bytes([8, 2]) + bytes(16) + uvarint(1 << 40) + b"go",  # length past the blob
        MAGIC + bytes([8, 2]) + bytes(16) + b"\x00",  # empty version
        b"\xff Go buildinX" + bytes(40),
    ],
)
def test_garbage_blobs_give_none(blob: bytes) -> None:
    assert parse_buildinfo(blob) is None


class PointerView:
    """Just enough of ImageView for the pre-1.18 pointer format: a few mapped addresses."""

    def __init__(self, memory: Dict[int, bytes]) -> None:
        self.memory = memory

    def read_vaddr(self, vaddr: int, size: int) -> Optional[bytes]:
        for base, data in self.memory.items():
            if base <= vaddr and vaddr + size <= base + len(data):
                return data[vaddr - base : vaddr - base + size]
        return None


@pytest.mark.parametrize("ptr_size, order", [(8, "little"), (4, "big")])
def test_pointer_format_resolves_string_headers(ptr_size: int, order: str) -> None:
    version = b"go1.16.15"
    modinfo = START + b"path\tcmd/x\nbuild\tCGO_ENABLED=0\n" + END

    def word(value: int) -> bytes:
        return value.to_bytes(ptr_size, order)  # type: ignore[arg-type]

    memory = {
        0x1000: word(0x2000) + word(len(version)) + word(0x3000) + word(len(modinfo)),
        0x2000: version,
        0x3000: modinfo,
    }
    flags = 1 if order == "big" else 0
    blob = MAGIC + bytes([ptr_size, flags]) + word(0x1000) + word(0x1000 + 2 * ptr_size)
    blob += bytes(32 - len(blob))
    info = parse_buildinfo(blob, PointerView(memory))  # type: ignore[arg-type]
    assert info is not None
    assert info.go_version == "go1.16.15"
    assert info.path == "cmd/x"
    assert info.setting("CGO_ENABLED") == "0"


def test_pointer_format_with_dangling_pointer_gives_none() -> None:
    blob = MAGIC + bytes([8, 0]) + (0xDEAD).to_bytes(8, "little") * 2
    assert parse_buildinfo(blob, PointerView({})) is None  # type: ignore[arg-type]


class BlobView:
    """A section-less image made of one writable PT_LOAD holding `data` at vaddr `base`."""

    def __init__(self, data: bytes, base: int = 0x10000) -> None:
        self.data = data
        self.segments: Sequence[Segment] = [Segment(1, 6, 0, base, len(data), len(data))]
        self.sections: Sequence[Section] = []
        self.size = len(data)

    def section(self, name: str) -> Optional[Section]:
        return None

    def read(self, offset: int, size: int) -> bytes:
        return self.data[offset : offset + size]

    def read_vaddr(self, vaddr: int, size: int) -> Optional[bytes]:
        return None

    def defined_symbols(self) -> Iterator[Tuple[str, str]]:
        return iter(())

    def check_time(self) -> None:
        return None


def test_scan_requires_16_byte_alignment() -> None:
    good = inline_blob(b"go1.23.0", b"path\tgood\n", framed=False)
    decoy = inline_blob(b"go1.0", b"path\tdecoy\n", framed=False)
    data = bytes(8) + decoy + bytes(-(8 + len(decoy)) % 16) + good
    info = find_buildinfo(BlobView(data))  # type: ignore[arg-type]
    assert info is not None and info.path == "good"


def test_scan_finds_magic_across_chunk_boundary() -> None:
    good = inline_blob(b"go1.23.0", b"path\tfar\n", framed=False)
    offset = (1 << 20) - 8  # straddles the 1 MiB scan chunk; 16-aligned as a vaddr with this base
    data = bytes(offset) + good
    info = find_buildinfo(BlobView(data, base=0x10008))  # type: ignore[arg-type]
    assert info is not None and info.path == "far"


def test_scan_of_image_without_magic_is_none() -> None:
    assert find_buildinfo(BlobView(bytes(4096) + MAGIC[:-1])) is None  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_after_magic_never_raise(tail: bytes) -> None:
    for flags in (0, 1, 2, 3):
        blob = MAGIC + bytes([8, flags]) + tail
        parse_buildinfo(blob, PointerView({0: tail}))  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_modinfo_never_raises(modinfo: bytes) -> None:
    info = parse_modinfo("go1.22", modinfo)
    assert info.go_version == "go1.22"


# ------------------------------------------------------------------------------------------- Go quoting


@pytest.mark.parametrize(
    "raw, text",
    [
        ('"-s -w"', "-s -w"),
        ('"a\\"b\\\\c"', 'a"b\\c'),
        ('"tab\\there\\n"', "tab\there\n"),
        ('"\\x41\\101\\u00e9\\U0001F600"', "AAé\U0001f600"),
        ('"\\xc3\\xa9"', "é"),  # \x escapes are bytes, joined into UTF-8
        ("`raw \\n`", "raw \\n"),
        ('"\\a\\b\\f\\v\\r"', "\a\b\f\v\r"),
    ],
)
def test_go_unquote(raw: str, text: str) -> None:
    assert go_unquote(raw) == text


@pytest.mark.parametrize("raw", ['"', '"abc', 'abc"', '"a"b"', '"\\q"', '"\\x4"', '"\\777"', '"\\ud800"', '"a\\"'])
def test_go_unquote_rejects_malformed(raw: str) -> None:
    assert go_unquote(raw) is None
