"""Walk files and directories into artifacts, without following links out of the given roots.

Special files (FIFOs, sockets, devices) are skipped from their lstat()/stat() result, never opened, so a FIFO
cannot hang the run. Errors while walking become `Problem` results, reported as LG901 by the caller.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from operator import attrgetter
from typing import IO, Iterator, List, Optional, Sequence, Tuple, Union

from linkguard.model import Skipped, Unreadable

CHUNK = 64  # candidates per list from walk_chunks
RUN = 4096  # candidates of one directory held at most before they are passed on


@dataclass(frozen=True, init=False)
class FileArtifact:
    """A regular file on disk. `path` is the display path (the argument joined with the path below it)."""

    path: str
    location: str
    size: int
    identity: Optional[Tuple[int, int]] = None  # (st_dev, st_ino): the same file reached by another path
    links: int = 1  # st_nlink
    via_link: bool = False  # reached through a symlink inside the roots
    root: str = ""  # the directory argument it was found under (the default package's root); "" for a file argument

    def __init__(
        self,
        path: str,
        location: str,
        size: int,
        identity: Optional[Tuple[int, int]] = None,
        links: int = 1,
        via_link: bool = False,
        root: str = "",
    ) -> None:
        # The dataclass's own frozen __init__ sets each field through object.__setattr__ (2.6 us); one is made for
        # every file of a tree, in the parent's walk: filling the instance dict directly costs 1.0 us.
        fields = self.__dict__
        fields["path"] = path
        fields["location"] = location
        fields["size"] = size
        fields["identity"] = identity
        fields["links"] = links
        fields["via_link"] = via_link
        fields["root"] = root

    def open(self) -> IO[bytes]:
        return open(self.location, "rb")


@dataclass(frozen=True)
class Problem:
    """A path that should have been checked but could not be reached."""

    path: str
    location: str
    unreadable: Unreadable


Candidate = Union[FileArtifact, Skipped, Problem]


def has_pattern(argument: str) -> bool:
    """Whether `argument` holds a glob metacharacter (`*`, `?`, `[`), as glob.glob and a shell read it."""
    return any(ch in argument for ch in "*?[")


def walk(arguments: Sequence[str]) -> Iterator[Candidate]:
    """Candidates for every argument, in argument order, directories sorted for a stable output."""
    for chunk in walk_chunks(arguments):
        yield from chunk


def walk_chunks(arguments: Sequence[str], size: int = CHUNK) -> Iterator[List[Candidate]]:
    """walk()'s candidates, in the same order, in lists of `size` (the last one shorter): the run's pipeline
    handles one list per step rather than one file, across however many directories the list spans."""
    roots = [os.path.realpath(a) for a in arguments]
    held: List[Candidate] = []
    for argument in arguments:
        for run in _argument(argument, roots):
            if held:
                run = held + run
            whole = len(run) - len(run) % size
            for start in range(0, whole, size):
                yield run[start : start + size]
            held = run[whole:]
    if held:
        yield held


def _argument(argument: str, roots: List[str]) -> Iterator[List[Candidate]]:
    try:
        st = os.stat(argument)  # an argument that is a symlink is followed: the user named it
    except FileNotFoundError:
        # The CLI expands a pattern the shell left unexpanded; one that reaches here matched nothing.
        missing = "no file matches this pattern" if has_pattern(argument) else "no such file or directory"
        yield [Problem(argument, argument, Unreadable(missing, "io"))]
        return
    except PermissionError:
        yield [Problem(argument, argument, Unreadable("permission denied", "permission"))]
        return
    except OSError as exc:
        yield [Problem(argument, argument, Unreadable(f"cannot stat: {exc.strerror}", "io"))]
        return
    if stat.S_ISDIR(st.st_mode):
        yield from _directory(argument, roots)
    else:
        yield [_file(argument, argument, st)]


def _directory(top: str, roots: List[str]) -> Iterator[List[Candidate]]:
    """Depth first, entries in name order; an explicit stack, so a deep tree cannot exhaust recursion. Yields the
    candidates of each run of a directory's entries between two subdirectories as one list.

    Every file of a tree passes here: the loop is kept tight (one lstat per entry, from its DirEntry; symlinks and
    directories are told apart by the directory listing's own type field)."""
    listing = _listing(top)
    if isinstance(listing, Problem):
        yield [listing]
        return
    stack: List[Iterator[os.DirEntry[str]]] = [iter(listing)]
    regular = stat.S_ISREG
    while stack:
        run: List[Candidate] = []
        append = run.append
        for entry in stack[-1]:
            try:
                if entry.is_symlink():
                    append(_link(entry.path, roots, top))
                elif entry.is_dir(follow_symlinks=False):
                    listing = _listing(entry.path)
                    if isinstance(listing, Problem):
                        append(listing)
                    else:
                        stack.append(iter(listing))
                        break  # into it; the rest of this directory once it is done
                else:
                    st = entry.stat(follow_symlinks=False)
                    path = entry.path
                    if regular(st.st_mode):
                        append(FileArtifact(path, path, st.st_size, (st.st_dev, st.st_ino), st.st_nlink, False, top))
                    else:
                        append(_file(path, path, st, root=top))
            except OSError as exc:
                append(Problem(entry.path, entry.path, Unreadable(f"cannot stat: {exc.strerror}", "io")))
            if len(run) >= RUN:  # a directory of a million files is not held whole as candidates
                yield run
                run = []
                append = run.append
        else:
            stack.pop()
        if run:
            yield run


_BY_NAME = attrgetter("name")


def _listing(directory: str) -> Union[List[os.DirEntry[str]], Problem]:
    try:
        with os.scandir(directory) as entries:
            listing = list(entries)
    except OSError as exc:
        kind = "permission" if isinstance(exc, PermissionError) else "io"
        return Problem(directory, directory, Unreadable(f"cannot list directory: {exc.strerror}", kind))
    listing.sort(key=_BY_NAME)
    return listing


def _link(path: str, roots: List[str], root: str = "") -> Candidate:
    target = os.path.realpath(path)
    if not any(target == r or target.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
        return Skipped(path, f"symlink to {os.readlink(path)} leaves the given roots; not followed")
    try:
        st = os.stat(path)
    except OSError:
        return Skipped(path, f"dangling symlink to {os.readlink(path)}")
    if stat.S_ISDIR(st.st_mode):
        return Skipped(path, "symlink to a directory inside the roots; its files are checked there")
    return _file(path, path, st, via_link=True, root=root)


def _file(path: str, location: str, st: os.stat_result, via_link: bool = False, root: str = "") -> Candidate:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return FileArtifact(
            path=path,
            location=location,
            size=st.st_size,
            identity=(st.st_dev, st.st_ino),
            links=st.st_nlink,
            via_link=via_link,
            root=root,
        )
    kind = (
        "FIFO"
        if stat.S_ISFIFO(mode)
        else "socket"
        if stat.S_ISSOCK(mode)
        else "character device"
        if stat.S_ISCHR(mode)
        else "block device"
        if stat.S_ISBLK(mode)
        else "special file"
    )
    return Skipped(path, f"{kind}; not opened")
