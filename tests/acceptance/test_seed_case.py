"""The seed case: one cgo Go program (pow from libm, net.LookupHost) built the four ways of linkguard's origin story.

Each variant's premise is checked against the truth the seed manifest recorded from independent tools (readelf,
`upx -l`, `go version -m`), then the whole CLI is run and its JSON report must tell the story:
1. dynamic glibc build: LG101, GLIBC_2.29 pulled in by pow, and the cgo cause;
2. the same packed with UPX: LG201 and, through the packing, LG101;
3. static glibc build: no LG101, LG301 for the NSS functions it reaches;
4. static musl build: clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import DATA, run_json

SET = DATA / "seed"
MANIFEST = SET / "manifest.json"

FIXTURES: Dict[str, Dict[str, Any]] = {
    Path(record["file"]).name: record for record in json.loads(MANIFEST.read_text())["fixtures"]
}


def fixture(name: str) -> Dict[str, Any]:
    if name not in FIXTURES:
        pytest.fail(f"seed manifest has no fixture {name!r} (has: {', '.join(sorted(FIXTURES))})")
    return FIXTURES[name]


def report_for(name: str) -> Dict[str, Any]:
    _code, report = run_json([str(SET / fixture(name)["file"])])
    (artifact,) = report["artifacts"]
    return artifact


def findings(artifact: Dict[str, Any], code: str) -> List[Dict[str, Any]]:
    return [f for f in artifact["findings"] if f["code"] == code]


def test_1_dynamic_reports_glibc_229_via_pow_and_the_cgo_cause() -> None:
    truth = fixture("seed-cgo-glibc-dynamic")["truth"]
    assert truth["linkage"] == "dynamic"
    assert "GLIBC_2.29" in truth["version_needs"]["libm.so.6"]
    # readelf --dyn-syms (recorded, re-checked in test_seed_remedy_manifest_truth.py): pow alone needs GLIBC_2.29.
    assert truth["versioned_symbols"]["GLIBC_2.29"] == ["pow"]

    artifact = report_for("seed-cgo-glibc-dynamic")
    assert artifact["linkage"] == "dynamic"
    assert artifact["needed"] == truth["needed"]
    (lg101,) = findings(artifact, "LG101")
    assert lg101["severity"] == "error"
    told = " ".join([lg101["message"], *lg101["evidence"], lg101["cause"] or ""])
    assert "GLIBC_2.29" in told and "pow" in told
    assert lg101["remedy"].startswith("go-cgo")
    assert "CGO_ENABLED=1" in lg101["cause"]
    assert "libm.so.6 GLIBC_2.29 <- pow" in lg101["cause"]
    assert "CGO_ENABLED=0" in lg101["fix"] or "musl" in lg101["fix"]
    assert artifact["toolchain"]["go"]["settings"]["CGO_ENABLED"] == "1"


def test_2_upx_packing_hides_the_dynamic_original() -> None:
    record = fixture("seed-cgo-glibc-dynamic-upx")
    truth = record["truth"]
    assert truth["linkage"] in ("static", "static-pie")  # what readelf sees on the packed file
    original_truth = fixture("seed-cgo-glibc-dynamic")["truth"]

    artifact = report_for("seed-cgo-glibc-dynamic-upx")
    assert artifact["linkage"] == truth["linkage"]
    packing = artifact["packing"]
    assert packing is not None and packing["packer"] == "upx"
    assert truth["upx_l"]["ok"] and packing["format"] == truth["upx_l"]["format"] == "linux/amd64"
    original = packing["original"]
    assert original is not None
    assert original["linkage"] == "dynamic"
    assert original["needed"] == original_truth["needed"]

    (lg201,) = findings(artifact, "LG201")
    assert lg201["severity"] == "error"
    assert "dynamic" in lg201["message"]
    assert lg201["remedy"] == "upx-packed-hides-dynamic"
    assert "libm.so.6" in lg201["cause"]
    (lg101,) = findings(artifact, "LG101")
    assert lg101["through_packing"] is True
    assert lg101["remedy"].startswith("go-cgo")


def test_3_static_glibc_warns_about_nss() -> None:
    truth = fixture("seed-cgo-glibc-static")["truth"]
    assert truth["linkage"] in ("static", "static-pie")
    assert not truth["needed"] and truth["interpreter"] is None
    assert truth["nss_evidence"]["nm_symbol_types"]["getaddrinfo"] == "T"  # nm: defined in the text section

    artifact = report_for("seed-cgo-glibc-static")
    assert artifact["linkage"] == truth["linkage"]
    assert not findings(artifact, "LG101")
    toolchain = artifact["toolchain"]
    assert toolchain["libc"] == "glibc"
    assert "getaddrinfo" in toolchain["nss"]  # net.LookupHost through the cgo resolver
    (lg301,) = findings(artifact, "LG301")
    assert lg301["severity"] == "warning"
    assert "getaddrinfo" in lg301["message"]
    assert lg301["remedy"] == "go-static-glibc-nss-netgo"
    assert "netgo" in lg301["fix"]


def test_4_static_musl_is_clean() -> None:
    truth = fixture("seed-cgo-musl-static")["truth"]
    assert truth["linkage"] in ("static", "static-pie")
    code, report = run_json([str(SET / fixture("seed-cgo-musl-static")["file"])])
    (artifact,) = report["artifacts"]
    assert artifact["findings"] == []
    assert code == 0
    # strings (recorded, re-checked in test_seed_remedy_manifest_truth.py): musl's strerror(0) text, no glibc tunables.
    markers = truth["nss_evidence"]["glibc_markers"]
    assert markers["No error information"] and not markers["GLIBC_TUNABLES"]
    assert artifact["toolchain"]["libc"] == "musl"


def test_whole_seed_release_fails_with_the_three_problems() -> None:
    names = ["seed-cgo-glibc-dynamic", "seed-cgo-glibc-dynamic-upx", "seed-cgo-glibc-static", "seed-cgo-musl-static"]
    paths = [str(SET / fixture(name)["file"]) for name in names]
    code, report = run_json(paths)
    assert code == 1
    codes = sorted(f["code"] for a in report["artifacts"] for f in a["findings"])
    assert codes.count("LG101") == 2 and codes.count("LG201") == 1 and codes.count("LG301") == 1
    assert report["summary"]["failed"] is True
