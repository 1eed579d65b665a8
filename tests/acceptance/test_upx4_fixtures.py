"""Through the CLI, on files packed by real UPX 4.2.4 (tests/data/upx4): every packed fixture is LG201 with
the metadata `upx -l`/`upx --fileinfo` report; the original behind it has the facts `upx -d` + readelf
recorded (packed shared libraries included); dynamic originals are LG101 through the packing; tampered
copies are still caught."""

from __future__ import annotations

import functools
from typing import Any, Dict, List

import pytest

from tests.conftest import DATA, load_manifest, run_json

SET = DATA / "upx4"
ALL = load_manifest(SET / "manifest.json")
PACKED = [f for f in ALL if "upx_fileinfo" in f["truth"]]
TAMPERED = [f for f in ALL if f["truth"].get("tampered")]
SHLIBS = [f for f in PACKED if f["truth"]["original"]["linkage"] == "shared-library"]


def _upx_version() -> str:
    import json

    tool = json.loads((SET / "manifest.json").read_text())["tools"]["upx"]  # e.g. "upx 4.2.4"
    return str(tool.split()[1])


@functools.cache
def _artifact(name: str) -> Dict[str, Any]:
    _code, report = run_json([str(SET / name)])
    (artifact,) = report["artifacts"]
    return dict(artifact)


def _codes(artifact: Dict[str, Any]) -> List[str]:
    return [f["code"] for f in artifact["findings"]]


def _ids(fixtures: List[Dict[str, Any]]) -> List[str]:
    return [f["name"] for f in fixtures]


def test_the_set_covers_upx4_cases() -> None:
    assert len(PACKED) >= 20 and len(TAMPERED) >= 8 and len(SHLIBS) >= 2
    assert _upx_version().startswith("4.")
    assert all(f["truth"]["upx_fileinfo"]["header_version"] == 14 for f in PACKED)
    linkages = {f["truth"]["original"]["linkage"] for f in PACKED}
    assert {"static", "static-pie", "dynamic", "shared-library"} <= linkages


@pytest.mark.parametrize("fixture", PACKED, ids=_ids(PACKED))
def test_packed_metadata_matches_upx4(fixture: Dict[str, Any]) -> None:
    info, listing = fixture["truth"]["upx_fileinfo"], fixture["truth"]["upx_l"]
    got = _artifact(fixture["file"])
    assert "LG201" in _codes(got)
    packing = got["packing"]
    assert packing["packer"] == "upx" and not packing["tampered"], packing["evidence"]
    assert packing["version"] == _upx_version()
    assert packing["method"] == info["method_name"].split("_")[0]
    assert packing["level"] == info["level"]
    assert packing["filter"] == int(info["filter"], 16)
    assert packing["format"] == listing["format"]
    assert packing["original_size"] == listing["uncompressed_size"]
    assert packing["packed_size"] == listing["compressed_size"]
    assert packing["see_through_error"] is None


@pytest.mark.parametrize("fixture", PACKED, ids=_ids(PACKED))
def test_original_behind_the_packing_matches_upx_d_readelf(fixture: Dict[str, Any]) -> None:
    truth = fixture["truth"]["original"]
    original = _artifact(fixture["file"])["packing"]["original"]
    assert original is not None, "could not see through the packing"
    assert original["linkage"] == truth["linkage"]
    assert original["interpreter"] == truth["interpreter"]
    assert original["needed"] == truth["needed"]
    assert original["soname"] == truth["soname"]
    assert original["type"] == truth["type"]
    assert original["pie"] == truth["flags_1_pie"]
    assert original["max_versions"] == truth["max_versions"]


@pytest.mark.parametrize("fixture", PACKED, ids=_ids(PACKED))
def test_dynamic_original_is_lg101_through_the_packing(fixture: Dict[str, Any]) -> None:
    got = _artifact(fixture["file"])
    lg101 = [f for f in got["findings"] if f["code"] == "LG101"]
    truth = fixture["truth"]["original"]
    if truth["linkage"] == "dynamic" or (truth["linkage"] == "shared-library" and truth["needed"]):
        assert lg101 and lg101[0]["through_packing"]
    else:
        assert not lg101


@pytest.mark.parametrize("fixture", SHLIBS, ids=_ids(SHLIBS))
def test_packed_shared_library_keeps_its_own_dynamic_facts(fixture: Dict[str, Any]) -> None:
    """UPX 4 leaves PT_DYNAMIC readable: readelf on the packed file already sees the library's needs."""
    truth = fixture["truth"]
    assert truth["has_dynamic"] and truth["linkage"] == "shared-library"
    got = _artifact(fixture["file"])
    assert got["linkage"] == truth["linkage"]
    assert got["needed"] == truth["needed"] and got["soname"] == truth["soname"]
    assert "LG201" in _codes(got)


@pytest.mark.parametrize("fixture", TAMPERED, ids=_ids(TAMPERED))
def test_tampered_copies_are_still_caught(fixture: Dict[str, Any]) -> None:
    truth = fixture["truth"]
    assert not truth["upx_d"]["ok"]  # UPX 4 itself gives up on every variant here
    got = _artifact(fixture["file"])
    assert "LG201" in _codes(got)
    packing = got["packing"]
    assert packing["tampered"], packing["evidence"]
    original = packing["original"]
    assert original is not None, packing["see_through_error"]
    assert original["linkage"] == truth["original_linkage"]
    assert original["interpreter"] == truth["original_interpreter"]
    assert original["needed"] == truth["original_needed"]
    assert original["max_versions"] == truth["original_max_versions"]
    if truth["original_linkage"] in ("dynamic", "shared-library"):
        assert "LG101" in _codes(got)


KEPT = [f for f in PACKED if f.get("original_file") and f["truth"]["original"]["kept_original_identical"]]
_BY_FILE = {f["file"]: f for f in PACKED}
TAMPERED_KEPT = [f for f in TAMPERED if _BY_FILE[f["truth"]["tampered_from"]].get("original_file")]


def _unpack_all(path: str) -> bytes:
    from linkguard.readers.budget import Budget
    from linkguard.readers.upx import unpack_all

    full = SET / path
    with open(full, "rb") as fh:
        return unpack_all(fh, full.stat().st_size, Budget())


@pytest.mark.parametrize("fixture", KEPT, ids=_ids(KEPT))
def test_unpack_all_is_byte_identical_to_upx4_d(fixture: Dict[str, Any]) -> None:
    """bin/orig/<name> is what `upx -d` (4.2.4) wrote (sha256 in the manifest); the pure-Python rebuild matches."""
    assert _unpack_all(fixture["file"]) == (SET / fixture["original_file"]).read_bytes()


@pytest.mark.parametrize("fixture", TAMPERED_KEPT, ids=_ids(TAMPERED_KEPT))
def test_unpack_all_sees_through_tampering_upx4_gives_up_on(fixture: Dict[str, Any]) -> None:
    source = _BY_FILE[fixture["truth"]["tampered_from"]]
    assert _unpack_all(fixture["file"]) == (SET / source["original_file"]).read_bytes()
