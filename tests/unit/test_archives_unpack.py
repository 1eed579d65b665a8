"""Archives that Python's tarfile and the real unpackers read differently: linkguard checks what GNU tar, zstd,
gunzip, unzip, dpkg-deb and `docker load` would put on disk, or reports LG901 where they report an error.

The corpus is tests/data/archives/unpack/ (written by make_unpack.py there). Each file hides a copy of
tests/data/archives/bin/spex-dynamic, dynamically linked by its readelf truth (../manifest.json), so every copy the
tools extract must come out as LG101; before these fixes each one was a silent pass. The tools' own outputs
(exit status, messages, sha256 of what they extract) are recorded in the manifest and re-checked here where the
tools exist; the expected verdicts are literal data there.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import run_json
from tests.truth import load_module, missing

DATA = Path(__file__).resolve().parents[1] / "data" / "archives"
UNPACK = DATA / "unpack"
MANIFEST = json.loads((UNPACK / "manifest.json").read_text())
RECORDS = MANIFEST["archives"]
HIDDEN = MANIFEST["hidden_member"]
ELF_TRUTH = json.loads((DATA / "manifest.json").read_text())["elf"]
TOOLS = {"tar": "tar", "zst": "zstd", "gz": "gzip", "deb": "dpkg-deb", "lz": "lzip", "lzo": "lzop", "Z": "compress"}


def ids(record: Dict[str, Any]) -> str:
    return str(record["file"])


def expected_paths(record: Dict[str, Any], key: str) -> List[str]:
    """The display paths `expect[key]` names: the archive itself for "", else `archive!member`."""
    base = str(UNPACK / record["file"])
    layers = record.get("layers", {})
    return [f"{base}!{name.format(**layers)}" if name else base for name in record["expect"][key]]


def test_the_hidden_member_is_the_dynamic_fixture() -> None:
    path = DATA.parent.parent.parent / HIDDEN["source"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == HIDDEN["sha256"]
    truth = ELF_TRUTH["bin/spex-dynamic"]["truth"]
    assert truth["sha256"] == HIDDEN["sha256"]
    assert truth["linkage"] == "dynamic" and truth["needed"] == ["libc.so.6"]  # readelf's, recorded by build.py


@pytest.mark.parametrize("record", RECORDS, ids=ids)
def test_fixture_is_committed(record: Dict[str, Any]) -> None:
    path = UNPACK / record["file"]
    assert path.is_file(), f"{path} missing: run python tests/data/archives/unpack/make_unpack.py"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"]


@pytest.mark.parametrize("record", RECORDS, ids=ids)
def test_expected_verdicts_follow_from_the_tools(record: Dict[str, Any]) -> None:
    """Each member expected to be checked is one the tools extract, byte for byte the dynamic fixture; an expected
    LG901 on the archive is where GNU tar reported an error."""
    extracted: Dict[str, str] = {}
    for run in record["tools"]:
        extracted.update(run.get("extracted", {}))
    for name in record["expect"]["checked"]:
        leaf = name.rsplit("!", 1)[-1]
        if "decompressed_sha256" in record["tools"][0]:
            assert record["tools"][0]["decompressed_sha256"] == HIDDEN["sha256"]
        else:
            assert extracted.get(leaf) == HIDDEN["sha256"], (name, extracted)
    if record["expect"].get("unsupported"):
        # GNU tar opens it (through an external decompressor) and extracts the hidden member; linkguard cannot
        # decompress it, so the archive must be LG901, never a pass.
        assert record["expect"]["unreadable"] == [""] and record["expect"]["checked"] == []
        assert all(r["exit"] == 0 for r in record["tools"])
        assert HIDDEN["sha256"] in extracted.values()
    elif "" in record["expect"]["unreadable"]:
        assert any(r["exit"] == 2 and "tar: Skipping to next header" in r["stderr"] for r in record["tools"])
    else:
        assert all(r["exit"] == 0 for r in record["tools"])


@pytest.mark.parametrize("record", RECORDS, ids=ids)
def test_tools_still_say_so(record: Dict[str, Any], tmp_path: Path) -> None:
    """The recorded tool outputs are what the tools on this host say (exit status and extracted bytes)."""
    needed = {"tar"} | {tool for suffix, tool in TOOLS.items() if record["file"].endswith(suffix)}
    if record["file"].endswith(".zip.gz"):
        needed.add("unzip")
    if record["file"].endswith(".deb"):
        needed.add("ar")
    for tool in sorted(needed):
        if shutil.which(tool) is None:
            missing(f"{tool} is not installed: it re-checks {record['file']}")
    maker = load_module("lg_make_unpack", UNPACK / "make_unpack.py")
    path = UNPACK / record["file"]
    again = maker.truth_of(record["file"], path.read_bytes(), path)
    assert [(r["command"], r["exit"], r.get("extracted")) for r in again] == [
        (r["command"], r["exit"], r.get("extracted")) for r in record["tools"]
    ]


@pytest.mark.parametrize("record", RECORDS, ids=ids)
def test_linkguard_checks_what_the_unpackers_extract(record: Dict[str, Any]) -> None:
    if record["file"].endswith(".zst"):
        pytest.importorskip("zstandard", reason="the zstd extra (zstandard) is not installed")
    code, report = run_json([str(UNPACK / record["file"])])
    verdicts = {a["path"]: sorted({f["code"] for f in a["findings"]}) for a in report["artifacts"]}
    expected = {path: ["LG101"] for path in expected_paths(record, "checked")}
    expected.update({path: ["LG901"] for path in expected_paths(record, "unreadable")})
    assert verdicts == expected
    assert code == 1 and report["summary"]["failed"] is True
