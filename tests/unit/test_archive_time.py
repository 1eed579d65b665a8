"""One time bound for a whole archive, not one per member: N slow members must not cost N limits.

The slow member is synthetic (the ELF reader is made to sleep); nothing is timed beyond "the whole archive finished
within about its limit plus slack". What is asserted is what the report says: every member checked before the time
ran out keeps its result, the member being read when it ran out is an LG901, and the members after it are one LG901
of the archive (counted where the archive's directory says how many there are).
"""

from __future__ import annotations

import io
import shutil
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any, List

import pytest

import linkguard.readers as readers
from linkguard.config import Policy
from linkguard.limits import Limits
from linkguard.model import ArtifactReport, Report
from linkguard.scan import scan

PROGRAM = (Path(__file__).resolve().parents[1] / "data" / "archives" / "bin" / "spex-static").read_bytes()
MEMBERS = 8
SECONDS = 1.0
SLACK = 3.0  # start-up, the walk itself and a loaded machine; far below MEMBERS * SECONDS


def write(path: Path, kind: str) -> Path:
    names = [f"bin/app{i}" for i in range(MEMBERS)]
    if kind == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                archive.writestr(name, PROGRAM)
        return path
    with tarfile.open(path, "w:gz" if kind == "tar.gz" else "w") as archive:
        for name in names:
            info = tarfile.TarInfo(name)
            info.size = len(PROGRAM)
            archive.addfile(info, io.BytesIO(PROGRAM))
    return path


@pytest.fixture
def slow_after(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    """The ELF reader sleeps (far past any limit) for members `bin/app<i>` with i at or above the number put in
    the list; decided per member, so that it holds in worker processes too (they inherit the patch)."""
    import linkguard.scan as scan_module

    real_read, real_elf = scan_module.read_artifact, readers.read_elf
    first_slow: List[int] = []
    current: List[str] = [""]

    def read(artifact: Any, limits: Any) -> Any:
        current[0] = artifact.path
        return real_read(artifact, limits)

    def slow(source: Any, budget: Any, **kw: Any) -> Any:
        if int(current[0].rsplit("app", 1)[1]) >= first_slow[0]:
            time.sleep(60)
        return real_elf(source, budget, **kw)

    monkeypatch.setattr(scan_module, "read_artifact", read)
    monkeypatch.setattr(readers, "read_elf", slow)
    return first_slow


def members(report: Report, archive: Path) -> List[ArtifactReport]:
    return [a for a in report.artifacts if a.path.startswith(f"{archive}!")]


def archive_problems(report: Report, archive: Path) -> List[str]:
    return [a.problem.reason for a in report.artifacts if a.path == str(archive) and a.problem is not None]


@pytest.mark.parametrize("kind", ["zip", "tar", "tar.gz"])
@pytest.mark.parametrize("fast", [0, 3])
def test_slow_members_share_the_archives_one_bound(tmp_path: Path, slow_after: List[int], kind: str, fast: int) -> None:
    slow_after.append(fast)
    archive = write(tmp_path / f"release.{kind}", kind)
    started = time.monotonic()
    report = scan([str(archive)], Policy(limits=Limits(seconds=SECONDS), jobs=1))
    assert time.monotonic() - started < SECONDS + SLACK

    found = members(report, archive)
    checked = [m for m in found if m.format == "elf"]
    assert [m.path.rsplit("!", 1)[1] for m in checked] == [f"bin/app{i}" for i in range(fast)]  # kept, in order
    [cut] = [m for m in found if m.problem is not None]
    assert cut.path.endswith(f"!bin/app{fast}") and cut.problem is not None and cut.problem.kind == "budget"
    assert "archive time limit reached" in cut.problem.reason
    assert len(found) == fast + 1  # no later member got a fresh limit of its own
    [left] = archive_problems(report, archive)
    assert "archive time limit reached" in left
    if kind == "zip":  # the central directory says how many were left
        assert f"{MEMBERS - fast - 1} members not checked" in left


def test_the_bound_holds_in_worker_processes(tmp_path: Path, slow_after: List[int]) -> None:
    slow_after.append(1)
    archives = [write(tmp_path / f"release{i}.zip", "zip") for i in range(8)]  # enough files for workers
    started = time.monotonic()
    report = scan([str(tmp_path)], Policy(limits=Limits(seconds=SECONDS), jobs=2))
    assert time.monotonic() - started < len(archives) / 2 * (SECONDS + SLACK)
    for archive in archives:
        assert len([m for m in members(report, archive) if m.format == "elf"]) == 1
        [left] = archive_problems(report, archive)
        assert f"{MEMBERS - 2} members not checked" in left
    shutil.rmtree(tmp_path)
