"""The ELF fixture manifest must agree with the independent tools, so its truth cannot drift.

Re-runs readelf (and `file`, `go version -m` where the same versions are installed) through the
parsers in tests/data/elf/make_manifest.py and compares with tests/data/elf/manifest.json. Does not
import linkguard: this is the ground truth other tests compare linkguard against.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.truth import need, require_version

SET_DIR = Path(__file__).resolve().parents[1] / "data" / "elf"
MANIFEST = json.loads((SET_DIR / "manifest.json").read_text())
MALFORMED_DIR = SET_DIR / "malformed"
MALFORMED = json.loads((MALFORMED_DIR / "manifest.json").read_text())
FIXTURES = MANIFEST["fixtures"]
MAX_FIXTURE_BYTES = 2_000_000


def _load_make_manifest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("elf_make_manifest", SET_DIR / "make_manifest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mm = _load_make_manifest()


def _by_name(name: str) -> dict[str, Any]:
    return next(f for f in FIXTURES if f["file"] == f"bin/{name}")


def _ids(fixtures: list[dict[str, Any]]) -> list[str]:
    return [f["file"] for f in fixtures]


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_fixture_file_is_committed_and_small(fixture: dict[str, Any]) -> None:
    path = SET_DIR / fixture["file"]
    assert path.is_file(), f"{path} missing: run bash tests/data/elf/build.sh"
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF"
    assert len(data) == fixture["size"]
    assert hashlib.sha256(data).hexdigest() == fixture["sha256"], "binary changed without regenerating manifest"
    assert len(data) <= MAX_FIXTURE_BYTES


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_readelf_truth_has_not_drifted(fixture: dict[str, Any]) -> None:
    need("readelf")
    derived = fixture.get("derived_from")
    fresh = mm.readelf_truth(SET_DIR / fixture["file"], SET_DIR / derived if derived else None)
    recorded = {k: fixture["truth"][k] for k in mm.READELF_FIELDS}
    assert fresh == recorded


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_recorded_linkage_follows_recorded_facts(fixture: dict[str, Any]) -> None:
    truth = fixture["truth"]
    assert mm.derive_linkage(truth) == truth["linkage"]
    assert truth["max_versions"] == mm.max_versions(truth["version_needs"], truth["versioned_symbols"])


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_file_truth_has_not_drifted(fixture: dict[str, Any]) -> None:
    require_version(["file", "--version"], MANIFEST["tools"]["file"], "the manifest's `file` output")
    assert mm.file_truth(SET_DIR / fixture["file"]) == fixture["truth"]["file"]


GO_FIXTURES = [f for f in FIXTURES if "go_version_m" in f["truth"]]


@pytest.mark.parametrize("fixture", GO_FIXTURES, ids=_ids(GO_FIXTURES))
def test_go_build_info_has_not_drifted(fixture: dict[str, Any]) -> None:
    need("go")
    assert mm.go_truth(SET_DIR / fixture["file"]) == fixture["truth"]["go_version_m"]


SECTIONLESS = [f for f in FIXTURES if f.get("derived_from")]


@pytest.mark.parametrize("fixture", SECTIONLESS, ids=_ids(SECTIONLESS))
def test_sectionless_copy_keeps_every_mapped_byte(fixture: dict[str, Any]) -> None:
    """Justifies taking version needs from the original: only e_shoff/e_shnum/e_shstrndx differ."""
    stripped = (SET_DIR / fixture["file"]).read_bytes()
    original = (SET_DIR / fixture["derived_from"]).read_bytes()
    assert stripped[4] == 2, "offsets below are for ELF64"
    assert len(stripped) < len(original)
    prefix = bytearray(original[: len(stripped)])
    prefix[40:48] = bytes(8)  # e_shoff
    prefix[60:64] = bytes(4)  # e_shnum, e_shstrndx
    assert bytes(prefix) == stripped
    assert fixture["truth"]["has_section_headers"] is False


# What each fixture exists to show. Checked against the recorded readelf truth, so a rebuild with
# another toolchain that loses the property fails here instead of silently weakening other tests.
EXPECTED_LINKAGE = {
    "gcc-glibc-dynamic-libm": "dynamic",
    "gcc-glibc-static": "static",
    "gcc-glibc-static-pie": "static-pie",
    "libfoo.so.1": "shared-library",
    "libfoo-nosoname.so": "shared-library",
    "gcc-runpath": "dynamic",
    "gcc-rpath": "dynamic",
    "gxx-libstdcxx-dynamic": "dynamic",
    "gcc-glibc-dynamic-libm-nosections": "dynamic",
    "musl-gcc-static": "static",
    "musl-gcc-dynamic": "dynamic",
    "zig-aarch64-linux-musl-static": "static",
    "zig-arm-linux-musleabihf-static": "static",
    "zig-x86-linux-musl-static": "static",
    "zig-riscv64-linux-musl-static": "static",
    "zig-powerpc64le-linux-musl-static": "static",
    "zig-s390x-linux-musl-static": "static",
    "zig-mips-linux-musleabi-static": "static",
    "zig-aarch64-linux-gnu-dynamic": "dynamic",
    "zig-x86_64-linux-gnu.2.17-libm": "dynamic",
    "zig-x86_64-linux-gnu-cxx": "dynamic",
    "go-static": "static",
    "go-cgo-dynamic": "dynamic",
    "go-pie-nocgo": "dynamic",
}


def test_fixture_matrix_is_complete() -> None:
    assert sorted(f["file"].removeprefix("bin/") for f in FIXTURES) == sorted(EXPECTED_LINKAGE)


@pytest.mark.parametrize("name", sorted(EXPECTED_LINKAGE))
def test_fixture_shows_intended_linkage(name: str) -> None:
    assert _by_name(name)["truth"]["linkage"] == EXPECTED_LINKAGE[name]


def test_libm_fixture_needs_glibc_2_29_for_exp_log_pow() -> None:
    truth = _by_name("gcc-glibc-dynamic-libm")["truth"]
    assert "GLIBC_2.29" in truth["version_needs"]["libm.so.6"]
    assert truth["versioned_symbols"]["GLIBC_2.29"] == ["exp", "log", "pow"]


def test_glibc_floor_pair() -> None:
    old = _by_name("zig-x86_64-linux-gnu.2.17-libm")["truth"]
    new = _by_name("gcc-glibc-dynamic-libm")["truth"]
    assert old["needed"] == new["needed"] == ["libm.so.6", "libc.so.6"]
    old_glibc = tuple(int(x) for x in old["max_versions"]["GLIBC"].split("."))
    new_glibc = tuple(int(x) for x in new["max_versions"]["GLIBC"].split("."))
    assert old_glibc <= (2, 17) < (2, 29) <= new_glibc


def test_go_pie_is_interpreter_only() -> None:
    truth = _by_name("go-pie-nocgo")["truth"]
    assert truth["interpreter"] and truth["needed"] == [] and truth["flags_1_pie"]
    assert truth["go_version_m"]["build"]["-buildmode"] == "pie"


def test_rpath_and_runpath_fixtures() -> None:
    runpath = _by_name("gcc-runpath")["truth"]
    rpath = _by_name("gcc-rpath")["truth"]
    assert (runpath["runpath"], runpath["rpath"]) == ("$ORIGIN/../lib", None)
    assert (rpath["rpath"], rpath["runpath"]) == ("$ORIGIN/../lib", None)


def test_cxx_fixture_needs_glibcxx_and_cxxabi() -> None:
    truth = _by_name("gxx-libstdcxx-dynamic")["truth"]
    assert {"GLIBCXX", "CXXABI"} <= set(truth["max_versions"])


def test_big_endian_and_32_bit_fixtures_exist() -> None:
    shapes = {(f["truth"]["class"], f["truth"]["data"]) for f in FIXTURES}
    assert {("ELF32", "little"), ("ELF32", "big"), ("ELF64", "little"), ("ELF64", "big")} <= shapes


@pytest.mark.parametrize("entry", MALFORMED["files"], ids=[e["file"] for e in MALFORMED["files"]])
def test_malformed_file_is_committed(entry: dict[str, Any]) -> None:
    path = MALFORMED_DIR / entry["file"]
    assert path.is_file(), f"{path} missing: run python tests/data/elf/malformed/make_malformed.py"
    data = path.read_bytes()
    assert len(data) == entry["size"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert entry["description"]


def test_malformed_set_covers_the_planned_cases() -> None:
    names = {e["file"] for e in MALFORMED["files"]}
    assert {
        "trunc-ehdr",
        "trunc-phdrs",
        "phoff-past-eof",
        "phnum-huge",
        "dynamic-outside-file",
        "strtab-garbage",
        "empty",
        "magic-random",
        "needed-offset-out-of-range",
        "dynamic-no-null",
        "verneed-loop",
    } <= names


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"type": "EXEC", "has_interp_segment": False, "needed": [], "has_dynamic": False}, "static"),
        ({"type": "DYN", "has_interp_segment": False, "needed": [], "has_dynamic": True, "pie": True}, "static-pie"),
        ({"type": "DYN", "has_interp_segment": True, "needed": [], "has_dynamic": True, "pie": True}, "dynamic"),
        ({"type": "EXEC", "has_interp_segment": False, "needed": ["libc.so"], "has_dynamic": True}, "dynamic"),
        ({"type": "DYN", "has_interp_segment": False, "needed": [], "has_dynamic": True}, "shared-library"),
        (
            {"type": "DYN", "has_interp_segment": True, "needed": [], "has_dynamic": True, "soname": "libc.so.6"},
            "shared-library",
        ),
        ({"type": "REL", "has_interp_segment": False, "needed": [], "has_dynamic": False}, "unknown"),
    ],
)
def test_derive_linkage_definitions(facts: dict[str, Any], expected: str) -> None:
    facts = dict(facts)
    full = {"soname": None, "flags_1_pie": facts.pop("pie", False), **facts}
    assert mm.derive_linkage(full) == expected


def test_max_versions_is_numeric_and_ignores_non_numeric() -> None:
    needs = {"libc.so.6": ["GLIBC_2.9", "GLIBC_2.10", "GLIBC_PRIVATE", "GLIBC_ABI_DT_RELR"], "x": ["GCC_4.2.0"]}
    assert mm.max_versions(needs, {}) == {"GLIBC": "2.10", "GCC": "4.2.0"}
