"""Bad input is a result, never a traceback or a hang: the malformed corpus, fuzzing, and the budget."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import List, Optional

import pytest

from linkguard.inputs.files import FileArtifact
from linkguard.limits import Limits
from linkguard.model import ElfFacts, Unreadable
from linkguard.readers import read_artifact
from tests.conftest import DATA

MALFORMED = DATA / "elf" / "malformed"
BIN = DATA / "elf" / "bin"
SEEDS = [
    "gcc-glibc-dynamic-libm",
    "gcc-glibc-dynamic-libm-nosections",
    "gxx-libstdcxx-dynamic",
    "zig-s390x-linux-musl-static",
    "zig-x86-linux-musl-static",
    "go-pie-nocgo",
]


def _inspect(path: Path, limits: Optional[Limits] = None) -> object:
    limits = limits or Limits(seconds=5.0)
    return read_artifact(FileArtifact(str(path), str(path), path.stat().st_size), limits)


def _malformed() -> List[dict]:
    return list(json.loads((MALFORMED / "manifest.json").read_text())["files"])


@pytest.mark.parametrize("entry", _malformed(), ids=lambda e: e["file"])
def test_malformed_corpus_gives_a_result(entry: dict) -> None:
    path = MALFORMED / entry["file"]
    result = _inspect(path)
    if path.stat().st_size == 0:
        assert result is None  # no magic: not an ELF file at all, counted as skipped
        return
    assert isinstance(result, (ElfFacts, Unreadable))
    if entry["readelf"]["exit_code"] != 0 and "Failed to read file header" in " ".join(
        entry["readelf"]["stderr_first"]
    ):
        assert isinstance(result, Unreadable)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("trunc-ehdr", "truncated"),
        ("trunc-phdrs", "past the end of the file"),
        ("phoff-past-eof", "past the end of the file"),
        ("phnum-huge", "past the end of the file"),
        ("dynamic-outside-file", "lies outside the file"),
        ("needed-offset-out-of-range", "outside the dynamic string table"),
    ],
)
def test_precise_reasons(name: str, reason: str) -> None:
    result = _inspect(MALFORMED / name)
    assert isinstance(result, Unreadable) and reason in result.reason


def test_version_need_loop_is_partial_facts_with_a_warning() -> None:
    result = _inspect(MALFORMED / "verneed-loop")
    assert isinstance(result, ElfFacts)
    assert result.linkage == "dynamic"
    assert any("loop" in w for w in result.warnings)
    assert result.version_needs, "entries before the bad link are kept"


def _mutations(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    choice = rng.random()
    if choice < 0.3:
        return bytes(buf[: rng.randrange(16, len(buf))])
    hot = min(len(buf), 4096)  # headers, program headers and (usually) the dynamic tables
    for _ in range(rng.randrange(1, 24)):
        i = rng.randrange(4, hot) if rng.random() < 0.8 else rng.randrange(4, len(buf))
        buf[i] = rng.randrange(256) if rng.random() < 0.7 else rng.choice([0x00, 0xFF, 0x7F, 0x80])
    if choice > 0.85:  # a wild 32/64-bit field in the header
        offset = rng.choice([0x20, 0x28, 0x36, 0x38, 0x3A, 0x3C])
        buf[offset : offset + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x80", b"\xff\xff\x00\x00"])
    return bytes(buf)


@pytest.mark.parametrize("seed_name", SEEDS)
def test_fuzzed_fixtures_never_raise_or_hang(seed_name: str, tmp_path: Path) -> None:
    original = (BIN / seed_name).read_bytes()
    rng = random.Random(f"linkguard-{seed_name}")
    target = tmp_path / "fuzzed"
    worst = 0.0
    for _ in range(60):
        target.write_bytes(_mutations(original, rng))
        started = time.monotonic()
        result = _inspect(target, Limits(seconds=3.0))
        worst = max(worst, time.monotonic() - started)
        assert result is None or isinstance(result, (ElfFacts, Unreadable))
    assert worst < 10.0


def test_read_budget_turns_into_unreadable(tmp_path: Path) -> None:
    result = _inspect(BIN / "gxx-libstdcxx-dynamic", Limits(read_bytes=512))
    assert isinstance(result, Unreadable) and result.kind == "budget" and "bytes read" in result.reason


def test_time_budget_turns_into_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    from linkguard.readers import elf

    def spin(image: object) -> None:  # a parser loop that reads nothing: only the alarm can stop it
        while True:
            pass

    monkeypatch.setattr(elf, "linkage_facts", spin)
    started = time.monotonic()
    result = _inspect(BIN / "gcc-glibc-static", Limits(seconds=0.2))
    assert isinstance(result, Unreadable) and result.kind == "budget"
    assert time.monotonic() - started < 5


def test_unreadable_file_is_a_permission_finding(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "secret"
    target.write_bytes((BIN / "gcc-glibc-static").read_bytes()[:4096])

    def deny(self: FileArtifact) -> object:  # root reads through chmod 000, so deny at open()
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(FileArtifact, "open", deny)
    result = _inspect(target)
    assert isinstance(result, Unreadable) and result.kind == "permission"
