"""Allowances on real binaries: LG102 and LG103 judge where dynamic linking is allowed. Expected symbols and
versions come from the readelf truth in tests/data/elf/manifest.json."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List

from tests.conftest import DATA, load_manifest, run_json
from tests.truth import numeric_version

SET = DATA / "elf"
TRUTH = {Path(f["file"]).name: f["truth"] for f in load_manifest(SET / "manifest.json")}


def _check(tmp_path: Path, name: str, allow: str) -> Dict[str, Any]:
    config = tmp_path / "linkguard.toml"
    config.write_text(f'[[allow]]\npaths = ["*{name}"]\nreason = "loaded into a host process"\n{allow}\n')
    _code, report = run_json(["--config", str(config), str(SET / "bin" / name)])
    (artifact,) = report["artifacts"]
    assert artifact["allowance"] == "loaded into a host process"
    return artifact


def _findings(artifact: Dict[str, Any], code: str) -> List[Dict[str, Any]]:
    return [f for f in artifact["findings"] if f["code"] == code]


def _versions_above(truth: Dict[str, Any], family: str, floor: str) -> Dict[str, List[str]]:
    """readelf's versioned symbols of `family` (GLIBC_2.29, not GLIBC_PRIVATE) above `floor`, by the test's own
    comparison (never linkguard.versions, the code under test)."""
    limit = numeric_version(floor)
    return {
        version: symbols
        for version, symbols in truth["versioned_symbols"].items()
        if re.fullmatch(re.escape(family) + r"_[0-9]+(\.[0-9]+)*", version)
        and numeric_version(version.split("_", 1)[1]) > limit
    }


def test_glibc_floor_names_the_symbols_above_it(tmp_path: Path) -> None:
    name = "gcc-glibc-dynamic-libm"
    artifact = _check(tmp_path, name, 'max-glibc = "2.17"\nlibraries = ["libc.so.6", "libm.so.6"]')
    assert not _findings(artifact, "LG101") and not _findings(artifact, "LG103")
    (lg102,) = _findings(artifact, "LG102")
    evidence = "\n".join(lg102["evidence"])
    expected = _versions_above(TRUTH[name], "GLIBC", "2.17")
    assert expected, "the fixture must need versions above 2.17"
    for version, symbols in expected.items():
        assert version in evidence
        for symbol in symbols[:3]:
            assert symbol in evidence
    assert lg102["fix"]


def test_floor_met_by_the_zig_glibc_2_17_build(tmp_path: Path) -> None:
    name = "zig-x86_64-linux-gnu.2.17-libm"
    assert numeric_version(TRUTH[name]["max_versions"]["GLIBC"]) <= (2, 17)
    artifact = _check(tmp_path, name, 'max-glibc = "2.17"')
    assert artifact["findings"] == []


def test_library_outside_the_allow_list(tmp_path: Path) -> None:
    name = "gcc-glibc-dynamic-libm"
    assert "libm.so.6" in TRUTH[name]["needed"]
    artifact = _check(tmp_path, name, 'libraries = ["libc.so.6"]')
    (lg103,) = _findings(artifact, "LG103")
    assert "libm.so.6" in lg103["message"] and "libc.so.6," not in lg103["message"].split("(")[0]


def test_glibcxx_floor(tmp_path: Path) -> None:
    name = "gxx-libstdcxx-dynamic"
    assert numeric_version(TRUTH[name]["max_versions"]["GLIBCXX"]) > (3, 4, 19)
    artifact = _check(tmp_path, name, '[allow.max-versions]\nGLIBCXX = "3.4.19"')
    (lg102,) = _findings(artifact, "LG102")
    assert "GLIBCXX_" in lg102["message"]


def test_allowance_without_limits_passes_a_dynamic_binary(tmp_path: Path) -> None:
    artifact = _check(tmp_path, "gcc-glibc-dynamic-libm", "")
    assert artifact["findings"] == []


def test_without_an_allowance_the_floor_is_not_the_judge(tmp_path: Path) -> None:
    _code, report = run_json(["--max-glibc", "2.17", str(SET / "bin" / "gcc-glibc-dynamic-libm")])
    codes = {f["code"] for f in report["artifacts"][0]["findings"]}
    assert codes == {"LG101"}
