"""Through the CLI: every packed fixture is LG201 with UPX's own metadata, and the original behind it has the
linkage `upx -d` + readelf recorded; tampered copies are still caught; look-alikes are not."""

from __future__ import annotations

import functools
from typing import Any, Dict, List

import pytest

from tests.conftest import DATA, load_manifest, run_json

SET = DATA / "upx"
ALL = load_manifest(SET / "manifest.json")
PACKED = [f for f in ALL if "upx_fileinfo" in f["truth"]]
TAMPERED = [f for f in ALL if f["truth"].get("tampered")]
NEGATIVE = [f for f in ALL if f["file"].startswith("negative/")]
METHODS = {"NRV2B": "NRV2B", "NRV2D": "NRV2D", "NRV2E": "NRV2E", "LZMA": "LZMA"}


@functools.cache
def _artifact(name: str) -> Dict[str, Any]:
    _code, report = run_json([str(SET / name)])
    (artifact,) = report["artifacts"]
    return artifact


def _codes(artifact: Dict[str, Any]) -> List[str]:
    return [f["code"] for f in artifact["findings"]]


def _ids(fixtures: List[Dict[str, Any]]) -> List[str]:
    return [f["name"] for f in fixtures]


def test_the_sets_are_not_empty() -> None:
    assert len(PACKED) >= 20 and len(TAMPERED) >= 20 and len(NEGATIVE) >= 4


@pytest.mark.parametrize("fixture", PACKED, ids=_ids(PACKED))
def test_packed_metadata_matches_upx_fileinfo(fixture: Dict[str, Any]) -> None:
    info, listing = fixture["truth"]["upx_fileinfo"], fixture["truth"]["upx_l"]
    got = _artifact(fixture["file"])
    assert "LG201" in _codes(got)
    packing = got["packing"]
    assert packing["packer"] == "upx" and not packing["tampered"]
    assert packing["method"] == info["method_name"].split("_")[0]
    assert packing["level"] == info["level"]
    assert packing["format"] == listing["format"]
    assert packing["original_size"] == listing["uncompressed_size"]
    assert packing["packed_size"] == listing["compressed_size"]
    assert packing["version"].startswith("3.9")


@pytest.mark.parametrize("fixture", PACKED, ids=_ids(PACKED))
def test_original_behind_the_packing_matches_upx_d_readelf(fixture: Dict[str, Any]) -> None:
    truth = fixture["truth"]["original"]
    original = _artifact(fixture["file"])["packing"]["original"]
    assert original is not None, "could not see through the packing"
    assert original["linkage"] == truth["linkage"]
    assert original["interpreter"] == truth["interpreter"]
    assert original["needed"] == truth["needed"]
    assert original["type"] == truth["type"]
    assert original["max_versions"] == truth["max_versions"]


@pytest.mark.parametrize("fixture", PACKED, ids=_ids(PACKED))
def test_dynamic_original_is_lg101_through_the_packing(fixture: Dict[str, Any]) -> None:
    got = _artifact(fixture["file"])
    lg101 = [f for f in got["findings"] if f["code"] == "LG101"]
    if fixture["truth"]["original"]["linkage"] == "dynamic":
        assert lg101 and lg101[0]["through_packing"]
    else:
        assert not lg101


@pytest.mark.parametrize("fixture", TAMPERED, ids=_ids(TAMPERED))
def test_tampered_copies_are_still_caught(fixture: Dict[str, Any]) -> None:
    truth = fixture["truth"]
    got = _artifact(fixture["file"])
    assert "LG201" in _codes(got)
    packing = got["packing"]
    assert packing["tampered"], packing["evidence"]
    original = packing["original"]
    assert original is not None, packing["see_through_error"]
    assert original["linkage"] == truth["original_linkage"]
    assert original["interpreter"] == truth["original_interpreter"]
    assert original["needed"] == truth["original_needed"]
    assert ("LG101" in _codes(got)) is (truth["original_linkage"] == "dynamic")


@pytest.mark.parametrize("fixture", NEGATIVE, ids=_ids(NEGATIVE))
def test_look_alikes_are_not_packed(fixture: Dict[str, Any]) -> None:
    assert not fixture["truth"]["upx_t"]["ok"]
    got = _artifact(fixture["file"])
    assert got["packing"] is None and "LG201" not in _codes(got)
    assert got["linkage"] == fixture["truth"]["linkage"]
