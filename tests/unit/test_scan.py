"""scan(): walk order is report order whatever the number of workers; FIFOs, crashes and progress."""

from __future__ import annotations

import os
import shutil
import signal
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

from linkguard import scan as scan_module
from linkguard.config import Policy
from linkguard.model import Report
from linkguard.scan import scan

ARCHIVES = Path(__file__).resolve().parents[1] / "data" / "archives"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A directory with enough files to go to worker processes: ELF files, archives and text."""
    root = tmp_path / "dist"
    for sub in ("a", "b", "c"):
        (root / sub).mkdir(parents=True)
        for elf in (ARCHIVES / "bin").iterdir():
            shutil.copyfile(elf, root / sub / elf.name)
        (root / sub / "notes.txt").write_text("not an ELF file\n")
    for name in ("release.tar.gz", "release.zip", "image-oci.tar", "hostile-traversal.tar", "spex_1.0_amd64.deb"):
        shutil.copyfile(ARCHIVES / name, root / "b" / name)
    return root


def summary(report: Report) -> List[Tuple[Any, ...]]:
    return [(a.path, a.format, a.facts, a.problem, a.findings) for a in report.artifacts] + [
        (s.path, s.reason) for s in report.skipped
    ]


def test_order_is_the_same_with_and_without_workers(tree: Path) -> None:
    serial = scan([str(tree)], Policy(jobs=1))
    parallel = scan([str(tree)], Policy(jobs=2))
    wide = scan([str(tree)], Policy(jobs=3))
    assert summary(serial) == summary(parallel) == summary(wide)
    assert len(serial.artifacts) > 9
    paths = [a.path for a in serial.artifacts]
    # Walk order: directories sorted, archive members follow their archive.
    assert paths.index(str(tree / "a" / "spex-dynamic")) < paths.index(
        str(tree / "b" / "release.tar.gz") + "!spex/bin/spex"
    )


def _alarm(seconds: int) -> Iterator[None]:
    def fire(signum: int, frame: Any) -> None:
        raise TimeoutError("scan hung")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("jobs", [1, 2])
def test_fifo_in_a_directory_does_not_hang(tree: Path, jobs: int) -> None:
    fifo = tree / "a" / "pipe"
    os.mkfifo(fifo)
    alarm = _alarm(60)
    next(alarm)
    try:
        report = scan([str(tree)], Policy(jobs=jobs))
    finally:
        alarm.close()
    [skip] = [s for s in report.skipped if s.path == str(fifo)]
    assert "FIFO" in skip.reason


def test_a_worker_crash_is_lg901_for_that_artifact_only(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    victim = tree / "c" / "spex-static"
    clean = scan([str(tree)], Policy(jobs=1))
    real = scan_module.read_artifact

    def crashing(artifact: Any, limits: Any) -> Any:
        if artifact.location == str(victim):
            os.kill(os.getpid(), signal.SIGKILL)  # as a segfault in a C extension would
        return real(artifact, limits)

    monkeypatch.setattr(scan_module, "read_artifact", crashing)  # forked workers inherit the patch
    report = scan([str(tree)], Policy(jobs=2))
    [hit] = [a for a in report.artifacts if a.path == str(victim)]
    assert hit.format == "unreadable" and hit.problem is not None
    assert "SIGKILL" in hit.problem.reason
    assert [f.code for f in hit.findings] == ["LG901"]
    assert [a.path for a in report.artifacts] == [a.path for a in clean.artifacts]
    others = [(a.path, a.facts) for a in report.artifacts if a.path != str(victim)]
    assert others == [(a.path, a.facts) for a in clean.artifacts if a.path != str(victim)]


def test_progress_callback_counts_every_path_in_order(tree: Path) -> None:
    """Progress is reported once per chunk of walked paths (not per path): counts grow, and end at every path."""
    from linkguard.inputs.files import walk

    calls: List[Tuple[int, int, str]] = []
    report = scan([str(tree)], Policy(jobs=2), progress=lambda done, found, path: calls.append((done, found, path)))
    done = [c[0] for c in calls]
    assert done == sorted(set(done)) and done[-1] == len(list(walk([str(tree)])))
    assert calls[-1][1] == len(report.artifacts)


def test_few_small_files_stay_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_workers(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("worker processes started for a tiny input")

    monkeypatch.setattr("linkguard.parallel.run_batches", no_workers)
    shutil.copyfile(ARCHIVES / "bin" / "spex-static", tmp_path / "spex")
    report = scan([str(tmp_path)], Policy(jobs=4))
    assert [a.facts.linkage for a in report.artifacts if a.facts] == ["static"]


def test_excluded_and_missing_paths(tmp_path: Path) -> None:
    shutil.copyfile(ARCHIVES / "bin" / "spex-dynamic", tmp_path / "spex")
    policy = replace(Policy(jobs=1), exclude=("spex",))
    report = scan([str(tmp_path), str(tmp_path / "missing")], policy)
    assert [s.reason for s in report.skipped] == ["excluded by configuration"]
    [missing] = report.artifacts
    assert missing.problem is not None and missing.problem.kind == "io"


# ------------------------------------------------------------------------------------- aliases and bounds


def test_links_to_one_file_are_read_once_and_reported_as_aliases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copyfile(ARCHIVES / "bin" / "spex-dynamic", tmp_path / "spex.1")
    os.symlink("spex.1", tmp_path / "spex")  # sorts first: it is the path the file is read under
    os.link(tmp_path / "spex.1", tmp_path / "spex.hard")
    reads: List[str] = []
    real = scan_module.read_artifact

    def counting(artifact: Any, limits: Any) -> Any:
        reads.append(artifact.path)
        return real(artifact, limits)

    monkeypatch.setattr(scan_module, "read_artifact", counting)
    report = scan([str(tmp_path)], Policy(jobs=1))
    assert reads == [str(tmp_path / "spex")]
    by_path = {a.path: a for a in report.artifacts}
    assert sorted(by_path) == sorted(str(tmp_path / n) for n in ("spex", "spex.1", "spex.hard"))
    first = by_path[str(tmp_path / "spex")]
    assert first.alias_of is None
    for name in ("spex.1", "spex.hard"):
        alias = by_path[str(tmp_path / name)]
        assert alias.alias_of == first.path
        assert alias.facts == first.facts and alias.findings == first.findings


def test_an_alias_is_judged_under_its_own_path_policy(tmp_path: Path) -> None:
    from linkguard.config import Allowance

    shutil.copyfile(ARCHIVES / "bin" / "spex-dynamic", tmp_path / "spex.1")
    os.symlink("spex.1", tmp_path / "spex")
    policy = replace(Policy(jobs=1), allowances=(Allowance(paths=("*/spex.1",), reason="plugin host"),))
    report = scan([str(tmp_path)], policy)
    by_path = {a.path: a for a in report.artifacts}
    assert [f.code for f in by_path[str(tmp_path / "spex")].findings] == ["LG101"]
    assert by_path[str(tmp_path / "spex.1")].allowance == "plugin host"
    assert "LG101" not in [f.code for f in by_path[str(tmp_path / "spex.1")].findings]


def test_an_alias_judged_alike_reuses_the_findings_and_a_different_placement_is_judged_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An alias whose path policy and placement equal its file's takes the file's findings without running the rules
    again; one whose placement differs (another package around it) is judged on its own placement."""
    from linkguard import rules
    from linkguard.model import Placement, Provision

    shutil.copyfile(ARCHIVES / "bin" / "spex-dynamic", tmp_path / "spex.1")
    os.symlink("spex.1", tmp_path / "spex")  # the path the file is read under
    os.link(tmp_path / "spex.1", tmp_path / "spex.hard")
    judged: List[int] = []
    real_evaluate = rules.evaluate

    def counting(*args: Any, **kwargs: Any) -> Any:
        judged.append(1)
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(rules, "evaluate", counting)
    report = scan([str(tmp_path)], Policy(jobs=1))
    assert len(judged) == 1  # the file's own judgement only: both aliases are judged alike
    first, *aliases = sorted(report.artifacts, key=lambda a: a.alias_of is not None)
    assert [a.alias_of for a in aliases] == [first.path, first.path]
    assert all(a.findings == first.findings and a.placement == first.placement for a in aliases)

    elsewhere = Placement(provisions=(Provision("libc.so.6", "os", how="a test's own placement"),))
    real_placement = scan_module._placement

    def placed(candidate: Any, inspection: Any, policy: Any) -> Any:
        if candidate.path.endswith("spex.hard"):
            return elsewhere
        return real_placement(candidate, inspection, policy)

    monkeypatch.setattr(scan_module, "_placement", placed)
    judged.clear()
    report = scan([str(tmp_path)], Policy(jobs=1))
    assert len(judged) == 2  # the file's, and the hard link's on its own placement
    by_path = {a.path: a for a in report.artifacts}
    assert by_path[str(tmp_path / "spex.hard")].placement == elsewhere
    assert by_path[str(tmp_path / "spex.1")].placement == by_path[str(tmp_path / "spex")].placement != elsewhere


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_bug_while_reading_one_file_is_its_lg901_and_the_run_goes_on(
    tree: Path, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tree / "b" / "spex-static"
    real = scan_module.read_artifact

    def buggy(artifact: Any, limits: Any) -> Any:
        if artifact.location == str(victim):
            raise KeyError("a bug in a reader")
        return real(artifact, limits)

    monkeypatch.setattr(scan_module, "read_artifact", buggy)
    clean = scan([str(tree)], Policy(jobs=1))
    report = scan([str(tree)], Policy(jobs=jobs))
    [hit] = [a for a in report.artifacts if a.path == str(victim)]
    assert hit.problem is not None and hit.problem.kind == "internal"
    assert "KeyError" in hit.problem.reason and "a bug in a reader" in hit.problem.reason
    assert "report" in hit.problem.reason
    assert [f.code for f in hit.findings] == ["LG901"]
    assert [a.path for a in report.artifacts] == [a.path for a in clean.artifacts]


def _stuck_in_c(artifact: Any, limits: Any) -> Any:
    """A read that no SIGALRM can interrupt (as a long call inside a C extension): only the watchdog can stop it."""
    import time

    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])
    while True:
        time.sleep(0.05)


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="needs POSIX signal masks")
def test_the_worker_watchdog_stops_one_item_by_its_own_deadline(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from linkguard.limits import Limits

    victim = tree / "a" / "spex-static"
    real = scan_module.read_artifact

    def maybe_stuck(artifact: Any, limits: Any) -> Any:
        if artifact.location == str(victim):
            return _stuck_in_c(artifact, limits)
        return real(artifact, limits)

    monkeypatch.setattr(scan_module, "read_artifact", maybe_stuck)
    report = scan([str(tree)], replace(Policy(jobs=2), limits=Limits(seconds=1.0)))
    [hit] = [a for a in report.artifacts if a.path == str(victim)]
    assert hit.problem is not None and "did not finish within" in hit.problem.reason
    others = [a for a in report.artifacts if a.path != str(victim)]
    assert others and all(a.problem is None or "did not finish" not in a.problem.reason for a in others)


def test_in_process_reads_have_the_same_time_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from linkguard.limits import Limits

    shutil.copyfile(ARCHIVES / "bin" / "spex-static", tmp_path / "spex")

    def spin(artifact: Any, limits: Any) -> Any:
        while True:
            pass

    monkeypatch.setattr(scan_module, "read_artifact", spin)
    report = scan([str(tmp_path)], replace(Policy(jobs=1), limits=Limits(seconds=1.0)))
    [hit] = report.artifacts
    assert hit.problem is not None and hit.problem.kind == "budget" and "longer than 1 s" in hit.problem.reason


def test_quiet_is_a_rendering_choice(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    examples = Path(__file__).resolve().parents[2] / "examples" / "dist"
    out = tmp_path / "report.json"
    code, text = run_cli(["--quiet", "--output-json", str(out), str(examples)])
    import json

    report = json.loads(out.read_text())
    assert code == 1
    assert report["summary"]["artifacts"] == len(report["artifacts"]) == 3
    assert "spex-musl-static" not in text.replace("linkguard:", "")  # no findings: left out of the text only
    assert "3 artifacts checked" in text


def test_one_job_checks_as_the_walk_goes_never_holding_it_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """With -j1 the first outcome comes after one path was walked, not after the whole walk was listed (a listed
    walk of /usr held 60k candidates and their directory entries: 105 MiB peak instead of 82)."""
    from linkguard.model import Skipped

    walked: List[int] = []

    def walk_chunks(arguments: Any) -> Iterator[List[Skipped]]:
        for start in range(0, 1000, 10):
            walked.append(start)
            yield [Skipped(f"f{n}", "a FIFO") for n in range(start, start + 10)]

    monkeypatch.setattr(scan_module, "walk_chunks", walk_chunks)
    outcomes = scan_module.check(["tree"], Policy(jobs=1, allow_empty=True))
    first = next(outcomes)
    assert first.path == "f0"
    assert len(walked) <= 2
    assert sum(1 for _ in outcomes) == 999


@pytest.mark.parametrize("prefix_size", [10, 400, 600, 20_000, 70_000])
def test_a_zip_behind_a_script_is_found_whatever_the_file_size(tmp_path: Path, prefix_size: int) -> None:
    """The zip test on files read whole (up to 64 KiB + 22) rules a file out by the missing end record only: a zip
    behind a prefix is found in small and large files, and a lone end record is not a zip."""
    import io
    import zipfile

    member = io.BytesIO()
    with zipfile.ZipFile(member, "w") as archive:
        archive.writestr("doc/readme.txt", "hello")
        archive.writestr("bin/spex", (ARCHIVES / "bin" / "spex-static").read_bytes())
    script = b"#!/bin/sh\n" + b"#" * prefix_size + b"\nexit 0\n"
    (tmp_path / "sfx.sh").write_bytes(script + member.getvalue())
    (tmp_path / "lone-end.txt").write_bytes(script + b"PK\x05\x06" + bytes(18))
    (tmp_path / "plain.txt").write_bytes(script)
    report = scan([str(tmp_path)], Policy(jobs=1))
    paths = [a.path for a in report.artifacts]
    assert f"{tmp_path / 'sfx.sh'}!bin/spex" in paths, (paths, report.skipped)
    assert {s.path: s.reason for s in report.skipped} == {
        str(tmp_path / "lone-end.txt"): "not an executable (ELF, PE or Mach-O)",
        str(tmp_path / "plain.txt"): "not an executable (ELF, PE or Mach-O)",
    }


def test_a_file_goes_to_a_worker_as_a_tuple_of_what_checking_it_needs() -> None:
    """Path, location, size and root reach the worker; the identity does not (aliases are the parent's)."""
    import pickle

    from linkguard.inputs.files import FileArtifact
    from linkguard.model import Skipped

    artifact = FileArtifact("d/x", "/abs/d/x", 1234, identity=(5, 6), links=3, via_link=True, root="d")
    wired = scan_module._wire(artifact)
    assert type(wired) is tuple
    back = scan_module._unwire(pickle.loads(pickle.dumps(wired)))
    assert type(back) is FileArtifact and back == FileArtifact("d/x", "/abs/d/x", 1234, root="d")
    skipped = Skipped("y", "excluded by configuration")
    assert scan_module._unwire(skipped) is skipped


def _record_sent(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The paths of the files the parent sends to workers, in order (cleared by the caller between runs)."""
    sent: List[str] = []
    real = scan_module._wire

    def wire(artifact: Any) -> Any:
        sent.append(artifact.path)
        return real(artifact)

    monkeypatch.setattr(scan_module, "_wire", wire)
    return sent


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_aliases_stay_in_walk_order_with_workers_and_never_go_to_them(
    tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copyfile(ARCHIVES / "bin" / "spex-dynamic", tmp_path / "m000")
    for n in range(1, 40):
        (tmp_path / f"m{n:03d}").write_text("not an ELF file\n")
    name = {"first": "m000a", "middle": "m020a", "last": "zzz"}[where]
    os.symlink("m000", tmp_path / name)
    os.link(tmp_path / "m000", tmp_path / (name + "-hard"))
    sent = _record_sent(monkeypatch)
    serial = scan([str(tmp_path)], Policy(jobs=1))
    sent.clear()
    parallel = scan([str(tmp_path)], Policy(jobs=2))
    assert summary(parallel) == summary(serial)
    assert [a.path for a in parallel.artifacts] == [a.path for a in serial.artifacts]
    aliases = {a.path for a in parallel.artifacts if a.alias_of}
    assert aliases == {str(tmp_path / name), str(tmp_path / (name + "-hard"))}
    assert not aliases & set(sent) and len(sent) == 40


@pytest.mark.parametrize("size", [1, 3, 64])
def test_chunks_of_any_size_give_the_same_outcomes(tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline goes a chunk of walked paths at a time: aliases whose file is in an earlier chunk or earlier
    in the same one, skips from the walk, a forgotten alias (RETAINED_ALIASES) and plain files come out the same
    as one path at a time in-process, and no alias goes to a worker."""
    import functools

    from linkguard.inputs.files import walk_chunks

    for n in range(12):
        (tmp_path / f"f{n:02d}").write_text("not an ELF file\n")
    shutil.copyfile(ARCHIVES / "bin" / "spex-dynamic", tmp_path / "f03")
    shutil.copyfile(ARCHIVES / "bin" / "spex-static", tmp_path / "f08")
    os.symlink("f03", tmp_path / "f00-link")  # before its file: the file is the alias
    os.symlink("f03", tmp_path / "f05-link")
    os.symlink("f08", tmp_path / "f09-link")
    os.link(tmp_path / "f08", tmp_path / "f10-hard")
    os.symlink("f03", tmp_path / "f11-link")
    os.symlink("/", tmp_path / "f06-out")
    os.mkfifo(tmp_path / "f07-pipe")
    monkeypatch.setattr(scan_module, "RETAINED_ALIASES", 1)  # f03 is forgotten by f11-link's time: checked again
    reference = scan([str(tmp_path)], Policy(jobs=1))
    sent = _record_sent(monkeypatch)
    monkeypatch.setattr(scan_module, "walk_chunks", functools.partial(walk_chunks, size=size))
    for jobs in (1, 2):
        sent.clear()
        report = scan([str(tmp_path)], Policy(jobs=jobs))
        assert summary(report) == summary(reference)
        assert [(a.path, a.alias_of) for a in report.artifacts] == [(a.path, a.alias_of) for a in reference.artifacts]
    aliases = {os.path.basename(a.path) for a in reference.artifacts if a.alias_of}
    assert aliases == {"f03", "f05-link", "f09-link", "f10-hard"}
    assert str(tmp_path / "f11-link") in [a.path for a in reference.artifacts]
    assert not {str(tmp_path / name) for name in aliases} & set(sent)
