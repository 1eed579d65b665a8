"""The UPX 4.x fixture manifest (tests/data/upx4/manifest.json) still matches its binaries.

Re-runs readelf and file on the committed binaries and, when $LINKGUARD_UPX4 points at a runnable UPX 4
(tests/data/upx4/get-upx4.sh prints one), `upx -l/-t/--fileinfo/-d` too; runs the x86 fixtures on an
x86-64 Linux host.  Does not import linkguard: these facts are the yardstick linkguard is measured against.
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

SET = Path(__file__).resolve().parents[1] / "data" / "upx4"
MANIFEST = json.loads((SET / "manifest.json").read_text())
FIXTURES: List[Dict[str, Any]] = MANIFEST["fixtures"]
PACKED = [f for f in FIXTURES if not f["truth"].get("tampered")]
TAMPERED = [f for f in FIXTURES if f["truth"].get("tampered")]
KEPT = [f for f in PACKED if f.get("original_file")]
SHLIBS = [f for f in PACKED if f["truth"]["original"]["linkage"] == "shared-library"]
MAINS = [f for f in PACKED if f not in SHLIBS]


u4 = load_module("lg_upx4facts", SET / "upx4facts.py")
ef = u4.ef


def _ids(fixtures: List[Dict[str, Any]]) -> List[str]:
    return [f["name"] for f in fixtures]


def _path(fx: Dict[str, Any]) -> Path:
    return fixture_path(SET, fx, "tests/data/upx4/build.sh")


def _upx4() -> str:
    upx = u4.find_upx4(allow_default=False)
    if upx is None:
        missing(
            "UPX 4 not available: set LINKGUARD_UPX4 to the wrapper printed by tests/data/upx4/get-upx4.sh "
            "to re-check upx -l/-t/--fileinfo/-d truth"
        )
    if u4.upx_version(upx) != MANIFEST["tools"]["upx"]:
        missing(f"{u4.upx_version(upx)} is not the {MANIFEST['tools']['upx']} that wrote the manifest")
    return str(upx)


# ------------------------------------------------------------------ readelf / file


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_readelf_facts_match_manifest(fx: Dict[str, Any]) -> None:
    need("readelf")
    facts = ef.readelf_facts(str(_path(fx)))
    for key in READELF_KEYS:
        assert facts[key] == fx["truth"][key], f"{fx['name']}: readelf {key} drifted"


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_file_output_matches_manifest(fx: Dict[str, Any]) -> None:
    require_version(["file", "--version"], MANIFEST["tools"]["file"], "the manifest's `file` output")
    assert ef.file_b(str(_path(fx))) == fx["truth"]["file"]


@pytest.mark.parametrize("fx", KEPT, ids=_ids(KEPT))
def test_kept_original_is_what_upx_d_wrote(fx: Dict[str, Any]) -> None:
    need("readelf")
    orig = SET / fx["original_file"]
    want = fx["truth"]["original"]
    assert want["kept_original_identical"]
    assert ef.sha256(str(orig)) == want["sha256"]
    facts = ef.readelf_facts(str(orig))
    for key in READELF_KEYS:
        assert facts[key] == want[key], f"{fx['name']}: original {key}"


# ------------------------------------------------------------------ what UPX 4 does to the headers


@pytest.mark.parametrize("fx", MAINS, ids=_ids(MAINS))
def test_packed_main_program_looks_static(fx: Dict[str, Any]) -> None:
    """4.x main programs: no PT_INTERP/PT_DYNAMIC/sections, 2-3 program headers (guide 1.2)."""
    t = fx["truth"]
    assert t["interpreter"] is None and t["needed"] == [] and not t["has_dynamic"]
    assert t["section_count"] == 0 and "statically linked" in t["file"]
    assert t["segments"][:2] == ["LOAD", "LOAD"] and len(t["segments"]) <= 3


@pytest.mark.parametrize("fx", SHLIBS, ids=_ids(SHLIBS))
def test_packed_shared_library_keeps_dynamic(fx: Dict[str, Any]) -> None:
    """4.x shared libraries: PT_DYNAMIC, DT_NEEDED and DT_SONAME survive packing (guide 1.10)."""
    t = fx["truth"]
    orig = t["original"]
    assert t["has_dynamic"] and t["type"] == "DYN"
    assert (t["needed"], t["soname"]) == (orig["needed"], orig["soname"])
    # Section headers are gone, so readelf -V shows no version needs although DT_VERNEED is still there.
    assert t["section_count"] == 0 and t["version_needs"] == {} and orig["version_needs"]


def test_set_covers_what_it_claims() -> None:
    assert MANIFEST["tools"]["upx"].startswith("upx 4.")
    methods = {f["truth"]["upx_fileinfo"]["method_name"] for f in PACKED}
    assert {"NRV2B_LE32", "NRV2D_LE32", "NRV2E_LE32", "LZMA", "NRV2B_8", "NRV2E_8"} <= methods
    formats = {f["truth"]["upx_l"]["format"] for f in PACKED}
    assert {
        "linux/amd64",
        "linux/i386",
        "linux/arm",
        "linux/arm64",
        "linux/mips",
        "linux/mipsel",
        "linux/ppc32",
        "linux/ppc64le",
    } <= formats
    assert {f["truth"]["original"]["linkage"] for f in PACKED} >= {"static", "static-pie", "dynamic", "shared-library"}
    assert {f["variant"] for f in TAMPERED} >= {"zero-packheader-magic", "replace-every-magic", "append-30-bytes"}
    assert all(r["refused"].startswith("upx 4 refuses ") for r in MANIFEST["refusals"])


@pytest.mark.parametrize("fx", PACKED, ids=_ids(PACKED))
def test_fixture_name_matches_recorded_truth(fx: Dict[str, Any]) -> None:
    t = fx["truth"]
    name = fx["name"]
    info = t["upx_fileinfo"]
    for token, prefix in (("nrv2b", "NRV2B"), ("nrv2d", "NRV2D"), ("nrv2e", "NRV2E"), ("lzma", "LZMA")):
        if f"-{token}" in name:
            assert info["method_name"].startswith(prefix)
    kind = {"-dyn-": "dynamic", "-static-pie": "static-pie", "-shared-lib": "shared-library"}
    expected = next((v for k, v in kind.items() if k in name), "static" if "-static" in name else None)
    assert expected is None or t["original"]["linkage"] == expected
    m = re.search(r"-(\d)$", name)
    if m:
        assert info["level"] == int(m.group(1))
    assert info["header_version"] == 14  # UPX 4.x
    assert t["ident"]["id"] and t["ident"]["id"].startswith("$Id: UPX 4.")
    assert t["upx_l"]["uncompressed_size"] == t["original"]["size"]
    assert t["upx_l"]["compressed_size"] == t["size"]


# ------------------------------------------------------------------ UPX 4 itself


@pytest.mark.parametrize("fx", PACKED, ids=_ids(PACKED))
def test_upx_list_test_fileinfo_match(fx: Dict[str, Any]) -> None:
    upx = _upx4()
    path = str(_path(fx))
    t = fx["truth"]
    assert u4.upx_list(upx, path) == t["upx_l"]
    assert u4.upx_test(upx, path) == t["upx_t"] and t["upx_t"]["ok"]
    assert u4.upx_fileinfo(upx, path) == {k: v for k, v in t["upx_fileinfo"].items() if k != "method_name"}


@pytest.mark.parametrize("fx", PACKED, ids=_ids(PACKED))
def test_upx_d_original_matches(fx: Dict[str, Any]) -> None:
    upx = _upx4()
    need("readelf")
    want = fx["truth"]["original"]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "unpacked")
        assert u4.upx_decompress(upx, str(_path(fx)), out)["ok"]
        assert ef.sha256(out) == want["sha256"]
        facts = ef.readelf_facts(out)
    for key in READELF_KEYS:
        assert facts[key] == want[key], f"{fx['name']}: original {key}"


@pytest.mark.parametrize("fx", TAMPERED, ids=_ids(TAMPERED))
def test_upx_verdict_on_tampered(fx: Dict[str, Any]) -> None:
    upx = _upx4()
    path = str(_path(fx))
    t = fx["truth"]
    assert u4.upx_test(upx, path) == t["upx_t"]
    assert u4.upx_list(upx, path) == t["upx_l"]
    with tempfile.TemporaryDirectory() as tmp:
        dec = u4.upx_decompress(upx, path, os.path.join(tmp, "u"))
    assert (dec["ok"], dec["message"]) == (t["upx_d"]["ok"], t["upx_d"]["message"])
    assert not dec["ok"]


# ------------------------------------------------------------------ they still run

RUN = [f for f in FIXTURES if f["truth"].get("run") is not None]


BY_FILE = {f["file"]: f for f in FIXTURES}
# bin/orig/usecm, the dlopen driver for packed shared libraries, is a gcc-built amd64 glibc program.
DRIVER_INTERPRETER = "/lib64/ld-linux-x86-64.so.2"


@pytest.mark.parametrize("fx", RUN, ids=_ids(RUN))
def test_fixture_runs_as_recorded(fx: Dict[str, Any]) -> None:
    """Packed (and tampered) x86 programs still run; packed libraries load through bin/orig/usecm's dlopen.
    Whether to run is decided from the host (loader, glibc, 32-bit support), never from the record."""
    t = fx["truth"]
    path = _path(fx)
    facts = run_facts(t, BY_FILE)
    shlib = (t.get("original") or {}).get("linkage", t.get("original_linkage")) == "shared-library"
    if shlib:
        facts["interpreter"] = DRIVER_INTERPRETER
    require_runnable(path, **facts)
    assert u4.run_fixture(str(path), t["readelf_machine"], shlib) == t["run"]
