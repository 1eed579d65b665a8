"""Windows floors: releases vs NT versions in `max-windows` (issue 15 item 18), and LG104's fix chosen from the
floor that is actually highest (item 6).

Truth: Microsoft Learn's OSVERSIONINFOEX table (Windows 7 = 6.1, 8 = 6.2, 8.1 = 6.3, 10 = 10.0; Windows 11 =
10.0 build 22000 per the Windows 11 release information), the fixtures' objdump/llvm-readobj truth in
tests/data/pe/manifest.json (subsystem versions, machines, imports), Microsoft Learn's Universal CRT deployment
page (part of Windows 10; KB2999226 for Vista..8.1) and Windows on Arm (ARM64 starts with Windows 10).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from linkguard.config import ConfigError, policy_from_table
from linkguard.readers import read_pe as read_facts
from linkguard.readers.budget import Budget
from linkguard.versions import parse_windows_version, windows_label
from tests.conftest import DATA, run_cli

PE = DATA / "pe"

ACCEPTED = [
    ("win7", "6.1"),
    ("windows-7", "6.1"),
    ("Windows 7", "6.1"),
    ("6.1", "6.1"),
    ("nt6.1", "6.1"),
    ("NT 6.1", "6.1"),
    ("6.1.0", "6.1"),
    ("windows-8", "6.2"),
    ("6.2", "6.2"),
    ("windows-8.1", "6.3"),
    ("win8.1", "6.3"),
    ("6.3", "6.3"),
    ("windows-vista", "6.0"),
    ("6", "6.0"),
    ("windows-xp", "5.1"),
    ("10", "10.0"),
    ("10.0", "10.0"),
    ("10.0.0", "10.0"),
    ("windows-10", "10.0"),
    ("windows-11", "10.0.22000"),
    ("10.0.22000", "10.0.22000"),
]
AMBIGUOUS = [
    ("7", "windows-7", "6.1"),
    ("7.0", "windows-7", "6.1"),
    ("8", "windows-8", "6.2"),
    ("8.1", "windows-8.1", "6.3"),
    ("11", "windows-11", "10.0.22000"),
    ("11.0", "windows-11", "10.0.22000"),
]


@pytest.mark.parametrize(("text", "nt"), ACCEPTED)
def test_releases_and_nt_versions(text: str, nt: str) -> None:
    assert parse_windows_version(text) == nt


@pytest.mark.parametrize(("text", "release", "nt"), AMBIGUOUS)
def test_a_bare_release_number_is_refused_with_what_to_write(text: str, release: str, nt: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_windows_version(text)
    message = str(caught.value)
    assert "ambiguous" in message and "did you mean" in message
    assert f'"{release}"' in message and f'"{nt}"' in message


@pytest.mark.parametrize("text", ["6.4", "9", "win9", "seven", "", "1e3", "\u0663"])
def test_no_windows_version(text: str) -> None:
    with pytest.raises(ValueError):
        parse_windows_version(text)


@pytest.mark.parametrize(
    ("nt", "label"),
    [
        ("6.1", "Windows 7 (NT 6.1)"),
        ("6.2", "Windows 8 (NT 6.2)"),
        ("6.3", "Windows 8.1 (NT 6.3)"),
        ("10.0", "Windows 10 (NT 10.0)"),
        ("10.0.22000", "Windows 11 (NT 10.0 build 22000)"),
        ("6.4", "NT 6.4"),
    ],
)
def test_labels(nt: str, label: str) -> None:
    assert windows_label(nt) == label


def test_config_keeps_the_nt_version_and_refuses_a_bare_seven() -> None:
    assert policy_from_table({"max-windows": "windows-7"}).max_versions["windows"] == "6.1"
    with pytest.raises(ConfigError, match=r'did you mean Windows 7\? Write "windows-7"'):
        policy_from_table({"max-windows": "7"})


def test_cli_exits_2_on_an_ambiguous_floor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "linkguard.toml"
    config.write_text('max-windows = "7"\n')
    code, _ = run_cli(["-c", str(config), str(PE / "bin" / "mingw-c.exe")])
    assert code == 2
    assert "did you mean Windows 7" in capsys.readouterr().err


def _lg104(path: Path, floor: str, tmp_path: Path) -> Optional[Dict[str, Any]]:
    config = tmp_path / "linkguard.toml"
    config.write_text(f'max-windows = "{floor}"\n')
    _, text = run_cli(["-c", str(config), "--format", "json", "-j", "1", str(path)])
    findings: List[Dict[str, Any]] = [f for f in json.loads(text)["artifacts"][0]["findings"] if f["code"] == "LG104"]
    return findings[0] if findings else None


def test_windows_7_floor_fails_a_windows_8_binary(tmp_path: Path) -> None:
    """mingw-subsys-6.2.exe: objdump MajorSubsystemVersion 6, MinorSubsystemVersion 2 = Windows 8."""
    path = PE / "bin" / "mingw-subsys-6.2.exe"
    finding = _lg104(path, "windows-7", tmp_path)
    assert finding is not None
    expected = "needs Windows 8 (NT 6.2) or newer; the oldest Windows configured is Windows 7 (NT 6.1)"
    assert finding["message"] == expected
    assert _lg104(path, "windows-8", tmp_path) is None
    assert _lg104(path, "6.2", tmp_path) is None


@pytest.mark.parametrize("floor", ["10", "10.0", "windows-10", "windows-11"])
def test_windows_10_floor_written_any_way_passes_a_windows_10_binary(floor: str, tmp_path: Path) -> None:
    """go-windows-amd64.exe: objdump subsystem 10.0; Go 1.21+ requires Windows 10."""
    assert _lg104(PE / "bin" / "go-windows-amd64.exe", floor, tmp_path) is None


# fixture, floor configured, the remedy the highest floor calls for, the message
HIGHEST = [
    (
        "thirdparty/just.exe",
        "windows-7",
        "rust-windows-floor",
        "needs Windows 10 (NT 10.0) or newer; the oldest Windows configured is Windows 7 (NT 6.1)",
    ),
    (
        "bin/mingw-cxx-thread-static.exe",
        "5.2",
        "windows-import-floor",
        "needs Windows Vista (NT 6.0) or newer; the oldest Windows configured is Windows XP x64 / Server 2003 (NT 5.2)",
    ),
    (
        "bin/zig-c-arm64.exe",
        "windows-8.1",
        "arm64-windows-floor",
        "needs Windows 10 (NT 10.0) or newer; the oldest Windows configured is Windows 8.1 (NT 6.3)",
    ),
    (
        "bin/go-windows-arm64.exe",
        "windows-8.1",
        "arm64-windows-floor",
        "needs Windows 10 (NT 10.0) or newer; the oldest Windows configured is Windows 8.1 (NT 6.3)",
    ),
    (
        "bin/mingw-subsys-6.2.exe",
        "windows-7",
        "windows-subsystem-floor",
        "needs Windows 8 (NT 6.2) or newer; the oldest Windows configured is Windows 7 (NT 6.1)",
    ),
    (
        "bin/zig-c.exe",
        "windows-7",
        "ucrt-floor",
        "needs the Universal CRT: part of Windows 10 (NT 10.0) and newer; Windows Vista to 8.1 need update KB2999226 "
        "(or the VC++ 2015+ redistributable, which installs it), which a bare system lacks; the oldest Windows "
        "configured is Windows 7 (NT 6.1)",
    ),
]


@pytest.mark.parametrize(("fixture", "floor", "remedy", "message"), HIGHEST, ids=[h[0] for h in HIGHEST])
def test_fix_follows_the_highest_floor(fixture: str, floor: str, remedy: str, message: str, tmp_path: Path) -> None:
    finding = _lg104(PE / fixture, floor, tmp_path)
    assert finding is not None
    assert (finding["remedy"], finding["message"]) == (remedy, message)
    if remedy != "windows-subsystem-floor":
        assert "SUBSYSTEM" not in finding["fix"]  # the subsystem version is not what sets the floor
    if remedy == "rust-windows-floor":
        assert "msvcrt" not in finding["fix"]


@pytest.mark.parametrize("name", ["zig-c-arm64.exe", "go-windows-arm64.exe"])
def test_arm64_floor_is_windows_10(name: str) -> None:
    """llvm-readobj: IMAGE_FILE_MACHINE_ARM64; Windows on ARM64 starts with Windows 10."""
    path = PE / "bin" / name
    with path.open("rb") as handle:
        facts = read_facts(handle, path.stat().st_size, Budget())
    assert ("10.0", "machine") in [(f.version, f.kind) for f in facts.floors]
