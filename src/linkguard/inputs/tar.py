"""Tar archives, plain or behind a decompressor, and container images saved as tarballs (see images.py).

A plain tar on disk is read with random access (member data is skipped by seeking and handed over as zero-copy
windows); behind a decompressor it is read as a forward stream. tarfile is given a `Watched` stream (deadline, end
of data) and `BoundedTarInfo` headers (no gigabyte long names or pax records), so that no header, however large
the sizes it claims, costs more than the per-member time or allocates what it claims.

Member failures stop the walk: a tar stream has no directory, so once the bytes of one member cannot be read,
where the next header starts is unknown. Failures that are bugs (kind "internal") are the exception: the stream
itself is fine, so the walk goes on.

Where tarfile and GNU tar read a header differently, the archive is read as GNU tar extracts it (what a release
job unpacks): a damaged header (bad checksum, a size that is not a number) is one LG901 and the walk resumes at the
next valid header, where tarfile would stop as if the archive ended; numeric fields GNU tar does not need (a
device number of a regular file, a mode or owner that is not octal) do not hide the member; a member of a type
neither knows is a regular file; a pax header's GNU sparse size without a sparse map is a plain file.
"""

from __future__ import annotations

import io
import tarfile
from typing import IO, TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, Optional, Set, Tuple, Type, cast

from linkguard.inputs import streams
from linkguard.inputs.failures import INTERNAL, OversizedHeader, TruncatedTar, unreadable
from linkguard.inputs.images import (
    ImagePlan,
    Layer,
    looks_like_image_member,
    normalize,
    plan_image,
    visible,
    wants_document,
)
from linkguard.inputs.members import HEAD, Entry, link_escape, link_reason, member_path, safe_name, unsafe_reason
from linkguard.inputs.streams import CODECS, OpenerSource, Prefixed, SliceSource, Source, Watched, as_io, read_exact
from linkguard.magic import sniff_archive

if TYPE_CHECKING:  # typed against the walker's protocol: the walker imports the containers, never the reverse
    from linkguard.inputs.protocol import Walker

# tarfile's "this block is not a valid header" (bad checksum, a number that is not a number); private, not in stubs
_INVALID_HEADER: Type[tarfile.HeaderError] = cast(Any, tarfile).InvalidHeaderError
MAX_HEADER = 1 << 20  # a GNU long name or a pax record set larger than this is hostile, not read
_EXTENDED = {
    tarfile.GNUTYPE_LONGNAME: "GNU long-name",
    tarfile.GNUTYPE_LONGLINK: "GNU long-link",
    tarfile.XHDTYPE: "pax",
    tarfile.XGLTYPE: "pax global",
    tarfile.SOLARIS_XHDTYPE: "Solaris extended",
}


# Numeric header fields GNU tar extracts a member without (it warns, or ignores them for a regular file), where
# tarfile refuses the whole header: (start, end) in the 512-byte header.
_SPARED_FIELDS = {
    "mode": (100, 108),
    "uid": (108, 116),
    "gid": (116, 124),
    "mtime": (136, 148),
    "devmajor": (329, 337),
    "devminor": (337, 345),
}


class LenientTarFile(tarfile.TarFile):
    """tarfile, keeping the damaged headers that BoundedTarInfo skipped over: (offset, reason), drained by read()."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.damaged: List[Tuple[int, str]] = []
        super().__init__(*args, **kwargs)


class BoundedTarInfo(tarfile.TarInfo):
    """tarfile's header parser, refusing extended headers that claim more than MAX_HEADER and headers cut short,
    and reading damaged headers as GNU tar does (see the module docstring).

    tarfile reads an extended header's whole claimed size in one call; it also takes a header cut short after the
    first as the end of the archive, which would hide a truncation.
    """

    sparse_size: Optional[int] = None  # a pax GNU sparse size without a map that disagrees with the stored size

    @classmethod
    def fromtarfile(cls, archive: tarfile.TarFile) -> BoundedTarInfo:
        """The next valid header; damaged ones are noted in `archive.damaged` and skipped block by block, as GNU tar
        does ("Skipping to next header"), where tarfile would take the first one as the end of the archive."""
        first: Optional[Tuple[int, str]] = None
        while True:
            start = archive.fileobj.tell() if archive.fileobj is not None else 0
            try:
                info = cast(BoundedTarInfo, super().fromtarfile(archive))
            except _INVALID_HEADER as exc:
                if first is None:
                    first = (start, str(exc))
                    if isinstance(archive, LenientTarFile):
                        archive.damaged.append(first)
                continue
            return info

    @classmethod
    def frombuf(cls, buf: bytes, encoding: str, errors: str) -> BoundedTarInfo:  # type: ignore[override]
        if 0 < len(buf) < tarfile.BLOCKSIZE:
            raise TruncatedTar(f"header cut short: {len(buf)} of {tarfile.BLOCKSIZE} bytes")
        try:
            return cast(BoundedTarInfo, super().frombuf(buf, encoding, errors))
        except _INVALID_HEADER:
            repaired = _spare_fields(buf)
            if repaired is None:
                raise
            return cast(BoundedTarInfo, super().frombuf(repaired, encoding, errors))

    def _apply_pax_info(self, pax_headers: Mapping[str, str], encoding: str, errors: str) -> None:
        # A GNU sparse size without a sparse map: GNU tar writes the stored bytes as they are, tarfile a file of
        # zeros of that size. Read the stored bytes; a size that disagrees with them is reported by _member.
        stored = self.size
        super()._apply_pax_info(pax_headers, encoding, errors)  # type: ignore[misc]
        if not self.sparse and "size" not in pax_headers:
            self.sparse = None
            if self.size != stored:
                self.sparse_size, self.size = self.size, stored

    def _proc_member(self, archive: Any) -> Any:  # tarfile's private dispatch on the header type
        what = _EXTENDED.get(self.type)
        if what is not None and self.size > MAX_HEADER:
            raise OversizedHeader(
                f"{what} header claims {self.size} bytes, more than the {MAX_HEADER} any real one needs; not read"
            )
        return super()._proc_member(archive)  # type: ignore[misc]


def _spare_fields(buf: bytes) -> Optional[bytes]:
    """The header with the numeric fields GNU tar does without set to zero, if its checksum is good and that is what
    tarfile refused; None when the header is damaged (GNU tar skips it too)."""
    numbers = cast(Any, tarfile)
    try:
        if numbers.nti(buf[148:156]) not in numbers.calc_chksums(buf):
            return None
    except _INVALID_HEADER:
        return None
    repaired = bytearray(buf)
    for start, end in _SPARED_FIELDS.values():
        try:
            numbers.nti(buf[start:end])
        except _INVALID_HEADER:
            repaired[start:end] = b"0" * (end - start - 1) + b"\0"
    if repaired == buf:
        return None  # something else is wrong with it
    repaired[148:156] = b"%06o\0 " % numbers.calc_chksums(bytes(repaired))[0]
    return bytes(repaired)


def walk(
    walker: Walker,
    source: Source,
    display: str,
    depth: int,
    live: Optional[IO[bytes]],
    layer: Optional[Layer],
    rooted: bool = False,
) -> Iterator[Entry]:
    """The members of a tar archive at `source` (or continuing from `live`)."""
    problem = walker.check_depth(display, "tar archive", depth)
    if problem is not None:
        yield problem
        return
    stream, owned = walker.opened(source, live)
    try:
        yield from read(walker, source, display, depth, stream, source.seekable and owned, layer, rooted)
    finally:
        if owned:
            stream.close()


def _open(walker: Walker, stream: IO[bytes], display: str, size: Optional[int], seekable: bool) -> tarfile.TarFile:
    # Random access skips member data by seeking; a forward stream (behind a decompressor) is read through.
    watched = as_io(Watched(stream, display, walker.deadline, size if seekable else None))
    return LenientTarFile.open(fileobj=watched, mode="r:" if seekable else "r|", tarinfo=BoundedTarInfo)


def read(
    walker: Walker,
    source: Source,
    display: str,
    depth: int,
    stream: IO[bytes],
    seekable: bool,
    layer: Optional[Layer],
    rooted: bool = False,
) -> Iterator[Entry]:
    """The members of the tar archive being read from `stream` (at its start)."""
    walker.deadline.restart()
    archive = _open(walker, stream, display, source.size, seekable)
    plan: Optional[ImagePlan] = None
    planned = layer is not None  # layers are not images themselves
    images: Dict[str, Layer] = {}
    seen: Dict[str, int] = {}
    count = 0
    while True:
        walker.deadline.restart()
        info = archive.next()
        yield from _damaged(walker, archive, display)
        if info is None:
            break
        # tarfile keeps every header otherwise; memory must not grow with the member count.
        cast(Any, archive).members.clear()
        count += 1
        if count > walker.limits.max_members:
            raise streams.ArchiveError(
                display,
                f"archive-members limit {walker.limits.max_members} exceeded: more members than that "
                f"(raise limits.archive-members to check it)",
            )
        if not planned:
            planned = True
            if seekable or looks_like_image_member(info.name):
                plan = _plan(walker, source, display, seekable)
                if plan is not None:
                    for text in plan.problems:
                        yield walker.problem(display, f"image metadata: {text}")
                    images = {name: Layer() for name in plan.layers}
        path = member_path(display, normalize(info.name) or info.name)
        entries = _member(walker, archive, info, source, display, depth, seen, layer, images, rooted)
        failure = yield from walker.guarded(path, "tar member", entries)
        if failure is not None and unreadable(failure, "tar member").kind != INTERNAL:
            return  # the stream broke inside this member: nothing after it can be found
    if plan is not None:
        yield from _image_results(walker, plan, images, display)


def _damaged(walker: Walker, archive: tarfile.TarFile, display: str) -> Iterator[Entry]:
    """One LG901 per damaged header skipped since the last call (a run of unreadable blocks counts once)."""
    if not isinstance(archive, LenientTarFile):
        return
    for offset, reason in archive.damaged:
        yield walker.problem(
            display,
            f"damaged tar header at byte {offset} ({reason}): the member it starts cannot be read; the rest of the "
            f"archive is read from the next valid header, as GNU tar does",
            "corrupt",
        )
    archive.damaged.clear()


def _member(
    walker: Walker,
    archive: tarfile.TarFile,
    info: tarfile.TarInfo,
    source: Source,
    display: str,
    depth: int,
    seen: Dict[str, int],
    layer: Optional[Layer],
    images: Dict[str, Layer],
    rooted: bool,
) -> Iterator[Entry]:

    from linkguard.model import Skipped

    name = normalize(info.name)
    path = member_path(display, name or info.name)
    if layer is not None and not layer.record(name, info.isdir()):
        return  # a whiteout marker: applied when the image is assembled, not a file
    entries: List[Entry] = []
    reason = unsafe_reason(info.name)
    if reason is not None:
        entries.append(
            walker.problem(
                path,
                f"unsafe member name {safe_name(info.name)!r} ({reason}): extracting "
                f"this archive may write outside the target directory",
            )
        )
    if not info.isdir():
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 2:
            entries.append(
                walker.problem(
                    path,
                    f"duplicate member name {safe_name(name)!r}: extraction keeps the last copy; every copy is checked",
                )
            )
    emit = _sink(layer, name)
    for entry in entries:
        yield from emit(entry)
    if info.isdir():
        return
    if info.issym():
        escape = None if rooted or layer is not None else link_escape(info.name, info.linkname)
        yield from emit(Skipped(path, link_reason(info.linkname, escape)))
        return
    if info.islnk():
        yield from emit(Skipped(path, f"hard link to {safe_name(info.linkname)}; checked under that name"))
        return
    if not info.isreg() and info.type in tarfile.SUPPORTED_TYPES:
        yield from emit(Skipped(path, "special file (device or FIFO) inside the archive"))
        return
    # From here a regular file, or a type tarfile does not know: GNU tar ("Unknown file type, extracted as normal
    # file") and tarfile both write such a member's data as a regular file.
    sparse_size = info.sparse_size if isinstance(info, BoundedTarInfo) else None
    if sparse_size is not None:
        yield from emit(
            walker.problem(
                path,
                f"pax header gives a GNU sparse size of {sparse_size} bytes without a sparse map, but the member "
                f"stores {info.size}: GNU tar would read {sparse_size} bytes from the archive as its content; the "
                f"{info.size} stored bytes are checked",
                "corrupt",
            )
        )
    live = archive.extractfile(info)
    if live is None:
        raise TruncatedTar(f"tarfile returned no data for regular member {safe_name(info.name)!r}")
    with live:
        if name in images:
            images[name].found = True
            head = read_exact(live, HEAD)
            kind = sniff_archive(head)
            member_source = SliceSource(source, info.offset_data, info.size)
            if kind is None or kind not in ("tar", *CODECS):
                yield walker.problem(path, "image layer is not a tar archive")
                return
            # Yields only layer-level problems; the layer's files wait in images[name] for the whiteouts.
            yield from walker.container(member_source, path, kind, depth, as_io(Prefixed(head, live)), images[name])
            return
        if info.sparse is not None:  # a GNU sparse member is not one contiguous run of bytes in the archive
            data = read_exact(live, min(info.size, streams.IN_MEMORY + 1))
            if len(data) > streams.IN_MEMORY:
                yield from emit(walker.problem(path, "sparse tar member too large to read in memory", "too-large"))
                return
            sparse_source: Source = OpenerSource(lambda: io.BytesIO(data), len(data))
            sparse_source.seekable = True
            for entry in walker.member(sparse_source, path, len(data), io.BytesIO(data), depth):
                yield from emit(entry)
            return
        member_source = SliceSource(source, info.offset_data, info.size)
        # A tarball inside an image layer is a file of the layer: its members are held (and hidden) under the
        # tarball's own path, and its `.wh.` names are members, not whiteouts of the image.
        for entry in walker.member(member_source, path, info.size, live, depth):
            yield from emit(entry)


def _plan(walker: Walker, source: Source, display: str, seekable: bool) -> Optional[ImagePlan]:
    """A listing pass over the tarball's headers, reading only image metadata documents.

    A failure here returns no plan: the main pass reads the same headers and reports the failure where it occurs.
    """
    documents: Dict[str, bytes] = {}
    budget = 16 << 20
    try:
        with source.open() as stream:
            archive = _open(walker, stream, display, source.size, seekable)
            count = 0
            while True:
                info = archive.next()
                if info is None:
                    break
                cast(Any, archive).members.clear()
                count += 1
                if count > walker.limits.max_members:
                    return None  # the main pass reports the limit
                name = normalize(info.name)
                if info.isreg() and wants_document(name, info.size) and budget >= info.size:
                    live = archive.extractfile(info)
                    if live is None:
                        continue
                    with live:
                        data = live.read(info.size)
                    if name.startswith("blobs/") and data.lstrip()[:1] != b"{":
                        continue
                    documents[name] = data
                    budget -= len(data)
    except streams.ArchiveError:
        raise  # a limit or the deadline: the same for both passes
    except Exception:  # not swallowed: the main pass reads the same headers and reports the failure as LG901
        return None
    return plan_image(documents)


def _image_results(walker: Walker, plan: ImagePlan, layers: Dict[str, Layer], display: str) -> Iterator[Entry]:
    emitted: Set[int] = set()
    missing: Set[str] = set()
    for image in plan.images:
        for name in image:
            if not layers[name].found and name not in missing:
                missing.add(name)
                yield walker.problem(
                    display,
                    f"image layer {safe_name(name)} is listed in the image metadata but missing from the tarball",
                )
        for entry in visible(layers[name] for name in image):
            if id(entry) not in emitted:
                emitted.add(id(entry))
                yield entry


def _sink(layer: Optional[Layer], name: str) -> Callable[[Entry], Iterator[Entry]]:
    """Inside an image layer entries wait for the whiteouts of upper layers; elsewhere they pass straight on."""
    if layer is None:
        return _passthrough

    def hold(entry: Entry) -> Iterator[Entry]:
        layer.add(name, entry)
        return iter(())

    return hold


def _passthrough(entry: Entry) -> Iterator[Entry]:
    yield entry
