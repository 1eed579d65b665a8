"""The goreleaser fixture's manifest must agree with the committed files and with independent tools.

sha256 always; readelf, `file` and `go version -m` where installed (with LINKGUARD_REQUIRE_TOOLS=1 a missing tool
fails instead of skipping). Does not import linkguard.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict

import pytest

from tests.truth import load_module

SET = Path(__file__).resolve().parents[1] / "data" / "goreleaser"
MANIFEST = json.loads((SET / "manifest.json").read_text())
BINARIES = MANIFEST["binaries"]
LISTING = json.loads((SET / "project" / "dist" / "artifacts.json").read_text())
MAX_FIXTURE_BYTES = 2_000_000


def _tool(name: str) -> None:
    if shutil.which(name) is None:
        if os.environ.get("LINKGUARD_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{name} is required (LINKGUARD_REQUIRE_TOOLS=1) but not installed")
        pytest.skip(f"{name} is not installed: cannot re-check the manifest's {name} truth")


def _ids() -> list[str]:
    return [b["file"] for b in BINARIES]


@pytest.mark.parametrize("entry", BINARIES, ids=_ids())
def test_committed_file_matches_its_sha256_and_is_small(entry: Dict[str, Any]) -> None:
    data = (SET / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert len(data) == entry["size"] <= MAX_FIXTURE_BYTES


def test_manifest_covers_every_binary_the_listing_names() -> None:
    listed = [e for e in LISTING if e["type"] == "Binary"]
    assert [b["listed"]["path"] for b in BINARIES] == [e["path"] for e in listed]
    for entry, item in zip(BINARIES, listed):
        assert entry["listed"] == {k: item.get(k) for k in ("name", "path", "goos", "goarch", "target")}
        assert (SET / "project" / item["path"]).resolve() == (SET / entry["file"]).resolve()
    assert MANIFEST["artifacts_json_entries"] == len(LISTING)


@pytest.mark.parametrize("entry", [b for b in BINARIES if b["readelf"]], ids=lambda b: b["file"])
def test_readelf_truth(entry: Dict[str, Any]) -> None:
    _tool("readelf")
    facts = load_module("upx_elffacts", SET.parent / "upx" / "elffacts.py").readelf_facts(str(SET / entry["file"]))
    assert {k: facts[k] for k in entry["readelf"]} == entry["readelf"]


@pytest.mark.parametrize("entry", BINARIES, ids=_ids())
def test_file_truth(entry: Dict[str, Any]) -> None:
    _tool("file")
    described = subprocess.run(["file", "-b", str(SET / entry["file"])], capture_output=True, text=True).stdout
    # The kind and, for ELF, the linkage words are stable across magic databases; other details may vary.
    kind = entry["file_b"].split(",")[0]
    assert described.startswith(kind)
    if kind.startswith("ELF"):
        for words in ("statically linked", "dynamically linked", "stripped"):
            assert (words in described) == (words in entry["file_b"])


@pytest.mark.parametrize("entry", BINARIES, ids=_ids())
def test_go_version_m_truth(entry: Dict[str, Any]) -> None:
    _tool("go")
    text = subprocess.run(
        ["go", "version", "-m", str(SET / entry["file"])], capture_output=True, text=True, check=True
    ).stdout
    settings = dict(re.findall(r"^\s+build\s+(\S+?)=(.*)$", text, re.M))
    recorded = entry["go_version_m"]
    assert text.splitlines()[0].endswith(": " + recorded["go"])
    assert {k: settings.get(k) for k in recorded["settings"]} == recorded["settings"]
    assert recorded["settings"]["GOOS"] == entry["listed"]["goos"]
    assert recorded["settings"]["GOARCH"] == entry["listed"]["goarch"]
