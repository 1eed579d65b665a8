"""Detached debug-info files are not programs: tests/data/debuginfo (build.sh, make_manifest.py).

`objcopy --only-keep-debug` keeps a program's ELF and program headers but drops the contents of its sections: the
executable PT_LOAD segments, PT_INTERP and PT_DYNAMIC hold no bytes. Read as a program, such a file looked like a
dynamic executable needing nothing and got an LG101 error ("needs 0 shared libraries"); it is shipped beside
release binaries (`app.debug`) and under /usr/lib/debug. The manifest's truth is readelf's program headers, `file
-b`, and what the system did with each file (the kernel's execve, glibc's dlopen), recorded by make_manifest.py.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from linkguard.inputs.files import FileArtifact
from linkguard.limits import Limits
from linkguard.model import ElfFacts
from linkguard.readers import read_artifact
from tests.truth import load_module, missing, require_tool

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "tests" / "data" / "debuginfo"
MANIFEST: Dict[str, Any] = json.loads((SET / "manifest.json").read_text())
FILES: List[Dict[str, Any]] = MANIFEST["files"]
IDS = [f["file"] for f in FILES]


def _no_code(record: Dict[str, Any]) -> bool:
    """From readelf's rows alone: every executable PT_LOAD has file size 0."""
    code = [load["filesz"] for load in record["readelf"]["loads"] if "E" in load["flags"]]
    return bool(code) and not any(code)


def test_the_truth_says_which_files_hold_no_code() -> None:
    debug = {f["file"] for f in FILES if f["file"].endswith(".debug")}
    assert debug == {f["file"] for f in FILES if _no_code(f)} and len(debug) == 3
    for record in FILES:
        if record["file"] in debug:
            assert record["expected"] == {"linkage": "object", "findings": []}
            # the system can neither run nor load any of them
            assert record["system"] in (
                "execve: Exec format error",
                "killed by signal 11",  # the static one: the kernel maps it and jumps into zeroed code
                "dlopen: <file>: object file has no dynamic section",
            ), record
        else:
            assert record["system"] in ("exit 0", "loaded"), record


@pytest.mark.parametrize("record", FILES, ids=IDS)
def test_facts(record: Dict[str, Any]) -> None:
    path = SET / record["file"]
    facts = read_artifact(FileArtifact(str(path), str(path), path.stat().st_size), Limits())
    assert isinstance(facts, ElfFacts)
    if "linkage" in record["expected"]:
        assert facts.linkage == record["expected"]["linkage"]
        assert (facts.interpreter, facts.needed) == (None, ())
        assert any(w.startswith("no machine code in the file") for w in facts.warnings), facts.warnings
    else:  # what readelf's headers say: a PIE with an interpreter, a library with a dynamic section and none
        assert not facts.warnings
        if record["readelf"]["interp_filesz"]:
            assert (facts.linkage, facts.needed) == ("dynamic", ("libc.so.6",))
        else:
            assert (facts.linkage, facts.soname) == ("shared-library", "libfoo.so.1")


def test_a_release_with_its_debug_files_is_judged_on_its_programs(tmp_path: Path) -> None:
    """The CLI over the whole set: the .debug files are checked, reported as objects, and have no finding."""
    out = tmp_path / "report.json"
    completed = subprocess.run(
        [sys.executable, "-m", "linkguard", "--no-config", "-q", "-f", "json", "-o", str(out), str(SET / "bin")],
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr  # the dynamic program and the library still fail LG101
    by_path = {Path(a["path"]).name: a for a in json.loads(out.read_text())["artifacts"]}
    for record in FILES:
        artifact = by_path[Path(record["file"]).name]
        if "linkage" in record["expected"]:
            assert artifact["linkage"] == "object" and artifact["findings"] == [], artifact
        else:
            assert [f["code"] for f in artifact["findings"]] == ["LG101"], artifact


@pytest.mark.parametrize("record", FILES, ids=IDS)
def test_truth_rechecked(record: Dict[str, Any]) -> None:
    """readelf and file agree with the manifest today; on an x86-64 glibc host the system is asked again."""
    require_tool("readelf", "re-read the program headers")
    require_tool("file", "re-check file -b")
    maker = load_module("lg_debuginfo_manifest", SET / "make_manifest.py")
    path = SET / record["file"]
    assert maker.program_headers(path) == record["readelf"]
    assert subprocess.run(["file", "-b", str(path)], capture_output=True, text=True).stdout.strip() == record["file_b"]
    if platform.machine() != "x86_64" or platform.libc_ver()[0] != "glibc":
        missing("the fixtures are x86-64 glibc programs: this host cannot run or load them")
    name = Path(record["file"]).name
    system = maker.run(path) if name in maker.PROGRAMS else maker.dlopen(path)
    if record["system"].startswith("killed by signal"):  # which signal a jump into zeroed code raises may vary
        assert system.startswith("killed by signal"), system
    else:
        assert system == record["system"]
