"""ar archives: Debian packages are opened (their data archive is walked, the control archive skipped); any other
ar archive (a static library) is skipped unopened.

The ar format is read by hand: an 8-byte magic, then per member a 60-byte text header and the data, padded to an
even offset. A header that is cut short or malformed ends the archive with one LG901.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Iterator, Optional

from linkguard.inputs.members import HEAD, Entry, member_path, safe_name
from linkguard.inputs.streams import (
    CODECS,
    ArchiveError,
    Limited,
    Prefixed,
    SliceSource,
    Source,
    as_io,
    read_exact,
    skip,
)
from linkguard.magic import AR_MAGIC, sniff_archive
from linkguard.model import Skipped

if TYPE_CHECKING:  # typed against the walker's protocol: the walker imports the containers, never the reverse
    from linkguard.inputs.protocol import Walker

HEADER = 60


def walk(walker: Walker, source: Source, display: str, depth: int, live: Optional[IO[bytes]]) -> Iterator[Entry]:
    """The members of the ar archive at `source` (or continuing from `live`)."""
    stream, owned = walker.opened(source, live)
    try:
        yield from _members(walker, source, display, depth, stream)
    finally:
        if owned:
            stream.close()


def _members(walker: Walker, source: Source, display: str, depth: int, stream: IO[bytes]) -> Iterator[Entry]:
    if read_exact(stream, 8) != AR_MAGIC:
        raise ArchiveError(display, "corrupt ar archive: bad magic", "corrupt")
    pos = 8
    count = 0
    while True:
        walker.deadline.restart()
        header = read_exact(stream, HEADER)
        if not header:
            if count == 0:
                yield Skipped(display, "empty ar archive (no members)")
            return
        if len(header) < HEADER:
            raise ArchiveError(
                display,
                f"truncated ar archive: member header at offset {pos} cut short ({len(header)} of 60 bytes)",
                "truncated",
            )
        if header[58:60] != b"`\n":
            raise ArchiveError(display, f"corrupt ar archive: bad member header at offset {pos}", "corrupt")
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        try:
            size = int(header[48:58].decode("ascii").strip())
        except ValueError as exc:
            raise ArchiveError(display, f"corrupt ar member header at offset {pos}", "corrupt") from exc
        if size < 0:
            raise ArchiveError(display, f"corrupt ar member header at offset {pos}: negative size", "corrupt")
        if source.seekable and source.size is not None and pos + HEADER + size > source.size:
            raise ArchiveError(
                display,
                f"truncated ar archive: member at offset {pos} claims {size} bytes, past the end of the archive",
                "truncated",
            )
        count += 1
        if count == 1 and name != "debian-binary":
            yield Skipped(display, "ar archive that is not a Debian package (a static library?); not opened")
            return
        if count > walker.limits.max_members:
            raise ArchiveError(display, f"archive-members limit {walker.limits.max_members} exceeded")
        data_at = pos + HEADER
        path = member_path(display, name)
        member_source = SliceSource(source, data_at, size)
        member = member_source.open() if source.seekable else as_io(Limited(stream, size, owned=False))
        with member:
            if name.startswith("control.tar"):
                # Maintainer scripts and package metadata: not files the package installs.
                yield Skipped(path, "Debian control archive (maintainer scripts and metadata); not installed")
            elif name.startswith("data.tar"):
                head = read_exact(member, HEAD)
                kind = sniff_archive(head)
                if kind is None and name == "data.tar.lzma":
                    kind = "lzma"  # the LZMA "alone" format has no magic: dpkg-deb goes by the member name
                if kind not in ("tar", *CODECS):
                    yield walker.problem(
                        path,
                        f"Debian data archive {safe_name(name)} is neither a tar archive nor compressed in a format "
                        f"linkguard reads (gzip, xz, zstd, bzip2, lzma): the files it installs cannot be checked",
                        "unsupported",
                    )
                else:
                    assert kind is not None
                    # data.tar is part of the package, not a nested archive: same depth; it is a root filesystem.
                    live = as_io(Prefixed(head, member))
                    yield from walker.container(member_source, path, kind, depth, live, rooted=True)
            elif name != "debian-binary":
                yield from walker.guarded(path, "ar member", walker.member(member_source, path, size, member, depth))
            if not source.seekable:
                skip(member, size)
        pos = data_at + size + (size & 1)
        if source.seekable:
            stream.seek(pos)
        elif size & 1:
            read_exact(stream, 1)
