"""The pipeline: inputs -> readers -> rules -> outcomes, streamed in walk order. Nothing here prints.

`check` yields every outcome in walk order as soon as its chunk of walked paths (a few dozen) is done, whatever the
number of workers, so that reporters can write as the run goes and the parent keeps no more than the summary needs;
`scan` collects the same outcomes into a Report. The parent works a chunk at a time (`check_chunks`): one message to
a worker per chunk, one answer, where the common outcome (not an executable) is a bare None. Three guarantees live
here:
- one candidate is one boundary: whatever is raised while checking it (a bug included) becomes that candidate's
  LG901 finding, and the run goes on (`check_candidate`);
- one candidate has one time bound, in-process (SIGALRM in the main thread) and in workers alike, with
  parallel.py's per-item watchdog behind it for code that never returns to the interpreter;
- one file is read once: a symlink or hard link to a file already met in this run is reported as an alias of it
  (its own path, its own policy, the same facts) instead of being read again.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter, OrderedDict, deque
from dataclasses import replace
from typing import (
    IO,
    TYPE_CHECKING,
    Callable,
    Deque,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    Union,
    cast,
)

from linkguard import __version__
from linkguard.config import Policy
from linkguard.errors import describe_with_class
from linkguard.inputs.files import Candidate, FileArtifact, Problem, walk_chunks
from linkguard.inputs.members import NOT_INSPECTED
from linkguard.magic import ZIP_END, ZIP_TAIL, classify, zip_at_end
from linkguard.model import (
    EMPTY_RUN,
    Artifact,
    ArtifactReport,
    ElfFacts,
    Inspection,
    MachoFacts,
    PeFacts,
    Placement,
    Report,
    Skipped,
    TargetVerdict,
    Unreadable,
    format_of,
)
from linkguard.readers import deadline, read_artifact
from linkguard.readers.budget import BudgetExceeded

if TYPE_CHECKING:
    from linkguard.resolve.package import ArchiveMembers

Outcome = Union[ArtifactReport, Skipped]
Progress = Callable[[int, int, str], None]  # (paths done, artifacts so far, last path)

HEAD = 512  # bytes read to recognise a file: ELF magic, or an archive (the tar magic sits at offset 257)
IN_PROCESS_FILES = 8  # fewer files than this (and small ones) are checked without worker processes
IN_PROCESS_BYTES = 64 << 20
ARCHIVE_BYTES_PER_SECOND = 4 << 20  # time allowed for an archive beyond the per-artifact limit, by its size
RETAINED_ALIASES = 4096  # outcomes kept for files that later paths may alias
EMPTY_PATHS_SHOWN = 20  # paths an empty run names in its evidence
EMPTY_REASONS_SHOWN = 3  # skip reasons it counts
REPORT_BUG = "this is a bug in linkguard: please report it with the file if you can share it"


def judge(
    path: str, location: str, inspection: Inspection, policy: Policy, placement: Optional[Placement] = None
) -> ArtifactReport:
    """Findings for one inspected artifact under the policy for its path; `placement`: where it lives (its
    package, host and who provides each need), when known."""
    from linkguard.rules import evaluate  # here, not at the top: a run that meets no artifact never loads the rules

    path_policy = policy.for_path(path, inspection)
    verdicts: Tuple[TargetVerdict, ...] = ()
    if path_policy.run_targets and isinstance(inspection, (ElfFacts, PeFacts, MachoFacts)):
        verdicts = _verdicts(path_policy.run_targets, inspection, location, path, policy)
        if placement is not None:
            from linkguard.resolve.package import with_targets

            placement = with_targets(placement, verdicts)
    findings = evaluate(inspection, path_policy, verdicts, placement)
    if isinstance(inspection, (ElfFacts, PeFacts, MachoFacts)):
        return ArtifactReport(
            path=path,
            location=location,
            format=format_of(inspection),
            facts=inspection,
            findings=findings,
            allowance=path_policy.allowance.reason if path_policy.allowance else None,
            targets=verdicts,
            matched_allowances=path_policy.matched,
            placement=placement,
        )
    return ArtifactReport(
        path=path,
        location=location,
        format="unreadable",
        problem=inspection,
        findings=findings,
        matched_allowances=path_policy.matched,
    )


def _verdicts(
    specs: Tuple[str, ...], facts: ElfFacts | PeFacts | MachoFacts, location: str, path: str, policy: Policy
) -> Tuple[TargetVerdict, ...]:
    """One verdict per target (each target opened once per process and its libraries read once)."""
    from linkguard.resolve import verdicts
    from linkguard.targets import open_target

    return verdicts(specs, facts, location, path, lambda spec: open_target(spec, policy.limits))


def internal_error(exc: BaseException) -> Unreadable:
    """An exception nobody expected while checking one artifact: a countable `internal` result, not a crash."""
    return Unreadable(f"internal error while checking it: {describe_with_class(exc)}; {REPORT_BUG}", "internal")


def time_limit(candidate: Candidate, policy: Policy) -> float:
    """Seconds one candidate may take: the per-artifact limit, plus time by size for what may be an archive."""
    size = candidate.size if isinstance(candidate, FileArtifact) else 0
    return policy.limits.seconds + size / ARCHIVE_BYTES_PER_SECOND


def check_candidate(candidate: Candidate, policy: Policy) -> List[Outcome]:
    """Everything one walked path yields (an archive yields one outcome per member). Never raises for bad input,
    nor for a bug: the candidate then gets one LG901 finding and the outcomes found before it are kept."""
    outcomes = _checked(candidate, policy)
    return [Skipped(candidate.path, NOT_INSPECTED)] if outcomes is None else outcomes


def _checked(candidate: Candidate, policy: Policy) -> Optional[List[Outcome]]:
    """check_candidate()'s outcomes, or None for the common one: a file that is neither an executable nor an
    archive, skipped as not inspected (a worker sends that back as one byte, and the parent makes its Skipped)."""
    if isinstance(candidate, Skipped):
        return [candidate]
    if policy.excluded(candidate.path):
        return [Skipped(candidate.path, "excluded by configuration")]
    if isinstance(candidate, Problem):
        return [judge(candidate.path, candidate.location, candidate.unreadable, policy)]
    outcomes: List[Outcome] = []
    try:
        sniffed = _sniffed(candidate, policy)
        if sniffed is None or isinstance(sniffed, list):  # not inspected, or unreadable: most files end here
            return sniffed
        for outcome in _check_file(candidate, policy, *sniffed):
            outcomes.append(outcome)
    except BudgetExceeded as exc:
        outcomes.append(judge(candidate.path, candidate.location, Unreadable(str(exc), "budget"), policy))
    except MemoryError:
        reason = Unreadable("ran out of memory while reading it (hostile sizes?)", "budget")
        outcomes.append(judge(candidate.path, candidate.location, reason, policy))
    except Exception as exc:  # the per-artifact boundary: a bug costs this artifact, not the run
        outcomes.append(judge(candidate.path, candidate.location, internal_error(exc), policy))
    return outcomes


def _sniffed(artifact: FileArtifact, policy: Policy) -> Union[List[Outcome], Tuple[int, bool, Optional[str]], None]:
    """What a file on disk is, from its head and (for the zip test) its tail: None when it is neither an
    executable nor an archive (skipped as not inspected), its outcome when unreadable, else (open descriptor,
    executable?, archive kind or None).

    A zip is also recognised from its end, as unzip and zipfile find it: a zip behind a prefix (a shell script,
    junk) is walked like any zip, and an executable followed by a zip (a self-extracting archive) is read and its
    members are checked too. Most files of a tree are neither executables nor archives: they cost one open, one
    read of the head and one positioned read of the tail (the zip test), on the bare descriptor, with no buffered
    file object.
    """
    try:
        fd = os.open(artifact.location, _OPEN_FLAGS)
    except PermissionError:
        return [judge(artifact.path, artifact.location, Unreadable("permission denied", "permission"), policy)]
    except OSError as exc:
        return [judge(artifact.path, artifact.location, Unreadable(f"cannot read: {exc.strerror}", "io"), policy)]
    try:
        size = artifact.size
        # A file no larger than the zip test's tail is read whole at once: head and tail in one system call (with
        # --no-archives there is no zip test: the head alone).
        start = _read_at(fd, size if HEAD < size <= ZIP_TAIL and policy.open_archives else HEAD, None)
        executable, kind = classify(start[:HEAD] if len(start) > HEAD else start)
        # A file read whole that holds no end record cannot end with a zip (the common case, settled in C).
        whole_without_end = size <= len(start) and ZIP_END not in start
        if (
            kind is None
            and not whole_without_end
            and policy.open_archives  # --no-archives: no zip tail is read either
            and zip_at_end(lambda offset, length: _read_at(fd, length, offset), size, start)
        ):
            kind = "zip"
    except OSError as exc:  # EISDIR races, EIO
        os.close(fd)
        return [judge(artifact.path, artifact.location, Unreadable(f"cannot read: {exc.strerror}", "io"), policy)]
    except BaseException:
        os.close(fd)
        raise
    if executable is None and kind is None:
        os.close(fd)
        return None
    return fd, executable is not None, kind


def _check_file(
    artifact: FileArtifact, policy: Policy, fd: int, executable: bool, kind: Optional[str]
) -> Iterator[Outcome]:
    """A file _sniffed() found to be an executable or an archive (or both): an executable is read, an archive is
    expanded. `fd` is open on it; this closes it."""
    program = False  # the file is an executable read above: a zip behind it is a self-extracting archive
    handle: Optional[IO[bytes]] = None  # a file object over `fd`, made only for an executable
    try:
        if executable:
            handle = os.fdopen(fd, "rb")  # owns the descriptor from here
            # The rules run inside the artifact's time bound too: what they make of hostile facts is bounded
            # like the reading of them (rules.bounded), and so is the time they take.
            with deadline(policy.limits.seconds):
                inspection = read_artifact(_Opened(artifact, handle), policy.limits)
                placement = _placement(artifact, inspection, policy)
                judged = (
                    None
                    if inspection is None
                    else judge(artifact.path, artifact.location, inspection, policy, placement)
                )
            if judged is not None:
                program = True
                yield judged
    finally:
        if handle is not None:
            handle.close()
        else:
            os.close(fd)
    if kind is None:
        if not program:
            yield Skipped(artifact.path, NOT_INSPECTED)
        return
    if not policy.open_archives:
        yield Skipped(artifact.path, f"{kind} archive; not opened (--no-archives)")
        return
    # The alarm is armed only for what may take long: most files of a tree are neither ELF nor archives. The walk's
    # own bound is the same instant, taken first: when the alarm fires, the walk's time has run out too.
    limit = time_limit(artifact, policy)
    stop_at = time.monotonic() + limit
    with deadline(limit):
        yield from _archive(artifact, kind, policy, stop_at, counted=not program)


def _archive(
    artifact: FileArtifact, kind: str, policy: Policy, stop_at: float, counted: bool = True
) -> Iterator[Outcome]:
    """The members of an archive file; `counted`: members that are not executables are summed up as one skip
    (not for a self-extracting program, whose path is already reported as the program)."""
    from linkguard.inputs.archives import Deadline, MemberResult, Settled, expand

    # One bound for the whole archive (`stop_at`, the instant of the alarm the caller armed): members left when it
    # has passed are not checked, and no member's inspection gets more than the time left.
    deadline = Deadline(policy.limits.seconds, stop_at=stop_at, allowed=time_limit(artifact, policy))

    def read(member: Artifact) -> Optional[Inspection]:
        left = deadline.remaining()
        limits = policy.limits if left >= policy.limits.seconds else replace(policy.limits, seconds=max(left, 0.001))
        inspection = read_artifact(member, limits)
        if isinstance(inspection, Unreadable) and inspection.kind == "budget" and deadline.spent():
            return Unreadable(f"{deadline.time_up()} while checking this member", "budget")
        return inspection

    not_inspected = 0
    checked = 0
    entries = 0
    # Executable members are judged once the walk is over, when every member of their package is known (a tar
    # streams: a bundled library may come after the module that needs it); outcomes keep the walk's order.
    members = _members(artifact, kind, policy)
    held: List[Union[Skipped, Tuple[str, str, Inspection]]] = []
    excluded = policy.excluded if policy.exclude else None
    for entry in expand(
        artifact.path, artifact.location, artifact.size, kind, policy.archives, read, excluded, deadline, True
    ):
        entries += 1
        if isinstance(entry, Settled):
            not_inspected += len(entry.names)
            members.add_batch(entry.paths)
        elif isinstance(entry, Skipped):
            if entry.reason == NOT_INSPECTED:
                not_inspected += 1  # a jar has tens of thousands: counted once per archive, not listed one by one
                members.add(entry.path)
            elif held:
                held.append(entry)
            else:
                yield entry
        else:
            checked += 1
            inspection = entry.inspection if isinstance(entry, MemberResult) else entry.unreadable
            if isinstance(inspection, (ElfFacts, PeFacts, MachoFacts)):
                members.add(entry.path, inspection)
            held.append((entry.path, entry.location, inspection))
    for item in held:
        if isinstance(item, Skipped):
            yield item
            continue
        path, location, inspection = item
        placement = None
        if isinstance(inspection, (ElfFacts, PeFacts, MachoFacts)):
            try:
                placement = members.placement(path, inspection)
            except Exception as exc:  # the per-member boundary: a bug in placing it costs this member, not the archive
                inspection = internal_error(exc)
        yield judge(path, location, inspection, policy, placement)
    if not entries and counted:
        yield Skipped(artifact.path, f"{kind} archive with no files in it")  # reported, never dropped
    # Only an archive in which nothing was checked is skipped: one whose members were checked (or failed) is
    # reported through them, never also as "skipped".
    if not_inspected and not checked and counted:
        what = "1 member is not an executable" if not_inspected == 1 else f"{not_inspected} members are not executables"
        yield Skipped(artifact.path, f"archive: {what} (ELF, PE or Mach-O)")


def _placement(artifact: FileArtifact, inspection: Optional[Inspection], policy: Policy) -> Optional[Placement]:
    """Where a file on disk lives: the package around it under its directory argument (resolve/package.py)."""
    if not isinstance(inspection, (ElfFacts, PeFacts, MachoFacts)):
        return None
    from linkguard.resolve.package import on_disk

    def read(location: str, size: int) -> object:
        return read_artifact(FileArtifact(location, location, size), policy.limits)

    return on_disk(artifact.path, artifact.location, artifact.root, inspection, read)


def _members(artifact: FileArtifact, kind: str, policy: Policy) -> ArchiveMembers:
    """The gatherer of one archive's members (resolve/package.py), with random access to its small text members
    for a zip and one more pass for a tar."""
    from linkguard.packages.view import tar_texts, zip_texts
    from linkguard.resolve.package import ArchiveMembers

    texts = zip_texts(artifact.location) if kind == "zip" else tar_texts(artifact.location, policy.archives.max_members)
    return ArchiveMembers(artifact.path, texts)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)  # O_BINARY: Windows


def _read_at(fd: int, length: int, offset: Optional[int]) -> bytes:
    """Up to `length` bytes at `offset` (None: at the descriptor's position), fewer only at the end of the file."""
    if offset is None:
        first = os.read(fd, length)
    elif _PREAD is not None:
        first = _PREAD(fd, length, offset)
    else:  # Windows has no pread
        os.lseek(fd, offset, os.SEEK_SET)
        first = os.read(fd, length)
    if len(first) >= length or not first:  # one system call, as nearly always for a regular file
        return first
    parts: List[bytes] = [first]
    length -= len(first)
    if offset is not None:
        offset += len(first)
    while length > 0:
        if offset is None:
            part = os.read(fd, length)
        elif _PREAD is not None:
            part = _PREAD(fd, length, offset)
        else:
            os.lseek(fd, offset, os.SEEK_SET)
            part = os.read(fd, length)
        if not part:
            break
        parts.append(part)
        length -= len(part)
        if offset is not None:
            offset += len(part)
    return b"".join(parts)


_PREAD = getattr(os, "pread", None)


class _Opened:
    """A file artifact whose stream is already open (the sniff read its head): saves a second open()."""

    def __init__(self, artifact: FileArtifact, handle: object) -> None:
        self.path = artifact.path
        self.location = artifact.location
        self.size = artifact.size
        self._handle = handle

    def open(self) -> IO[bytes]:
        self._handle.seek(0)  # type: ignore[attr-defined]
        return cast(IO[bytes], _Unclosed(self._handle))


class _Unclosed:
    """The already-open handle, left open on exit: its owner closes it."""

    def __init__(self, handle: object) -> None:
        self._handle = handle

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)

    def __enter__(self) -> object:
        return self._handle

    def __exit__(self, *exc: object) -> None:
        return None


# ----------------------------------------------------------------------------------------------- scan


def scan(arguments: Sequence[str], policy: Policy, progress: Optional[Progress] = None) -> Report:
    """Check every path under `arguments` and collect the outcomes into a Report."""
    artifacts: List[ArtifactReport] = []
    skipped: List[Skipped] = []
    for outcome in check(arguments, policy, progress):
        if isinstance(outcome, Skipped):
            skipped.append(outcome)
        else:
            artifacts.append(outcome)
    notices = policy.unmatched_allowances(i for a in artifacts for i in a.matched_allowances)
    return Report(
        artifacts=tuple(artifacts),
        skipped=tuple(skipped),
        fail_on=policy.fail_on,
        tool_version=__version__,
        notices=notices,
    )


def check(arguments: Sequence[str], policy: Policy, progress: Optional[Progress] = None) -> Iterator[Outcome]:
    """Every outcome under `arguments`, in walk order, as soon as it is known; when none is an artifact (and the
    policy does not allow an empty run), one last outcome for the run itself, which LG902 judges."""
    for outcomes in check_chunks(arguments, policy, progress):
        yield from outcomes


def check_chunks(
    arguments: Sequence[str], policy: Policy, progress: Optional[Progress] = None
) -> Iterator[List[Outcome]]:
    """check()'s outcomes, in the same order, in lists (those of a few dozen walked paths at a time): what the
    parent process does per file is then a step of a loop over a list, not a pass through a chain of generators."""
    found = 0
    done = 0
    skipped: Counter[str] = Counter()
    for walked, outcomes in _dealiased(walk_chunks(arguments), policy):
        if found and progress is None:  # nothing left to count: the run is not empty
            yield outcomes
            continue
        done += walked
        for outcome in outcomes:
            if isinstance(outcome, Skipped):
                skipped[outcome.reason] += 1
            else:
                found += 1
        if progress is not None and outcomes:
            progress(done, found, outcomes[-1].path)
        yield outcomes
    if not found and not policy.allow_empty:
        outcome = empty_run(arguments, skipped, policy)
        if outcome.findings:  # none when LG902 is switched off (`--severity no-artifacts=off`)
            yield [outcome]


def empty_run(arguments: Sequence[str], skipped: Counter[str], policy: Policy) -> ArtifactReport:
    """The outcome of a run that met no artifact: LG902 on the paths looked at (never counted as an artifact)."""
    looked = ", ".join(arguments) if arguments else "(no path)"
    evidence = [f"looked at: {path}" for path in arguments[:EMPTY_PATHS_SHOWN]]
    if len(arguments) > EMPTY_PATHS_SHOWN:
        evidence.append(f"and {len(arguments) - EMPTY_PATHS_SHOWN} more paths")
    total = sum(skipped.values())
    if total:
        reasons = "; ".join(f"{n} {reason}" for reason, n in skipped.most_common(EMPTY_REASONS_SHOWN))
        evidence.append(f"{total} skipped: {reasons}" + (", ..." if len(skipped) > EMPTY_REASONS_SHOWN else ""))
    else:
        evidence.append("no file at all under these paths")
    evidence.append("pass --allow-empty (config allow-empty = true, Action input allow-empty) if this is expected")
    reason = f"no executable artifacts found in: {looked}"
    if len(reason) > 300:
        reason = reason[:297] + "..."
    problem = Unreadable(reason, EMPTY_RUN, tuple(evidence))
    path = arguments[0] if len(arguments) == 1 else looked
    return judge(path, arguments[0] if arguments else "", problem, policy)


_Identity = Tuple[int, int]  # (st_dev, st_ino): one file, whatever the path to it

# How a candidate of a chunk is handled, for the few that are not plain files checked by a worker:
_RETAINED = 1  # checked, and its outcomes kept: later paths may be aliases of it
_ALIAS = 2  # the same file as an earlier path: judged in the parent on that path's facts, never sent to a worker
_AS_IS = 3  # a skip from the walk (a FIFO, a link leaving the roots, ...): its own outcome


class _Chunk:
    """One list of walked candidates on its way through the pipeline."""

    __slots__ = ("candidates", "checked", "marks")

    def __init__(self, candidates: List[Candidate], marks: Dict[int, int], checked: List[Candidate]) -> None:
        self.candidates = candidates
        self.marks = marks  # position -> _RETAINED, _ALIAS or _AS_IS; none for a plain file to check
        self.checked = checked  # the candidates to check (the whole chunk when it has no mark), in order


def _dealiased(chunks: Iterable[List[Candidate]], policy: Policy) -> Iterator[Tuple[int, List[Outcome]]]:
    """(paths walked, their outcomes) per chunk; a later path to a file already met is judged on that file's
    facts, not re-read.

    Only files likely to be met again are remembered (reached through a symlink, or with more than one hard
    link), and at most RETAINED_ALIASES of them, so memory stays flat however large the tree.
    """
    watched: Dict[_Identity, bool] = {}
    retained: OrderedDict[_Identity, List[Outcome]] = OrderedDict()

    def planned(stream: Iterable[List[Candidate]]) -> Iterator[_Chunk]:
        for candidates in stream:
            marks: Dict[int, int] = {}
            for position, candidate in enumerate(candidates):
                if type(candidate) is FileArtifact:
                    identity = candidate.identity
                    if identity is None:
                        continue
                    seen = watched.get(identity)
                    if seen is None:
                        if candidate.via_link or candidate.links > 1:
                            watched[identity] = True
                            marks[position] = _RETAINED
                        else:
                            watched[identity] = False
                    elif seen:
                        marks[position] = _ALIAS
                elif isinstance(candidate, Skipped):
                    marks[position] = _AS_IS
            if not marks:
                yield _Chunk(candidates, marks, candidates)
                continue
            checked = [c for p, c in enumerate(candidates) if marks.get(p, 0) < _ALIAS]
            yield _Chunk(candidates, marks, checked)

    for chunk, results in _outcomes(planned(chunks), policy):
        outcomes: List[Outcome] = []
        append = outcomes.append
        extend = outcomes.extend
        if not chunk.marks:
            for candidate, result in zip(chunk.candidates, results):
                if result is None:
                    append(Skipped(candidate.path, NOT_INSPECTED))
                else:
                    extend(result)
            yield len(chunk.candidates), outcomes
            continue
        marks = chunk.marks
        checked = iter(results)
        for position, candidate in enumerate(chunk.candidates):
            mark = marks.get(position)
            if mark == _AS_IS:
                append(cast(Skipped, candidate))
                continue
            if mark == _ALIAS:
                artifact = cast(FileArtifact, candidate)
                extend(_alias_outcomes(artifact, retained.get(cast(_Identity, artifact.identity)), policy))
                continue
            result = next(checked)
            found: List[Outcome] = [Skipped(candidate.path, NOT_INSPECTED)] if result is None else result
            if mark == _RETAINED:
                retained[cast(_Identity, cast(FileArtifact, candidate).identity)] = found
                while len(retained) > RETAINED_ALIASES:
                    retained.popitem(last=False)
            extend(found)
        yield len(chunk.candidates), outcomes


def _alias_outcomes(candidate: FileArtifact, primary: Optional[List[Outcome]], policy: Policy) -> List[Outcome]:
    """The outcomes of a path that is the same file as `primary`'s: its facts judged under this path's policy."""
    if policy.excluded(candidate.path):
        return [Skipped(candidate.path, "excluded by configuration")]
    if primary is None or len(primary) != 1:  # forgotten, or an archive: check it again
        return check_candidate(candidate, policy)
    (first,) = primary
    if isinstance(first, Skipped):
        return [Skipped(candidate.path, first.reason)]
    inspection: Optional[Inspection] = first.facts if first.facts is not None else first.problem
    if inspection is None:
        return check_candidate(candidate, policy)
    placement = _placement(candidate, inspection, policy)
    alias_of = first.alias_of or first.path
    if _judged_alike(first, candidate.path, placement, policy):
        return [replace(first, path=candidate.path, location=candidate.location, alias_of=alias_of)]
    report = judge(candidate.path, candidate.location, inspection, policy, placement)
    return [replace(report, alias_of=alias_of)]


def _judged_alike(first: ArtifactReport, path: str, placement: Optional[Placement], policy: Policy) -> bool:
    """Whether `path`, the same file as `first`'s, would get `first`'s findings: judge() sees the path only through
    the policy for it, and the rules see the facts, that policy, the target verdicts and the placement. So with the
    same policy for both paths, no target (a verdict names the path it ran), and an equal placement, the findings
    are the same, and the rules need not run again (most aliases of a tree: a library's soname link beside it)."""
    if first.facts is None or first.placement != placement:
        return False
    mine = policy.for_path(path, first.facts)
    return not mine.run_targets and mine == policy.for_path(first.path, first.facts)


_Results = List[Optional[List[Outcome]]]  # per candidate checked: _checked()'s answer


def _outcomes(chunks: Iterable[_Chunk], policy: Policy) -> Iterator[Tuple[_Chunk, _Results]]:
    """(chunk, the results of its candidates to check) in walk order: in-process for a few small files, else on
    worker processes."""
    jobs = policy.jobs or _cores()
    stream = iter(chunks)
    first: List[_Chunk] = []
    if jobs > 1:
        files = 0
        size = 0
        for chunk in stream:
            first.append(chunk)
            for candidate in chunk.checked:
                if type(candidate) is FileArtifact:
                    files += 1
                    size += candidate.size
            if files >= IN_PROCESS_FILES or size >= IN_PROCESS_BYTES:
                break
        else:
            jobs = 1  # the walk ended early: too little work to be worth workers
    if jobs <= 1:
        for chunk in itertools.chain(first, stream):  # lazily: the walk is never held whole
            yield chunk, [_checked(candidate, policy) for candidate in chunk.checked]
        return
    yield from _parallel(itertools.chain(first, stream), policy, jobs)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined,unused-ignore]
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _parallel(chunks: Iterator[_Chunk], policy: Policy, jobs: int) -> Iterator[Tuple[_Chunk, _Results]]:
    from linkguard.parallel import run_batches

    pending: Deque[_Chunk] = deque()

    def batches() -> Iterator[List[object]]:
        """What workers get: one batch per chunk, of its candidates to check (a file as a plain tuple)."""
        for chunk in chunks:
            pending.append(chunk)
            yield [_wire(c) if type(c) is FileArtifact else c for c in chunk.checked]

    def work(item: object) -> Optional[List[Outcome]]:
        return _checked(_unwire(item), policy)

    def limit(item: object) -> float:
        return time_limit(_unwire(item), policy) + 5.0  # the worker's own alarm fires first; this is the backstop

    def failed(item: object, reason: str) -> Optional[List[Outcome]]:
        candidate = _unwire(item)
        path = candidate.path
        location = candidate.location if isinstance(candidate, FileArtifact) else path
        return [judge(path, location, Unreadable(reason, "budget"), policy)]

    for results in run_batches(work, batches(), jobs, limit, failed):
        yield pending.popleft(), results


_Wired = Tuple[str, str, int, str]


def _wire(artifact: FileArtifact) -> _Wired:
    """A file as sent to a worker: what checking it needs (not the identity: aliases are the parent's business).
    A tuple pickles in a fraction of the time of the object (the parent pays it per file), and unpickles with
    FileArtifact's own __init__ faster than the object's generic rebuild (the worker pays that)."""
    return (artifact.path, artifact.location, artifact.size, artifact.root)


def _unwire(item: object) -> Candidate:
    if type(item) is tuple:
        path, location, size, root = item
        return FileArtifact(path, location, size, root=root)
    return cast(Candidate, item)
