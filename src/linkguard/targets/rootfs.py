"""A root filesystem in a directory, seen as a program running inside it sees it (chroot semantics).

Paths are resolved one component at a time: an absolute symlink restarts at the root, `..` never climbs out of
it, and a chain of more than MAX_LINKS links is a miss, as the kernel gives up with ELOOP. Nothing is read from
the host outside the directory, so `/lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...` is looked up in the
target even when the host has the same path.
"""

from __future__ import annotations

import os
import posixpath
import stat
from typing import Callable, Dict, List, Optional

from linkguard.limits import Limits
from linkguard.model import LibraryFacts, Unreadable

MAX_LINKS = 40  # the kernel's limit on symlinks followed in one lookup (MAXSYMLINKS)
MAX_SMALL_FILE = 1 << 20  # configuration files read whole: ld.so.cache, ld-musl-*.path


class RootFs:
    """Files of one root filesystem directory, with the ELF objects in it read once each and kept."""

    def __init__(self, directory: str, name: str, limits: Optional[Limits] = None) -> None:
        self.directory = os.path.abspath(directory)
        self.name = name
        self._limits = limits or Limits()
        self._objects: Dict[str, Optional[LibraryFacts]] = {}
        self._by_path: Dict[str, Optional[LibraryFacts]] = {}
        self._walked: Dict[str, Optional[str]] = {}

    def host_path(self, path: str) -> Optional[str]:
        """The host path of the regular file at `path` inside the root, following links inside it; None if absent."""
        found = self._walk(path)
        if found is None:
            return None
        try:
            mode = os.stat(found).st_mode
        except OSError:
            return None
        return found if stat.S_ISREG(mode) else None

    def is_dir(self, path: str) -> bool:
        found = self._walk(path)
        return found is not None and os.path.isdir(found)

    def read_small(self, path: str) -> Optional[bytes]:
        """A small file's bytes (configuration), or None when absent or too large to be one."""
        found = self.host_path(path)
        if found is None:
            return None
        try:
            with open(found, "rb") as handle:
                data = handle.read(MAX_SMALL_FILE + 1)
        except OSError:
            return None
        return data if len(data) <= MAX_SMALL_FILE else None

    def object(self, path: str) -> Optional[LibraryFacts]:
        """The ELF object at `path` (read once per run), or None when there is none or it cannot be read."""
        if path in self._by_path:
            return self._by_path[path]
        found = self.host_path(path)
        facts: Optional[LibraryFacts] = None
        if found is not None:
            key = os.path.realpath(found)
            if key not in self._objects:
                read = read_object(found, self._limits)
                self._objects[key] = None if isinstance(read, Unreadable) else read
            facts = self._objects[key]
        self._by_path[path] = facts
        return facts

    def _walk(self, path: str) -> Optional[str]:
        if path not in self._walked:
            found = walk(path, self._kind, self._readlink)
            self._walked[path] = None if found is None else os.path.join(self.directory, found.lstrip("/"))
        return self._walked[path]

    def _kind(self, path: str) -> Optional[str]:
        try:
            mode = os.lstat(os.path.join(self.directory, path.lstrip("/"))).st_mode
        except OSError:
            return None
        return "link" if stat.S_ISLNK(mode) else "dir" if stat.S_ISDIR(mode) else "file"

    def _readlink(self, path: str) -> Optional[str]:
        try:
            return os.readlink(os.path.join(self.directory, path.lstrip("/")))
        except OSError:
            return None


def walk(path: str, kind: Callable[[str], Optional[str]], readlink: Callable[[str], Optional[str]]) -> Optional[str]:
    """`path` resolved inside a root, one component at a time (links followed, `..` stopping at the root).

    `kind(p)` says what is at root-relative path `p` ("link", "dir", "file" or None); `readlink(p)` where a link
    points. Returns the resolved path (`/usr/lib/x`), or None when a component is missing or links loop.
    """
    parts: List[str] = [p for p in path.split("/") if p]
    resolved: List[str] = []
    links = 0
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = "/" + "/".join([*resolved, part])
        what = kind(candidate)
        if what is None:
            return None
        if what == "link":
            links += 1
            target = readlink(candidate)
            if links > MAX_LINKS or target is None:
                return None
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p] + parts
            continue
        if parts and what != "dir":
            return None
        resolved.append(part)
    return "/" + "/".join(resolved)


class HostDir:
    """The artifact's own package on the build machine: the directory tree it was found in, read as is.

    `$ORIGIN` of an artifact checked from outside the target points into its package (a release directory): a
    library it bundles there is found there, everything else in the target.
    """

    def __init__(self, limits: Optional[Limits] = None) -> None:
        self._limits = limits or Limits()
        self._objects: Dict[str, Optional[LibraryFacts]] = {}

    def host_path(self, path: str) -> Optional[str]:
        return path if os.path.isfile(path) else None

    def object(self, path: str) -> Optional[LibraryFacts]:
        if not os.path.isfile(path):
            return None
        key = os.path.realpath(path)
        if key not in self._objects:
            facts = read_object(path, self._limits)
            self._objects[key] = None if isinstance(facts, Unreadable) else facts
        return self._objects[key]


def read_object(host_path: str, limits: Limits) -> LibraryFacts | Unreadable:
    """The loader's view of one ELF file on the host, or why it cannot be had."""
    from linkguard.readers import read_library

    return read_library(host_path, limits)


def inside(directory: str, host_path: str) -> Optional[str]:
    """`host_path` as a path inside root `directory` (`/app/bin/x`), or None when it lies outside."""
    directory = os.path.abspath(directory)
    real = os.path.abspath(host_path)
    if real == directory or not real.startswith(directory.rstrip("/") + "/"):
        return None
    return "/" + posixpath.relpath(real, directory)
