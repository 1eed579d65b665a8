"""The walker as the container modules see it, and the one signature every container's walk has.

The containers (tar.py, zip.py, ar.py, compressed.py) are typed against `Walker`, never against the walker module,
and walker.py dispatches through its `{kind: Container}` table: the walker imports the containers and they import
only this module, so there is no import cycle between them (tests/unit/test_layers.py would see one coming back,
type-only imports included).
"""

from __future__ import annotations

from typing import IO, Callable, Generator, Iterator, Optional, Protocol, Tuple

from linkguard.inputs.deadline import Deadline
from linkguard.inputs.files import Problem
from linkguard.inputs.images import Layer
from linkguard.inputs.members import Entry, MemberArtifact
from linkguard.inputs.streams import Source
from linkguard.limits import ArchiveLimits


class Walker(Protocol):
    """One walk over one archive file: what every level of it shares (limits, exclusions, the clock) and the
    boundaries a container calls back into (nested containers, members, failures)."""

    location: str
    limits: ArchiveLimits
    excluded: Callable[[str], bool]
    excludes: bool  # whether `excluded` may say yes at all
    deadline: Deadline
    unchecked: int  # members not checked because the whole walk's time had run out

    def problem(self, path: str, reason: str, kind: str = "archive") -> Problem: ...

    def container(
        self,
        source: Source,
        display: str,
        kind: str,
        depth: int,
        live: Optional[IO[bytes]] = None,
        layer: Optional[Layer] = None,
        rooted: bool = False,
    ) -> Iterator[Entry]: ...

    def guarded(
        self, path: str, what: str, entries: Iterator[Entry]
    ) -> Generator[Entry, None, Optional[Exception]]: ...

    def member(
        self, source: Source, path: str, size: int, live: IO[bytes], depth: int, layer: Optional[Layer] = None
    ) -> Iterator[Entry]: ...

    def inspected(self, artifact: MemberArtifact) -> Entry: ...

    def materialize(self, source: Source, path: str, size: int, head: bytes, live: IO[bytes]) -> MemberArtifact: ...

    def check_depth(self, display: str, what: str, depth: int) -> Optional[Problem]: ...

    def opened(self, source: Source, live: Optional[IO[bytes]]) -> Tuple[IO[bytes], bool]: ...


# (walker, source, display, kind, depth, live, layer, rooted) -> entries: one archive (or compressed stream) of
# format `kind` at `source`, or continuing from `live` when a decompressor already stands in front of it.
Container = Callable[
    [Walker, Source, str, str, int, Optional[IO[bytes]], Optional[Layer], bool],
    Iterator[Entry],
]
