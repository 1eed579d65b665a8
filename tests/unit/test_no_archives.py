"""--no-archives (config `archives = false`, Action input `archives`): archives stay closed, files are checked."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any, Dict, List

import pytest

from linkguard.config import ConfigError, policy_from_table
from tests.conftest import run_json

ARCHIVES = Path(__file__).resolve().parents[1] / "data" / "archives"
PROGRAM = ARCHIVES / "bin" / "spex-dynamic"


def _tree(tmp_path: Path) -> Path:
    """A program, a zip, a tar.gz, a zip behind a shell script and a self-extracting program (a zip after it)."""
    root = tmp_path / "tree"
    root.mkdir()
    shutil.copy(PROGRAM, root / "spex")
    shutil.copy(ARCHIVES / "release.zip", root / "release.zip")
    shutil.copy(ARCHIVES / "release.tar.gz", root / "release.tar.gz")
    zipped = (ARCHIVES / "release.zip").read_bytes()
    (root / "installer.sh").write_bytes(b"#!/bin/sh\nexit 0\n" + zipped)
    (root / "sfx").write_bytes(PROGRAM.read_bytes() + zipped)
    return root


def _paths(entries: List[Dict[str, Any]]) -> List[str]:
    return sorted(entry["path"] for entry in entries)


def test_no_archives_opens_no_archive_and_says_so(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    _, opened = run_json([str(root)])
    assert any("!" in path for path in _paths(opened["artifacts"]))  # the default opens them all
    _, closed = run_json(["--no-archives", str(root)])
    assert _paths(closed["artifacts"]) == [str(root / "sfx"), str(root / "spex")]  # the files themselves only
    reasons = {entry["path"]: entry["reason"] for entry in closed["skipped_files"]}
    assert reasons[str(root / "release.zip")] == "zip archive; not opened (--no-archives)"
    assert reasons[str(root / "release.tar.gz")] == "gzip archive; not opened (--no-archives)"
    # No zip tail is read: a zip behind a script is not found, and is skipped as the file it starts as.
    assert reasons[str(root / "installer.sh")] == "not an executable (ELF, PE or Mach-O)"
    assert not any("!" in path for path in reasons)


def test_no_archives_reads_no_zip_tail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from linkguard import scan

    def refuse(*_args: object) -> bool:
        raise AssertionError("a zip tail was read")

    monkeypatch.setattr(scan, "zip_at_end", refuse)
    _, report = run_json(["--no-archives", str(_tree(tmp_path))])
    assert report["artifacts"]


def test_config_key_archives_false_is_no_archives(tmp_path: Path) -> None:
    assert policy_from_table({}, "t").open_archives is True
    assert policy_from_table({"archives": False}, "t").open_archives is False
    with pytest.raises(ConfigError, match="archives must be true or false"):
        policy_from_table({"archives": "no"}, "t")
    root = _tree(tmp_path)
    config = tmp_path / "linkguard.toml"
    config.write_text("archives = false\n", encoding="utf-8")
    from linkguard.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        main(["--config", str(config), "--format", "json", str(root / "release.zip"), str(root / "spex")])
    reasons = {entry["path"]: entry["reason"] for entry in json.loads(out.getvalue())["skipped_files"]}
    assert reasons == {str(root / "release.zip"): "zip archive; not opened (--no-archives)"}


def test_zip_members_still_checked_by_default(tmp_path: Path) -> None:
    path = tmp_path / "one.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(PROGRAM, "bin/spex")
    _, report = run_json([str(path)])
    assert _paths(report["artifacts"]) == [f"{path}!bin/spex"]
