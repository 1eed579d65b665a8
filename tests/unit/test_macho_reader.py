"""readers/macho.py on synthetic and real files, valid and hostile."""

from __future__ import annotations

import io
import json
import struct
from typing import Union

import pytest

from linkguard.limits import Limits
from linkguard.model import MachoFacts, Unreadable
from linkguard.readers import read_artifact, sniff
from linkguard.readers.budget import Budget
from linkguard.readers.macho import read_facts
from tests.conftest import DATA
from tests.unit._native_samples import (
    CPU_ARM64,
    CPU_X86_64,
    LC_ID_DYLIB,
    LC_LOAD_DYLIB,
    LC_LOAD_WEAK_DYLIB,
    build_fat,
    build_macho,
    build_version,
    dylib_command,
    rpath_command,
)


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.path = self.location = "sample"
        self.size = len(data)

    def open(self) -> io.BytesIO:
        return io.BytesIO(self.data)


def inspect(data: bytes) -> Union[MachoFacts, Unreadable, None]:
    result = read_artifact(_Bytes(data), Limits())
    assert result is None or isinstance(result, (MachoFacts, Unreadable))
    return result


def facts(data: bytes) -> MachoFacts:
    return read_facts(io.BytesIO(data), len(data), Budget())


def test_dylib_kinds_rpath_id_and_minos() -> None:
    data = build_macho(
        [
            dylib_command(LC_ID_DYLIB, "@rpath/libme.dylib"),
            dylib_command(LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib"),
            dylib_command(LC_LOAD_WEAK_DYLIB, "/opt/homebrew/lib/libfoo.dylib"),
            rpath_command("@loader_path/../lib"),
            build_version((10, 15), (14, 2)),
        ],
        filetype=6,
    )
    (piece,) = facts(data).slices
    assert [(d.path, d.kind, d.platform) for d in piece.dylibs] == [
        ("/usr/lib/libSystem.B.dylib", "load", True),
        ("/opt/homebrew/lib/libfoo.dylib", "weak", False),
    ]
    assert piece.id_dylib == "@rpath/libme.dylib" and piece.rpaths == ("@loader_path/../lib",)
    assert (piece.minos, piece.sdk, piece.type, piece.linkage) == ("10.15", "14.2", "DYLIB", "dynamic")


def test_big_endian_thin_file() -> None:
    data = build_macho(big_endian=True, cputype=18)  # ppc
    assert sniff(data[:64]) == "macho"
    (piece,) = facts(data).slices
    assert piece.endian == "big" and piece.machine == "ppc" and piece.minos == "11.0"


def test_fat_slices_disagree_and_are_reported_each() -> None:
    clean = build_macho(cputype=CPU_X86_64)
    brew = build_macho([dylib_command(LC_LOAD_DYLIB, "/opt/homebrew/lib/libz.1.dylib"), build_version((12, 0))])
    result = facts(build_fat([(CPU_X86_64, clean), (CPU_ARM64, brew)]))
    assert result.fat and [s.machine for s in result.slices] == ["x86_64", "arm64"]
    assert [s.linkage for s in result.slices] == ["os-only", "dynamic"] and result.linkage == "dynamic"


def test_java_class_file_is_not_a_fat_macho() -> None:
    java = struct.pack(">IHH", 0xCAFEBABE, 0, 61) + bytes(60)  # class file, Java 17 (major 61)
    assert sniff(java) is None
    assert inspect(java) is None


@pytest.mark.parametrize("cut", [8, 20, 31, 40, 60, 100])
def test_truncations_are_unreadable(cut: int) -> None:
    result = inspect(build_macho(pad_to=0)[:cut])
    assert isinstance(result, Unreadable) and result.kind in ("truncated", "corrupt")


def test_every_truncation_of_a_real_universal_fixture(tmp_path: object) -> None:
    data = (DATA / "macho" / "bin" / "universal-disagree").read_bytes()
    for cut in range(0, len(data), max(1, len(data) // 61)):
        result = inspect(data[:cut])
        assert result is None or isinstance(result, (MachoFacts, Unreadable))


def test_every_truncation_of_a_packed_fixture() -> None:
    data = (DATA / "macho" / "bin" / "upx394-usefoo-usrlocal-x86_64").read_bytes()
    for cut in range(64, len(data), max(1, len(data) // 53)):
        result = inspect(data[:cut])
        assert isinstance(result, (MachoFacts, Unreadable))
        if isinstance(result, MachoFacts) and result.slices[0].packing is not None:
            packing = result.slices[0].packing
            assert result.slices[0].original is not None or packing.see_through_error


def test_hostile_counts() -> None:
    data = bytearray(build_macho(pad_to=0x200))
    struct.pack_into("<I", data, 16, 0xFFFFFFFF)
    result = inspect(bytes(data))
    assert isinstance(result, Unreadable) and "load commands (at most" in result.reason


def test_fat_with_hostile_arch_count_and_offsets() -> None:
    fat = bytearray(build_fat([(CPU_ARM64, build_macho())]))
    struct.pack_into(">I", fat, 8 + 8, 0x7FFFFFF0)  # offset of slice 0
    result = inspect(bytes(fat))
    assert isinstance(result, Unreadable) and "universal slice 0" in result.reason


def test_malformed_corpus_is_unreadable() -> None:
    corpus = sorted((DATA / "malformed" / "macho").iterdir())
    assert len(corpus) >= 4
    for path in corpus:
        result = inspect(path.read_bytes())
        assert isinstance(result, Unreadable), path.name


def test_fixture_engineers_malformed_corpus() -> None:
    """tests/data/macho/malformed: every corruption is LG901, including a fat header whose nfat_arch `file` reads
    as a Java class with an impossible version."""
    document = json.loads((DATA / "macho" / "malformed" / "manifest.json").read_text())
    for entry in document["fixtures"]:
        result = inspect((DATA / "macho" / "malformed" / entry["file"]).read_bytes())
        assert isinstance(result, Unreadable), (entry["file"], result)


def test_real_java_class_versions_stay_skipped() -> None:
    for major in (45, 52, 61, 69):
        assert sniff(struct.pack(">IHH", 0xCAFEBABE, 0, major) + bytes(56)) is None


def test_upx_with_wiped_magic_is_still_seen_through() -> None:
    """Every "UPX!" zeroed: the checksum-valid PackHeader still names the packing, and the original's load
    commands (the manifest's truth for the unpacked fixture) still come out of the first block."""
    data = (DATA / "macho" / "bin" / "upx394-usefoo-usrlocal-x86_64").read_bytes().replace(b"UPX!", bytes(4))
    document = json.loads((DATA / "macho" / "manifest.json").read_text())
    original = next(f for f in document["fixtures"] if f["name"] == "usefoo-usrlocal-x86_64")
    (piece,) = facts(data).slices
    assert piece.packing is not None and piece.packing.tampered
    assert piece.original is not None
    assert [d.path for d in piece.original.dylibs] == [d["name"] for d in original["truth"]["slices"][0]["dylibs"]]
