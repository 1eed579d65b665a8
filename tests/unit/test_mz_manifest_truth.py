"""tests/data/mz: MZ files that are not Windows programs are skipped, never LG901 (issue 15 item 2).

A file is PE only when e_lfanew points at a "PE\\0\\0" signature inside the file, as `file` decides. The truth
is `file -b`, recorded in the manifest by make_manifest.py; linkguard's verdict (skipped) follows from it.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any, Dict

import pytest

from linkguard import cli
from linkguard.limits import Limits
from linkguard.magic import sniff
from linkguard.readers import read_artifact
from tests.conftest import DATA
from tests.truth import fixture_path, require_version

SET = DATA / "mz"
MANIFEST = json.loads((SET / "manifest.json").read_text())
FIXTURES = MANIFEST["fixtures"]


class _Member:
    def __init__(self, data: bytes, path: str) -> None:
        self.data, self.path, self.location, self.size = data, path, path, len(data)

    def open(self) -> io.BytesIO:
        return io.BytesIO(self.data)


@pytest.mark.parametrize("entry", FIXTURES, ids=[Path(e["file"]).name for e in FIXTURES])
def test_file_says_not_pe(entry: Dict[str, Any]) -> None:
    path = fixture_path(SET, entry, "tests/data/mz/build.sh")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    assert entry["starts_with_mz"] and "PE32" not in entry["file_b"]
    require_version(["file", "--version"], MANIFEST["tools"]["file"], "`file -b` of the MZ set")
    got = subprocess.run(["file", "-b", str(path)], capture_output=True, text=True, check=True).stdout.strip()
    assert got == entry["file_b"]


@pytest.mark.parametrize("entry", FIXTURES, ids=[Path(e["file"]).name for e in FIXTURES])
def test_mz_non_pe_is_skipped(entry: Dict[str, Any]) -> None:
    path = SET / entry["file"]
    data = path.read_bytes()
    assert entry["expected_linkguard"].startswith("skipped")
    assert read_artifact(_Member(data, path.name), Limits()) is None
    # the recogniser decides from the head plus at most one small read at e_lfanew
    assert sniff(data[:4096], lambda offset, length: data[offset : offset + length]) is None


def test_cli_skips_the_set_on_disk_and_in_a_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "dist.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for entry in FIXTURES:
            bundle.write(SET / entry["file"], Path(entry["file"]).name)
    # --allow-empty: a run that checks nothing is LG902 otherwise (tests/acceptance/test_empty_run.py)
    assert cli.main(["--no-config", "--allow-empty", "--format", "json", str(SET / "bin"), str(archive)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["errors"] == 0 and report["summary"]["artifacts"] == 0
    assert report["summary"]["skipped"] == len(FIXTURES) + 1  # the files, and the zip ("N members are not ...")
