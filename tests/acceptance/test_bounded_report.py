"""Issue 15 item 12, output that grows past any bound: what one artifact puts in the report is bounded.

tests/data/macho/malformed/hostile/make_hostile.py builds a 1.7 MiB universal file of 40 slices (sharing their
bytes) x 3071 LC_LOAD_DYLIB + 1023 LC_RPATH (truth: llvm-objdump's count of the slice's load commands, in the
manifest). Unbounded, it made 144 MB of JSON and 0.79 GB resident memory. linkguard runs in a child process whose
address space is capped (RLIMIT_AS), so running out of memory shows as a failure here; no time is asserted.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

from linkguard.limits import MAX_EVIDENCE_LINES, MAX_FINDINGS, MAX_LISTED_PER_FILE, MAX_RPATHS_PER_SLICE
from tests.conftest import DATA, validate_report
from tests.truth import load_module

HERE = DATA / "macho" / "malformed" / "hostile"
MANIFEST = json.loads((HERE / "manifest.json").read_text())
(GENERATED,) = MANIFEST["generated"]
SRC = Path(__file__).resolve().parents[2] / "src"
ADDRESS_SPACE = 768 << 20  # the unbounded run needed more than this resident; a bounded one needs far less
JSON_BOUND = 4 << 20


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        [sys.executable, "-m", "linkguard", "--no-config", "-j", "1", *args],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=_limited,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    maker = load_module("lg_macho_make_hostile", HERE / "make_hostile.py")
    path: Path = maker.build(tmp_path_factory.mktemp("hostile"))
    import hashlib

    assert hashlib.sha256(path.read_bytes()).hexdigest() == GENERATED["sha256_built"]
    return path


def test_json_and_memory_stay_bounded(tmp_path: Path, hostile: Path) -> None:
    out = tmp_path / "report.json"
    run = _run(tmp_path, "--format", "json", "--output", str(out), str(hostile))
    assert run.returncode == 1, run.stderr
    assert out.stat().st_size < JSON_BOUND
    report: Dict[str, Any] = json.loads(out.read_text())
    validate_report(report)
    (artifact,) = report["artifacts"]
    assert [f["code"] for f in artifact["findings"]] == ["LG101"]
    slices = artifact["macho"]["slices"]
    params = GENERATED["parameters"]
    truth = GENERATED["truth"]["thin_slice_load_commands"]
    assert len(slices) == params["slices"]
    assert sum(len(s["dylibs"]) for s in slices) <= MAX_LISTED_PER_FILE
    for piece in slices:
        assert piece["linkage"] == "dynamic"
        assert len(piece["dylibs"]) + piece["dylibs_omitted"] == truth["LC_LOAD_DYLIB"]
        assert piece["foreign_omitted"] == piece["dylibs_omitted"]  # every one is a Homebrew path
        assert len(piece["rpaths"]) == MAX_RPATHS_PER_SLICE
        assert len(piece["rpaths"]) + piece["rpaths_omitted"] == truth["LC_RPATH"]
    (finding,) = artifact["findings"]
    assert len(finding["evidence"]) <= MAX_EVIDENCE_LINES
    assert finding["evidence"][-1].startswith("and ") and finding["evidence"][-1].endswith(" more lines")
    assert "more" in finding["message"]


@pytest.mark.parametrize("fmt", ["text", "sarif", "markdown"])
def test_other_outputs_stay_bounded(tmp_path: Path, hostile: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    run = _run(tmp_path, "--format", fmt, "--verbose", "--output", str(out), str(hostile))
    assert run.returncode == 1, run.stderr
    assert out.stat().st_size < JSON_BOUND
    assert "ran out of memory" not in out.read_text() and "took longer than" not in out.read_text()
    assert "LG101" in out.read_text()


def test_findings_per_artifact_are_capped() -> None:
    from linkguard.model import Finding, Severity
    from linkguard.rules import bounded

    many = [
        Finding("LG201", "upx-packed", Severity.ERROR, "m" * 10_000, evidence=tuple(f"e{i}" for i in range(500)))
        for _ in range(100)
    ]
    kept = bounded(many)
    assert len(kept) == MAX_FINDINGS
    assert all(len(f.evidence) <= MAX_EVIDENCE_LINES + 1 for f in kept)
    assert kept[0].evidence[-1] == f"and {500 - MAX_EVIDENCE_LINES + 1} more lines"
    assert (
        kept[-1].evidence[-1]
        == f"and {100 - MAX_FINDINGS} more findings not listed (at most {MAX_FINDINGS} per artifact)"
    )
    assert all(len(f.message) <= 4000 for f in kept)
