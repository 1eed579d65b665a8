"""glibc's ld.so: which file satisfies each need of a program, and what the loader says when one is missing.

The search for a DT_NEEDED name follows elf/dl-load.c (_dl_map_object):
1. a name with a slash is opened as it is;
2. an object already loaded under that name or soname is reused (the loader itself included);
3. if the needing object has no DT_RUNPATH: the DT_RPATH of the needing object, then of the object that loaded
   it, and on up; then the program's own DT_RPATH;
4. LD_LIBRARY_PATH;
5. the needing object's DT_RUNPATH (it serves that object's direct needs only);
6. /etc/ld.so.cache, then the default directories, unless the needing object has DF_1_NODEFLIB.
In each directory a file of another class or machine is passed over. `$ORIGIN` is the directory of the object
whose path it is in (the program's own, for the program); `$LIB` and `$PLATFORM` as the target's loader sets them.
Objects are mapped breadth first from the program; then every version need of each object, in load order, is
checked against the version definitions of the object that satisfied it. The first failure is what ld.so prints.
"""

from __future__ import annotations

import posixpath
from collections import deque
from dataclasses import dataclass, field
from typing import Deque, Dict, List, Optional, Protocol, Sequence, Tuple

from linkguard.model import LibraryFacts, TargetNeed, TargetResolution

MULTIARCH = {
    ("x86_64", 64): "x86_64-linux-gnu",
    ("i386", 32): "i386-linux-gnu",
    ("aarch64", 64): "aarch64-linux-gnu",
    ("arm", 32): "arm-linux-gnueabihf",
    ("ppc64", 64): "powerpc64le-linux-gnu",
    ("s390", 64): "s390x-linux-gnu",
    ("riscv", 64): "riscv64-linux-gnu",
    ("x86_64", 32): "x86_64-linux-gnux32",
}
PLATFORM = {"x86_64": "x86_64", "i386": "i686", "aarch64": "aarch64", "arm": "v7l", "ppc64": "power8", "s390": "z13"}


class Files(Protocol):
    """A file view: the target's root filesystem, or the artifact's own package on the build machine."""

    def host_path(self, path: str) -> Optional[str]: ...

    def object(self, path: str) -> Optional[LibraryFacts]: ...


@dataclass
class Loaded:
    path: str  # as the loader formed it: what its messages print
    facts: LibraryFacts
    files: Files  # where its $ORIGIN lies
    loader: Optional[Loaded]  # the object whose need brought it in (l_loader)
    names: Tuple[str, ...] = ()


@dataclass
class Search:
    """Everything that is the same for every object of one resolution."""

    target: Files
    cache: Optional[object]  # an ldcache.LdCache, or None when the target has no usable cache
    default_dirs: Sequence[str]
    lib: str  # what $LIB expands to
    ld_library_path: Sequence[str] = ()
    resolved: List[TargetResolution] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    # (needing object's path, name) -> (path of the object whose list found it, "DT_RPATH"/"DT_RUNPATH", entry):
    # whose search path found a need, which may be an object up the loading chain
    found_by: Dict[Tuple[str, str], Tuple[str, str, str]] = field(default_factory=dict)


def default_dirs(machine: str, bits: int, multiarch: bool) -> Tuple[str, ...]:
    """ld.so's built-in directories: Debian's multiarch ones first where the target is laid out so."""
    triplet = MULTIARCH.get((machine, bits))
    if multiarch and triplet:
        return (f"/lib/{triplet}", f"/usr/lib/{triplet}", "/lib", "/usr/lib")
    if bits == 64:
        return ("/lib64", "/usr/lib64")
    return ("/lib", "/usr/lib")


def expand(entry: str, origin: str, search: Search, machine: str) -> Optional[str]:
    """A search-path entry with $ORIGIN, $LIB and $PLATFORM (braced or not) expanded; None for an empty entry."""
    if not entry:
        return None
    for token, value in (("ORIGIN", origin), ("LIB", search.lib), ("PLATFORM", PLATFORM.get(machine, machine))):
        entry = entry.replace("${" + token + "}", value).replace("$" + token, value)
    return entry


def resolve(
    program_path: str, program: LibraryFacts, program_files: Files, interpreter: str, search: Search
) -> Tuple[List[TargetNeed], List[Loaded]]:
    """Map the program's closure as ld.so would; the unmet needs in the order ld.so meets them."""
    main = Loaded(program_path, program, program_files, None, (program_path,))
    loaded: List[Loaded] = [main]
    rtld_facts = search.target.object(interpreter)
    if rtld_facts is not None:
        rtld_names = (interpreter, posixpath.basename(interpreter)) + (
            (rtld_facts.soname,) if rtld_facts.soname else ()
        )
        loaded.append(Loaded(interpreter, rtld_facts, search.target, None, rtld_names))
    missing: List[TargetNeed] = []
    queue: Deque[Loaded] = deque([main])
    satisfied: Dict[Tuple[int, str], Loaded] = {}
    while queue:
        current = queue.popleft()
        for name in current.facts.needed:
            found = _already(loaded, name)
            if found is None:
                found = _map(name, current, main, search)
                if found is None:
                    missing.append(TargetNeed("library", name, current.path))
                    continue
                loaded.append(found)
                queue.append(found)
            else:
                search.resolved.append(TargetResolution(name, found.path, "loaded", current.path))
            satisfied[(id(current), name)] = found
    for obj in loaded:
        for need in obj.facts.version_needs:
            provider = satisfied.get((id(obj), need.library)) or _already(loaded, need.library)
            if provider is None:
                continue  # the library itself is missing: reported above
            if need.version not in provider.facts.version_defs:
                missing.append(TargetNeed("version", need.version, obj.path, library=provider.path, weak=need.weak))
    return missing, loaded


def _already(loaded: Sequence[Loaded], name: str) -> Optional[Loaded]:
    for obj in loaded:
        if name in obj.names or (obj.facts.soname is not None and obj.facts.soname == name):
            return obj
    return None


def _map(name: str, needer: Loaded, main: Loaded, search: Search) -> Optional[Loaded]:
    facts = needer.facts
    if "/" in name:
        return try_path(name, name, needer, search.target, "path", search) if name.startswith("/") else None
    if not facts.runpath:
        chain: Optional[Loaded] = needer
        did_main = False
        while chain is not None:
            if chain.facts.rpath and not chain.facts.runpath:
                hit = in_dirs(name, chain.facts.rpath, chain, needer, "rpath", search)
                if hit is not None:
                    return hit
                did_main = did_main or chain is main
            chain = chain.loader
        if not did_main and main.facts.rpath and not main.facts.runpath:
            hit = in_dirs(name, main.facts.rpath, main, needer, "rpath", search)
            if hit is not None:
                return hit
    for directory in search.ld_library_path:
        hit = try_path(posixpath.join(directory, name), name, needer, search.target, "ld_library_path", search)
        if hit is not None:
            return hit
    if facts.runpath:
        hit = in_dirs(name, facts.runpath, needer, needer, "runpath", search)
        if hit is not None:
            return hit
    if facts.nodeflib:
        return None
    if search.cache is not None:
        path = search.cache.lookup(name, facts.machine, facts.bits)  # type: ignore[attr-defined]
        if path is not None:
            hit = try_path(path, name, needer, search.target, "cache", search)
            if hit is not None:
                return hit
    for directory in search.default_dirs:
        hit = try_path(posixpath.join(directory, name), name, needer, search.target, "default", search)
        if hit is not None:
            return hit
    return None


def in_dirs(
    name: str, entries: Sequence[str], owner: Loaded, needer: Loaded, how: str, search: Search
) -> Optional[Loaded]:
    """Search the directories of one DT_RPATH/DT_RUNPATH: `owner` is the object whose path list it is."""
    origin = posixpath.dirname(owner.path)
    for entry in entries:
        for part in entry.split(":"):
            uses_origin = "$ORIGIN" in part or "${ORIGIN}" in part
            directory = expand(part, origin, search, owner.facts.machine)
            if directory is None:
                continue
            files = owner.files if uses_origin else search.target
            hit = try_path(
                directory.rstrip("/") + "/" + name, name, needer, files, "origin" if uses_origin else how, search
            )
            if hit is not None:
                tag = "DT_RUNPATH" if how == "runpath" else "DT_RPATH"
                search.found_by[(needer.path, name)] = (owner.path, tag, part)
                return hit
    return None


def try_path(path: str, name: str, needer: Loaded, files: Files, how: str, search: Search) -> Optional[Loaded]:
    facts = files.object(path)
    if facts is None:
        return None
    if facts.machine != needer.facts.machine or facts.bits != needer.facts.bits:
        return None  # ld.so passes over an object of another class or machine and searches on
    search.resolved.append(
        TargetResolution(name, path, how, needer.path, "target" if files is search.target else "bundled")
    )
    return Loaded(path, facts, files, needer, (path, name))


def message(program_path: str, need: TargetNeed) -> str:
    """The line glibc's ld.so prints for an unmet need, in its own words."""
    if need.kind == "library":
        return (
            f"{program_path}: error while loading shared libraries: {need.name}: cannot open shared object file: "
            "No such file or directory"
        )
    return f"{program_path}: {need.library}: version `{need.name}' not found (required by {need.required_by})"
