"""The archive walk shared by every container: dispatch by format, the per-member boundary, handing members on.

Each container module (tar.py, zip.py, ar.py, compressed.py) lists its members and calls back into the walker
(typed against protocol.Walker, so that the containers never import this module) for what they share: sniffing a
member's first bytes, inspecting it or following it as a nested archive, and turning every exception into a
result. Two boundaries make "a bad file is a result" structural:

- `container()`: whatever an archive raises ends that archive with one LG901 for it (the rest of it is not
  reachable), and the walk of the enclosing archive goes on;
- `guarded()`: whatever reading one member raises becomes that member's LG901, and the container decides whether
  the next member is still reachable (zip: yes; a tar stream: not after a break in the stream).

The whole walk has one time bound (deadline.py's `stop_at`): once it has passed, `guarded()` checks no further
member and counts it in `unchecked` (the entry point reports the count as one LG901 for the archive), a stream
stops at its next read, and inspection of a member never gets more than the time left.

`ArchiveError` is the one exception that crosses them: it names the archive (`owner`) it belongs to, so a limit
hit deep inside a nested member is reported at the level that owns the limit.
"""

from __future__ import annotations

import io
from typing import IO, Callable, Dict, Generator, Iterator, Optional, Tuple

from linkguard.inputs import ar, compressed, streams, tar
from linkguard.inputs import zip as zip_format
from linkguard.inputs.deadline import Deadline
from linkguard.inputs.failures import unreadable
from linkguard.inputs.files import Problem
from linkguard.inputs.images import Layer
from linkguard.inputs.members import (
    HEAD,
    NOT_INSPECTED,
    Entry,
    MemberArtifact,
    MemberResult,
    Read,
)
from linkguard.inputs.protocol import Container, Walker
from linkguard.inputs.streams import (
    CODECS,
    ArchiveError,
    OpenerSource,
    Prefixed,
    ReplayStream,
    Source,
    as_io,
    read_exact,
)
from linkguard.limits import ArchiveLimits
from linkguard.magic import ends_with_zip, sniff, sniff_archive
from linkguard.model import Skipped, Unreadable

CONTAINER_NAMES = {"tar": "tar archive", "zip": "zip archive", "ar": "ar archive"}


def _tar(
    walker: Walker,
    source: Source,
    display: str,
    kind: str,
    depth: int,
    live: Optional[IO[bytes]],
    layer: Optional[Layer],
    rooted: bool,
) -> Iterator[Entry]:
    return tar.walk(walker, source, display, depth, live, layer, rooted)


def _zip(
    walker: Walker,
    source: Source,
    display: str,
    kind: str,
    depth: int,
    live: Optional[IO[bytes]],
    layer: Optional[Layer],
    rooted: bool,
) -> Iterator[Entry]:
    return zip_format.walk(walker, source, display, depth, live)


def _ar(
    walker: Walker,
    source: Source,
    display: str,
    kind: str,
    depth: int,
    live: Optional[IO[bytes]],
    layer: Optional[Layer],
    rooted: bool,
) -> Iterator[Entry]:
    return ar.walk(walker, source, display, depth, live)


CONTAINERS: Dict[str, Container] = {"tar": _tar, "zip": _zip, "ar": _ar, **dict.fromkeys(CODECS, compressed.walk)}
"""Every container format by the kind magic.sniff_archive names: the one place a new container is registered."""


def _nothing(_path: str) -> bool:
    return False


class ArchiveWalker:
    """One walk over the archive at `location`: limits, inspection, exclusions and the clock, shared by all levels."""

    def __init__(
        self,
        location: str,
        limits: ArchiveLimits,
        read: Read,
        excluded: Optional[Callable[[str], bool]],
        deadline: Deadline,
    ) -> None:
        self.location = location
        self.limits = limits
        self.read = read
        self.excluded = excluded or _nothing
        self.excludes = excluded is not None  # else no member path needs testing (nor making, for a jar's members)
        self.deadline = deadline
        self.unchecked = 0  # members not checked because the whole walk's time had run out

    def problem(self, path: str, reason: str, kind: str = "archive") -> Problem:
        return Problem(path, self.location, Unreadable(reason, kind))

    # ------------------------------------------------------------------------------------------- boundaries

    def container(
        self,
        source: Source,
        display: str,
        kind: str,
        depth: int,
        live: Optional[IO[bytes]] = None,
        layer: Optional[Layer] = None,
        rooted: bool = False,
    ) -> Iterator[Entry]:
        """Entries of one archive (or compressed stream); `live`, when given, is already positioned at its start.

        `rooted`: the archive is a root filesystem (a Debian package's data, an image layer), where links to
        absolute paths are ordinary rather than a way out of an extraction directory.
        """
        walk = CONTAINERS.get(kind)
        if walk is None:
            yield self.problem(display, f"internal error: no reader for {kind} archives", "internal")
            return
        try:
            yield from walk(self, source, display, kind, depth, live, layer, rooted)
        except ArchiveError as exc:
            if exc.owner != display:
                raise
            yield self.problem(display, exc.message, exc.kind)
        except Exception as exc:  # the container boundary: see the module docstring
            if self.deadline.spent():  # the archive's alarm, wherever it interrupted the reading
                yield self.problem(display, f"{self.deadline.time_up()}; the rest of it was not read", "budget")
                return
            yield Problem(
                display, self.location, unreadable(exc, CONTAINER_NAMES.get(kind, f"{kind}-compressed archive"))
            )

    def guarded(self, path: str, what: str, entries: Iterator[Entry]) -> Generator[Entry, None, Optional[Exception]]:
        """`entries` of one member; an exception while producing them becomes its LG901 and is returned.

        An `ArchiveError` passes through: it belongs to a container (a limit, or the stream under this member).
        Once the whole walk's time has run out, the member is not read at all: it is counted in `unchecked`.
        """
        if self.deadline.spent():
            self.unchecked += 1
            return None
        try:
            yield from entries
        except ArchiveError:
            raise
        except Exception as exc:  # the member boundary: see the module docstring
            if self.deadline.spent():  # the archive's alarm, wherever it interrupted the reading
                yield self.problem(path, f"{self.deadline.time_up()} while reading this member", "budget")
            else:
                yield Problem(path, self.location, unreadable(exc, what))
            return exc
        return None

    # ------------------------------------------------------------------------------------------- members

    def member(
        self, source: Source, path: str, size: int, live: IO[bytes], depth: int, layer: Optional[Layer] = None
    ) -> Iterator[Entry]:
        """Sniff one member from `live` (at its start) and inspect it, follow it, or skip it.

        Where the member's bytes can be reached at random (a plain archive on disk, or a program small enough to be
        read into memory), a zip found from its end is followed too, as for a file: behind a prefix, or after a
        program (a self-extracting archive, whose program is inspected as well).
        """
        if self.excluded(path):
            yield Skipped(path, "excluded by configuration")
            return
        head = read_exact(live, HEAD)
        if sniff(head) is not None:
            if size > self.limits.max_member_bytes:
                yield self.problem(
                    path,
                    f"member-bytes limit {self.limits.max_member_bytes} exceeded: this member is {size} bytes "
                    f"(raise limits.member-bytes to check it)",
                    "too-large",
                )
                return
            artifact = self.materialize(source, path, size, head, live)
            yield self.inspected(artifact)
            if not source.seekable and size <= streams.IN_MEMORY:  # read into memory: its tail is free too
                source = OpenerSource(artifact.open, size)
                source.seekable = True
            if self._ends_with_zip(source, size, head):
                yield from self.container(source, path, "zip", depth + 1, layer=layer)
            return
        kind = sniff_archive(head)
        if kind is not None:
            yield from self.container(source, path, kind, depth + 1, as_io(Prefixed(head, live)), layer)
            return
        if self._ends_with_zip(source, size, head):
            yield from self.container(source, path, "zip", depth + 1, layer=layer)
            return
        yield Skipped(path, NOT_INSPECTED)

    @staticmethod
    def _ends_with_zip(source: Source, size: int, head: bytes) -> bool:
        """magic.ends_with_zip on a member whose bytes can be read at random; one read of its tail."""
        if not source.seekable or size < 22:
            return False
        with source.open() as stream:
            return ends_with_zip(stream, size, head)

    def inspected(self, artifact: MemberArtifact) -> Entry:
        """Inspection's verdict on one member; its time is inspection's to bound, so the archive clock restarts."""
        if self.deadline.spent():
            return self.problem(artifact.path, f"{self.deadline.time_up()}: this member was not checked", "budget")
        self.deadline.restart()
        inspection = self.read(artifact)
        self.deadline.restart()
        if inspection is None:
            return Skipped(artifact.path, NOT_INSPECTED)
        return MemberResult(artifact.path, self.location, inspection)

    def materialize(self, source: Source, path: str, size: int, head: bytes, live: IO[bytes]) -> MemberArtifact:
        """The member as an artifact: a window of the file, in memory when small, else a bounded replay."""
        if source.seekable:
            return MemberArtifact(path, self.location, size, source.open)
        if size <= streams.IN_MEMORY:
            data = head + read_exact(live, size - len(head))
            return MemberArtifact(path, self.location, len(data), lambda: io.BytesIO(data))
        firsts = [as_io(Prefixed(head, live))]

        def replay() -> IO[bytes]:
            # The first reader continues the stream already open; later ones decompress again from the start.
            return as_io(ReplayStream(source, size, firsts.pop() if firsts else None))

        return MemberArtifact(path, self.location, size, replay)

    def check_depth(self, display: str, what: str, depth: int) -> Optional[Problem]:
        if depth > self.limits.max_depth:
            return self.problem(
                display,
                f"archive-depth limit {self.limits.max_depth} reached: nested {what} not opened "
                f"(raise limits.archive-depth to check it)",
            )
        return None

    def opened(self, source: Source, live: Optional[IO[bytes]]) -> Tuple[IO[bytes], bool]:
        """A stream at the start of `source` and whether this call opened it (and so must close it)."""
        if source.seekable or live is None:
            return source.open(), True
        return live, False
