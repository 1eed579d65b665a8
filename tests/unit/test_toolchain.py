"""Toolchain evidence on real fixtures (truth: readelf -p .comment, readelf -l, the build recipe, go version -m)
and on hand-built images for the string and note paths."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkguard.model import DYNAMIC, SELF_CONTAINED, Toolchain
from linkguard.readers import toolchain as tc
from linkguard.readers.elf import linkage_facts
from linkguard.readers.image import PF_R, PF_W, PF_X, PT_LOAD, PT_NOTE, Section, Segment
from tests.unit._fixtures import go_truth, manifest_fixtures, original_fixtures, view_of
from tests.unit.test_gobuild import strip_section_headers


def examine(data: bytes) -> Tuple[str, Toolchain]:
    view = view_of(data)
    facts = linkage_facts(view)
    return facts.linkage, tc.read_toolchain(view, facts.linkage, facts.interpreter)


def recipe_libc(build: str) -> Optional[str]:
    """The libc a fixture was built against, read from its build command (independent of linkguard)."""
    if "upx" in build.lower() or "make_tampered" in build or "sstrip" in build:
        return "?"
    if "musl" in build:
        return "musl"
    if "go build" in build:
        if "CGO_ENABLED=0" in build:
            return None
        # cgo with the host gcc and external linking links glibc; internal linking may link no libc at all.
        return "glibc" if "-linkmode external" in build or "-linkmode=external" in build else "?"
    if re.search(r"-target \S*-gnu", build) or re.match(r"\s*(gcc|g\+\+)\s", build):
        return "glibc"
    if re.match(r"\s*rustc\s", build) and "--target" not in build:
        return "glibc"  # rustc's default target here is x86_64-unknown-linux-gnu
    return "?"


def real_fixtures() -> List[Any]:
    params = []
    for path, record in [*manifest_fixtures(), *original_fixtures()]:
        truth = record.get("truth", {})
        if "linkage" not in truth or truth.get("upx_l"):  # packed wrappers: their stub is not the program
            continue
        params.append(pytest.param(path, record, id=str(path.relative_to(path.parents[2]))))
    return params


REAL = real_fixtures()


def test_real_fixtures_exist() -> None:
    assert REAL, "no fixture manifests with ELF truth committed"


def with_comment_truth() -> List[Any]:
    """Fixtures whose manifest recorded `readelf -p .comment` and which still have section headers to find it."""
    return [
        p for p in REAL if "comment" in p.values[1]["truth"] and p.values[1]["truth"].get("has_section_headers", True)
    ]


@pytest.mark.parametrize("path, record", with_comment_truth())
def test_comment_strings_match_readelf(path: Path, record: Dict[str, Any]) -> None:
    _, found = examine(path.read_bytes())
    assert list(found.compilers) == list(dict.fromkeys(record["truth"]["comment"]))


def dynamic_with_interpreter() -> List[Any]:
    return [p for p in REAL if p.values[1]["truth"]["linkage"] == DYNAMIC and p.values[1]["truth"].get("interpreter")]


@pytest.mark.parametrize("path, record", dynamic_with_interpreter())
def test_dynamic_libc_matches_interpreter(path: Path, record: Dict[str, Any]) -> None:
    truth = record["truth"]
    linkage, found = examine(path.read_bytes())
    assert linkage == truth["linkage"]
    interpreter = truth["interpreter"]
    expected = "musl" if "ld-musl" in interpreter else "glibc" if "ld-linux" in interpreter else None
    assert found.libc == expected  # e.g. FreeBSD's /libexec/ld-elf.so.1 is neither


def static_with_known_recipe() -> List[Any]:
    return [
        p
        for p in REAL
        if p.values[1]["truth"]["linkage"] in SELF_CONTAINED and recipe_libc(p.values[1].get("build", "")) != "?"
    ]


@pytest.mark.parametrize("path, record", static_with_known_recipe())
def test_static_libc_matches_build_recipe(path: Path, record: Dict[str, Any]) -> None:
    linkage, found = examine(path.read_bytes())
    assert linkage == record["truth"]["linkage"]
    expected = recipe_libc(record["build"])
    if expected == "musl":
        # A tiny stripped musl program may carry no musl marker at all; it must never look like glibc.
        assert found.libc in ("musl", None)
    else:
        assert found.libc == expected


@pytest.mark.parametrize("path, record", REAL)
def test_go_evidence_iff_go_version_m(path: Path, record: Dict[str, Any]) -> None:
    truth = go_truth(record["truth"])
    _, found = examine(path.read_bytes())
    assert (found.go is not None) == (truth is not None)
    if truth is not None and found.go is not None:
        assert found.go.go_version == truth["go_version"]
        assert found.rust is None


def static_fixtures(libc: str) -> List[Any]:
    return [
        p
        for p in REAL
        if p.values[1]["truth"]["linkage"] in SELF_CONTAINED and recipe_libc(p.values[1].get("build", "")) == libc
    ]


@pytest.mark.parametrize("path, record", static_fixtures("glibc"))
def test_static_glibc_found_without_section_headers(path: Path, record: Dict[str, Any]) -> None:
    linkage, found = examine(strip_section_headers(path.read_bytes()))
    assert linkage in SELF_CONTAINED
    assert found.libc == "glibc"
    assert any("PT_NOTE" in line for line in found.evidence)


def test_some_static_musl_fixture_is_recognised() -> None:
    musl = [
        p
        for p in REAL
        if p.values[1]["truth"]["linkage"] in SELF_CONTAINED and recipe_libc(p.values[1]["build"]) == "musl"
    ]
    assert musl, "no static musl fixture in the committed manifests (tests/data/elf builds several)"
    assert any(examine(p.values[0].read_bytes())[1].libc == "musl" for p in musl)


# ------------------------------------------------------------------------------------------ synthetic


class FakeView:
    """An image described by sections or segments over `data`, counting the bytes read."""

    def __init__(
        self,
        data: bytes,
        sections: Sequence[Section] = (),
        segments: Sequence[Segment] = (),
        symbols: Sequence[Tuple[str, str]] = (),
    ) -> None:
        self.data = data
        self.sections = list(sections)
        self.segments = list(segments)
        self.symbols = list(symbols)
        self.size = len(data)
        self.bits = 64
        self.endian = "little"
        self.machine = "x86_64"
        self.bytes_read = 0

    def section(self, name: str) -> Optional[Section]:
        return next((s for s in self.sections if s.name == name), None)

    def read(self, offset: int, size: int) -> bytes:
        chunk = self.data[offset : offset + size]
        self.bytes_read += len(chunk)
        return chunk

    def read_vaddr(self, vaddr: int, size: int) -> Optional[bytes]:
        return None

    def defined_symbols(self) -> Iterator[Tuple[str, str]]:
        return iter(self.symbols)

    def check_time(self) -> None:
        return None


def abi_note(endian: str = "little") -> bytes:
    def word(v: int) -> bytes:
        return v.to_bytes(4, endian)  # type: ignore[arg-type]

    return word(4) + word(16) + word(1) + b"GNU\0" + word(0) + word(3) + word(2) + word(0)


def rodata_view(rodata: bytes, symbols: Sequence[Tuple[str, str]] = (), note: bool = True) -> FakeView:
    data = (abi_note() if note else bytes(32)) + rodata
    sections = [Section(".rodata", 1, 32, 0x1000, len(rodata))]
    if note:
        sections.append(Section(".note.ABI-tag", 7, 0, 0x400, 32))
    return FakeView(data, sections=sections, symbols=symbols)


def test_glibc_nss_from_strings_when_no_symbol_table() -> None:
    rodata = b"\0GLIBC_TUNABLES\0/etc/nsswitch.conf\0__nss_hosts_lookup2\0__nss_passwd_lookup2\0libnss_files.so.2\0"
    found = tc.read_toolchain(rodata_view(rodata), "static", None)  # type: ignore[arg-type]
    assert found.libc == "glibc"
    assert found.nss == ("NSS hosts lookup", "NSS passwd lookup")
    assert "string /etc/nsswitch.conf in .rodata" in found.evidence
    assert any(
        line.startswith("GNU ABI tag note in .note.ABI-tag") and "Linux 3.2.0" in line for line in found.evidence
    )


def test_nsswitch_path_alone_is_not_nss() -> None:
    # Go's pure-Go resolver carries "/etc/nsswitch.conf" too (seen in the seed musl build's strings).
    rodata = b"GLIBC_TUNABLES\0Fatal glibc error\0misbehaving/etc/nsswitch.confinvalid\0"
    found = tc.read_toolchain(rodata_view(rodata), "static", None)  # type: ignore[arg-type]
    assert found.libc == "glibc" and found.nss == ()


def test_symbols_decide_nss_when_a_symtab_exists() -> None:
    rodata = b"GLIBC_TUNABLES\0Fatal glibc error\0/etc/nsswitch.conf\0"
    symbols = [("main", ".symtab"), ("getpwnam", ".symtab"), ("dlopen", ".symtab"), ("iconv_open", ".symtab")]
    found = tc.read_toolchain(rodata_view(rodata, symbols, note=False), "static", None)  # type: ignore[arg-type]
    assert found.libc == "glibc"
    assert found.nss == ("getpwnam", "iconv_open")  # dlopen is defined in every static glibc >= 2.34
    assert "symbol getpwnam defined in .symtab" in found.evidence


def test_static_glibc_without_nss_has_none() -> None:
    found = tc.read_toolchain(rodata_view(b"GLIBC_TUNABLES\0gconv-modules.cache\0"), "static-pie", None)  # type: ignore[arg-type]
    assert found.libc == "glibc" and found.nss == ()


def test_one_stray_glibc_string_is_not_enough() -> None:
    found = tc.read_toolchain(rodata_view(b"GLIBC_TUNABLES\0", note=False), "static", None)  # type: ignore[arg-type]
    assert found.libc is None


def test_musl_from_strerror_text_or_symbols() -> None:
    by_string = tc.read_toolchain(rodata_view(b"No error information\0", note=False), "static", None)  # type: ignore[arg-type]
    assert by_string.libc == "musl"
    by_symbol = tc.read_toolchain(
        rodata_view(b"hello\0", [("__init_libc", ".symtab")], note=False),  # type: ignore[arg-type]
        "static",
        None,
    )
    assert by_symbol.libc == "musl"


def test_glibc_banner_gives_version() -> None:
    rodata = b"GLIBC_TUNABLES\0GNU C Library (Debian GLIBC 2.36-9+deb12u4) stable release version 2.36.\n\0"
    found = tc.read_toolchain(rodata_view(rodata), "static", None)  # type: ignore[arg-type]
    assert found.libc_version == "2.36"


@pytest.mark.parametrize(
    "interpreter, libc",
    [
        ("/lib64/ld-linux-x86-64.so.2", "glibc"),
        ("/lib/ld-linux-aarch64.so.1", "glibc"),
        ("/lib/ld-musl-x86_64.so.1", "musl"),
        ("/system/bin/linker64", None),
        (None, None),
    ],
)
def test_dynamic_libc_from_interpreter(interpreter: Optional[str], libc: Optional[str]) -> None:
    found = tc.read_toolchain(FakeView(bytes(64)), "dynamic", interpreter)  # type: ignore[arg-type]
    assert found.libc == libc


def test_rust_from_comment_and_from_panic_paths() -> None:
    comment = b"rustc version 1.95.0 (59807616e 2026-04-14)\0GCC: (Debian 12.2.0-14) 12.2.0\0"
    view = FakeView(comment, sections=[Section(".comment", 1, 0, 0, len(comment))])
    found = tc.read_toolchain(view, "dynamic", "/lib64/ld-linux-x86-64.so.2")  # type: ignore[arg-type]
    assert found.rust == "rustc 1.95.0"
    assert found.compilers == ("rustc version 1.95.0 (59807616e 2026-04-14)", "GCC: (Debian 12.2.0-14) 12.2.0")

    commit = "59807616e1fa2540724bfbac14d7976d7e4a3860"
    rodata = b"xx/rustc/" + commit.encode() + b"/library/core/src/fmt/mod.rs\0"
    # Without section headers there is no .comment to trust, so the read-only segments are scanned.
    sectionless = FakeView(rodata, segments=[Segment(PT_LOAD, PF_R, 0, 0x400000, len(rodata), len(rodata))])
    found = tc.read_toolchain(sectionless, "dynamic", None)  # type: ignore[arg-type]
    assert found.rust == "rustc (commit 59807616e1fa)"
    # With section headers and no rustc in .comment, the costly scan is skipped: the file is not Rust-built.
    with_sections = FakeView(rodata, sections=[Section(".rodata", 1, 0, 0, len(rodata))])
    assert tc.read_toolchain(with_sections, "dynamic", None).rust is None  # type: ignore[arg-type]


def test_section_less_scan_reads_read_only_segments_only() -> None:
    text = b"\x90" * 4096 + b"GLIBC_TUNABLES\0Fatal glibc error\0"  # markers in the executable segment only
    rodata = b"No error information\0" + bytes(100)
    data = text + rodata
    segments = [
        Segment(PT_LOAD, PF_R | PF_X, 0, 0x400000, len(text), len(text)),
        Segment(PT_LOAD, PF_R, len(text), 0x500000, len(rodata), len(rodata)),
    ]
    view = FakeView(data, segments=segments)
    found = tc.read_toolchain(view, "static", None)  # type: ignore[arg-type]
    assert found.libc == "musl"  # the glibc strings in the executable segment were not looked at


def test_string_scan_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tc, "STATIC_SCAN_CAP", 1 << 20)
    size = 8 << 20
    data = bytes(size)
    view = FakeView(data, sections=[Section(".rodata", 1, 0, 0, size)])
    tc.read_toolchain(view, "static", None)  # type: ignore[arg-type]
    assert view.bytes_read <= (1 << 20) + 4096


def test_note_in_pt_note_segment_without_sections() -> None:
    note = abi_note("big")
    view = FakeView(note, segments=[Segment(PT_NOTE, PF_R, 0, 0x1000, len(note), len(note))])
    view.endian = "big"
    found = tc.read_toolchain(view, "static", None)  # type: ignore[arg-type]
    assert found.libc == "glibc"
    assert any("PT_NOTE" in line for line in found.evidence)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=256), st.sampled_from(["little", "big"]))
def test_garbage_notes_never_raise(data: bytes, endian: str) -> None:
    list(tc._iter_notes(data, endian))
    view = FakeView(data, segments=[Segment(PT_NOTE, PF_R, 0, 0, len(data), len(data))])
    view.endian = endian
    tc.read_toolchain(view, "static", None)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512))
def test_garbage_rodata_never_raises(rodata: bytes) -> None:
    view = FakeView(
        rodata, sections=[Section(".rodata", 1, 0, 0, len(rodata)), Section(".comment", 1, 0, 0, len(rodata))]
    )
    tc.read_toolchain(view, "static-pie", None)  # type: ignore[arg-type]


def test_writable_segment_is_not_scanned_for_strings() -> None:
    data = b"No error information\0"
    view = FakeView(data, segments=[Segment(PT_LOAD, PF_R | PF_W, 0, 0x1000, len(data), len(data))])
    assert tc.read_toolchain(view, "static", None).libc is None  # type: ignore[arg-type]


def with_nss_truth() -> List[Any]:
    """Fixtures whose manifest recorded nm/strings evidence of NSS (the seed set)."""
    return [p for p in REAL if isinstance(p.values[1]["truth"].get("nss_evidence"), dict)]


@pytest.mark.parametrize("path, record", with_nss_truth())
def test_nss_entry_points_match_nm(path: Path, record: Dict[str, Any]) -> None:
    evidence = record["truth"]["nss_evidence"]
    linked = (evidence["nm_symbol_types"].get("getaddrinfo") or "").upper() in ("T", "W")
    _, found = examine(path.read_bytes())
    glibc = found.libc == "glibc"
    assert ("getaddrinfo" in found.nss) == (linked and glibc)


@pytest.mark.parametrize("path, record", with_nss_truth())
def test_nss_reach_from_strings_when_sections_are_gone(path: Path, record: Dict[str, Any]) -> None:
    evidence = record["truth"]["nss_evidence"]
    glibc = evidence["glibc_markers"]["GLIBC_TUNABLES"] and evidence["glibc_markers"]["Fatal glibc error"]
    hosts = bool(evidence["strings"]["__nss_hosts_lookup"])
    _, found = examine(strip_section_headers(path.read_bytes()))
    assert (found.libc == "glibc") == glibc
    assert ("NSS hosts lookup" in found.nss) == (glibc and hosts)
