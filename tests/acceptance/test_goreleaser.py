"""`--goreleaser DIR` through the CLI on the committed release in tests/data/goreleaser.

Which binaries exist, their targets, linkage and highest glibc version come from manifest.json (artifacts.json's
entries, readelf, file, go version -m), never from linkguard.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import DATA, run_cli, run_json

SET = DATA / "goreleaser"
DIST = SET / "project" / "dist"
MANIFEST = json.loads((SET / "manifest.json").read_text())
BINARIES: List[Dict[str, Any]] = MANIFEST["binaries"]
ELF = [b for b in BINARIES if b["readelf"] is not None]
NOT_ELF = [b for b in BINARIES if b["readelf"] is None]
DYNAMIC = [b for b in ELF if b["readelf"]["linkage"] == "dynamic"]
STATIC = [b for b in ELF if b["readelf"]["linkage"] == "static"]


def _display(entry: Dict[str, Any]) -> str:
    return os.path.relpath(SET / entry["file"])


def _config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "linkguard.toml"
    path.write_text(text)
    return str(path)


def _by_path(report: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {a["path"]: a for a in report["artifacts"]}


def _codes(artifact: Dict[str, Any]) -> List[str]:
    return [f["code"] for f in artifact["findings"]]


def test_the_fixture_has_the_targets_the_tests_need() -> None:
    assert [b["listed"]["goarch"] for b in DYNAMIC] == ["arm64"]
    assert [b["listed"]["goarch"] for b in STATIC] == ["amd64"]
    assert {b["listed"]["goos"] for b in NOT_ELF} == {"windows", "darwin"}


def test_checks_exactly_the_listed_binaries() -> None:
    code, report = run_json(["--goreleaser", str(DIST)])
    # Windows and macOS binaries are checked too (PE and Mach-O, issue 12): nothing listed is skipped.
    assert sorted(_by_path(report)) == sorted(_display(b) for b in BINARIES)
    assert report["summary"]["artifacts"] == len(BINARIES)
    assert report["summary"]["skipped"] == 0
    formats = {_by_path(report)[_display(b)]["format"] for b in NOT_ELF}
    assert formats == {"pe", "macho"}
    assert code == 1  # the cgo binary is dynamic and nothing allows it


def test_an_unlisted_file_in_dist_is_not_checked(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(SET / "project", copy)
    stray = copy / "dist" / "stray"
    shutil.copy(SET / DYNAMIC[0]["file"], stray)  # an ELF file goreleaser did not list
    _code, report = run_json(["--goreleaser", str(copy / "dist")])
    assert report["summary"]["artifacts"] + report["summary"]["skipped"] == len(BINARIES)
    assert not any(a["path"].endswith("stray") for a in report["artifacts"])


def test_per_target_allowance_lets_arm64_need_glibc_but_keeps_amd64_static(tmp_path: Path) -> None:
    (dynamic,) = DYNAMIC
    highest = dynamic["readelf"]["max_versions"]["GLIBC"]
    config = _config(tmp_path, f'[[allow]]\ngoarch = "arm64"\nreason = "cgo SDK"\nmax-glibc = "{highest}"\n')
    code, report = run_json(["--config", config, "--goreleaser", str(DIST)])
    artifacts = _by_path(report)
    assert artifacts[_display(dynamic)]["allowance"] == "cgo SDK"
    assert artifacts[_display(dynamic)]["findings"] == []
    assert all(artifacts[_display(b)]["allowance"] is None for b in STATIC)
    assert code == 0


def test_the_arm64_floor_below_its_needs_fails_only_arm64(tmp_path: Path) -> None:
    (dynamic,) = DYNAMIC
    highest = dynamic["readelf"]["max_versions"]["GLIBC"]
    config = _config(tmp_path, '[[allow]]\ngoarch = "arm64"\nreason = "cgo SDK"\nmax-glibc = "manylinux2014"\n')
    code, report = run_json(["--config", config, "--goreleaser", str(DIST)])
    artifacts = _by_path(report)
    assert _codes(artifacts[_display(dynamic)]) == ["LG102"]
    message = artifacts[_display(dynamic)]["findings"][0]["message"]
    assert f"GLIBC_{highest} > manylinux2014" in message
    assert all(_codes(artifacts[_display(b)]) == [] for b in STATIC)
    assert code == 1


def test_the_same_allowance_on_amd64_does_not_reach_arm64(tmp_path: Path) -> None:
    config = _config(tmp_path, '[[allow]]\ngoos = "linux"\ngoarch = "amd64"\nreason = "x"\n')
    code, report = run_json(["--config", config, "--goreleaser", str(DIST)])
    assert _codes(_by_path(report)[_display(DYNAMIC[0])]) == ["LG101"]
    assert code == 1


@pytest.mark.parametrize("target", ["linux_arm64_*", "linux/arm64", "aarch64-linux-gnu", "aarch64-unknown-linux-*"])
def test_targets_match_goreleaser_and_elf_derived_names(tmp_path: Path, target: str) -> None:
    config = _config(tmp_path, f'[[allow]]\ntargets = ["{target}"]\nreason = "by target"\n')
    _code, report = run_json(["--config", config, "--goreleaser", str(DIST)])
    assert _by_path(report)[_display(DYNAMIC[0])]["allowance"] == "by target"


def test_a_plain_path_gets_its_target_from_the_elf_header(tmp_path: Path) -> None:
    """No goreleaser listing: goarch comes from the ELF machine (AArch64 -> arm64 per readelf)."""
    (dynamic,) = DYNAMIC
    assert dynamic["readelf"]["readelf_machine"] == "AArch64"
    config = _config(tmp_path, '[[allow]]\ngoarch = "arm64"\nreason = "arm64 may be dynamic"\n')
    code, report = run_json(["--config", config, str(SET / dynamic["file"]), str(SET / STATIC[0]["file"])])
    artifacts = report["artifacts"]
    assert [a["allowance"] for a in artifacts] == ["arm64 may be dynamic", None]
    assert code == 0


def test_a_listed_binary_that_is_missing_is_unreadable(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(SET / "project", copy)
    gone = copy / STATIC[0]["listed"]["path"]
    gone.unlink()
    code, report = run_json(["--goreleaser", str(copy / "dist")])
    missing = [a for a in report["artifacts"] if a["path"].endswith(STATIC[0]["listed"]["path"])]
    assert [_codes(a) for a in missing] == [["LG901"]]
    assert code == 1


def test_missing_or_bad_listing_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run_cli(["--goreleaser", str(tmp_path)])
    assert code == 2
    assert "artifacts.json: not found" in capsys.readouterr().err
    (tmp_path / "artifacts.json").write_text('{"not": "a list"}')
    code, _ = run_cli(["--goreleaser", str(tmp_path)])
    assert code == 2
    assert "expected goreleaser's list of artifacts" in capsys.readouterr().err
