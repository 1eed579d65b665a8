"""Every committed fixture is tied to its recorded truth by a sha256 in its manifest, checked on every machine.

A packed binary's truth (upx -l/-d, readelf of its original) can only be re-derived where UPX is installed; the
hash makes sure that, everywhere else, the bytes under test are still the bytes that truth was recorded for.
Hashes are written by tests/data/fill_sha256.py; this test never writes them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from tests.truth import load_module

ROOT = Path(__file__).resolve().parents[2]
fill = load_module("lg_fill_sha256", ROOT / "tests" / "data" / "fill_sha256.py")

MANIFESTS: List[Path] = fill.manifests()
RECORDS: List[Tuple[Path, Optional[str]]] = [entry for m in MANIFESTS for entry in fill.recorded(m)]
# The fixture sets whose binaries must all be described by a manifest.
SETS = (
    "archives",
    "debuginfo",
    "elf",
    "frameworks",
    "loose-hosts",
    "npm-deps",
    "packages-core",
    "remedies",
    "rpath-chain",
    "seed",
    "upx",
    "upx4",
)


def test_every_fixture_set_has_a_manifest() -> None:
    found = {m.parent.relative_to(ROOT).as_posix() for m in MANIFESTS}
    assert {f"tests/data/{name}" for name in SETS} | {"examples"} <= found


@pytest.mark.parametrize(
    ("path", "recorded"), RECORDS, ids=[p.relative_to(ROOT).as_posix() + f"#{i}" for i, (p, _) in enumerate(RECORDS)]
)
def test_recorded_sha256_matches_the_committed_file(path: Path, recorded: Optional[str]) -> None:
    assert path.is_file(), f"{path} is listed in its manifest but not committed"
    assert recorded, f"{path}: no sha256 in its manifest (run python tests/data/fill_sha256.py)"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded, f"{path} changed without its truth"


def test_every_committed_binary_is_described_by_a_manifest() -> None:
    described = {path.resolve() for path, _ in RECORDS}
    roots = [ROOT / "tests" / "data" / name for name in SETS] + [ROOT / "examples"]
    files = [p for root in roots for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    binaries = [p for p in files if fill.is_binary(p)]
    assert len(binaries) > 200
    orphans = [p.relative_to(ROOT).as_posix() for p in binaries if p.resolve() not in described]
    assert not orphans, f"binaries with no manifest record (so no recorded truth or sha256): {orphans}"
