"""Release archives -> member artifacts, read in place: tar (plain, gzip, bzip2, xz, zstd), zip (wheels, jars),
Debian packages and container images saved as tarballs. Nothing is extracted to disk.

Archives are recognised by their first bytes, never by name. A member is read only when its first bytes say it is
an inspected format (ELF) or another archive (followed to `archive-depth`); it is handed to inspection as a
zero-copy window when the archive on disk is uncompressed, in memory when it is small, and otherwise through a
`ReplayStream` with bounded memory (see streams.py). Links inside archives are reported, never followed.

Everything hostile is a result: decompression bombs (`archive-ratio`, `archive-bytes`), member counts
(`archive-members`), oversized members (`member-bytes`), nesting (`archive-depth`), names that would escape an
extraction directory, duplicate names, truncated or corrupt streams and encrypted zip members each become an
`unreadable` (LG901) problem naming the limit or the defect. Where a problem concerns one member's name (traversal,
duplicate) its content is still checked: what an extractor would write must not escape the check.
"""

from __future__ import annotations

import io
import stat
import struct
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, Type, Union, cast

from linkguard.inputs.files import Problem
from linkguard.inputs.images import (
    ImagePlan,
    Layer,
    looks_like_image_member,
    normalize,
    plan_image,
    visible,
    wants_document,
)
from linkguard.inputs.magic import AR_MAGIC, is_tar, sniff_archive
from linkguard.inputs.streams import (
    CODECS,
    IN_MEMORY,
    RATIO_FLOOR,
    ArchiveError,
    DecodedSource,
    FileSource,
    Limited,
    OpenerSource,
    Prefixed,
    ReplayStream,
    SliceSource,
    Source,
    as_io,
    read_exact,
    skip,
)
from linkguard.limits import ArchiveLimits
from linkguard.model import Artifact, Inspection, Skipped, Unreadable
from linkguard.readers import sniff

HEAD = 512  # enough to recognise every format here (the ustar magic sits at offset 257)


@dataclass(frozen=True)
class MemberArtifact:
    """A member inside an archive; `location` is the archive file on disk (annotations point there)."""

    path: str
    location: str
    size: int
    opener: Callable[[], IO[bytes]] = field(repr=False, compare=False)

    def open(self) -> IO[bytes]:
        return self.opener()


@dataclass(frozen=True)
class MemberResult:
    """What inspection found for one member."""

    path: str
    location: str
    inspection: Inspection


Entry = Union[MemberResult, Skipped, Problem]
Inspect = Callable[[Artifact], Optional[Inspection]]


def expand(
    path: str,
    location: str,
    size: int,
    kind: str,
    limits: ArchiveLimits,
    inspect: Inspect,
    excluded: Callable[[str], bool] = lambda _path: False,
) -> Iterator[Entry]:
    """Everything inside the archive at `location` (shown as `path`) whose first bytes announced `kind`."""
    walker = _Walker(location, limits, inspect, excluded)
    try:
        yield from walker.container(FileSource(location, size), path, kind, depth=1)
    except ArchiveError as exc:  # owned by a level that has already stopped; report it where it belongs
        yield Problem(exc.owner, location, Unreadable(exc.message, "archive"))
    except PermissionError:
        yield Problem(path, location, Unreadable("permission denied", "permission"))
    except OSError as exc:
        yield Problem(path, location, Unreadable(f"cannot read: {exc.strerror or exc}", "io"))


def safe_name(name: str) -> str:
    """A member name fit for one line of output: control characters and stray bytes escaped."""
    if name.isprintable():
        return name
    out = []
    for ch in name:
        if ch.isprintable():
            out.append(ch)
        elif "\udc80" <= ch <= "\udcff":  # an undecodable byte kept by surrogateescape
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def unsafe_reason(name: str) -> Optional[str]:
    """Why extracting a member of this name could write outside the target directory, if it could."""
    if name.startswith("/") or name.startswith("\\") or (len(name) > 1 and name[1] == ":" and name[0].isalpha()):
        return "absolute path"
    if ".." in name.replace("\\", "/").split("/"):
        return "parent-directory (..) component"
    return None


_ARCHIVE_ERRORS: Tuple[Type[BaseException], ...] = (
    EOFError,
    ValueError,
    OverflowError,
    struct.error,
    UnicodeError,
    RecursionError,
)


class _Walker:
    def __init__(self, location: str, limits: ArchiveLimits, inspect: Inspect, excluded: Callable[[str], bool]):
        self.location = location
        self.limits = limits
        self.inspect = inspect
        self.excluded = excluded

    def problem(self, path: str, reason: str, kind: str = "archive") -> Problem:
        return Problem(path, self.location, Unreadable(reason, kind))

    # -------------------------------------------------------------------------------------- dispatch

    def container(
        self,
        source: Source,
        display: str,
        kind: str,
        depth: int,
        live: Optional[IO[bytes]] = None,
        layer: Optional[Layer] = None,
    ) -> Iterator[Entry]:
        """Entries of one archive (or compressed stream); `live`, when given, is already positioned at its start."""
        import tarfile
        import zipfile

        try:
            if kind in CODECS:
                yield from self._compressed(source, display, kind, depth, live, layer)
            elif kind == "tar":
                yield from self._tar_at(source, display, depth, live, layer)
            elif kind == "zip":
                yield from self._zip(source, display, depth, live)
            elif kind == "ar":
                yield from self._ar(source, display, depth, live)
        except ArchiveError as exc:
            if exc.owner != display:
                raise
            yield self.problem(display, exc.message)
        except tarfile.TarError as exc:
            yield self.problem(display, f"corrupt or truncated tar archive: {_describe(exc)}")
        except zipfile.BadZipFile as exc:
            yield self.problem(display, f"corrupt zip archive: {_describe(exc)}")
        except MemoryError:
            yield self.problem(display, "ran out of memory while reading the archive (hostile sizes?)", "budget")
        except _ARCHIVE_ERRORS as exc:
            yield self.problem(display, f"corrupt or truncated archive: {_describe(exc)}")

    def _opened(self, source: Source, live: Optional[IO[bytes]]) -> Tuple[IO[bytes], bool]:
        """A stream at the start of `source` and whether this call opened it (and so must close it)."""
        if source.seekable or live is None:
            return source.open(), True
        return live, False

    # -------------------------------------------------------------------------------------- members

    def member(
        self, source: Source, path: str, size: int, live: IO[bytes], depth: int, layer: Optional[Layer] = None
    ) -> Iterator[Entry]:
        """Sniff one member from `live` (at its start) and inspect it, follow it, or skip it."""
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
            artifact = self._materialize(source, path, size, head, live)
            inspection = self.inspect(artifact)
            if inspection is None:
                yield Skipped(path, "not an ELF file")
            else:
                yield MemberResult(path, self.location, inspection)
            return
        kind = sniff_archive(head)
        if kind is not None:
            yield from self.container(source, path, kind, depth + 1, as_io(Prefixed(head, live)), layer)
            return
        yield Skipped(path, "not an ELF file")

    def _materialize(self, source: Source, path: str, size: int, head: bytes, live: IO[bytes]) -> MemberArtifact:
        if source.seekable:
            return MemberArtifact(path, self.location, size, source.open)
        if size <= IN_MEMORY:
            data = head + read_exact(live, size - len(head))
            return MemberArtifact(path, self.location, len(data), lambda: io.BytesIO(data))
        firsts = [as_io(Prefixed(head, live))]

        def replay() -> IO[bytes]:
            # The first reader continues the stream already open; later ones decompress again from the start.
            return as_io(ReplayStream(source, size, firsts.pop() if firsts else None))

        return MemberArtifact(path, self.location, size, replay)

    def _check_depth(self, display: str, what: str, depth: int) -> Optional[Problem]:
        if depth > self.limits.max_depth:
            return self.problem(
                display,
                f"archive-depth limit {self.limits.max_depth} reached: nested {what} not opened "
                f"(raise limits.archive-depth to check it)",
            )
        return None

    # -------------------------------------------------------------------------------------- compressed

    def _compressed(
        self,
        source: Source,
        display: str,
        codec: str,
        depth: int,
        live: Optional[IO[bytes]],
        layer: Optional[Layer],
    ) -> Iterator[Entry]:
        decoded = DecodedSource(source, codec, self.limits, display)
        # Behind another decompressor, continue the stream already open rather than decompress it all again.
        opened = decoded.open() if source.seekable or live is None else decoded.decode(live, owned=False)
        with opened as stream:
            head = read_exact(stream, HEAD)
            if is_tar(head):
                problem = self._check_depth(display, f"{codec}-compressed tar archive", depth)
                if problem is not None:
                    yield problem
                    return
                yield from self._tar(decoded, display, depth, as_io(Prefixed(head, stream)), False, layer)
                return
            if sniff(head) is not None:
                yield from self._compressed_file(decoded, display, codec, head, stream)
                return
        yield Skipped(display, f"{codec}-compressed data, not a tar archive or an ELF file")

    def _compressed_file(
        self, decoded: DecodedSource, display: str, codec: str, head: bytes, stream: IO[bytes]
    ) -> Iterator[Entry]:
        """A single compressed file (`spex.gz`): its content is one member named after the file."""
        base = display.replace("!", "/").rsplit("/", 1)[-1]
        for suffix in (".gz", ".tgz", ".bz2", ".xz", ".zst", ".zstd"):
            if base.endswith(suffix) and len(base) > len(suffix):
                base = base[: -len(suffix)]
                break
        path = f"{display}!{base}"
        if self.excluded(path):
            yield Skipped(path, "excluded by configuration")
            return
        rest = read_exact(stream, IN_MEMORY + 1 - len(head))
        data = head + rest
        if len(data) <= IN_MEMORY:
            artifact = MemberArtifact(path, self.location, len(data), lambda: io.BytesIO(data))
        else:
            size = len(data)
            del data, rest
            while True:  # measure it without keeping it: the inspector needs the size
                more = stream.read(1 << 20)
                if not more:
                    break
                size += len(more)
            if size > self.limits.max_member_bytes:
                yield self.problem(
                    path,
                    f"member-bytes limit {self.limits.max_member_bytes} exceeded: {size} bytes once decompressed",
                    "too-large",
                )
                return
            artifact = MemberArtifact(path, self.location, size, lambda: as_io(ReplayStream(decoded, size)))
        inspection = self.inspect(artifact)
        if inspection is None:
            yield Skipped(path, "not an ELF file")
        else:
            yield MemberResult(path, self.location, inspection)

    # -------------------------------------------------------------------------------------- tar

    def _tar_at(
        self, source: Source, display: str, depth: int, live: Optional[IO[bytes]], layer: Optional[Layer]
    ) -> Iterator[Entry]:
        problem = self._check_depth(display, "tar archive", depth)
        if problem is not None:
            yield problem
            return
        stream, owned = self._opened(source, live)
        try:
            yield from self._tar(source, display, depth, stream, source.seekable and owned, layer)
        finally:
            if owned:
                stream.close()

    def _tar(
        self,
        source: Source,
        display: str,
        depth: int,
        stream: IO[bytes],
        seekable: bool,
        layer: Optional[Layer],
    ) -> Iterator[Entry]:
        import tarfile

        # Random access skips member data by seeking; a forward stream (behind a decompressor) is read through.
        archive = tarfile.open(fileobj=stream, mode="r:" if seekable else "r|")  # noqa: SIM115
        plan: Optional[ImagePlan] = None
        planned = layer is not None  # layers are not images themselves
        images: Dict[str, Layer] = {}
        seen: Dict[str, int] = {}
        count = 0
        while True:
            info = archive.next()
            if info is None:
                break
            # tarfile keeps every header otherwise; memory must not grow with the member count.
            cast(Any, archive).members.clear()
            count += 1
            if count > self.limits.max_members:
                raise ArchiveError(
                    display,
                    f"archive-members limit {self.limits.max_members} exceeded: more members than that "
                    f"(raise limits.archive-members to check it)",
                )
            if not planned:
                planned = True
                if seekable or looks_like_image_member(info.name):
                    plan = self._plan(source, display, seekable)
                    if plan is not None:
                        for text in plan.problems:
                            yield self.problem(display, f"image metadata: {text}")
                        images = {name: Layer() for name in plan.layers}
            yield from self._tar_member(archive, info, source, display, depth, seen, layer, images)
        if plan is not None:
            yield from self._image_results(plan, images, display)

    def _tar_member(
        self,
        archive: object,
        info: object,
        source: Source,
        display: str,
        depth: int,
        seen: Dict[str, int],
        layer: Optional[Layer],
        images: Dict[str, Layer],
    ) -> Iterator[Entry]:
        import tarfile

        assert isinstance(archive, tarfile.TarFile) and isinstance(info, tarfile.TarInfo)
        name = normalize(info.name)
        path = f"{display}!{safe_name(name or info.name)}"
        if layer is not None and not layer.record(name, info.isdir()):
            return  # a whiteout marker: applied when the image is assembled, not a file
        entries: List[Entry] = []
        reason = unsafe_reason(info.name)
        if reason is not None:
            entries.append(
                self.problem(
                    path,
                    f"unsafe member name {safe_name(info.name)!r} ({reason}): extracting "
                    f"this archive may write outside the target directory",
                )
            )
        if not info.isdir():
            seen[name] = seen.get(name, 0) + 1
            if seen[name] == 2:
                entries.append(
                    self.problem(
                        path,
                        f"duplicate member name {safe_name(name)!r}: extraction keeps "
                        f"the last copy; every copy is checked",
                    )
                )
        emit = _sink(layer, name)
        for entry in entries:
            yield from emit(entry)
        if info.isdir():
            return
        if info.issym():
            yield from emit(
                Skipped(path, f"symbolic link to {safe_name(info.linkname)}; links inside archives are not followed")
            )
            return
        if info.islnk():
            yield from emit(Skipped(path, f"hard link to {safe_name(info.linkname)}; checked under that name"))
            return
        if not info.isreg():
            yield from emit(Skipped(path, "special file (device or FIFO) inside the archive"))
            return
        live = archive.extractfile(info)
        assert live is not None
        with live:
            if name in images:
                images[name].found = True
                head = read_exact(live, HEAD)
                kind = sniff_archive(head)
                member_source = SliceSource(source, info.offset_data, info.size)
                if kind is None or kind not in ("tar", *CODECS):
                    yield self.problem(path, "image layer is not a tar archive")
                    return
                # Yields only layer-level problems; the layer's files wait in images[name] for the whiteouts.
                yield from self.container(member_source, path, kind, depth, as_io(Prefixed(head, live)), images[name])
                return
            if info.sparse is not None:  # a GNU sparse member is not one contiguous run of bytes in the archive
                data = read_exact(live, min(info.size, IN_MEMORY + 1))
                if len(data) > IN_MEMORY:
                    yield from emit(self.problem(path, "sparse tar member too large to read in memory", "too-large"))
                    return
                sparse_source: Source = OpenerSource(lambda: io.BytesIO(data), len(data))
                sparse_source.seekable = True
                for entry in self.member(sparse_source, path, len(data), io.BytesIO(data), depth, layer):
                    yield from emit(entry)
                return
            member_source = SliceSource(source, info.offset_data, info.size)
            for entry in self.member(member_source, path, info.size, live, depth, layer):
                yield from emit(entry)

    def _plan(self, source: Source, display: str, seekable: bool) -> Optional[ImagePlan]:
        """A listing pass over the tarball's headers, reading only image metadata documents."""
        import tarfile

        documents: Dict[str, bytes] = {}
        budget = 16 << 20
        with source.open() as stream:
            archive = tarfile.open(fileobj=stream, mode="r:" if seekable else "r|")  # noqa: SIM115
            count = 0
            while True:
                info = archive.next()
                if info is None:
                    break
                cast(Any, archive).members.clear()
                count += 1
                if count > self.limits.max_members:
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
        return plan_image(documents)

    def _image_results(self, plan: ImagePlan, layers: Dict[str, Layer], display: str) -> Iterator[Entry]:
        emitted: Set[int] = set()
        missing: Set[str] = set()
        for image in plan.images:
            for name in image:
                if not layers[name].found and name not in missing:
                    missing.add(name)
                    yield self.problem(
                        display,
                        f"image layer {safe_name(name)} is listed in the image metadata but missing from the tarball",
                    )
            for entry in visible(layers[name] for name in image):
                if id(entry) not in emitted:
                    emitted.add(id(entry))
                    yield entry

    # -------------------------------------------------------------------------------------- zip

    def _zip(self, source: Source, display: str, depth: int, live: Optional[IO[bytes]]) -> Iterator[Entry]:
        import zipfile

        problem = self._check_depth(display, "zip archive", depth)
        if problem is not None:
            yield problem
            return
        if source.seekable:
            stream: IO[bytes] = source.open()
        else:
            assert source.size is not None
            stream = self._materialize(source, display, source.size, b"", live or source.open()).open()
        with stream:
            declared = _zip_entry_count(stream)
            if declared is not None and declared > self.limits.max_members:
                raise ArchiveError(
                    display,
                    f"archive-members limit {self.limits.max_members} exceeded: the zip "
                    f"directory lists {declared} members (raise limits.archive-members)",
                )
            archive = zipfile.ZipFile(stream)
            infos = archive.infolist()
            if len(infos) > self.limits.max_members:
                raise ArchiveError(
                    display,
                    f"archive-members limit {self.limits.max_members} exceeded: "
                    f"{len(infos)} members (raise limits.archive-members)",
                )
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos)
            if total > self.limits.max_total_bytes:
                raise ArchiveError(
                    display,
                    f"archive-bytes limit {self.limits.max_total_bytes} exceeded: members "
                    f"declare {total} bytes uncompressed (raise limits.archive-bytes)",
                )
            if total > RATIO_FLOOR and total > self.limits.max_ratio * max(packed, 1):
                raise ArchiveError(
                    display,
                    f"archive-ratio limit {self.limits.max_ratio} exceeded: members declare "
                    f"{total} bytes from {packed} compressed (a decompression bomb, or raise "
                    f"limits.archive-ratio)",
                )
            seen: Dict[str, int] = {}
            for info in infos:
                yield from self._zip_member(archive, info, source, stream, display, depth, seen)

    def _zip_member(
        self,
        archive: object,
        info: object,
        source: Source,
        stream: IO[bytes],
        display: str,
        depth: int,
        seen: Dict[str, int],
    ) -> Iterator[Entry]:
        import zipfile
        import zlib

        assert isinstance(archive, zipfile.ZipFile) and isinstance(info, zipfile.ZipInfo)
        name = normalize(info.filename)
        path = f"{display}!{safe_name(name or info.filename)}"
        reason = unsafe_reason(info.filename)
        if reason is not None:
            yield self.problem(
                path,
                f"unsafe member name {safe_name(info.filename)!r} ({reason}): extracting this "
                f"archive may write outside the target directory",
            )
        if info.is_dir():
            return
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 2:
            yield self.problem(
                path, f"duplicate member name {safe_name(name)!r}: extraction keeps one copy; every copy is checked"
            )
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            target = archive.read(info)[:1024].decode("utf-8", "replace") if info.file_size <= 4096 else "?"
            yield Skipped(path, f"symbolic link to {safe_name(target)}; links inside archives are not followed")
            return
        if info.flag_bits & 0x1:
            yield self.problem(path, "encrypted zip member: its content cannot be checked")
            return
        if info.file_size > RATIO_FLOOR and info.file_size > self.limits.max_ratio * max(info.compress_size, 1):
            yield self.problem(
                path,
                f"archive-ratio limit {self.limits.max_ratio} exceeded: {info.file_size} bytes "
                f"from {info.compress_size} compressed (a decompression bomb, or raise "
                f"limits.archive-ratio)",
            )
            return
        if self.excluded(path):
            yield Skipped(path, "excluded by configuration")
            return
        head = _zip_peek(stream, info)
        if head is not None and sniff(head) is None and sniff_archive(head) is None:
            # Most members of a jar or wheel: recognised from a few raw bytes, without zipfile's per-member setup.
            yield Skipped(path, "not an ELF file")
            return
        member_source: Source
        if source.seekable and info.compress_type == zipfile.ZIP_STORED:
            offset = _zip_data_offset(stream, info.header_offset)
            if offset is None:
                yield self.problem(path, "corrupt zip member: bad local header")
                return
            member_source = SliceSource(source, offset, info.file_size)
        else:
            member_source = OpenerSource(lambda: archive.open(info), info.file_size)
        try:
            with archive.open(info) as live:
                yield from self.member(member_source, path, info.file_size, live, depth)
        except NotImplementedError as exc:
            yield self.problem(path, f"zip member uses an unsupported feature: {_describe(exc)}")
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            yield self.problem(path, f"corrupt zip member: {_describe(exc)}")

    # -------------------------------------------------------------------------------------- ar / deb

    def _ar(self, source: Source, display: str, depth: int, live: Optional[IO[bytes]]) -> Iterator[Entry]:
        stream, owned = self._opened(source, live)
        try:
            yield from self._deb(source, display, depth, stream)
        finally:
            if owned:
                stream.close()

    def _deb(self, source: Source, display: str, depth: int, stream: IO[bytes]) -> Iterator[Entry]:
        if read_exact(stream, 8) != AR_MAGIC:
            raise ArchiveError(display, "corrupt ar archive: bad magic")
        pos = 8
        count = 0
        while True:
            header = read_exact(stream, 60)
            if not header:
                return
            if len(header) < 60 or header[58:60] != b"`\n":
                raise ArchiveError(display, f"corrupt or truncated ar archive at offset {pos}")
            name = header[:16].decode("ascii", "replace").strip().rstrip("/")
            try:
                size = int(header[48:58].decode("ascii").strip())
            except ValueError as exc:
                raise ArchiveError(display, f"corrupt ar member header at offset {pos}") from exc
            count += 1
            if count == 1 and name != "debian-binary":
                yield Skipped(display, "ar archive that is not a Debian package (a static library?); not opened")
                return
            if count > self.limits.max_members:
                raise ArchiveError(display, f"archive-members limit {self.limits.max_members} exceeded")
            data_at = pos + 60
            path = f"{display}!{safe_name(name)}"
            member_source = SliceSource(source, data_at, size)
            member = member_source.open() if source.seekable else as_io(Limited(stream, size, owned=False))
            with member:
                if name.startswith("control.tar"):
                    # Maintainer scripts and package metadata: not files the package installs.
                    yield Skipped(path, "Debian control archive (maintainer scripts and metadata); not installed")
                elif name.startswith("data.tar"):
                    head = read_exact(member, HEAD)
                    kind = sniff_archive(head)
                    if kind not in ("tar", *CODECS):
                        yield self.problem(path, "Debian data archive is not a tar archive")
                    else:
                        assert kind is not None
                        # data.tar is part of the package, not a nested archive: same depth.
                        yield from self.container(member_source, path, kind, depth, as_io(Prefixed(head, member)))
                elif name != "debian-binary":
                    yield from self.member(member_source, path, size, member, depth)
                if not source.seekable:
                    skip(member, size)
            pos = data_at + size + (size & 1)
            if source.seekable:
                stream.seek(pos)
            elif size & 1:
                read_exact(stream, 1)


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


def _zip_entry_count(stream: IO[bytes]) -> Optional[int]:
    """Members the end-of-central-directory record declares, read before zipfile loads the whole directory."""
    stream.seek(0, io.SEEK_END)
    end = stream.tell()
    tail_size = min(end, 65536 + 22)
    stream.seek(end - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    count = int(struct.unpack("<H", tail[at + 10 : at + 12])[0])
    if count == 0xFFFF:
        locator = tail.rfind(b"PK\x06\x07", 0, at)
        if locator >= 0 and locator + 20 <= len(tail):
            record_at = struct.unpack("<Q", tail[locator + 8 : locator + 16])[0]
            stream.seek(record_at)
            record = stream.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                count = int(struct.unpack("<Q", record[32:40])[0])
    stream.seek(0)
    return count


def _zip_peek(stream: IO[bytes], info: Any) -> Optional[bytes]:
    """The first HEAD bytes of a stored or deflated member straight from the archive; None to take the slow path."""
    import zlib

    if info.file_size < 4:
        return b""  # too short to hold any magic we look for
    if info.compress_type not in (0, 8):  # ZIP_STORED, ZIP_DEFLATED
        return None
    stream.seek(info.header_offset)
    local = stream.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    stream.seek(info.header_offset + 30 + name_len + extra_len)
    raw = stream.read(min(info.compress_size, 2048))
    want = min(HEAD, info.file_size)
    if info.compress_type == 0:
        return raw[:want] if len(raw) >= want else None
    try:
        head = zlib.decompressobj(-15).decompress(raw, want)
    except zlib.error:
        return None  # the slow path reports the corruption
    return head if len(head) >= want else None


def _zip_data_offset(stream: IO[bytes], header_offset: int) -> Optional[int]:
    stream.seek(header_offset)
    local = stream.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    return header_offset + 30 + int(name_len) + int(extra_len)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text if len(text) < 200 else text[:197] + "..."
