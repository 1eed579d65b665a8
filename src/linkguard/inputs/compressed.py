"""Single-stream compressors (gzip, bzip2, xz, zstd): a compressed tar archive, or one compressed file.

The decompressed bytes are metered against the archive limits (streams.DecodedSource) and the deadline. What the
first bytes of the decompressed stream announce decides: a tar archive is walked by tar.py; an ELF file is one
member named after the compressed file (`spex.gz!spex`); anything else is skipped.
"""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING, Iterator, Optional

from linkguard.inputs import streams, tar
from linkguard.inputs.images import Layer
from linkguard.inputs.members import HEAD, Entry, MemberArtifact
from linkguard.inputs.streams import DecodedSource, OpenerSource, Prefixed, ReplayStream, Source, as_io, read_exact
from linkguard.magic import is_tar, sniff, sniff_archive
from linkguard.model import Skipped

if TYPE_CHECKING:  # typed against the walker's protocol: the walker imports the containers, never the reverse
    from linkguard.inputs.protocol import Walker

SUFFIXES = (".gz", ".tgz", ".bz2", ".xz", ".zst", ".zstd")


def walk(
    walker: Walker,
    source: Source,
    display: str,
    codec: str,
    depth: int,
    live: Optional[IO[bytes]],
    layer: Optional[Layer],
    rooted: bool = False,
) -> Iterator[Entry]:
    """What the `codec`-compressed stream at `source` (or continuing from `live`) holds."""
    decoded = DecodedSource(source, codec, walker.limits, display, walker.deadline)
    # Behind another decompressor, continue the stream already open rather than decompress it all again.
    opened = decoded.open() if source.seekable or live is None else decoded.decode(live, owned=False)
    with opened as stream:
        head = read_exact(stream, HEAD)
        if is_tar(head):
            problem = walker.check_depth(display, f"{codec}-compressed tar archive", depth)
            if problem is not None:
                yield problem
                return
            yield from tar.read(walker, decoded, display, depth, as_io(Prefixed(head, stream)), False, layer, rooted)
            return
        if sniff(head) is not None:
            yield from _single_file(walker, decoded, display, codec, head, stream)
            return
        kind = sniff_archive(head)
        if kind is not None:
            # Another archive (`app.zip.gz`, `app.tar.gz.gz`): gunzip and 7z give it, so it is opened as one.
            path = _content_path(display)
            if walker.excluded(path):
                yield Skipped(path, "excluded by configuration")
                return
            if kind == "zip":  # read from its end: the size must be known first
                yield from walker.container(_measured(decoded, head, stream), path, kind, depth + 1)
            else:
                live = as_io(Prefixed(head, stream))
                yield from walker.container(decoded, path, kind, depth + 1, live, layer, rooted)
            return
    yield Skipped(display, f"{codec}-compressed data, not a tar archive, another archive or an executable")


def _content_path(display: str) -> str:
    """The display path of what a compressed file holds: one member named after the file (`spex.gz!spex`)."""
    base = display.replace("!", "/").rsplit("/", 1)[-1]
    for suffix in SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    return f"{display}!{base}"


def _measured(decoded: DecodedSource, head: bytes, stream: IO[bytes]) -> Source:
    """The decompressed bytes as a source of known size: in memory when small, else replayed from the start."""
    first = head + read_exact(stream, streams.IN_MEMORY + 1 - len(head))
    if len(first) <= streams.IN_MEMORY:
        small = first
        source: Source = OpenerSource(lambda: io.BytesIO(small), len(small))
        source.seekable = True
        return source
    size = len(first)
    del first
    while True:
        more = stream.read(1 << 20)
        if not more:
            break
        size += len(more)
    return OpenerSource(lambda: as_io(ReplayStream(decoded, size)), size)


def _single_file(
    walker: Walker, decoded: DecodedSource, display: str, codec: str, head: bytes, stream: IO[bytes]
) -> Iterator[Entry]:
    """A single compressed file (`spex.gz`): its content is one member named after the file."""
    path = _content_path(display)
    if walker.excluded(path):
        yield Skipped(path, "excluded by configuration")
        return
    yield from walker.guarded(path, f"{codec}-compressed file", _materialized(walker, decoded, path, head, stream))


def _materialized(walker: Walker, decoded: DecodedSource, path: str, head: bytes, stream: IO[bytes]) -> Iterator[Entry]:
    rest = read_exact(stream, streams.IN_MEMORY + 1 - len(head))
    data = head + rest
    if len(data) <= streams.IN_MEMORY:
        artifact = MemberArtifact(path, walker.location, len(data), lambda: io.BytesIO(data))
    else:
        size = len(data)
        del data, rest
        while True:  # measure it without keeping it: the inspector needs the size
            more = stream.read(1 << 20)
            if not more:
                break
            size += len(more)
        if size > walker.limits.max_member_bytes:
            yield walker.problem(
                path,
                f"member-bytes limit {walker.limits.max_member_bytes} exceeded: {size} bytes once decompressed",
                "too-large",
            )
            return
        artifact = MemberArtifact(path, walker.location, size, lambda: as_io(ReplayStream(decoded, size)))
    yield walker.inspected(artifact)
