"""A view of a package's files: their names, the facts of one file by path, and small text files.

Two kinds of tree hold packages: a directory on disk (`DirectoryView`: the filesystem under the root given, each
listing, file's facts and library read once per process) and an archive (`ArchiveView`: the member names and the
facts of its executable members, collected while the archive streams past, and small text members read on demand
by random access for a zip or one extra pass for a tar). Paths are relative to the tree's root, `/`-separated.
Nothing here judges: resolution (resolve/package.py) asks the questions.
"""

from __future__ import annotations

import os
import posixpath
import struct
import tarfile
import zipfile
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple, Union

from linkguard.limits import VIEW_CACHE_ENTRIES, Limits
from linkguard.magic import sniff
from linkguard.model import ElfFacts, LibraryFacts, MachoFacts, PackageInfo, PeFacts
from linkguard.packages.detect import Found, describe, find
from linkguard.readers import read_library
from linkguard.readers.corrupt import Corrupt
from linkguard.readers.elf import DT_NULL, DT_RPATH, DT_RUNPATH, DT_STRTAB, ELF_MAGIC, parse_header, parse_segments
from linkguard.readers.image import PT_DYNAMIC, PT_LOAD

Facts = Union[ElfFacts, PeFacts, MachoFacts]
MAX_DIRECTORY_VIEWS = 64  # directory roots whose listings and facts one process keeps
METADATA_NAMES = frozenset({"WHEEL", "METADATA", "package.json", "Info.plist", "__init__.py"})
MAX_PREFETCHED = 256  # metadata members read together in one pass over an archive


def library_of(facts: ElfFacts) -> LibraryFacts:
    """What a loader reads of an ELF object whose facts are known (its effective, unpacked facts)."""
    facts = facts.effective
    return LibraryFacts(
        machine=facts.machine,
        bits=facts.bits,
        soname=facts.soname,
        needed=facts.needed,
        rpath=facts.rpath,
        runpath=facts.runpath,
        version_needs=facts.version_needs,
    )


def _make_room(*caches: Dict[Any, Any]) -> None:
    """Memory stays flat on a large tree: a cache that is full is emptied (with the caches derived from it)."""
    if len(caches[0]) >= VIEW_CACHE_ENTRIES:
        for cache in caches:
            cache.clear()


class PackageView:
    """The questions resolution asks of a tree; `display_root` is how the tree's root is shown (its argument)."""

    def __init__(self, display_root: str) -> None:
        self.display_root = display_root
        self._packages: Dict[str, Tuple[Found, PackageInfo]] = {}  # by directory
        self._described: Dict[Found, PackageInfo] = {}
        self._rooted: Dict[str, Optional[Found]] = {}  # by directory: the package rooted there, if any

    def package(self, relative: str) -> Tuple[Found, PackageInfo]:
        """The innermost package holding the file at `relative`, recognised once per directory."""
        directory = posixpath.dirname(relative)
        cache = self._packages
        described = self._described
        if directory not in cache:
            _make_room(cache, self._rooted, self._described)
            found = find(relative, self, self._rooted)
            if found not in described:
                archive = self.display_root if not found.root else ""
                described[found] = describe(found, self.display(found.root), self.text, archive)
            cache[directory] = (found, described[found])
        return cache[directory]

    def listing(self, directory: str) -> Optional[FrozenSet[str]]:
        raise NotImplementedError

    def facts(self, relative: str) -> Optional[Facts]:
        raise NotImplementedError

    def library(self, relative: str) -> Optional[LibraryFacts]:
        raise NotImplementedError

    def text(self, relative: str, cap: int) -> Optional[bytes]:
        raise NotImplementedError

    def exists(self, relative: str) -> bool:
        names = self.listing(posixpath.dirname(relative))
        return names is not None and posixpath.basename(relative) in names

    def find_folded(self, directory: str, name: str) -> Optional[str]:
        """The entry of `directory` named `name` compared case-insensitively (as Windows and macOS find files)."""
        names = self.listing(directory)
        if names is None:
            return None
        if name in names:
            return name
        folded = name.lower()
        return next((n for n in sorted(names) if n.lower() == folded), None)

    def display(self, relative: str) -> str:
        """The display path of a file of the tree, as the walk shows it."""
        return posixpath.join(self.display_root, relative) if relative else self.display_root

    def searching_objects(self, root: str, cap: int) -> Optional[Dict[str, Tuple[str, ...]]]:
        """The ELF objects under `root` that carry a DT_RPATH or DT_RUNPATH (only they can make a loader look
        inside the package), each with those strings, in path order; None when the package holds more than `cap`
        files."""
        raise NotImplementedError

    def macho_objects(self, root: str, cap: int) -> Optional[Tuple[str, ...]]:
        """The Mach-O files under `root`, in path order; None when the package holds more than `cap` files."""
        raise NotImplementedError

    def loaded(self, relative: str) -> Optional[LibraryFacts]:
        """What glibc's loader reads of the ELF object at `relative` when it maps it (readers.read_library: its
        names, needs, search paths and versions, without the rest library() reads)."""
        return self.library(relative)

    def real(self, relative: str) -> str:
        """The file a path of the tree names, through symbolic links (a loader opens `libfoo.so.1`, the walk
        checks the file it links to)."""
        return relative


class DirectoryView(PackageView):
    """A directory on disk: listings, facts and libraries read once each."""

    def __init__(self, root: str, display_root: str, read: Callable[[str, int], object]) -> None:
        super().__init__(display_root)
        self.root = root
        self._read = read  # (location, size) -> Inspection or None: readers.read_artifact on a file artifact
        self._listings: Dict[str, Optional[FrozenSet[str]]] = {}
        self._facts: Dict[str, Optional[Facts]] = {}
        self._libraries: Dict[str, Optional[LibraryFacts]] = {}
        self._loaded: Dict[str, Optional[LibraryFacts]] = {}

    def _location(self, relative: str) -> str:
        return os.path.join(self.root, *relative.split("/")) if relative else self.root

    def listing(self, directory: str) -> Optional[FrozenSet[str]]:
        if directory in self._listings:
            return self._listings[directory]
        _make_room(self._listings)
        try:
            names: Optional[FrozenSet[str]] = frozenset(os.listdir(self._location(directory)))
        except OSError:
            names = None
        self._listings[directory] = names
        return names

    def facts(self, relative: str) -> Optional[Facts]:
        if relative not in self._facts:
            _make_room(self._facts, self._libraries)
            location = self._location(relative)
            try:
                size = os.stat(location).st_size
            except OSError:
                self._facts[relative] = None
                return None
            found = self._read(location, size)
            self._facts[relative] = found if isinstance(found, (ElfFacts, PeFacts, MachoFacts)) else None
        return self._facts[relative]

    def library(self, relative: str) -> Optional[LibraryFacts]:
        if relative not in self._libraries:
            facts = self.facts(relative)
            self._libraries[relative] = library_of(facts) if isinstance(facts, ElfFacts) else None
        return self._libraries[relative]

    def text(self, relative: str, cap: int) -> Optional[bytes]:
        try:
            with open(self._location(relative), "rb") as handle:
                data = handle.read(cap + 1)
        except OSError:
            return None
        return data if len(data) <= cap else None

    def loaded(self, relative: str) -> Optional[LibraryFacts]:
        if relative not in self._loaded:
            _make_room(self._loaded)
            found = read_library(self._location(relative), Limits())
            self._loaded[relative] = found if isinstance(found, LibraryFacts) else None
        return self._loaded[relative]

    def searching_objects(self, root: str, cap: int) -> Optional[Dict[str, Tuple[str, ...]]]:
        # Of every regular file only the ELF header, program headers, dynamic array and search path strings are
        # read: a directory of a thousand libraries costs milliseconds, not a second parse of each.
        files = self._files(root, cap)
        if files is None:
            return None
        found = {relative: _search_paths(location) for relative, location in files}
        return {relative: paths for relative, paths in found.items() if paths}

    def macho_objects(self, root: str, cap: int) -> Optional[Tuple[str, ...]]:
        files = self._files(root, cap)
        if files is None:
            return None
        return tuple(relative for relative, location in files if _is_macho(location))

    def _files(self, root: str, cap: int) -> Optional[List[Tuple[str, str]]]:
        """(path in the tree, location) of every regular file under `root`, in path order; None past `cap` entries
        (the whole package is listed before any file is opened: one over the cap costs its listing only)."""
        files: List[Tuple[str, str]] = []
        pending = [root]
        seen = 0
        while pending:
            directory = pending.pop()
            try:
                with os.scandir(self._location(directory)) as entries:
                    for entry in entries:
                        seen += 1
                        if seen > cap:
                            return None
                        relative = posixpath.join(directory, entry.name) if directory else entry.name
                        if entry.is_dir(follow_symlinks=False):
                            pending.append(relative)
                        elif entry.is_file(follow_symlinks=False):
                            files.append((relative, entry.path))
            except OSError:
                continue
        return sorted(files)

    def real(self, relative: str) -> str:
        location = self._location(relative)
        if not os.path.islink(location):
            return relative
        target = os.path.relpath(os.path.realpath(location), os.path.realpath(self.root))
        return relative if target.startswith("..") else target.replace(os.sep, "/")


DYNAMIC_CAP = 64 * 1024  # bytes of a dynamic array read at most by _search_paths (a real one is < 1 KiB)
PATH_CAP = 4096  # bytes of one DT_RPATH/DT_RUNPATH string read at most
HEAD_BYTES = 4096  # read first: the ELF header and, as linkers lay them out, the program headers
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _is_macho(location: str) -> bool:
    try:
        with open(location, "rb") as handle:
            return sniff(handle.read(8)) == "macho"
    except OSError:
        return False


def _search_paths(location: str) -> Tuple[str, ...]:
    """The DT_RPATH and DT_RUNPATH strings of the ELF object at `location` (none for another file)."""
    try:
        fd = os.open(location, _OPEN_FLAGS)
    except OSError:
        return ()
    try:
        head = os.pread(fd, HEAD_BYTES, 0)
        if head[:4] != ELF_MAGIC:
            return ()
        header = parse_header(head)
        size = min(header.phentsize * header.phnum, DYNAMIC_CAP)
        if header.phoff + size <= len(head):  # linkers put the program headers right after the ELF header
            table = head[header.phoff : header.phoff + size]
        else:
            table = os.pread(fd, size, header.phoff)
        segments = parse_segments(header, table)
        dynamic = next((s for s in segments if s.type == PT_DYNAMIC), None)
        if dynamic is None:
            return ()
        raw = os.pread(fd, min(dynamic.filesz, DYNAMIC_CAP), dynamic.offset)
        width = 8 if header.bits == 64 else 4
        count = len(raw) // width
        values = struct.unpack(f"{header.order}{count}{'q' if width == 8 else 'i'}", raw[: count * width])
        strtab: Optional[int] = None
        wanted: List[int] = []
        for tag, value in zip(values[::2], values[1::2]):
            if tag == DT_NULL:
                break
            if tag == DT_STRTAB:
                strtab = value
            elif tag in (DT_RPATH, DT_RUNPATH):
                wanted.append(value)
        if not wanted or strtab is None:
            return ()
        # DT_STRTAB is an address: the file offset is where the PT_LOAD segment holding it maps it from
        load = next((s for s in segments if s.type == PT_LOAD and s.vaddr <= strtab < s.vaddr + s.filesz), None)
        if load is None:
            return ()
        base = strtab - load.vaddr + load.offset
        return tuple(os.pread(fd, PATH_CAP, base + at).split(b"\0", 1)[0].decode("utf-8", "replace") for at in wanted)
    except (OSError, Corrupt, struct.error, OverflowError, ValueError):
        return ()
    finally:
        os.close(fd)


def member_name(name: str) -> str:
    """A member's name as a path inside the archive: without leading `./` and `/` (as tar and unzip extract it)."""
    while name.startswith("./") or name.startswith("/"):
        name = name[2:] if name.startswith("./") else name[1:]
    return name


class ArchiveView(PackageView):
    """An archive's members: names and facts collected as the archive streamed past; text read on demand."""

    def __init__(
        self,
        display_root: str,
        names: Iterable[str],
        facts: Mapping[str, Facts],
        texts: Optional[Callable[[Set[str], int], Dict[str, bytes]]] = None,
        separator: str = "!",
    ) -> None:
        super().__init__(display_root)
        self.separator = separator  # between the archive's path and a member's, as the walk shows members
        self._facts = {member_name(k): v for k, v in facts.items()}
        self._texts = texts
        self._read_texts: Dict[str, Optional[bytes]] = {}
        tree: Dict[str, Set[str]] = {}
        for name in names:
            name = member_name(name).rstrip("/")
            while name:
                parent, _, base = name.rpartition("/")
                children = tree.get(parent)
                if children is not None:  # `parent` is listed, and so are its own parents: nothing more to add
                    children.add(base)
                    break
                tree[parent] = {base}
                name = parent
        self._tree = {k: frozenset(v) for k, v in tree.items()}

    def listing(self, directory: str) -> Optional[FrozenSet[str]]:
        return self._tree.get(directory)

    def display(self, relative: str) -> str:
        if not relative or not self.display_root:
            return relative or self.display_root
        return f"{self.display_root}{self.separator}{relative}"

    def facts(self, relative: str) -> Optional[Facts]:
        return self._facts.get(relative)

    def library(self, relative: str) -> Optional[LibraryFacts]:
        facts = self._facts.get(relative)
        return library_of(facts) if isinstance(facts, ElfFacts) else None

    def macho_objects(self, root: str, cap: int) -> Optional[Tuple[str, ...]]:
        prefix = root + "/" if root else ""
        return tuple(n for n in sorted(self._facts) if n.startswith(prefix) and isinstance(self._facts[n], MachoFacts))

    def searching_objects(self, root: str, cap: int) -> Optional[Dict[str, Tuple[str, ...]]]:
        prefix = root + "/" if root else ""
        out: Dict[str, Tuple[str, ...]] = {}
        for name in sorted(self._facts):
            facts = self._facts[name]
            if name.startswith(prefix) and isinstance(facts, ElfFacts):
                paths = facts.effective.rpath + facts.effective.runpath
                if paths:
                    out[name] = paths
        return out

    def text(self, relative: str, cap: int) -> Optional[bytes]:
        if relative not in self._read_texts:
            if self._texts is None or not self.exists(relative):
                self._read_texts[relative] = None
            else:
                # A tar is read again from its start for this: ask for every metadata file at once, not one a pass.
                wanted = {relative, *(n for n in self._metadata_names() if n not in self._read_texts)}
                self._read_texts.update({**dict.fromkeys(wanted), **self._texts(wanted, cap)})
        return self._read_texts[relative]

    def _metadata_names(self) -> Set[str]:
        """The members package recognition and resolution may read (WHEEL, METADATA, package.json, Info.plist,
        __init__.py), at most MAX_PREFETCHED of them."""
        out: Set[str] = set()
        for directory, names in self._tree.items():
            for name in names & METADATA_NAMES:
                out.add(posixpath.join(directory, name) if directory else name)
                if len(out) >= MAX_PREFETCHED:
                    return out
        return out


def zip_texts(location: str) -> Callable[[Set[str], int], Dict[str, bytes]]:
    """Small members of a zip on disk, read by random access through its central directory."""

    def read(wanted: Set[str], cap: int) -> Dict[str, bytes]:
        out: Dict[str, bytes] = {}
        try:
            with zipfile.ZipFile(location) as archive:
                for name in wanted:
                    info = archive.getinfo(name)
                    if info.file_size <= cap:
                        with archive.open(info) as member:
                            data = member.read(cap + 1)
                        if len(data) <= cap:
                            out[name] = data
        except (OSError, KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, EOFError):
            pass  # the walk has reported the archive's defects; a metadata file we cannot read is absent
        return out

    return read


def tar_texts(location: str, max_members: int) -> Callable[[Set[str], int], Dict[str, bytes]]:
    """Small members of a tar on disk (any compression tarfile reads), found in one more pass over the stream."""

    def read(wanted: Set[str], cap: int) -> Dict[str, bytes]:
        out: Dict[str, bytes] = {}
        members = 0
        try:
            with tarfile.open(location, "r:*") as archive:
                for info in archive:
                    members += 1
                    if members > max_members:
                        break
                    name = member_name(info.name)
                    if name in wanted and info.isreg() and info.size <= cap:
                        handle = archive.extractfile(info)
                        if handle is not None:
                            out[name] = handle.read(cap)
                    if len(out) == len(wanted):
                        break
        except (OSError, tarfile.TarError, EOFError, ValueError):
            pass  # as for zip: the walk reported the defect; the file is absent here
        return out

    return read
