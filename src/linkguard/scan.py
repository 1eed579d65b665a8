"""The pipeline: inputs -> inspect -> rules -> Report. No printing here (progress goes to a callback).

Walked files are checked in walk order. Many files go to worker processes (parallel.py) and come back in that
same order, so the report is identical whatever `jobs` is; a handful of small files are checked in-process so
that a pre-commit run does not pay for starting workers.
"""

from __future__ import annotations

import itertools
import os
from typing import IO, Callable, Iterable, Iterator, List, Optional, Sequence, Union

from linkguard import __version__
from linkguard.config import Policy
from linkguard.inputs.files import Candidate, FileArtifact, Problem, walk
from linkguard.model import (
    Artifact,
    ArtifactReport,
    ElfFacts,
    Inspection,
    MachoFacts,
    PeFacts,
    Report,
    Skipped,
    Unreadable,
    format_of,
)
from linkguard.readers import inspect_artifact, sniff
from linkguard.rules import evaluate

Outcome = Union[ArtifactReport, Skipped]
Progress = Callable[[int, int, str], None]  # (paths done, artifacts so far, last path)

NOT_ELF = "not an ELF file"
HEAD = 512  # bytes read to recognise a file: ELF magic, or an archive (the tar magic sits at offset 257)
IN_PROCESS_FILES = 8  # fewer files than this (and small ones) are checked without worker processes
IN_PROCESS_BYTES = 64 << 20


def judge(path: str, location: str, inspection: Inspection, policy: Policy) -> ArtifactReport:
    """Findings for one inspected artifact under the policy for its path."""
    path_policy = policy.for_path(path)
    findings = evaluate(inspection, path_policy)
    if isinstance(inspection, (ElfFacts, PeFacts, MachoFacts)):
        return ArtifactReport(
            path=path,
            location=location,
            format=format_of(inspection),
            facts=inspection,
            findings=findings,
            allowance=path_policy.allowance.reason if path_policy.allowance else None,
        )
    return ArtifactReport(path=path, location=location, format="unreadable", problem=inspection, findings=findings)


def check_candidate(candidate: Candidate, policy: Policy) -> List[Outcome]:
    """Everything one walked path yields (an archive yields one outcome per member)."""
    if isinstance(candidate, Skipped):
        return [candidate]
    if policy.excluded(candidate.path):
        return [Skipped(candidate.path, "excluded by configuration")]
    if isinstance(candidate, Problem):
        return [judge(candidate.path, candidate.location, candidate.unreadable, policy)]
    return check_artifact(candidate, policy)


def check_artifact(artifact: FileArtifact, policy: Policy) -> List[Outcome]:
    """One file on disk: an ELF file is inspected, an archive is expanded, anything else is skipped."""
    try:
        handle = open(artifact.location, "rb")  # noqa: SIM115 - closed below, after the sniff decides
    except PermissionError:
        return [judge(artifact.path, artifact.location, Unreadable("permission denied", "permission"), policy)]
    except OSError as exc:
        return [judge(artifact.path, artifact.location, Unreadable(f"cannot read: {exc.strerror}", "io"), policy)]
    with handle:
        try:
            head = handle.read(HEAD)
        except OSError as exc:  # EISDIR races, EIO
            return [judge(artifact.path, artifact.location, Unreadable(f"cannot read: {exc.strerror}", "io"), policy)]
        if sniff(head) is not None:
            inspection = inspect_artifact(_Opened(artifact, handle), policy.limits)
            if inspection is None:
                return [Skipped(artifact.path, NOT_ELF)]
            return [judge(artifact.path, artifact.location, inspection, policy)]
    from linkguard.inputs.magic import sniff_archive

    kind = sniff_archive(head)
    if kind is None:
        return [Skipped(artifact.path, NOT_ELF)]
    return list(_archive(artifact, kind, policy))


def _archive(artifact: FileArtifact, kind: str, policy: Policy) -> Iterator[Outcome]:
    from linkguard.inputs.archives import MemberResult, expand

    def inspect(member: Artifact) -> Optional[Inspection]:
        return inspect_artifact(member, policy.limits)

    not_elf = 0
    for entry in expand(
        artifact.path, artifact.location, artifact.size, kind, policy.archives, inspect, policy.excluded
    ):
        if isinstance(entry, Skipped):
            if entry.reason == NOT_ELF:
                not_elf += 1  # a jar has tens of thousands: counted once per archive, not listed one by one
            else:
                yield entry
        elif isinstance(entry, MemberResult):
            yield judge(entry.path, entry.location, entry.inspection, policy)
        else:
            yield judge(entry.path, entry.location, entry.unreadable, policy)
    if not_elf:
        what = "1 member is not an ELF file" if not_elf == 1 else f"{not_elf} members are not ELF files"
        yield Skipped(artifact.path, f"archive: {what}")


class _Opened:
    """A file artifact whose stream is already open (the sniff read its head): saves a second open()."""

    def __init__(self, artifact: FileArtifact, handle: IO[bytes]) -> None:
        self.path = artifact.path
        self.location = artifact.location
        self.size = artifact.size
        self._handle: Optional[IO[bytes]] = handle

    def open(self) -> IO[bytes]:
        handle, self._handle = self._handle, None
        if handle is None:
            return open(self.location, "rb")
        handle.seek(0)
        return _Unclosed(handle)  # type: ignore[return-value]


class _Unclosed:
    """The already-open handle, left open on exit: its owner closes it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)

    def __enter__(self) -> IO[bytes]:
        return self._handle

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        return None


# ----------------------------------------------------------------------------------------------- scan


def scan(arguments: Sequence[str], policy: Policy, progress: Optional[Progress] = None) -> Report:
    """Check every path under `arguments`; `progress`, when given, is called as paths are done."""
    artifacts: List[ArtifactReport] = []
    skipped: List[Skipped] = []
    for done, outcomes in enumerate(_outcomes(walk(arguments), policy), 1):
        for outcome in outcomes:
            if isinstance(outcome, Skipped):
                skipped.append(outcome)
            else:
                artifacts.append(outcome)
        if progress is not None and outcomes:
            progress(done, len(artifacts), outcomes[-1].path)
    return Report(artifacts=tuple(artifacts), skipped=tuple(skipped), fail_on=policy.fail_on, tool_version=__version__)


def _outcomes(candidates: Iterable[Candidate], policy: Policy) -> Iterator[List[Outcome]]:
    """Outcomes per candidate, in walk order: in-process for a few small files, else on worker processes."""
    jobs = policy.jobs or _cores()
    stream = iter(candidates)
    first: List[Candidate] = []
    size = 0
    if jobs > 1:
        for candidate in stream:
            first.append(candidate)
            size += candidate.size if isinstance(candidate, FileArtifact) else 0
            files = sum(isinstance(c, FileArtifact) for c in first)
            if files >= IN_PROCESS_FILES or size >= IN_PROCESS_BYTES:
                break
        else:
            jobs = 1  # the walk ended early: too little work to be worth workers
    if jobs <= 1:
        for candidate in [*first, *stream]:
            yield check_candidate(candidate, policy)
        return
    yield from _parallel(itertools.chain(first, stream), policy, jobs)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined,unused-ignore]
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _parallel(candidates: Iterator[Candidate], policy: Policy, jobs: int) -> Iterator[List[Outcome]]:
    from functools import partial

    from linkguard.parallel import run_ordered

    def deadline(candidate: Candidate) -> float:
        # Generous: the per-artifact time limit bounds ELF inspection; archives also pay for decompression.
        base = 3 * policy.limits.seconds + 10
        if isinstance(candidate, FileArtifact):
            return base + candidate.size / (4 << 20)
        return base

    def failed(candidate: Candidate, reason: str) -> List[Outcome]:
        path = candidate.path
        location = candidate.location if isinstance(candidate, FileArtifact) else path
        return [judge(path, location, Unreadable(reason, "budget"), policy)]

    yield from run_ordered(partial(check_candidate, policy=policy), candidates, jobs, deadline, failed)
