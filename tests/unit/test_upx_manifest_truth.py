"""The UPX fixture manifest (tests/data/upx/manifest.json) still matches its binaries.

Re-runs the independent tools (readelf, file, UPX 3.94, the fixtures themselves) on the committed
binaries and compares with what make_manifest.py recorded.  Does not import linkguard: these
facts are the yardstick linkguard is measured against, so they must not come from it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.truth import (
    READELF_KEYS,
    fixture_path,
    load_module,
    missing,
    need,
    require_runnable,
    require_version,
    run_facts,
)

SET = Path(__file__).resolve().parents[1] / "data" / "upx"
MANIFEST = json.loads((SET / "manifest.json").read_text())
FIXTURES: List[Dict[str, Any]] = MANIFEST["fixtures"]
PACKED = [f for f in FIXTURES if f["truth"]["packed"] and not f["truth"].get("tampered")]
TAMPERED = [f for f in FIXTURES if f["truth"].get("tampered")]
NEGATIVE = [f for f in FIXTURES if not f["truth"]["packed"]]


ef = load_module("lg_fixture_elffacts", SET / "elffacts.py")


def _ids(fixtures: List[Dict[str, Any]]) -> List[str]:
    return [f["name"] for f in fixtures]


def _path(fx: Dict[str, Any]) -> Path:
    return fixture_path(SET, fx, "tests/data/upx/build.sh")


def _upx() -> str:
    upx = ef.find_upx()
    if upx is None:
        missing("UPX 3.94 not found (set LINKGUARD_UPX, see .ci/run): cannot re-check upx -l/-t/-d truth")
    return str(upx)


def _same_file_version() -> None:
    require_version(["file", "--version"], MANIFEST["tools"]["file"], "the manifest's `file` output")


# ------------------------------------------------------------------ readelf / file


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_readelf_facts_match_manifest(fx: Dict[str, Any]) -> None:
    need("readelf")
    facts = ef.readelf_facts(str(_path(fx)))
    for key in READELF_KEYS:
        assert facts[key] == fx["truth"][key], f"{fx['name']}: readelf {key} drifted"


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_file_output_matches_manifest(fx: Dict[str, Any]) -> None:
    _same_file_version()
    assert ef.file_b(str(_path(fx))) == fx["truth"]["file"]


@pytest.mark.parametrize(
    "fx", [f for f in PACKED if f.get("original_file")], ids=_ids([f for f in PACKED if f.get("original_file")])
)
def test_kept_original_matches_recorded_original(fx: Dict[str, Any]) -> None:
    """The unpacked original kept in bin/orig is what `upx -d` produced (no UPX needed here)."""
    need("readelf")
    orig = SET / fx["original_file"]
    want = fx["truth"]["original"]
    assert ef.sha256(str(orig)) == want["sha256"]
    facts = ef.readelf_facts(str(orig))
    for key in READELF_KEYS:
        assert facts[key] == want[key], f"{fx['name']}: original {key}"


# ------------------------------------------------------------------ the traps the set exists for


@pytest.mark.parametrize("fx", PACKED + TAMPERED, ids=_ids(PACKED + TAMPERED))
def test_packed_file_looks_static_to_readelf_and_file(fx: Dict[str, Any]) -> None:
    t = fx["truth"]
    assert t["interpreter"] is None and t["needed"] == [] and not t["has_dynamic"]
    assert t["section_count"] == 0
    assert "statically linked" in t["file"]


def test_set_covers_what_it_claims() -> None:
    """Methods, dynamic originals, architectures and tamper variants are all present."""
    methods = {f["truth"]["upx_fileinfo"]["method_name"] for f in PACKED}
    assert {"NRV2B_LE32", "NRV2D_LE32", "NRV2E_LE32", "LZMA", "NRV2B_8", "NRV2E_8"} <= methods
    formats = {f["truth"]["upx_l"]["format"] for f in PACKED}
    assert {
        "linux/amd64",
        "linux/i386",
        "linux/arm",
        "linux/arm64",
        "linux/armeb",
        "linux/mips",
        "linux/mipsel",
        "linux/ppc32",
    } <= formats
    dyn_orig = [f for f in PACKED if f["truth"]["original"]["linkage"] == "dynamic"]
    assert any(f["truth"]["original"]["max_versions"].get("GLIBC") for f in dyn_orig)
    assert any("ld-musl" in (f["truth"]["original"]["interpreter"] or "") for f in dyn_orig)
    assert {f["variant"] for f in TAMPERED} >= {
        "zero-packheader-magic",
        "replace-every-magic",
        "wipe-ident-strings",
        "zero-pinfo-sizes",
        "zero-packheader-and-linfo",
        "append-30-bytes",
    }
    assert all(r["refused"].startswith("upx 3.94 refuses ") for r in MANIFEST["refusals"])


@pytest.mark.parametrize("fx", PACKED, ids=_ids(PACKED))
def test_fixture_name_matches_recorded_method_and_original(fx: Dict[str, Any]) -> None:
    """Names say what the build meant; the recorded UPX/readelf truth must agree."""
    t = fx["truth"]
    name = fx["name"]
    for token, prefix in (("nrv2b", "NRV2B"), ("nrv2d", "NRV2D"), ("nrv2e", "NRV2E"), ("lzma", "LZMA")):
        if f"-{token}" in name:
            assert t["upx_fileinfo"]["method_name"].startswith(prefix)
    if "-dyn-" in name:
        assert t["original"]["linkage"] == "dynamic"
    if "-static" in name:
        assert t["original"]["linkage"] == "static"
    m = re.search(r"-(\d)$", name)
    if m:
        assert t["upx_fileinfo"]["level"] == int(m.group(1))
    if name.endswith("-best"):
        assert t["upx_fileinfo"]["level"] == 10
    assert t["upx_fileinfo"]["header_version"] == 13  # UPX 3.9x
    assert t["upx_l"]["uncompressed_size"] == t["original"]["size"]
    assert t["upx_l"]["compressed_size"] == t["size"]


@pytest.mark.parametrize("fx", NEGATIVE, ids=_ids(NEGATIVE))
def test_negative_fixtures_really_carry_the_bait(fx: Dict[str, Any]) -> None:
    data = _path(fx).read_bytes()
    t = fx["truth"]
    assert data.count(b"UPX!") == t["count_UPX!"]
    assert t["count_UPX!"] >= 1 or t["upx_named_sections"]
    assert not t["upx_t"]["ok"] and "NotPackedException" in t["upx_t"]["message"]


# ------------------------------------------------------------------ UPX itself


@pytest.mark.parametrize("fx", PACKED, ids=_ids(PACKED))
def test_upx_list_test_fileinfo_match(fx: Dict[str, Any]) -> None:
    upx = _upx()
    path = str(_path(fx))
    t = fx["truth"]
    assert ef.upx_list(upx, path) == t["upx_l"]
    assert ef.upx_test(upx, path)["ok"] is True
    assert ef.upx_fileinfo(upx, path) == {k: v for k, v in t["upx_fileinfo"].items() if k != "method_name"}


@pytest.mark.parametrize("fx", PACKED, ids=_ids(PACKED))
def test_upx_d_original_matches(fx: Dict[str, Any]) -> None:
    upx = _upx()
    need("readelf")
    want = fx["truth"]["original"]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "unpacked")
        assert ef.upx_decompress(upx, str(_path(fx)), out)["ok"]
        assert ef.sha256(out) == want["sha256"]
        facts = ef.readelf_facts(out)
        for key in READELF_KEYS:
            assert facts[key] == want[key], f"{fx['name']}: original {key}"


@pytest.mark.parametrize("fx", TAMPERED + NEGATIVE, ids=_ids(TAMPERED + NEGATIVE))
def test_upx_verdict_on_tampered_and_negative(fx: Dict[str, Any]) -> None:
    upx = _upx()
    path = str(_path(fx))
    t = fx["truth"]
    got = ef.upx_test(upx, path)
    assert (got["ok"], got["message"]) == (t["upx_t"]["ok"], t["upx_t"]["message"])
    assert ef.upx_list(upx, path) == t["upx_l"]
    if "upx_d" in t:
        with tempfile.TemporaryDirectory() as tmp:
            dec = ef.upx_decompress(upx, path, os.path.join(tmp, "u"))
        assert (dec["ok"], dec["message"]) == (t["upx_d"]["ok"], t["upx_d"]["message"])


def test_tampering_defeats_upx_except_string_wipe() -> None:
    for fx in TAMPERED:
        broken = fx["variant"] != "wipe-ident-strings"
        assert fx["truth"]["upx_d"]["ok"] is (not broken), fx["name"]
        assert fx["truth"]["original_linkage"] in ("static", "dynamic")


# ------------------------------------------------------------------ they still run


RUN = [f for f in FIXTURES if f["truth"].get("run") is not None]
BY_FILE = {f["file"]: f for f in FIXTURES}


@pytest.mark.parametrize("fx", RUN, ids=_ids(RUN))
def test_fixture_runs_as_recorded(fx: Dict[str, Any]) -> None:
    """Packed programs run (or crash: UPX 3.94's stub faults on some) as recorded, tampered copies included:
    the loader stub does not need the headers. Whether to run is decided from the host, never from the record."""
    path = _path(fx)
    require_runnable(path, **run_facts(fx["truth"], BY_FILE))
    assert ef.run_binary(str(path)) == fx["truth"]["run"]


def test_tampered_amd64_fixtures_were_run() -> None:
    amd64 = [f for f in TAMPERED if f["truth"]["readelf_machine"] == "Advanced Micro Devices X86-64"]
    assert amd64 and all(f["truth"]["run"]["exit_code"] == 0 for f in amd64)
