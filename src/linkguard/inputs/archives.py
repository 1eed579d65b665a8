"""Release archives -> member artifacts, read in place: tar (plain, gzip, bzip2, xz, zstd), zip (wheels, jars),
Debian packages and container images saved as tarballs. Nothing is extracted to disk.

Archives are recognised by their bytes, never by name (magic.py): their first bytes, or for a zip its end record, as
unzip and zipfile find it (a zip behind a prefix, or appended to a self-extracting program). A member is read only when
its first bytes say it is an inspected format (ELF) or another archive (followed to `archive-depth`); it is handed to
inspection as a zero-copy window when the archive on disk is uncompressed, in memory when it is small, and otherwise
through a `ReplayStream` with bounded memory (streams.py). Links inside archives are reported, never followed.

Where things are: walker.py walks (dispatch through its `CONTAINERS` table, the per-member and per-archive error
boundaries, handing members on; the containers see it as protocol.Walker); one module per container: tar.py (and
images.py for saved container images), zip.py, ar.py (Debian packages), compressed.py (gzip, bzip2, xz, zstd);
members.py holds what a walk yields and the member-name checks; failures.py turns any exception into an `Unreadable`;
deadline.py is the clock every read checks (per member, and one bound for the whole archive).

Everything hostile is a result: decompression bombs (`archive-ratio`, `archive-bytes`), member counts
(`archive-members`), oversized members (`member-bytes`), nesting (`archive-depth`), names that would escape an
extraction directory, links that lead out of it, duplicate and empty names, truncated or corrupt streams,
unsupported compression methods and encrypted zip members each become an `unreadable` (LG901) problem naming the
limit or the defect, and any other exception raised while reading a member becomes that member's problem (kind
"internal" when it is a bug). Where a problem concerns one member's name (traversal, duplicate) its content is
still checked: what an extractor would write must not escape the check.
"""

from __future__ import annotations

from typing import Callable, Iterator, Optional

from linkguard.inputs.deadline import NO_DEADLINE, Deadline
from linkguard.inputs.files import Problem
from linkguard.inputs.members import Entry, MemberArtifact, MemberResult, Read, Settled, safe_name, unsafe_reason
from linkguard.inputs.streams import ArchiveError, FileSource
from linkguard.inputs.walker import ArchiveWalker
from linkguard.limits import ArchiveLimits
from linkguard.magic import sniff_archive
from linkguard.model import Unreadable

__all__ = [
    "Deadline",
    "Entry",
    "MemberArtifact",
    "MemberResult",
    "Read",
    "Settled",
    "expand",
    "safe_name",
    "sniff_archive",
    "unsafe_reason",
]


def expand(
    path: str,
    location: str,
    size: int,
    kind: str,
    limits: ArchiveLimits,
    read: Read,
    excluded: Optional[Callable[[str], bool]] = None,
    deadline: Optional[Deadline] = None,
    batched: bool = False,
) -> Iterator[Entry]:
    """Everything inside the archive at `location` (shown as `path`) whose first bytes announced `kind`.

    `read` inspects one member (None: not an inspected format); `excluded` says which member paths the
    configuration excludes (None: none). `deadline`, when given, bounds the time spent
    reading the archive for each member and, with its `stop_at`, for the whole walk: members left when that has
    passed are one LG901 for the archive, every member checked before it keeps its own result; see deadline.py.
    `batched`: members that are neither executables nor archives may come as `Settled` batches (scan only counts
    them) instead of one Skipped each.
    """
    walker = ArchiveWalker(location, limits, read, excluded, deadline or NO_DEADLINE)
    time_up = walker.deadline.time_up()
    cut = False  # the walk was stopped by the archive's time bound: reported once, below, with the count
    try:
        for entry in walker.container(FileSource(location, size), path, kind, depth=1):
            if isinstance(entry, Problem) and entry.path == path and entry.unreadable.reason.startswith(time_up):
                cut = True
            elif not batched and isinstance(entry, Settled):
                yield from entry.skipped()
            else:
                yield entry
    except ArchiveError as exc:  # owned by a level that has already stopped; report it where it belongs
        yield Problem(exc.owner, location, Unreadable(exc.message, exc.kind))
    if walker.unchecked or cut:
        count = "1 member" if walker.unchecked == 1 else f"{walker.unchecked} members"
        left = [f"{count} not checked"] if walker.unchecked else []
        left += ["the rest of the archive was not read"] if cut else []
        reason = f"{time_up}: {'; '.join(left)} (raise limits.seconds to check them)"
        yield Problem(path, location, Unreadable(reason, "budget"))
